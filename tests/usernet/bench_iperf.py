"""iperf3 guest -> host and host -> guest through a user-mode network: the
Debian i386 guest in qemu-system-i386 (TCG, e1000) on either QEMU's own
-netdev user (libslirp) or baremu's, linked by -netdev stream to a hosted
`baremu -machine none -netdev user`. iperf3 -s runs on the host's loopback
(10.0.2.2 in the guest). Then connections per second host -> guest:
sequential HTTP GETs through a hostfwd to busybox httpd in the guest (bound
by the TCG guest's fork per connection, so it shows the path's overhead
only when it is large). Prints one line per measure and network.
Usage: bench_iperf.py TMPDIR BAREMU SECONDS"""
import json
import os
import socket
import subprocess
import sys
import time

from localnet import free_port, wait_listen
from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"


def run(kind, tmp, baremu, secs):
    procs = []
    results = {}
    try:
        iport, fport = free_port(), free_port()
        procs.append(subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(iport)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert wait_listen(iport, 10), "iperf3 -s did not start"
        if kind == "baremu":
            sport = free_port()
            blog = open(tmp + "/baremu.log", "wb")
            procs.append(subprocess.Popen(
                [baremu, "-machine", "none", "-monitor", "none", "-netdev",
                 "user,id=u0,hostfwd=tcp:127.0.0.1:%d-:8080" % fport,
                 "-netdev", "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=%d" % sport,
                 "-netdev", "hubport,id=h0,hubid=0,netdev=u0", "-netdev", "hubport,id=h1,hubid=0,netdev=s0"],
                stdout=blog, stderr=blog, stdin=subprocess.DEVNULL))
            assert wait_listen(sport, 10), "baremu did not listen"
            net = ["-netdev", "stream,id=n0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=%d" % sport]
        else:
            net = ["-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080" % fport]
        argv = ["qemu-system-i386", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                "-append", "console=ttyS0,115200"] + net + ["-device", "e1000,netdev=n0"]
        with VM(argv, log=tmp + "/console-%s.log" % kind, name=kind) as vm:
            vm.wait_shell(timeout=180)
            st, out = vm.run("udhcpc -i eth0 -n -q -t 5 -T 3", 60)
            assert st == 0, out
            for direction, flag in (("guest->host", ""), ("host->guest", "-R")):
                st, out = vm.run("iperf3 -J -c 10.0.2.2 -p %d -t %d %s" % (iport, secs, flag), secs + 60)
                assert st == 0, "iperf3 failed:\n" + out
                j = json.loads(out[out.index("{"):])
                bps = j["end"]["sum_received"]["bits_per_second"]
                results[direction] = bps
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
    res = {k: run(k, tmp, baremu, secs) for k in ("qemu-slirp", "baremu")}
    for d in ("guest->host", "host->guest"):
        q, b = res["qemu-slirp"][d], res["baremu"][d]
        print("iperf3 %-12s libslirp %7.1f Mbit/s   baremu user %7.1f Mbit/s   ratio %.2fx"
              % (d, q / 1e6, b / 1e6, b / q))
    q, b = res["qemu-slirp"]["hostfwd conn/s"], res["baremu"]["hostfwd conn/s"]
    print("hostfwd HTTP GETs into the guest: libslirp %.1f conn/s   baremu user %.1f conn/s   ratio %.2fx"
          % (q, b, b / q))


if __name__ == "__main__":
    main()
