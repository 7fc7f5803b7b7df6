"""Boots the test guest with one emulated NIC on a user-mode network and
checks the guest network path end to end: the NIC driver binds, udhcpc gets
the lease 10.0.2.15 (address, default route via 10.0.2.2, DNS 10.0.2.3 in
resolv.conf), `ping -c 2 10.0.2.2` succeeds, and wget fetches a file from an
HTTP server on the host's loopback (10.0.2.2:PORT in the guest) whose sha256
matches; IPv6 as libslirp serves it (tests/lib/guest_ipv6.py: SLAAC in
fec0::/64, default route via fe80::2, ping -6 fec0::2 and fec0::3; whether
`nameserver fec0::3` resolves is printed, not required: libslirp forwards it
only to an IPv6 resolver of the host); with PORT6 in the environment, wget
fetches the same file over TCP over IPv6 from http://[fec0::2]:PORT6/ (an
HTTP server on the host's [::1]). Usage: net_check.py NAME LOG PORT SHA256
DRIVER_REGEX -- COMMAND..."""
import os
import sys
import time

import guest_ipv6
from vm import VM


def check(vm, cmd, timeout=30, want=None):
    st, out = vm.run(cmd, timeout)
    assert st == 0, "%r failed with status %d:\n%s" % (cmd, st, out)
    if want:
        assert want in out, "%r: %r not in its output:\n%s" % (cmd, want, out)
    return out


def main():
    name, log, port, sha, driver = sys.argv[1:6]
    assert sys.argv[6] == "--", __doc__
    argv = sys.argv[7:]
    t0 = time.monotonic()
    with VM(argv, log=log, name=name) as vm:
        vm.wait_shell(timeout=180)
        t_shell = time.monotonic() - t0
        mods = check(vm, "cat /proc/modules")
        import re
        assert re.search(driver, mods, re.M), "no module /%s/ loaded:\n%s" % (driver, mods)
        check(vm, "udhcpc -i eth0 -n -q -t 5 -T 3", 60, want="eth0 10.0.2.15/24 router 10.0.2.2")
        t_lease = time.monotonic() - t0
        check(vm, "ip -4 addr show dev eth0", want="inet 10.0.2.15/24")
        check(vm, "ip route", want="default via 10.0.2.2 dev eth0")
        check(vm, "cat /etc/resolv.conf", want="nameserver 10.0.2.3")
        out = check(vm, "ping -c 2 -W 5 10.0.2.2", 30, want="2 packets received")
        addr6 = guest_ipv6.check_slaac_and_ping(vm)
        ok6, _ = guest_ipv6.resolve_with_fec0_3(vm, "deb.debian.org", "Address")
        print("%s: ipv6 %s, ping -6 fec0::2/::3 ok, dns via fec0::3 %s"
              % (name, addr6, "ok" if ok6 else "not answered"))
        out = check(vm, "wget -q -O /tmp/blob http://10.0.2.2:%s/blob && sha256sum /tmp/blob" % port, 120)
        got = out.split()[0] if out.split() else ""
        assert got == sha, "downloaded sha256 %s, expected %s" % (got, sha)
        if os.environ.get("PORT6"):
            st, out = guest_ipv6.wget_via_fec0_2(vm, int(os.environ["PORT6"]))
            assert st == 0 and out.split() and out.split()[-2] == sha, \
                "TCP over IPv6: wget from [fec0::2] (the host's [::1]) failed:\n" + out
            print("%s: ipv6 tcp ok (wget via fec0::2, sha256 matched)" % name)
        rc = vm.poweroff(60)
        assert rc == 0, "the VM exited with status %s after poweroff" % rc
        print("%s: shell %.1fs, DHCP lease %.1fs, ping + wget + sha256 ok, total %.1fs"
              % (name, t_shell, t_lease, time.monotonic() - t0))


if __name__ == "__main__":
    main()
