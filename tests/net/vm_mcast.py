"""baremu and two Debian i386 QEMU VMs on one multicast group
(socket,mcast=230.0.0.1:PORT,localaddr=127.0.0.1, on loopback): the VMs
(192.168.76.1/.2) ping each other over the group, and both ping
192.168.76.3, a host that exists only behind baremu: a Python responder on a
stream link of baremu's hub answers its ARP and ICMP echo requests, so every
reply crosses baremu and the group. Usage: vm_mcast.py TMPDIR"""
import os
import struct
import sys
import threading
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "lib"))
from netpeer import free_ports, start, stop, fail, StreamPeer  # noqa
from vm import VM, VMError, qemu_i386  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted/baremu")
guest = top + "/build/guest"
tmp = sys.argv[1]
L = "127.0.0.1"
gp, rp = free_ports(2)
group = f"mcast=230.0.0.1:{gp},localaddr={L}"
MY_MAC = bytes.fromhex("525400cafe03")
MY_IP = bytes([192, 168, 76, 3])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


answered = {"arp": 0, "icmp": 0}


def responder(peer, stop_ev):
    while not stop_ev.is_set():
        f = peer.recv(0.5)
        if f is None:
            continue
        if f == "EOF":
            return
        et = f[12:14]
        if et == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == MY_IP:
            # ARP request for us: reply (RFC 826).
            sha, spa = f[22:28], f[28:32]
            rep = sha + MY_MAC + b"\x08\x06" + f[14:20] + b"\x00\x02" + MY_MAC + MY_IP + sha + spa
            peer.send(rep + b"\0" * (60 - len(rep)))
            answered["arp"] += 1
        elif et == b"\x08\x00" and f[30:34] == MY_IP and f[23] == 1:
            ihl = (f[14] & 15) * 4
            ip, icmp = bytearray(f[14:14 + ihl]), bytearray(f[14 + ihl:14 + struct.unpack("!H", f[16:18])[0]])
            if icmp[0] != 8:
                continue
            # Echo reply (RFC 792): swap addresses, type 0, new checksums.
            ip[12:16], ip[16:20] = f[30:34], f[26:30]
            ip[8] = 64
            ip[10:12] = b"\0\0"
            ip[10:12] = struct.pack("!H", csum(bytes(ip)))
            icmp[0] = 0
            icmp[2:4] = b"\0\0"
            icmp[2:4] = struct.pack("!H", csum(bytes(icmp)))
            peer.send(f[6:12] + MY_MAC + b"\x08\x00" + bytes(ip) + bytes(icmp))
            answered["icmp"] += 1


bm = start([exe, "-machine", "none", "-netdev", f"socket,id=g,{group}",
            "-netdev", f"stream,id=py,server=on,addr.type=inet,addr.host={L},addr.port={rp}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=g", "-netdev", "hubport,id=h2,hubid=0,netdev=py"],
           open(tmp + "/baremu.log", "wb"))
stop_ev = threading.Event()
peer = StreamPeer((L, rp))
th = threading.Thread(target=responder, args=(peer, stop_ev), daemon=True)
th.start()


def vm(i):
    return VM(qemu_i386("-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                        "-append", "console=ttyS0,115200 quiet", "-netdev", f"socket,id=n0,{group}",
                        "-device", f"e1000,netdev=n0,mac=52:54:00:12:34:{0x56 + i:02x}"),
              log=f"{tmp}/vm{i}.log", name=f"vm{i}")


try:
    with vm(1) as v1, vm(2) as v2:
        for i, v in ((1, v1), (2, v2)):
            v.wait_shell(timeout=240)
            v.run(f"ip addr add 192.168.76.{i}/24 dev eth0 && ip link set eth0 up", 30, check=True)
        for a, v, b in ((1, v1, 2), (2, v2, 1), (1, v1, 3), (2, v2, 3)):
            st, out = v.run(f"ping -c 3 -W 5 192.168.76.{b}", 60)
            # The VMs hear their own multicast frames too (QEMU's behaviour),
            # so busybox may count duplicates: require all 3 answered.
            if "3 packets received" not in out:
                fail(f"VM {a} cannot ping 192.168.76.{b} over the multicast group:\n{out}")
            print(f"VM {a} -> 192.168.76.{b}: 3/3 replies")
        v1.kill()
        v2.kill()
except VMError as e:
    fail(str(e))
finally:
    stop_ev.set()
    rc = stop(bm)
if answered["icmp"] < 6 or answered["arp"] < 1:
    fail(f"the responder behind baremu answered {answered}")
if rc != 0:
    fail(f"baremu exited {rc} on SIGTERM")
print(f"mcast ok: responder behind baremu answered {answered}")
