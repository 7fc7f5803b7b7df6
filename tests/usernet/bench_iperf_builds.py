"""The QEMU guest's iperf3 (bench_iperf.py's run()) through libslirp and
through several baremu builds in one run, to see what a change does when a
single round's ratio swings with the machine: ROUNDS rounds, each network
once per round, the order reversed every other round; prints every figure
and the medians against libslirp's.
Usage: BAREMU_TOP=... PYTHONPATH=tests/lib bench_iperf_builds.py TMPDIR SECONDS ROUNDS BAREMU...
(BAREMU: a baremu binary, e.g. one built from another commit; unix:BINARY
links it to QEMU by a unix socket instead of TCP on loopback, as
BENCH_LINK=unix does in bench_iperf.py; "tap" is bench_iperf.py's tap
network, the host kernel's TCP on a tap, no baremu at all.)"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_iperf  # noqa: E402

MEASURES = ("guest->host", "host->guest", "hostfwd conn/s")


def main():
    tmp, secs, rounds, builds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    assert builds, __doc__
    res = {}
    for r in range(rounds):
        nets = [("libslirp", None)] + [(b, b) for b in builds]
        if r % 2:
            nets.reverse()
        for name, binary in nets:
            link = "unix" if binary and binary.startswith("unix:") else "inet"
            os.environ["BENCH_LINK"] = link
            if link == "unix":
                binary = binary[len("unix:"):]
            kind = "qemu-slirp" if binary is None else "tap" if binary == "tap" else "baremu"
            out = bench_iperf.run(kind, tmp, binary, secs)
            res.setdefault(name, []).append(out)
            print("round %d %s: %s" % (r + 1, name, ", ".join(
                "%s %.1f %s" % (m, out[m] / 1e6, "Mbit/s") if "->" in m else "%s %.1f" % (m, out[m])
                for m in MEASURES if m in out)), flush=True)
    for m in MEASURES:
        base = statistics.median(x[m] for x in res["libslirp"])
        print("median %s: %s" % (m, ", ".join(
            "%s %.2fx libslirp" % (b, statistics.median(x[m] for x in res[b]) / base)
            for b in builds if m in res[b][0])))


if __name__ == "__main__":
    main()
