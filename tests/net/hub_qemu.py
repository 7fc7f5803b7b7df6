"""Hub semantics, checked against QEMU 7.2 itself: baremu -machine none and
qemu-system-i386 -machine none get the same command line (two hubs, -netdev
hubport with and without netdev=, a legacy -net socket on hub 0, a netdev on
no hub) and the same frames from python stream peers. Who receives what must
be identical in both, and equal to the rule: a frame goes to every other
port of its hub, never back to its sender, never to another hub. Then
"set_link a off" on both monitors (a link that is down neither sends nor
receives) and the same comparison again. Usage: hub_qemu.py TMPDIR"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted-asan/baremu")
tmp = sys.argv[1]
L = "127.0.0.1"
# a, b and the legacy -net socket (d) on hub 0; c and e on hub 1; f on none.
HUB = {"a": 0, "b": 0, "d": 0, "c": 1, "e": 1, "f": None}


def cmdline(ports, mon):
    args = []
    for n in ("a", "b", "c", "e", "f"):
        args += ["-netdev", f"stream,id={n},server=on,addr.type=inet,addr.host={L},addr.port={ports[n]}"]
    args += ["-netdev", "hubport,id=ha,hubid=0,netdev=a",
             "-netdev", "hubport,id=hb,hubid=0,netdev=b",
             "-netdev", "hubport,id=hc,hubid=1,netdev=c",
             "-netdev", "hubport,id=he,hubid=1,netdev=e",
             "-netdev", "hubport,id=hx,hubid=1",          # a hub port with no peer
             "-net", f"socket,listen={L}:{ports['d']}",
             "-monitor", f"tcp:{L}:{mon},server,nowait"]
    return args


def deliveries(peers, down=()):
    """Sends one frame from every peer; returns {(sender, receiver)}."""
    tag = os.urandom(4)
    sent = {}
    for i, (n, p) in enumerate(sorted(peers.items())):
        f = frame(mac(i + 1), b"\xff" * 6, tag + n.encode() * 40)
        sent[f] = n
        p.send(f)
    got = set()
    for n, p in peers.items():
        while True:
            f = p.recv(0.7)
            if f is None:
                break
            if f == "EOF":
                fail(f"peer {n} was disconnected")
            if f in sent:
                got.add((sent[f], n))
            elif f[14:18] == tag:
                fail(f"peer {n} received a frame that was never sent")
    return got


def expected(down=()):
    return {(s, r) for s in HUB for r in HUB
            if s != r and HUB[s] is not None and HUB[s] == HUB[r] and s not in down and r not in down}


def run(name, prog):
    names = ("a", "b", "c", "d", "e", "f")
    pl = free_ports(len(names) + 1)
    ports, mon = dict(zip(names, pl)), pl[-1]
    p = start(prog + cmdline(ports, mon), open(f"{tmp}/{name}.log", "wb"))
    try:
        peers = {n: StreamPeer((L, ports[n])) for n in names}
        m = Monitor(mon)
        time.sleep(0.3)
        first = deliveries(peers)
        m.cmd("set_link a off")
        time.sleep(0.1)
        second = deliveries(peers)
        m.cmd("set_link a on")
        time.sleep(0.1)
        third = deliveries(peers)
    finally:
        stop(p)
    return first, second, third


bq = run("qemu", ["qemu-system-i386", "-machine", "none", "-nodefaults", "-display", "none",
                  "-serial", "none"])
bb = run("baremu", [exe, "-machine", "none"])
want = (expected(), expected(down=("a",)), expected())
for i, label in enumerate(("flooding", "after set_link a off", "after set_link a on")):
    if bq[i] != want[i]:
        fail(f"{label}: QEMU itself does not follow the expected rule: "
             f"missing {sorted(want[i] - bq[i])}, extra {sorted(bq[i] - want[i])}")
    if bb[i] != bq[i]:
        fail(f"{label}: baremu's hubs differ from QEMU's: missing {sorted(bq[i] - bb[i])}, "
             f"extra {sorted(bb[i] - bq[i])}")
print(f"hub semantics equal to QEMU's: {len(want[0])} deliveries, "
      f"{len(want[1])} with a link down, {len(want[2])} after it came back")
