#!/usr/bin/env python3
"""Test peer for tests/drivers/socket-link.t.sh: segment C is a -netdev
socket,udp= link into the hosted baremu, segment B the outer QEMU's second
NIC (the appliance's eth1). Frames of random bytes must cross
C -> hosted hub -> stream link over TCP through the appliance's uplink ->
appliance hub -> passthrough eth1 -> B, and back, byte-exact.
Usage: link-peer.py LISTEN_C SEND_C LISTEN_B SEND_B"""
import os, select, socket, sys, time

lc, sc, lb, sb = (int(x) for x in sys.argv[1:5])

def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s

C, B = sock(lc), sock(lb)

def expect(s, pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if r:
            f = s.recv(65536)
            if pred(f):
                return f
    return None

def cross(src, port, sink, name, dst, srcmac, n):
    for i in range(n):
        f = bytes.fromhex(dst + srcmac) + b"\x88\xb5" + bytes([i]) + os.urandom(60 + 100 * i)
        for attempt in range(8):
            src.sendto(f, ("127.0.0.1", port))
            got = expect(sink, lambda g: g[12:15] == b"\x88\xb5" + bytes([i]), 2)
            if got is not None:
                break
        if got is None:
            print("FAIL %s: frame %d never arrived" % (name, i))
            sys.exit(1)
        if got != f:
            print("FAIL %s: frame %d changed in transit (%d bytes sent, %d received)" % (name, i, len(f), len(got)))
            sys.exit(1)
    print("ok %s: %d frames byte-exact" % (name, n))

cross(C, sc, B, "hosted baremu -> stream link -> appliance -> eth1", "020000000b0b", "020000000c0c", 10)
cross(B, sb, C, "eth1 -> appliance -> stream link -> hosted baremu", "020000000c0c", "020000000b0b", 10)
