"""Boots the test guest (tools/guest/build.sh) in baremu with one emulated
NIC on -netdev user and checks the network path end to end with Linux's own
driver: the module binds (/proc/modules), udhcpc leases 10.0.2.15 with the
route via 10.0.2.2, `ping -c 2 10.0.2.2` answers, and wget downloads a file
from an HTTP server on the host's loopback (10.0.2.2:PORT) whose sha256
matches. With MONPORT (baremu's -monitor tcp:127.0.0.1:MONPORT,server,nowait
and the NIC's id=nic0), "set_link nic0 off" must be seen by the driver
(/sys/class/net/eth0/carrier reads 0, dmesg says the link is down) and
"set_link nic0 on" brings the carrier back and ping answers again. Then
poweroff. Timeouts are long: the interpreter needs minutes to boot Linux on a
shared host.
Usage: linux_net.py NAME LOG PORT SHA256 DRIVER_REGEX SHELL_TIMEOUT [MONPORT] -- COMMAND..."""
import re
import socket
import sys
import time

from vm import VM


def check(vm, cmd, timeout, want=None):
    st, out = vm.run(cmd, timeout)
    assert st == 0, "%r failed with status %d:\n%s" % (cmd, st, out)
    if want:
        assert want in out, "%r: %r not in its output:\n%s" % (cmd, want, out)
    return out


def monitor(port, line):
    """One command on baremu's TCP monitor; returns what it printed."""
    with socket.create_connection(("127.0.0.1", int(port)), 10) as c:
        c.settimeout(10)
        c.sendall((line + "\n").encode())
        out = b""
        end = time.monotonic() + 10
        while out.count(b"(qemu) ") < 2 and time.monotonic() < end:
            d = c.recv(4096)
            if not d:
                break
            out += d
        return out.decode(errors="replace")


def wait_carrier(vm, want, timeout):
    """Polls eth0's carrier (the driver's netif_carrier state) until it is want."""
    end = time.monotonic() + timeout
    got = None
    while time.monotonic() < end:
        st, got = vm.run("cat /sys/class/net/eth0/carrier", 60)
        if st == 0 and got.strip() == want:
            return
        time.sleep(1)
    raise AssertionError("eth0 carrier is %r, expected %s within %ds" % (got, want, timeout))


def set_link(vm, monport):
    out = monitor(monport, "set_link nic0 off")
    assert "rror" not in out, "set_link nic0 off: %r" % out
    wait_carrier(vm, "0", 120)
    msgs = check(vm, "dmesg | tail -n 20", 60)
    assert re.search(r"[Ll]ink (is )?[Dd]own|link down", msgs), "no link-down message in dmesg:\n" + msgs
    out = monitor(monport, "set_link nic0 on")
    assert "rror" not in out, "set_link nic0 on: %r" % out
    wait_carrier(vm, "1", 120)
    check(vm, "ping -c 2 -W 10 10.0.2.2", 120, want="2 packets received")


def main():
    name, log, port, sha, driver, shell_timeout = sys.argv[1:7]
    monport = None
    if sys.argv[7] != "--":
        monport = sys.argv[7]
        del sys.argv[7]
    assert sys.argv[7] == "--", __doc__
    argv = sys.argv[8:]
    t0 = time.monotonic()
    with VM(argv, log=log, name=name) as vm:
        vm.wait_shell(timeout=float(shell_timeout))
        t_shell = time.monotonic() - t0
        mods = check(vm, "cat /proc/modules", 120)
        if not re.search(driver, mods, re.M):
            st, diag = vm.run("ls /sys/bus/pci/devices; cat /sys/bus/pci/devices/*/modalias; "
                              "cat /proc/bus/pci/devices; dmesg | grep -i -E 'pci|irq|eth' | tail -n 40", 120)
            raise AssertionError("no module /%s/ loaded:\n%s\nPCI as the guest sees it:\n%s" % (driver, mods, diag))
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
        link = ""
        if monport:
            set_link(vm, monport)
            link = ", set_link off/on seen (carrier 0/1, dmesg), ping after"
        rc = vm.poweroff(300)
        assert rc == 0, "baremu exited with status %s after poweroff" % rc
        print("%s: shell %.0fs, DHCP lease %.0fs, ping ok, wget + sha256 ok (%.1fs), rx_bytes/rx_errors %s%s, total %.0fs"
              % (name, t_shell, t_lease, t_wget, " ".join(stats.split()), link, time.monotonic() - t0))


if __name__ == "__main__":
    main()
