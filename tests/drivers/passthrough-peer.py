#!/usr/bin/env python3
"""Test peer for tests/drivers/passthrough.t.sh: two outer-QEMU segments
(-netdev socket,udp=...: one raw Ethernet frame per UDP datagram) joined to
the appliance's eth0 and eth1, which bridges them through two passthrough
ports on one hub, while its uplink (10.9.0.2) shares eth0.

Checks, each frame carrying random bytes:
  1. a unicast frame for an unknown MAC sent on segment A comes out on B byte-exact;
  2. one sent on B comes out on A byte-exact;
  3. an ARP request for 10.9.0.2 on A is answered by the uplink from eth0's
     MAC (the uplink shares the NIC), and the broadcast is also bridged to B;
  4. an ICMP echo request (ping) from A to 10.9.0.2 gets its echo reply
     from eth0's MAC with the same identifier, sequence and random payload.
Usage: passthrough-peer.py LISTEN_A SEND_A LISTEN_B SEND_B NIC0_MAC"""
import os, select, socket, struct, sys, time

la, sa, lb, sb = (int(x) for x in sys.argv[1:5])
nic0 = bytes.fromhex(sys.argv[5].replace(":", ""))

def sock(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    return s

A, B = sock(la), sock(lb)

def expect(s, pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.time()))
        if r:
            f = s.recv(65536)
            if pred(f):
                return f
    return None

def drain():
    for s in (A, B):
        while select.select([s], [], [], 0)[0]:
            s.recv(65536)

def bridged(src_sock, dst_port, sink, name, dst, src):
    f = bytes.fromhex(dst + src) + b"\x88\xb5" + os.urandom(200)
    for attempt in range(5):
        src_sock.sendto(f, ("127.0.0.1", dst_port))
        got = expect(sink, lambda g: g[12:14] == b"\x88\xb5", 2)
        if got is not None:
            if got != f:
                print("FAIL %s: frame changed in transit (%d bytes sent, %d received)" % (name, len(f), len(got)))
                sys.exit(1)
            print("ok %s: %d-byte frame bridged byte-exact (attempt %d)" % (name, len(f), attempt + 1))
            return
    print("FAIL %s: the frame never came out of the other NIC" % name)
    sys.exit(1)

drain()
# Station 0a0a lives on segment A, 0b0b on B (the bridge learns them so).
bridged(A, sa, B, "A->B (eth0 -> passthrough -> hub -> passthrough -> eth1)", "020000000b0b", "020000000a0a")
bridged(B, sb, A, "B->A (eth1 -> eth0)", "020000000a0a", "020000000b0b")

me = bytes.fromhex("020000000a0a")
arp = (b"\xff" * 6 + me + b"\x08\x06" +
       struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + me + bytes([10, 9, 0, 1]) + b"\x00" * 6 + bytes([10, 9, 0, 2]))
arp += b"\x00" * (60 - len(arp))
drain()
A.sendto(arp, ("127.0.0.1", sa))
reply = expect(A, lambda g: g[12:14] == b"\x08\x06" and g[20:22] == b"\x00\x02", 5)
if reply is None:
    print("FAIL: no ARP reply from the uplink sharing eth0")
    sys.exit(1)
if reply[6:12] != nic0 or reply[22:28] != nic0 or reply[28:32] != bytes([10, 9, 0, 2]):
    print("FAIL: ARP reply not from eth0's MAC %s / 10.9.0.2: %s" % (nic0.hex(), reply[:42].hex()))
    sys.exit(1)
print("ok: the uplink (10.9.0.2) answered ARP from eth0's MAC while eth0 is in passthrough")
flooded = expect(B, lambda g: g[12:14] == b"\x08\x06" and g[6:12] == me, 5)
if flooded is None or flooded[:42] != arp[:42]:
    print("FAIL: the ARP broadcast was not bridged to eth1 byte-exact")
    sys.exit(1)
print("ok: the ARP broadcast also reached segment B")

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff

payload = os.urandom(56)
ident, seq = 0x4242, 7
icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 1, 0, 64, 1, 0, bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2]))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
ping = nic0 + me + b"\x08\x00" + ip + icmp
drain()
A.sendto(ping, ("127.0.0.1", sa))
def is_reply(g):
    return g[12:14] == b"\x08\x00" and g[23] == 1 and g[34] == 0 and g[38:42] == struct.pack("!HH", ident, seq)
echo = expect(A, is_reply, 5)
if echo is None:
    print("FAIL: no ICMP echo reply from the uplink (10.9.0.2) on eth0")
    sys.exit(1)
ihl = (echo[14] & 15) * 4
if echo[6:12] != nic0 or echo[:6] != me or echo[26:30] != bytes([10, 9, 0, 2]) or echo[30:34] != bytes([10, 9, 0, 1]):
    print("FAIL: echo reply with wrong addresses: %s" % echo[:34].hex())
    sys.exit(1)
if echo[14 + ihl + 8:14 + ihl + 8 + len(payload)] != payload:
    print("FAIL: echo reply payload differs from the request's")
    sys.exit(1)
print("ok: the uplink (10.9.0.2) answered a ping from segment A byte-exact (%d-byte payload)" % len(payload))
