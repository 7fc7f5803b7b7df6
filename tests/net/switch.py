"""baremu -machine none as a switch between three stream links (stream
server, socket listen, stream over a unix socket): flooding, no echo,
a malformed length closing only its link, the peer reconnecting, info
network counters, set_link, and filter-dump's pcap read back by tshark."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted-asan/baremu")
tmp = sys.argv[1]
pa, pb, pm = free_ports(3)
upath = tmp + "/c.sock"
pcap = tmp + "/a.pcap"
log = open(tmp + "/baremu.log", "wb")
bm = start([exe, "-machine", "none",
            "-netdev", f"stream,id=a,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port={pa}",
            "-netdev", f"socket,id=b,listen=127.0.0.1:{pb}",
            "-netdev", f"stream,id=c,server=on,addr.type=unix,addr.path={upath}",
            "-netdev", "hubport,id=ha,hubid=0,netdev=a",
            "-netdev", "hubport,id=hb,hubid=0,netdev=b",
            "-netdev", "hubport,id=hc,hubid=0,netdev=c",
            "-object", f"filter-dump,id=f0,netdev=a,file={pcap}",
            "-monitor", f"tcp:127.0.0.1:{pm},server,nowait"], log)
try:
    mon = Monitor(pm)
    a, b = StreamPeer(("127.0.0.1", pa)), StreamPeer(("127.0.0.1", pb))
    c = StreamPeer(upath)
    time.sleep(0.2)
    sent_a = []
    for i in range(20):
        f = frame(mac(1), b"\xff" * 6, bytes([i]) * (40 + i * 50))
        a.send(f)
        sent_a.append(f)
        if b.recv() != f or c.recv() != f:
            fail(f"frame {i} from a was not flooded to b and c unchanged")
    if a.recv(0.3) is not None:
        fail("the hub echoed a frame back to its sender")
    big = frame(mac(2), mac(1), os.urandom(9000))
    b.send(big)
    if a.recv() != big or c.recv() != big:
        fail("a 9000-byte frame from b did not reach a and c")
    # A length beyond the 64 KiB limit: c is closed, a and b keep working.
    c.send_raw(b"\x7f\xff\xff\xff" + b"x" * 16)
    if c.recv(5) != "EOF":
        fail("a malformed length did not close the link")
    f = frame(mac(1), mac(2), b"after")
    a.send(f)
    if b.recv() != f:
        fail("a and b stopped working after c's protocol error")
    c.close()
    c = StreamPeer(upath)   # the server listens again
    time.sleep(0.2)
    f = frame(mac(3), mac(1), b"back again")
    c.send(f)
    if a.recv() != f or b.recv() != f:
        fail("a reconnected peer on c was not switched")
    out = mon.cmd("info network")
    for want in ("hub 0", "ha:", "hb:", "hc:", "a: type=stream", "b: type=socket"):
        if want not in out:
            fail(f"info network lacks '{want}':\n{out}")
    if "bad=1" not in out:
        fail(f"info network does not count the malformed frame:\n{out}")
    out = mon.cmd("set_link b off")
    f = frame(mac(1), mac(2), b"link off")
    a.send(f)
    if b.recv(0.5) is not None:
        fail("set_link b off still delivered to b")
    if c.recv() != f:
        fail("set_link b off stopped delivery to c")
    mon.cmd("set_link b on")
    a.send(f)
    if b.recv() != f:
        fail("set_link b on did not restore delivery")
    c.recv()
    sent_a.append(f)
    if "unknown command" not in mon.cmd("frobnicate"):
        fail("an unknown monitor command gave no error")
    mon.s.sendall(b"quit\n")
    try:
        bm.wait(10)
    except subprocess.TimeoutExpired:
        fail("quit did not end baremu")
    if bm.returncode != 0:
        fail(f"baremu exited {bm.returncode} after quit (log {tmp}/baremu.log)")
    # The pcap holds, in order, every frame a sent and every frame sent to a.
    out = subprocess.run(["tshark", "-r", pcap, "-T", "fields", "-e", "frame.len", "-e", "eth.src"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        fail("tshark cannot read the pcap: " + out.stderr)
    rows = [l.split("\t") for l in out.stdout.splitlines()]
    want = [str(len(x)) for x in sent_a[:20]]
    got = [r[0] for r in rows]
    if got[:20] != want[:20] or len(rows) != 25:
        fail(f"pcap has {len(rows)} frames {got}, expected 25 starting {want[:20]}")
    print(f"switch ok: {len(rows)} frames in the pcap")
finally:
    stop(bm)
