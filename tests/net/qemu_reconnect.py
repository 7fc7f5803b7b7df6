"""reconnect= and a malformed peer, with a real QEMU 7.2 on the other end:
baremu -machine none is a stream client (server=off,reconnect=1) of
qemu-system-i386 -machine none's stream server, each with a python stream
peer on its hub. baremu starts first (QEMU is not there yet), connects when
QEMU comes up; a third peer on baremu sends a malformed length and is cut off
while the QEMU link keeps working; then QEMU is stopped and started again
twice and baremu (the same process) reconnects each time and frames cross
again. info network counts the connects and the bad frame.
Usage: qemu_reconnect.py TMPDIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted-asan/baremu")
tmp = sys.argv[1]
L = "127.0.0.1"
qp, qpy, bpy, badp, mon = free_ports(5)

bm = start([exe, "-machine", "none",
            "-netdev", f"stream,id=up,server=off,addr.type=inet,addr.host={L},addr.port={qp},reconnect=1",
            "-netdev", f"stream,id=py,server=on,addr.type=inet,addr.host={L},addr.port={bpy}",
            "-netdev", f"stream,id=bad,server=on,addr.type=inet,addr.host={L},addr.port={badp}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=up", "-netdev", "hubport,id=h2,hubid=0,netdev=py",
            "-netdev", "hubport,id=h3,hubid=0,netdev=bad",
            "-monitor", f"tcp:{L}:{mon},server,nowait"], open(tmp + "/baremu.log", "wb"))


def start_qemu(n):
    return start(["qemu-system-i386", "-machine", "none", "-nodefaults", "-display", "none",
                  "-monitor", "none", "-serial", "none",
                  "-netdev", f"stream,id=down,server=on,addr.type=inet,addr.host={L},addr.port={qp}",
                  "-netdev", f"stream,id=py,server=on,addr.type=inet,addr.host={L},addr.port={qpy}",
                  "-netdev", "hubport,id=h1,hubid=0,netdev=down",
                  "-netdev", "hubport,id=h2,hubid=0,netdev=py"], open(f"{tmp}/qemu{n}.log", "wb"))


def exchange(pq, pb, label, timeout=8):
    """Frames both ways; baremu may still be (re)connecting, so retry."""
    deadline = time.time() + timeout
    while True:
        f = frame(mac(1), mac(2), os.urandom(100))
        pq.send(f)
        if pb.recv_match(f, 0.5) == f:
            break
        if time.time() > deadline:
            fail(f"{label}: no frame from QEMU's side reached baremu's peer within {timeout}s")
    for i in range(5):
        f = frame(mac(2), mac(1), bytes([i]) * (60 + 300 * i))
        pb.send(f)
        if pq.recv_match(f) != f:
            fail(f"{label}: frame {i} from baremu's side did not reach QEMU's peer")
        g = frame(mac(1), mac(2), bytes([i]) * (50 + 250 * i))
        pq.send(g)
        if pb.recv_match(g) != g:
            fail(f"{label}: frame {i} from QEMU's side did not reach baremu's peer")


qm = None
try:
    m = Monitor(mon)
    pb = StreamPeer((L, bpy))
    time.sleep(1.5)   # baremu has tried (and failed) to connect by now
    if bm.poll() is not None:
        fail(f"baremu exited ({bm.returncode}) while its peer was absent")
    for rnd in range(3):
        qm = start_qemu(rnd)
        pq = StreamPeer((L, qpy))
        t0 = time.time()
        exchange(pq, pb, f"QEMU run {rnd + 1}")
        print(f"QEMU run {rnd + 1}: link up and frames both ways {time.time() - t0:.1f}s after start")
        if rnd == 0:
            bad = StreamPeer((L, badp))
            bad.send_raw(b"\x00\x10\x00\x01" + b"x" * 32)   # 1 MiB + 1: over the 64 KiB limit
            if bad.recv(5) != "EOF":
                fail("a malformed length on link 'bad' did not close that connection")
            exchange(pq, pb, "after the malformed length on another link")
            print("malformed length: that link closed, the QEMU link kept working")
        pq.close()
        stop(qm)
        qm = None
        if bm.poll() is not None:
            fail(f"baremu exited ({bm.returncode}) when QEMU went away")
        time.sleep(0.5)
    out = m.cmd("info network")
    import re
    up = re.search(r"up: type=stream .*connects=(\d+) disconnects=(\d+)", out)
    if not up or int(up.group(1)) != 3 or int(up.group(2)) != 3:
        fail(f"info network should count 3 connects and 3 disconnects on 'up':\n{out}")
    if not re.search(r"bad: type=stream .*bad=1", out):
        fail(f"info network does not count the malformed frame on 'bad':\n{out}")
    log = open(tmp + "/baremu.log", errors="replace").read()
    if "bad" not in log or "length" not in log:
        fail(f"baremu logged no error for the malformed length:\n{log[-2000:]}")
finally:
    if qm:
        stop(qm)
    rc = stop(bm)
if rc != 0:
    fail(f"baremu exited {rc} on SIGTERM")
print("qemu_reconnect ok: same baremu process across 3 QEMU runs")
