"""Two qemu-system-i386 VMs running the Debian i386 test guest, each with an
e1000 on a -netdev LINK to one `baremu -machine none`, joined by baremu's
hub 0: static IPs 192.168.76.1/.2 (only inside the emulated network), ping
both ways, a 512 KiB file copied with nc and its sha256 compared; then
baremu's filter-dump of VM 1's link is compared with QEMU's own filter-dump
of the same link (same frames; same order per direction).
Usage: vm_pair.py TMPDIR stream|socket|dgram"""
import collections
import os
import struct
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "lib"))
from netpeer import free_ports, start, stop, fail  # noqa
from vm import VM, VMError, qemu_i386  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted/baremu")
guest = top + "/build/guest"
tmp, kind = sys.argv[1], sys.argv[2]
L = "127.0.0.1"
p1, p2, r1, r2 = free_ports(4)


def links(i, port, rport):
    """(baremu's -netdev, the VM's -netdev) for link i."""
    if kind == "stream":
        return (f"stream,id=l{i},server=on,addr.type=inet,addr.host={L},addr.port={port}",
                f"stream,id=n0,server=off,addr.type=inet,addr.host={L},addr.port={port}")
    if kind == "socket":
        return f"socket,id=l{i},listen={L}:{port}", f"socket,id=n0,connect={L}:{port}"
    if kind == "dgram":
        return (f"dgram,id=l{i},local.type=inet,local.host={L},local.port={port},"
                f"remote.type=inet,remote.host={L},remote.port={rport}",
                f"dgram,id=n0,local.type=inet,local.host={L},local.port={rport},"
                f"remote.type=inet,remote.host={L},remote.port={port}")
    fail("unknown link kind " + kind)


b1, q1 = links(1, p1, r1)
b2, q2 = links(2, p2, r2)
bpcap, qpcap = tmp + "/baremu.pcap", tmp + "/qemu.pcap"
bm = start([exe, "-machine", "none", "-netdev", b1, "-netdev", b2,
            "-netdev", "hubport,id=h1,hubid=0,netdev=l1", "-netdev", "hubport,id=h2,hubid=0,netdev=l2",
            "-object", f"filter-dump,id=d,netdev=l1,file={bpcap}"], open(tmp + "/baremu.log", "wb"))
time.sleep(0.5)


def vm(i, netdev, extra):
    return VM(qemu_i386("-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                        "-append", "console=ttyS0,115200 quiet", "-netdev", netdev,
                        "-device", f"e1000,netdev=n0,mac=52:54:00:12:34:{0x56 + i:02x}", *extra),
              log=f"{tmp}/vm{i}.log", name=f"vm{i}")


ok = False
try:
    with vm(1, q1, ["-object", f"filter-dump,id=d,netdev=n0,file={qpcap}"]) as v1, vm(2, q2, []) as v2:
        for i, v in ((1, v1), (2, v2)):
            v.wait_shell(timeout=240)
            v.run(f"ip addr add 192.168.76.{i}/24 dev eth0 && ip link set eth0 up", 30, check=True)
        t0 = time.monotonic()
        st, out = v1.run("ping -c 3 -W 5 192.168.76.2", 60)
        if st != 0 or "3 packets received" not in out:
            fail(f"{kind}: VM 1 cannot ping VM 2 through baremu:\n{out}")
        st, out = v2.run("ping -c 3 -W 5 192.168.76.1", 60)
        if st != 0 or "3 packets received" not in out:
            fail(f"{kind}: VM 2 cannot ping VM 1 through baremu:\n{out}")
        v1.run("dd if=/dev/urandom of=/tmp/f bs=1024 count=512 2>/dev/null", 60, check=True)
        sha1 = v1.run("sha256sum /tmp/f", 30, check=True)[1].split()[0]
        v2.run("nc -l -p 5000 > /tmp/g &", 10, check=True)
        time.sleep(1)
        st, out = v1.run("nc -w 3 192.168.76.2 5000 < /tmp/f", 120)
        if st != 0:
            fail(f"{kind}: nc send failed ({st}):\n{out}")
        v2.run("wait", 60)
        sha2 = v2.run("sha256sum /tmp/g", 30, check=True)[1].split()[0]
        if sha1 != sha2:
            fail(f"{kind}: the copied file differs: {sha1} sent, {sha2} received")
        print(f"{kind}: ping both ways, 512 KiB copied with matching sha256 in "
              f"{time.monotonic() - t0:.1f}s")
        v1.run("sync", 10)
        time.sleep(0.5)
        v1.kill()
        v2.kill()
    ok = True
except VMError as e:
    fail(f"{kind}: {e}")
finally:
    rc = stop(bm)
if rc != 0:
    fail(f"baremu exited {rc} on SIGTERM (log {tmp}/baremu.log)")


def read_pcap(path):
    r = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"tshark cannot read {path}: {r.stderr}")
    d = open(path, "rb").read()
    out, off = [], 24
    while off + 16 <= len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    if len(out) != len(r.stdout.split()):
        fail(f"{path}: tshark sees {len(r.stdout.split())} frames, the file holds {len(out)}")
    return out


def subsequence(part, whole):
    """Whether part is whole with some frames left out, in the same order."""
    it = iter(whole)
    return all(any(f == g for g in it) for f in part)


ours, theirs = read_pcap(bpcap), read_pcap(qpcap)
by_src = lambda fs, m: [f for f in fs if f[6:12] == m]
vm1 = bytes.fromhex("525400123457")
others = lambda fs: [f for f in fs if f[6:12] != vm1]
o1, t1, o2, t2 = by_src(ours, vm1), by_src(theirs, vm1), others(ours), others(theirs)
if kind == "dgram":
    # UDP may lose datagrams: a loaded machine overflows a receiving socket
    # (QEMU's dgram peers lose them the same way; TCP in the guests resends,
    # the sha256 above proves the copy). What arrived must be exactly what
    # was sent, in order, with nothing made up.
    if 2 * len(o1) < len(t1) or 2 * len(t2) < len(o2):
        fail(f"{kind}: more than half the frames lost: baremu recorded {len(o1)} of VM 1's {len(t1)}, "
             f"VM 1 got {len(t2)} of baremu's {len(o2)}")
    if not subsequence(o1, t1):
        fail(f"{kind}: frames from VM 1 differ (not a subsequence): baremu recorded {len(o1)}, QEMU {len(t1)}")
    if not subsequence(t2, o2):
        fail(f"{kind}: frames to VM 1 differ (not a subsequence): baremu recorded {len(o2)}, QEMU {len(t2)}")
    print(f"{kind}: pcaps match: baremu {len(ours)} frames, QEMU {len(theirs)} "
          f"({len(t1) - len(o1)} from VM 1 and {len(o2) - len(t2)} to it lost in UDP)")
    sys.exit(0)
# QEMU may record a last frame or two that left VM 1 as it was killed.
if o1 != t1[:len(o1)] or len(t1) - len(o1) > 2:
    fail(f"{kind}: frames from VM 1 differ: baremu recorded {len(o1)}, QEMU {len(t1)}")
if o2[:len(t2)] != t2:
    fail(f"{kind}: frames to VM 1 differ: baremu recorded {len(o2)}, QEMU {len(t2)}")
print(f"{kind}: pcaps match: baremu {len(ours)} frames, QEMU {len(theirs)}")
