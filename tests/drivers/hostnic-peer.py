#!/usr/bin/env python3
"""Test peer for tests/drivers/hosted-nics.t.sh (runs inside a private
network namespace): frames of random bytes sent with AF_PACKET on IFACE must
come out of the hosted baremu's socket,udp= link (port LISTEN, it receives on
SEND), and frames sent into that link must appear on IFACE, byte-exact.
Usage: hostnic-peer.py IFACE LISTEN SEND"""
import os, select, socket, sys, time

iface, listen, send = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
raw.bind((iface, 0))
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", listen))

def expect(s, marker, timeout):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if r:
            f, *_ = s.recvfrom(65536) if s is udp else (s.recv(65536),)
            if f[12:15] == marker:
                return f
    return None

for direction in ("iface->link", "link->iface"):
    for i in range(5):
        marker = b"\x88\xb5" + bytes([i + (16 if direction == "link->iface" else 0)])
        f = bytes.fromhex("020000000d0d020000000e0e") + marker + os.urandom(80 + 200 * i)
        got = None
        for attempt in range(5):
            if direction == "iface->link":
                raw.send(f)
                got = expect(udp, marker, 2)
            else:
                udp.sendto(f, ("127.0.0.1", send))
                got = expect(raw, marker, 2)
            if got is not None:
                break
        if got != f:
            print("FAIL %s frame %d: %s" % (direction, i, "never arrived" if got is None else "changed in transit"))
            sys.exit(1)
    print("ok %s on %s: 5 frames byte-exact" % (direction, iface))
