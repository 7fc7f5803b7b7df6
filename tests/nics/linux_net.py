"""Boots the test guest (tools/guest/build.sh) in baremu with one emulated
NIC on -netdev user and checks the network path end to end with Linux's own
driver: the module binds (/proc/modules), udhcpc leases 10.0.2.15 with the
route via 10.0.2.2, `ping -c 2 10.0.2.2` answers, and wget downloads a file
from an HTTP server on the host's loopback (10.0.2.2:PORT) whose sha256
matches; then poweroff. Timeouts are long: the interpreter needs minutes to
boot Linux on a shared host.
Usage: linux_net.py NAME LOG PORT SHA256 DRIVER_REGEX SHELL_TIMEOUT -- COMMAND..."""
import re
import sys
import time

from vm import VM


def check(vm, cmd, timeout, want=None):
    st, out = vm.run(cmd, timeout)
    assert st == 0, "%r failed with status %d:\n%s" % (cmd, st, out)
    if want:
        assert want in out, "%r: %r not in its output:\n%s" % (cmd, want, out)
    return out


def main():
    name, log, port, sha, driver, shell_timeout = sys.argv[1:7]
    assert sys.argv[7] == "--", __doc__
    argv = sys.argv[8:]
    t0 = time.monotonic()
    with VM(argv, log=log, name=name) as vm:
        vm.wait_shell(timeout=float(shell_timeout))
        t_shell = time.monotonic() - t0
        mods = check(vm, "cat /proc/modules", 120)
        assert re.search(driver, mods, re.M), "no module /%s/ loaded:\n%s" % (driver, mods)
        check(vm, "udhcpc -i eth0 -n -q -t 10 -T 5", 300, want="eth0 10.0.2.15/24 router 10.0.2.2")
        t_lease = time.monotonic() - t0
        check(vm, "ip route", 120, want="default via 10.0.2.2 dev eth0")
        check(vm, "ping -c 2 -W 10 10.0.2.2", 120, want="2 packets received")
        t1 = time.monotonic()
        out = check(vm, "wget -q -O /tmp/blob http://10.0.2.2:%s/blob && sha256sum /tmp/blob" % port, 900)
        t_wget = time.monotonic() - t1
        got = out.split()[0] if out.split() else ""
        assert got == sha, "downloaded sha256 %s, expected %s" % (got, sha)
        st, stats = vm.run("cat /sys/class/net/eth0/statistics/rx_bytes /sys/class/net/eth0/statistics/rx_errors", 60)
        rc = vm.poweroff(300)
        assert rc == 0, "baremu exited with status %s after poweroff" % rc
        print("%s: shell %.0fs, DHCP lease %.0fs, ping ok, wget + sha256 ok (%.1fs), rx_bytes/rx_errors %s, total %.0fs"
              % (name, t_shell, t_lease, t_wget, " ".join(stats.split()), time.monotonic() - t0))


if __name__ == "__main__":
    main()
