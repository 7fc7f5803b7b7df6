"""A real QEMU 7.2 as baremu's peer, for each link type: python <-stream->
qemu-system-i386 -machine none (a hub) <-LINK-> baremu -machine none (a hub)
<-stream-> python. Frames cross both ways unchanged, and baremu's
filter-dump pcap matches QEMU's own filter-dump frame for frame (bytes
compared; both files opened by tshark). LINK, every QEMU 7.2 variant:
stream / stream-unix (baremu server=on, QEMU the client), stream-client /
stream-unix-client (QEMU server=on, baremu the client), socket (baremu
listen=, QEMU connect=), socket-connect (the other way round), udp
(socket,udp=,localaddr=), dgram / dgram-unix (local.* and remote.*),
mcast (socket,mcast=230.0.0.1,localaddr=127.0.0.1) and dgram-mcast (dgram
with a multicast remote; run inside a private network namespace).
Usage: qemu_peer.py TMPDIR LINK"""
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted-asan/baremu")
tmp, kind = sys.argv[1], sys.argv[2]
qp, bp, lp, mp, gp = free_ports(5)
L = "127.0.0.1"
usock, uq = tmp + "/link.sock", tmp + "/q.sock"
qemu_first = False   # QEMU is the listening side: start it first
if kind == "stream":
    b_link = f"stream,id=down,server=on,addr.type=inet,addr.host={L},addr.port={lp}"
    q_link = f"stream,id=up,server=off,addr.type=inet,addr.host={L},addr.port={lp}"
elif kind == "stream-client":
    q_link = f"stream,id=up,server=on,addr.type=inet,addr.host={L},addr.port={lp}"
    b_link = f"stream,id=down,server=off,addr.type=inet,addr.host={L},addr.port={lp}"
    qemu_first = True
elif kind == "stream-unix":
    b_link = f"stream,id=down,server=on,addr.type=unix,addr.path={usock}"
    q_link = f"stream,id=up,server=off,addr.type=unix,addr.path={usock}"
elif kind == "stream-unix-client":
    q_link = f"stream,id=up,server=on,addr.type=unix,addr.path={usock}"
    b_link = f"stream,id=down,server=off,addr.type=unix,addr.path={usock}"
    qemu_first = True
elif kind == "socket":
    b_link = f"socket,id=down,listen={L}:{lp}"
    q_link = f"socket,id=up,connect={L}:{lp}"
elif kind == "socket-connect":
    q_link = f"socket,id=up,listen={L}:{lp}"
    b_link = f"socket,id=down,connect={L}:{lp}"
    qemu_first = True
elif kind == "udp":
    b_link = f"socket,id=down,udp={L}:{mp},localaddr={L}:{lp}"
    q_link = f"socket,id=up,udp={L}:{lp},localaddr={L}:{mp}"
elif kind == "dgram":
    b_link = (f"dgram,id=down,local.type=inet,local.host={L},local.port={lp},"
              f"remote.type=inet,remote.host={L},remote.port={mp}")
    q_link = (f"dgram,id=up,local.type=inet,local.host={L},local.port={mp},"
              f"remote.type=inet,remote.host={L},remote.port={lp}")
elif kind == "dgram-unix":
    b_link = (f"dgram,id=down,local.type=unix,local.path={usock},"
              f"remote.type=unix,remote.path={uq}")
    q_link = (f"dgram,id=up,local.type=unix,local.path={uq},"
              f"remote.type=unix,remote.path={usock}")
elif kind == "mcast":
    b_link = f"socket,id=down,mcast=230.0.0.1:{gp},localaddr={L}"
    q_link = f"socket,id=up,mcast=230.0.0.1:{gp},localaddr={L}"
elif kind == "dgram-mcast":
    # No localaddr in QEMU's dgram: the group is joined on the default
    # interface, so this variant runs in a private network namespace whose
    # only interface is lo (qemu_dgram_mcast.t.sh sets that up).
    b_link = f"dgram,id=down,remote.type=inet,remote.host=230.0.0.1,remote.port={gp}"
    q_link = f"dgram,id=up,remote.type=inet,remote.host=230.0.0.1,remote.port={gp}"
else:
    fail("unknown link kind " + kind)

bpcap, qpcap = tmp + "/baremu.pcap", tmp + "/qemu.pcap"
bcut, qcut = tmp + "/baremu-cut.pcap", tmp + "/qemu-cut.pcap"   # maxlen=100
def start_baremu():
    return start([exe, "-machine", "none", "-netdev", b_link,
            "-netdev", f"stream,id=py,server=on,addr.type=inet,addr.host={L},addr.port={bp}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=down", "-netdev", "hubport,id=h2,hubid=0,netdev=py",
            "-object", f"filter-dump,id=d0,netdev=down,file={bpcap}",
            "-object", f"filter-dump,id=d1,netdev=down,file={bcut},maxlen=100"],
           open(tmp + "/baremu.log", "wb"))


