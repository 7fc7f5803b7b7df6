#!/usr/bin/env python3
"""Test body of tests/drivers/passthrough-vm.t.sh: a real QEMU VM (the
Debian i386 test guest, Linux e1000 driver) on segment A, the bare-metal
appliance bridging its eth0 (segment A, shared with its uplink 10.9.0.2) and
eth1 (segment B) through two passthrough ports on one hub, and a python
station 10.9.0.3 on segment B. Segments are outer-QEMU -netdev socket,udp=
pairs on loopback (one raw Ethernet frame per datagram).

Checks:
  1. the Linux VM pings the appliance's uplink 10.9.0.2 (3 replies);
  2. the Linux VM pings 10.9.0.3 across the passthrough bridge (3 replies);
  3. byte-exact: every frame the VM sent towards 10.9.0.3 (captured by
     filter-dump on the VM's own netdev) reached segment B unchanged, and
     every reply the B station sent reached the VM unchanged.
Usage: passthrough-vm.py TOP LOGDIR"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

top, logdir = sys.argv[1], sys.argv[2]
sys.path.insert(0, top + "/tests/lib")
from vm import VM  # noqa: E402

guest = top + "/build/guest"
VM_MAC = bytes.fromhex("525400123456")
B_MAC = bytes.fromhex("020000000b0b")
B_IP = bytes([10, 9, 0, 3])


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def udp_ports(n):
    ss = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in ss:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in ss]
    for s in ss:
        s.close()
    return ports


def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff


class Station(threading.Thread):
    """10.9.0.3 on segment B: answers ARP and ICMP echo; records frames."""

    def __init__(self, listen, send):
        super().__init__(daemon=True)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", listen))
        self.s.settimeout(0.2)
        self.send = send
        self.received, self.sent = [], []
        self.stop = False

    def out(self, f):
        self.sent.append(f)
        self.s.sendto(f, ("127.0.0.1", self.send))

    def run(self):
        while not self.stop:
            try:
                f = self.s.recv(65536)
            except socket.timeout:
                continue
            self.received.append(f)
            if len(f) >= 42 and f[12:14] == b"\x08\x06" and f[20:22] == b"\x00\x01" and f[38:42] == B_IP:
                arp = (f[6:12] + B_MAC + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 2) +
                       B_MAC + B_IP + f[22:28] + f[28:32])
                self.out(arp + b"\0" * (60 - len(arp)))
            elif len(f) >= 42 and f[12:14] == b"\x08\x00" and f[23] == 1 and f[30:34] == B_IP:
                ihl = (f[14] & 15) * 4
                tot = struct.unpack("!H", f[16:18])[0]
                icmp = f[14 + ihl:14 + tot]
                if icmp[0] != 8:
                    continue
                icmp = b"\0\0\0\0" + icmp[4:]
                icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
                ip = bytearray(f[14:14 + ihl])
                ip[8] = 64
                ip[12:16], ip[16:20] = f[30:34], f[26:30]
                ip[10:12] = b"\0\0"
                ip[10:12] = struct.pack("!H", csum(bytes(ip)))
                self.out(f[6:12] + B_MAC + b"\x08\x00" + bytes(ip) + icmp)


def pcap_frames(path):
    d = open(path, "rb").read()
    if len(d) < 24:
        return []
    endian = "<" if d[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    out, off = [], 24
    while off + 16 <= len(d):
        _, _, incl, _ = struct.unpack(endian + "IIII", d[off:off + 16])
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def main():
    pa_vm, pa_app, pb_st, pb_app = udp_ports(4)
    raw = logdir + "/drivers-passthrough-vm.serial.log"
    pcap = logdir + "/drivers-passthrough-vm.vm.pcap"
    for f in (raw, pcap):
        if os.path.exists(f):
            os.unlink(f)
    st = Station(pb_st, pb_app)
    st.start()
    cfg = "\n".join(["-uplink eth0,ip=10.9.0.2/24", "-netdev tap,id=p0,ifname=eth0",
                     "-netdev tap,id=p1,ifname=eth1", "-netdev hubport,id=h0,hubid=0,netdev=p0",
                     "-netdev hubport,id=h1,hubid=0,netdev=p1"])
    app = subprocess.Popen(
        [top + "/tools/run-qemu-efi.sh", "--machine", "pc", "--nic", "none", "--cfg-text", cfg,
         "--serial", "file:" + raw, "--timeout", "300", "--",
         "-netdev", "socket,id=a,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (pa_vm, pa_app),
         "-device", "e1000,netdev=a,mac=52:54:00:00:00:01",
         "-netdev", "socket,id=b,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (pb_st, pb_app),
         "-device", "e1000,netdev=b,mac=52:54:00:00:00:02"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    argv = ["qemu-system-x86_64", "-machine", "pc", "-m", "256M", "-nographic", "-no-reboot",
            "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", "console=ttyS0,115200",
            "-netdev", "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (pa_app, pa_vm),
            "-device", "e1000,netdev=n0,mac=52:54:00:12:34:56",
            "-object", "filter-dump,id=d0,netdev=n0,file=" + pcap]

    def log():
        try:
            return open(raw, errors="replace").read().replace("\r", "")
        except OSError:
            return ""

    try:
        with VM(argv, log=logdir + "/drivers-passthrough-vm.vm.log", name="linux") as vm:
            vm.wait_shell(timeout=240)
            end = time.monotonic() + 120
            while "net: p1: passthrough to eth1" not in log():
                if time.monotonic() > end or app.poll() is not None:
                    fail("the appliance did not set up its passthrough ports; log tail:\n" + log()[-1500:])
                time.sleep(0.5)
            s, out = vm.run("ifconfig eth0 10.9.0.1 netmask 255.255.255.0 up", 20)
            if s != 0:
                fail("ifconfig in the VM: " + out)
            for target, what in (("10.9.0.2", "the appliance's uplink sharing eth0"),
                                 ("10.9.0.3", "the station on segment B, across the passthrough bridge")):
                s, out = vm.run("ping -c 3 -s 200 -W 5 %s" % target, 60)
                if s != 0 or "3 packets received" not in out:
                    fail("ping %s (%s) from the Linux VM:\n%s" % (target, what, out))
                print("ok: the Linux VM pinged %s (%s): 3 of 3 replies" % (target, what), flush=True)
            vm.poweroff(60)
    finally:
        st.stop = True
        try:
            os.killpg(app.pid, 15)
        except OSError:
            pass
        app.wait(20)
    frames = pcap_frames(pcap)
    to_b = [f for f in frames if f[6:12] == VM_MAC and f[12:14] == b"\x08\x00" and f[30:34] == B_IP]
    from_b = [f for f in frames if f[6:12] == B_MAC and f[:6] == VM_MAC]
    if len(to_b) < 3 or len(from_b) < 3:
        fail("filter-dump on the VM's netdev shows %d frames to 10.9.0.3 and %d from it (want >= 3 each)"
             % (len(to_b), len(from_b)))
    for f in to_b:
        if f not in st.received:
            fail("a frame the VM sent to 10.9.0.3 (%d bytes) did not reach segment B unchanged" % len(f))
    for f in from_b:
        if f not in st.sent:
            fail("a frame the VM received from 10.9.0.3 (%d bytes) is not one the station sent" % len(f))
    replies = [f for f in st.sent if f[12:14] == b"\x08\x00"]
    for f in replies:
        if f not in from_b:
            fail("an echo reply the station sent (%d bytes) did not reach the VM unchanged" % len(f))
    print("ok: %d frames VM -> segment B and %d frames segment B -> VM crossed the passthrough bridge byte-exact"
          % (len(to_b), len(from_b)), flush=True)


if __name__ == "__main__":
    main()
