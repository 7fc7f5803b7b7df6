"""IPv6 on a user-mode network, seen from the Debian test guest (shared by
tests/usernet/guest_check.py, baremu's -netdev user, and
tests/guest/net_check.py, QEMU's libslirp, so both are held to the same
commands): the kernel has IPv6, SLAAC gives eth0 an address in fec0::/64
from the Router Advertisement (RFC 4862), the default route is via fe80::2, and echo to fec0::2 and fec0::3 is answered (neighbour
discovery of both first, RFC 4861); TCP over IPv6: wget from
http://[fec0::2]:PORT/, the host's [::1]:PORT."""
import re


def _run(vm, cmd, timeout=30):
    st, out = vm.run(cmd, timeout)
    return st, out


def check_slaac_and_ping(vm):
    """Asserts the steps above; returns the guest's global address."""
    st, out = _run(vm, "test -e /proc/net/if_inet6 && echo has-ipv6")
    assert st == 0 and "has-ipv6" in out, "the guest kernel has no IPv6 (/proc/net/if_inet6):\n" + out
    # DAD takes a second after the RA (Linux solicits at link up, retries).
    st, out = _run(vm, "for i in $(seq 40); do ip -6 addr show dev eth0 | grep 'inet6 fec0' | "
                   "grep -qv tentative && break; sleep 1; done; cat /proc/net/if_inet6", 60)
    # addr ifindex prefixlen scope flags name; fec0::/10 is site scope (0x40)
    # to Linux; flags without tentative (0x40) or dadfailed (0x08).
    m = None
    for line in out.splitlines():
        f = line.split()
        if len(f) == 6 and f[0].startswith("fec0000000000000") and f[2] == "40" and f[5] == "eth0" \
                and not int(f[4], 16) & 0x48:
            m = f[0]
    assert m, "no SLAAC address in fec0::/64 on eth0 (DAD done):\n" + out
    addr = ":".join(m[i:i + 4] for i in range(0, 32, 4))
    st, out = _run(vm, "ip -6 route")
    assert st == 0 and re.search(r"default via fe80::2 dev eth0", out), "no default route via fe80::2:\n" + out
    for dst in ("fec0::2", "fec0::3"):
        st, out = _run(vm, "ping -6 -c 1 -W 5 %s" % dst, 30)
        assert st == 0 and "1 packets received" in out, "ping -6 %s not answered:\n%s" % (dst, out)
    return addr


def resolve_with_fec0_3(vm, name, want):
    """nslookup with only `nameserver fec0::3` in /etc/resolv.conf; returns
    (status, output); resolv.conf is put back."""
    _run(vm, "cp /etc/resolv.conf /tmp/resolv.conf.v4 && echo 'nameserver fec0::3' > /etc/resolv.conf")
    try:
        st, out = _run(vm, "cat /etc/resolv.conf; nslookup -type=a %s" % name, 40)
    finally:
        _run(vm, "cp /tmp/resolv.conf.v4 /etc/resolv.conf")
    ok = st == 0 and want in out and "fec0::3" in out
    return ok, out


def wget_via_fec0_2(vm, port, path="/blob"):
    """wget http://[fec0::2]:PORT/PATH (TCP over IPv6 to the host's
    [::1]:PORT) into /tmp/blob6; returns (status, output), which ends with
    the file's sha256sum line when the download worked."""
    return _run(vm, "rm -f /tmp/blob6; wget -q -O /tmp/blob6 'http://[fec0::2]:%d%s' 2>&1 && "
                "sha256sum /tmp/blob6" % (port, path), 120)
