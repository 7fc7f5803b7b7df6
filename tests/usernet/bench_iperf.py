"""iperf3 guest -> host and host -> guest through a user-mode network: the
Debian i386 guest in qemu-system-i386 (TCG, e1000) on either QEMU's own
-netdev user (libslirp) or baremu's, linked by -netdev stream to a hosted
`baremu -machine none -netdev user`. iperf3 -s runs on the host's loopback
(10.0.2.2 in the guest). Then connections per second host -> guest:
sequential HTTP GETs through a hostfwd to busybox httpd in the guest (bound
by the TCG guest's fork per connection, so it shows the path's overhead
only when it is large). Prints one line per measure and network, and the
CPU seconds each process took during each transfer. BENCH_ROUNDS=N (default
1) repeats the pair N times and adds the medians: one round's ratio swings
by up to 2x with the machine, since the TCG guest is the limit.
BENCH_LINK=unix links QEMU to baremu by a unix socket instead of TCP on
loopback (both -netdev stream). BENCH_PCAP=1 also records the guest NIC's
frames (headers) in TMPDIR/KIND.pcap with QEMU's filter-dump, for tshark.
Usage: bench_iperf.py TMPDIR BAREMU SECONDS"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time

from localnet import free_port, wait_listen
from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"


def cpu_seconds(pid):
    """User plus system CPU time of a process so far (proc(5), fields 14-15)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(kind, tmp, baremu, secs):
    procs = []
    results = {}
    try:
        iport, fport = free_port(), free_port()
        procs.append(subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(iport)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert wait_listen(iport, 10), "iperf3 -s did not start"
        if kind == "baremu":
            # The link between QEMU and baremu: TCP on loopback, or with
            # BENCH_LINK=unix a unix socket (both are QEMU's -netdev stream).
            unix = os.environ.get("BENCH_LINK") == "unix"
            if unix:
                path = tmp + "/baremu-link.sock"
                if os.path.exists(path):
                    os.unlink(path)
                addr = "addr.type=unix,addr.path=" + path
            else:
                sport = free_port()
                addr = "addr.type=inet,addr.host=127.0.0.1,addr.port=%d" % sport
            blog = open(tmp + "/baremu.log", "wb")
            procs.append(subprocess.Popen(
                [baremu, "-machine", "none", "-monitor", "none", "-netdev",
                 "user,id=u0,hostfwd=tcp:127.0.0.1:%d-:8080" % fport,
                 "-netdev", "stream,id=s0,server=on," + addr,
                 "-netdev", "hubport,id=h0,hubid=0,netdev=u0", "-netdev", "hubport,id=h1,hubid=0,netdev=s0"],
                stdout=blog, stderr=blog, stdin=subprocess.DEVNULL))
            if unix:
                end = time.monotonic() + 10
                while not os.path.exists(path) and time.monotonic() < end:
                    time.sleep(0.1)
                assert os.path.exists(path), "baremu did not listen on " + path
            else:
                assert wait_listen(sport, 10), "baremu did not listen"
            net = ["-netdev", "stream,id=n0,server=off," + addr]
        else:
            net = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % fport]
        argv = ["qemu-system-i386", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                "-append", "console=ttyS0,115200"] + net + ["-device", "e1000,netdev=n0"]
        if os.environ.get("BENCH_PCAP"):
            argv += ["-object", "filter-dump,id=d0,netdev=n0,maxlen=80,file=%s/%s.pcap" % (tmp, kind)]
        with VM(argv, log=tmp + "/console-%s.log" % kind, name=kind) as vm:
            vm.wait_shell(timeout=180)
            st, out = vm.run("udhcpc -i eth0 -n -q -t 5 -T 3", 60)
            assert st == 0, out
            # Whose CPU each transfer took: iperf3 -s, baremu (if any), QEMU.
            pids = [("iperf3 -s", procs[0].pid)] + \
                ([("baremu", procs[1].pid)] if kind == "baremu" else []) + [("qemu", vm.proc.pid)]
            for direction, flag in (("guest->host", ""), ("host->guest", "-R")):
                before = [cpu_seconds(pid) for _, pid in pids]
                st, out = vm.run("iperf3 -J -c 10.0.2.2 -p %d -t %d %s" % (iport, secs, flag), secs + 60)
                assert st == 0, "iperf3 failed:\n" + out
                j = json.loads(out[out.index("{"):])
                bps = j["end"]["sum_received"]["bits_per_second"]
                results[direction] = bps
                print("  %s %s: %.1f Mbit/s; CPU seconds: %s" % (
                    kind, direction, bps / 1e6, ", ".join("%s %.2f" % (name, cpu_seconds(pid) - b)
                                                        for (name, pid), b in zip(pids, before))),
                      flush=True)
            # Connections per second host -> guest through hostfwd: sequential
            # HTTP/1.0 GETs of a tiny file from busybox httpd in the guest.
            st, out = vm.run("mkdir -p /tmp/w && echo x > /tmp/w/x && httpd -p 8080 -h /tmp/w", 30)
            assert st == 0, out
            n, t0 = 0, time.monotonic()
            while time.monotonic() - t0 < secs:
                c = socket.create_connection(("127.0.0.1", fport), 10)
                c.settimeout(10)
                c.sendall(b"GET /x HTTP/1.0\r\n\r\n")
                data = b""
                while True:
                    d = c.recv(4096)
                    if not d:
                        break
                    data += d
                c.close()
                assert data.endswith(b"x\n"), "hostfwd GET: %r" % data
                n += 1
            results["hostfwd conn/s"] = n / (time.monotonic() - t0)
            vm.poweroff(60)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
    return results


def main():
    tmp, baremu, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    rounds = int(os.environ.get("BENCH_ROUNDS", "1"))
    measures = ("guest->host", "host->guest", "hostfwd conn/s")
    ratios = {m: [] for m in measures}
    for r in range(rounds):
        # Alternate which network goes first, so a drift in the machine's
        # load does not always favour the same one.
        order = ("qemu-slirp", "baremu") if r % 2 == 0 else ("baremu", "qemu-slirp")
        res = {k: run(k, tmp, baremu, secs) for k in order}
        for m in measures:
            q, b = res["qemu-slirp"][m], res["baremu"][m]
            ratios[m].append(b / q)
            if m == "hostfwd conn/s":
                print("hostfwd HTTP GETs into the guest: libslirp %.1f conn/s   baremu user %.1f conn/s   "
                      "ratio %.2fx" % (q, b, b / q), flush=True)
            else:
                print("iperf3 %-12s libslirp %7.1f Mbit/s   baremu user %7.1f Mbit/s   ratio %.2fx"
                      % (m, q / 1e6, b / 1e6, b / q), flush=True)
    if rounds > 1:
        for m in measures:
            print("median of %d rounds, %s: baremu / libslirp %.2fx (%s)" % (
                rounds, m, statistics.median(ratios[m]), ", ".join("%.2f" % x for x in ratios[m])))


if __name__ == "__main__":
    main()