def start_qemu():
    return start(["qemu-system-i386", "-machine", "none", "-nodefaults", "-display", "none",
            "-monitor", "none", "-serial", "none", "-netdev", q_link,
            "-netdev", f"stream,id=py,server=on,addr.type=inet,addr.host={L},addr.port={qp}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=up", "-netdev", "hubport,id=h2,hubid=0,netdev=py",
            "-object", f"filter-dump,id=d0,netdev=up,file={qpcap}",
            "-object", f"filter-dump,id=d1,netdev=up,file={qcut},maxlen=100"],
           open(tmp + "/qemu.log", "wb"))


if qemu_first:
    qm = start_qemu()
    time.sleep(0.5)
    bm = start_baremu()
else:
    bm = start_baremu()
    time.sleep(0.3)
    qm = start_qemu()
try:
    pq = StreamPeer((L, qp))
    pb = StreamPeer((L, bp))
    time.sleep(0.5)
    n = 0
    for i in range(10):
        f = frame(mac(1), mac(2), struct.pack(">I", i) + os.urandom(30 + 140 * i))
        pq.send(f)
        if pb.recv_match(f) != f:
            fail(f"{kind}: frame {i} from the QEMU side did not reach baremu's peer")
        g = frame(mac(2), mac(1), struct.pack(">I", 100 + i) + os.urandom(20 + 130 * i))
        pb.send(g)
        if pq.recv_match(g) != g:
            fail(f"{kind}: frame {i} from baremu's side did not reach the QEMU side")
        n += 2
    time.sleep(0.3)
finally:
    stop(qm)
    stop(bm)


def read_pcap(path, with_len=False):
    d = open(path, "rb").read()
    if len(d) < 24 or struct.unpack("<I", d[:4])[0] != 0xa1b2c3d4:
        fail(f"{path}: not a little-endian classic pcap")
    if struct.unpack("<I", d[20:24])[0] != 1:
        fail(f"{path}: link type is not Ethernet")
    out, off = [], 24
    while off + 16 <= len(d):
        incl, orig = struct.unpack("<II", d[off + 8:off + 16])
        out.append(d[off + 16:off + 16 + incl] if not with_len else (incl, orig, d[off + 16:off + 16 + incl]))
        off += 16 + incl
    return out


for p in (bpcap, qpcap, bcut, qcut):
    r = subprocess.run(["tshark", "-r", p, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"tshark cannot read {p}: {r.stderr}")
    if len(r.stdout.split()) != len(read_pcap(p)):
        fail(f"tshark counts {len(r.stdout.split())} frames in {p}, we parse {len(read_pcap(p))}")
ours, theirs = read_pcap(bpcap), read_pcap(qpcap)
if kind in ("mcast", "dgram-mcast"):
    # QEMU hears its own multicast datagrams (IP_MULTICAST_LOOP) and records
    # and forwards them again; baremu recognises its own echoes and drops
    # them. Compare with QEMU's second copies removed (and count them).
    seen, dedup, echoes = set(), [], 0
    for f in theirs:
        if f in seen:
            echoes += 1
            continue
        seen.add(f)
        dedup.append(f)
    if echoes != n // 2:
        fail(f"mcast: expected QEMU to hear its {n // 2} own frames, it heard {echoes}")
    theirs = dedup
test = lambda fs: [f for f in fs if f[12:14] == b"\x88\xb5"]
if len(test(theirs)) != n:
    fail(f"{kind}: QEMU's dump has {len(test(theirs))} test frames, expected {n}")
if test(ours) != test(theirs):
    fail(f"{kind}: baremu's pcap ({len(test(ours))} test frames) differs from QEMU's ({len(test(theirs))})")
if ours != theirs:
    fail(f"{kind}: baremu's pcap ({len(ours)} frames) differs from QEMU's ({len(theirs)}) in other frames")
print(f"{kind}: {n} frames crossed QEMU <-> baremu; pcaps match ({len(ours)} frames)")
# maxlen=100: the same records, cut the same way (captured and original lengths).
cut_ours, cut_theirs = read_pcap(bcut, True), read_pcap(qcut, True)
if kind in ("mcast", "dgram-mcast"):
    seen, dd = set(), []
    for r in cut_theirs:
        if r not in seen:
            seen.add(r)
            dd.append(r)
    cut_theirs = dd
if any(incl > 100 for incl, _, _ in cut_ours) or cut_ours != cut_theirs:
    fail(f"{kind}: with maxlen=100 baremu's records ({len(cut_ours)}) differ from QEMU's "
         f"({len(cut_theirs)}) in length fields or bytes")
print(f"{kind}: maxlen=100 dumps match too ({len(cut_ours)} records, "
      f"{sum(1 for i, o, _ in cut_ours if i < o)} cut)")
