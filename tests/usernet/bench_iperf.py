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
run()'s third network, "tap" (bench_iperf_builds.py's "tap"), puts the
guest on -netdev tap in a network namespace the bench creates, iperf3 -s
there at 10.0.2.2: the peer is the host kernel's own TCP at native speed,
so what the guest reaches there is what the TCG guest can move at all, the
ceiling for a user-mode stack (no hostfwd GETs there).
BENCH_NIC=virtio-net-pci gives the guest that NIC instead of the e1000.
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


def cpu_seconds(stat):
    """User plus system CPU time so far of the process or thread whose
    /proc stat file this is (proc(5), fields 14-15)."""
    with open(stat) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vcpu_threads(pid):
    """The /proc stat files of QEMU's vCPU threads ("CPU 0/TCG"; QEMU names
    its threads with -name debug-threads=on)."""
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
            if f.read().startswith("CPU "):
                out.append("/proc/%d/task/%s/stat" % (pid, t))
    return out


def tap_namespace(ns):
    """A network namespace holding only a tap device at 10.0.2.2/24 (and lo):
    the guest's link when the host kernel is its peer."""
    for cmd in (["ip", "netns", "add", ns],
                ["ip", "-n", ns, "link", "set", "lo", "up"],
                ["ip", "-n", ns, "tuntap", "add", "dev", "tap0", "mode", "tap"],
                ["ip", "-n", ns, "addr", "add", "10.0.2.2/24", "dev", "tap0"],
                ["ip", "-n", ns, "link", "set", "tap0", "up"]):
        subprocess.run(cmd, check=True)


def run(kind, tmp, baremu, secs):
    procs = []
    results = {}
    ns = "bmceil%d" % os.getpid() if kind == "tap" else None
    nic = os.environ.get("BENCH_NIC", "e1000")
    try:
        iport, fport = free_port(), free_port()
        if ns:
            tap_namespace(ns)
            # The server listens inside the namespace, on the tap's address.
            procs.append(subprocess.Popen(["ip", "netns", "exec", ns, "iperf3", "-s", "-B", "10.0.2.2",
                                           "-p", str(iport)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            def listening():
                return ":%d " % iport in subprocess.run(["ip", "netns", "exec", ns, "ss", "-ltn"],
                                                         capture_output=True, text=True).stdout
            end = time.monotonic() + 10
            while time.monotonic() < end and not listening():
                time.sleep(0.1)
            assert listening(), "iperf3 -s did not start in namespace " + ns
        else:
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
        elif kind == "tap":
            net = ["-netdev", "tap,id=n0,ifname=tap0,script=no,downscript=no"]
        else:
            net = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % fport]
        # debug-threads names QEMU's threads, so the vCPU's ("CPU 0/TCG") is found.
        argv = ["qemu-system-i386", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                "-name", "bench,debug-threads=on",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                "-append", "console=ttyS0,115200"] + net + ["-device", nic + ",netdev=n0"]
        if ns:
            argv = ["ip", "netns", "exec", ns] + argv
        if os.environ.get("BENCH_PCAP"):
            argv += ["-object", "filter-dump,id=d0,netdev=n0,maxlen=80,file=%s/%s.pcap" % (tmp, kind)]
        with VM(argv, log=tmp + "/console-%s.log" % kind, name=kind) as vm:
            vm.wait_shell(timeout=180)
            if nic.startswith("virtio"):
                # virtio_pci binds by PCI ID; the net driver needs asking, and
                # busybox modprobe loads its dependencies one level deep only.
                st, out = vm.run("modprobe failover && modprobe virtio_net && sleep 1 && ip link show eth0", 60)
                assert st == 0, out
            if ns:
                # No DHCP server on the tap: QEMU's user-net addresses, set by hand.
                st, out = vm.run("ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up"
                                 " && ping -c 1 -W 5 10.0.2.2", 60)
            else:
                st, out = vm.run("udhcpc -i eth0 -n -q -t 5 -T 3", 60)
            assert st == 0, out
            # Whose CPU each transfer took: iperf3 -s, baremu (if any), QEMU,
            # and of QEMU the thread that runs the guest's CPU: when that
            # thread is busy all the time, the guest is the limit.
            stats = [("iperf3 -s", "/proc/%d/stat" % procs[0].pid)] + \
                ([("baremu", "/proc/%d/stat" % procs[1].pid)] if kind == "baremu" else []) + \
                [("qemu", "/proc/%d/stat" % vm.proc.pid)] + \
                [("qemu vCPU thread", path) for path in vcpu_threads(vm.proc.pid)]
            for direction, flag in (("guest->host", ""), ("host->guest", "-R")):
                before = [cpu_seconds(path) for _, path in stats]
                st, out = vm.run("iperf3 -J -c 10.0.2.2 -p %d -t %d %s" % (iport, secs, flag), secs + 60)
                assert st == 0, "iperf3 failed:\n" + out
                j = json.loads(out[out.index("{"):])
                bps = j["end"]["sum_received"]["bits_per_second"]
                results[direction] = bps
                used = [cpu_seconds(path) - b for (_, path), b in zip(stats, before)]
                per_vcpu = ""
                if stats[-1][0] == "qemu vCPU thread":
                    per_vcpu = "; %.0f Mbit per vCPU-second" % (
                        j["end"]["sum_received"]["bytes"] * 8 / 1e6 / max(used[-1], 0.01))
                print("  %s %s: %.1f Mbit/s in %.1f s; CPU seconds: %s%s" % (
                    kind, direction, bps / 1e6, j["end"]["sum_received"]["seconds"],
                    ", ".join("%s %.2f" % (name, u) for (name, _), u in zip(stats, used)), per_vcpu),
                      flush=True)
            if ns:
                vm.poweroff(60)
                return results
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
        if ns:
            subprocess.run(["ip", "netns", "del", ns])
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
