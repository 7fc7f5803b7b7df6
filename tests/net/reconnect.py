"""-netdev stream,server=off,reconnect=1: baremu starts before its peer is
listening and connects once it is; when the peer drops the connection,
baremu reconnects by itself and frames flow again through the hub, without
restarting baremu (same process throughout)."""
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted-asan/baremu")
tmp = sys.argv[1]
rp, cp = free_ports(2)
L = "127.0.0.1"
bm = start([exe, "-machine", "none",
            "-netdev", f"stream,id=r,server=off,addr.type=inet,addr.host={L},addr.port={rp},reconnect=1",
            "-netdev", f"stream,id=c,server=on,addr.type=inet,addr.host={L},addr.port={cp}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=r", "-netdev", "hubport,id=h2,hubid=0,netdev=c"],
           open(tmp + "/baremu.log", "wb"))


class Accepted(StreamPeer):
    def __init__(self, s):
        self.s, self.buf = s, b""


def accept(ls, timeout):
    r, _, _ = select.select([ls], [], [], timeout)
    if not r:
        fail(f"baremu did not (re)connect within {timeout}s")
    return Accepted(ls.accept()[0])


try:
    time.sleep(1.5)
    if bm.poll() is not None:
        fail("baremu exited while its reconnecting peer was absent")
    c = StreamPeer((L, cp))
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((L, rp))
    ls.listen(1)
    for round in range(3):
        t0 = time.monotonic()
        r = accept(ls, 5)
        dt = time.monotonic() - t0
        time.sleep(0.2)
        f = frame(mac(1), mac(2), struct.pack(">I", round) + b"to r")
        c.send(f)
        if r.recv() != f:
            fail(f"round {round}: a frame did not reach the reconnected peer")
        g = frame(mac(2), mac(1), struct.pack(">I", round) + b"from r")
        r.send(g)
        if c.recv() != g:
            fail(f"round {round}: a frame from the reconnected peer did not come through")
        print(f"round {round}: connected after {dt:.1f}s, frames both ways")
        r.close()   # drop it: baremu must come back by itself
    if bm.poll() is not None:
        fail("baremu exited")
finally:
    stop(bm)
print("reconnect ok")
