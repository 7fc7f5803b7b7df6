"""Bounded memory, drop counters and backpressure: baremu -machine none
switches between stream links a, b and c. b's peer stops reading (small
receive buffer); c's reads everything.
1. a's peer pushes 20000 numbered 1514-byte frames (30 MB). The hub keeps
   taking them (c is ready): c gets all, in order; b's queue stays within
   its bound (queued_max <= 1024) and the excess is dropped and counted:
   b's rx + dropped + queued = a's tx, dropped > 0; RSS stays bounded.
2. set_link c off: no port of the hub can take a frame now, so baremu stops
   reading a (backpressure, as QEMU): a's peer blocks in send, nothing more
   is dropped.
3. b's peer reads again: it gets exactly what was counted as delivered or
   queued, then everything the blocked sender still had, intact and in order.
Usage: bounded.py TMPDIR"""
import os
import re
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from netpeer import *  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted/baremu")
tmp = sys.argv[1]
L = "127.0.0.1"
pa, pb, pc, pm = free_ports(4)
N, SIZE = 20000, 1514
RSS_BOUND_KIB = 24 * 1024   # queue limit 4 MiB + link buffers + slack


def rss(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def counters(text, name):
    m = re.search(rf"(?m)^\s*(?:\\ )*{name}: type=\S+ .*rx=(\d+)/\d+B tx=(\d+)/\d+B dropped=(\d+) "
                  r"queued=(\d+) queued_max=(\d+)", text)
    if not m:
        fail(f"info network has no counters for '{name}':\n{text}")
    return dict(zip(("rx", "tx", "dropped", "queued", "queued_max"), map(int, m.groups())))


bm = start([exe, "-machine", "none",
            "-netdev", f"stream,id=a,server=on,addr.type=inet,addr.host={L},addr.port={pa}",
            "-netdev", f"stream,id=b,server=on,addr.type=inet,addr.host={L},addr.port={pb}",
            "-netdev", f"stream,id=c,server=on,addr.type=inet,addr.host={L},addr.port={pc}",
            "-netdev", "hubport,id=ha,hubid=0,netdev=a", "-netdev", "hubport,id=hb,hubid=0,netdev=b",
            "-netdev", "hubport,id=hc,hubid=0,netdev=c",
            "-monitor", f"tcp:{L}:{pm},server,nowait"], open(tmp + "/baremu.log", "wb"))
pad = b"\0" * (SIZE - 14 - 4)


def blob(first, n):
    return b"".join(struct.pack(">I", SIZE) + frame(mac(1), b"\xff" * 6, struct.pack(">I", i) + pad)
                    for i in range(first, first + n))


def check(f, last, where):
    if f == "EOF":
        fail(f"{where}: the link closed")
    seq = struct.unpack(">I", f[14:18])[0]
    if len(f) != SIZE or f[:6] != b"\xff" * 6 or f[18:] != pad or seq <= last:
        fail(f"{where}: a frame is damaged or out of order (seq {seq} after {last})")
    return seq


try:
    mon = Monitor(pm)
    stall = socket.socket()
    stall.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stall.connect((L, pb))
    cpeer = StreamPeer((L, pc))
    tx = StreamPeer((L, pa))
    time.sleep(0.3)
    before = rss(bm.pid)
    peak = [before]
    stop_sampling = threading.Event()
    c_got = [0, -1]

    def sample():
        while not stop_sampling.is_set():
            peak[0] = max(peak[0], rss(bm.pid))
            time.sleep(0.02)

    def c_reader():
        while c_got[0] < N:
            f = cpeer.recv(10)
            if f is None:
                return
            c_got[1] = check(f, c_got[1], "c")
            c_got[0] += 1

    th, tc = threading.Thread(target=sample), threading.Thread(target=c_reader)
    th.start()
    tc.start()
    tx.s.settimeout(30)
    tx.s.sendall(blob(0, N))
    tc.join(30)
    time.sleep(0.5)
    stop_sampling.set()
    th.join()
    info = mon.cmd("info network")
    a, b = counters(info, "a"), counters(info, "b")
    print(f"1. RSS {before} KiB before, peak {peak[0]} KiB while {N} x {SIZE}-byte frames met a "
          f"stalled peer; b: rx={b['rx']} dropped={b['dropped']} queued={b['queued']} "
          f"queued_max={b['queued_max']}; a: tx={a['tx']}; c read {c_got[0]}")
    if c_got[0] != N:
        fail(f"c, which always read, got {c_got[0]} of {N} frames")
    if peak[0] - before > RSS_BOUND_KIB:
        fail(f"RSS grew by {peak[0] - before} KiB (bound {RSS_BOUND_KIB} KiB)")
    if b["queued_max"] > 1024 or b["queued"] > 1024:
        fail(f"the queue for b exceeded its 1024-frame limit: {b}")
    if b["dropped"] == 0:
        fail(f"no drops were counted although b's peer never read: {b}")
    if b["rx"] + b["dropped"] + b["queued"] != a["tx"] or a["tx"] != N:
        fail(f"frames unaccounted for: a sent {a['tx']} of {N}, b got {b['rx']} + dropped "
             f"{b['dropped']} + queued {b['queued']}")
    # 2. Only b is left and it cannot take frames: a must stop reading.
    mon.cmd("set_link c off")
    # More than the kernel's socket buffers can hold between the sender and
    # baremu: the receive side autotunes up to tcp_rmem's maximum (32 MiB on
    # some machines), the send side up to tcp_wmem's; twice both, in frames.
    def sysctl_max(name):
        try:
            with open("/proc/sys/net/ipv4/" + name) as f:
                return int(f.read().split()[2])
        except (OSError, ValueError, IndexError):
            return 8 << 20
    M = max(20000, 2 * (sysctl_max("tcp_rmem") + sysctl_max("tcp_wmem")) // 1514 + 1000)
    done = threading.Event()

    def sender():
        tx.s.settimeout(None)
        tx.s.sendall(blob(N, M))
        done.set()

    ts = threading.Thread(target=sender, daemon=True)
    ts.start()
    time.sleep(2)
    info = mon.cmd("info network")
    a2, b2 = counters(info, "a"), counters(info, "b")
    if done.is_set():
        fail(f"the sender of {M} more frames was not held back (a: tx={a2['tx']})")
    if b2["dropped"] != b["dropped"]:
        fail(f"frames were dropped although the link could have waited: {b['dropped']} -> {b2['dropped']}")
    print(f"2. set_link c off: a's sender is blocked (a: tx={a2['tx']}), b dropped no more")
    # 3. Read b again: everything counted as delivered or queued, then the rest.
    rd = StreamPeer.__new__(StreamPeer)
    rd.s, rd.buf = stall, b""
    got, last = 0, -1
    while True:
        f = rd.recv(3)
        if f is None:
            break
        last = check(f, last, "b after draining")
        got += 1
    want = N + M - b["dropped"]
    if not done.is_set():
        fail("the blocked sender never finished once b read again")
    if got != want:
        fail(f"b's peer read {got} frames once it read again; expected {want} "
             f"({N + M} sent, {b['dropped']} dropped)")
    info = mon.cmd("info network")
    b3 = counters(info, "b")
    if b3["queued"] != 0 or b3["dropped"] != b["dropped"]:
        fail(f"after draining: {b3}")
    print(f"3. drained: b read {got} frames in order; {b['dropped']} dropped in all, as counted")
finally:
    rc = stop(bm)
if rc != 0:
    fail(f"baremu exited {rc} on SIGTERM")
print("bounded ok")
