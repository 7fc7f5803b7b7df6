#!/usr/bin/env python3
"""-netdev user option handling compared with the real QEMU, case by case:
each option string is given to qemu-system-i386 and to baremu (both
-machine none, the monitor on stdin told to quit); both must accept it, or
both refuse it with the same message (the text after "-netdev OPTS: ").
Usage: options_qemu.py BAREMU QEMU"""
import subprocess
import sys

# (options, note). A note marks a case whose refusal text legitimately
# differs (the option is refused by both, for a different reason).
CASES = [
    ("", None),
    ("net=10.0.3.0/24", None), ("net=10.0.2.0/33", None), ("net=10.0.2.0/3", None),
    ("net=10.0.2.0/4", None), ("net=10.0.2.0/0", None), ("net=10.0.2.0/-1", None),
    ("net=10.0.2.0/", None), ("net=10.0.2.0/x", None), ("net=10.0.2.0/24x", None),
    ("net=10.0.2.0/255.255.255.256", None), ("net=10.0.2.0/255.0.255.0", None),
    ("net=10.0.2.0/0x10", None), ("net=bogus", None), ("net=bogus/24", None), ("net=/24", None),
    ("net=10.0.2.0/30", None), ("net=10.0.2.0/28", None), ("net=10.0.2.0/27", None),
    ("net=10.0.2.0/31", None), ("net=10.0.2.0/32", None), ("net=10.0.2.0/16", None),
    ("net=10.0.2.5", None), ("net=10.0.2.5,host=10.1.0.2", None),
    ("net=192.168.5.0,host=192.168.6.2", None), ("net=192.168.5.0,host=192.169.6.2", None),
    ("net=200.1.1.0,host=200.1.1.17", None), ("net=200.1.1.0,host=200.1.1.14", None),
    ("net=172.16.0.0,host=172.20.0.2", None), ("net=172.32.0.0,host=172.33.0.2", None),
    ("net=012.0.2.0/24", None), ("net=10.0.2.0/24,net=10.0.3.0/24", None),
    ("net=10.0.2.0/24,host=10.0.3.2", None), ("host=10.0.2.300", None), ("host=10.0.514", None),
    ("host=10.0.2.0", None), ("host=10.0.2.15", None), ("host=x", None),
    ("net=10.0.2.0/24,host=10.0.2.3", None), ("net=10.0.0.0/8,dns=10.0.2.2", None),
    ("dns=10.0.2.2", None), ("dns=10.0.9.3", None), ("dns=10.0.2.15", None), ("dns=x", None),
    ("net=10.0.2.0/24,dns=10.0.2.255", None),
    ("dhcpstart=10.0.2.2", None), ("dhcpstart=10.0.2.3", None), ("dhcpstart=10.0.2.250", None),
    ("dhcpstart=10.0.2.255", None), ("dhcpstart=10.0.2.0", None), ("dhcpstart=192.168.1.9", None),
    ("dhcpstart=x", None), ("dhcpstart=10.0.2.15,host=10.0.2.15", None),
    ("net=10.0.2.0/16,dhcpstart=10.0.1.1", None),
    ("ipv4=off,ipv6=off", None), ("ipv4=off", None), ("ipv4=yes", None), ("ipv4=Y", None),
    ("ipv6=off", None), ("ipv6=false", None),
    ("restrict=on", None), ("restrict=off", None), ("restrict=yes", None), ("restrict=y", None),
    ("restrict=n", None), ("restrict=true", None), ("restrict=no", None),
    ("restrict=maybe", None), ("restrict=ON", None), ("restrict=", None),
    ("ipv6-net=fec0::/64", None), ("ipv6-net=zzz", None), ("ipv6-net=fec0::/200", None),
    ("ipv6-net=fec0::/x", None), ("ipv6-net=fec0::", None), ("ipv6-net=1.2.3.4", None),
    ("ipv6-prefix=fec0::", None), ("ipv6-prefix=x", None), ("ipv6-prefixlen=200", None),
    ("ipv6-prefixlen=127", None), ("ipv6-prefixlen=-1", None), ("ipv6-prefixlen=x", None),
    ("ipv6-host=fec0::2", None), ("ipv6-host=x", None), ("ipv6-host=fe80::2", None),
    ("ipv6-dns=x", None), ("ipv6-dns=fe80::3", None),
    ("ipv6-net=fec0::/64,ipv6-prefixlen=48", None), ("ipv4=off,ipv6-net=fec0::/64", None),
    ("hostfwd=tcp::x-:22", None), ("hostfwd=tcp::2222-:22x", None), ("hostfwd=foo::1-:2", None),
    ("hostfwd=tcp::22", None), ("hostfwd=tcp:127.0.0.1:70000-:22", None),
    ("hostfwd=tcp:127.0.0.1:1-:70000", None), ("hostfwd=tcp::1-:0", None), ("hostfwd=tcp::1-:", None),
    ("hostfwd=tcp:abc:1-:2", None), ("hostfwd=tcp::1-10.0.2.15", None), ("hostfwd=tcp", None),
    ("hostfwd=tcp:1.2.3:1-:2", None), ("hostfwd=tcp::1-1.2.x:2", None),
    ("hostfwd=:127.0.0.1:0-:22", None), ("hostfwd=udp::0-10.0.2.15:22", None),
    ("hostfwd=tcp::-:5", None), ("hostfwd=tcp::0x0-:0x16", None),
    ("hostfwd=tcp:127.0.0.1:0-:1,hostfwd=udp:127.0.0.1:0-:2", None),
    ("guestfwd=10.0.2.100:1234-cmd:true", None), ("guestfwd=tcp:10.0.2.100:1234-cmd:true", None),
    ("guestfwd=:10.0.2.100:1234-cmd:true", None), ("guestfwd=tcp::1234-cmd:true", None),
    ("guestfwd=tcp:10.0.2.2:1234-cmd:true", None), ("guestfwd=tcp:10.0.3.2:1234-cmd:true", None),
    ("guestfwd=tcp:10.0.2.3:1234-cmd:true", None),
    ("guestfwd=tcp:10.0.2.100:x-cmd:true", None), ("guestfwd=tcp:10.0.2.100:0-cmd:true", None),
    ("guestfwd=tcp:10.0.2.100-tcp:127.0.0.1:1", None), ("guestfwd=udp:10.0.2.100:1-cmd:true", None),
    ("guestfwd=tcp:10.0.2.100:1234-bogus:x", "QEMU: not a valid char driver; baremu: not a supported chardev"),
    ("hostname=" + "a" * 80, None), ("hostname=", None), ("domainname=a..b", None),
    ("dnssearch=example.org", None), ("dnssearch=a.org,dnssearch=b.net", None),
    ("tftp=/nonexistent", None), ("tftp-server-name=x", None), ("bootfile=x", None),
    ("smb=/tmp", "QEMU: smbd is not installed; baremu: smb= is not supported"),
    ("bogus=1", None), ("vlan=1", None), ("ip=10.0.3.0", None), ("ip=bogus", None),
    ("ip=10.0.3.0,host=10.0.3.2", None), ("smbserver=10.0.2.4", None), ("smbserver=x", None),
]


def run(cmd):
    """(accepted, message) of one start; the monitor quits at once."""
    try:
        p = subprocess.run(cmd, input=b"quit\n", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    err = p.stderr.decode(errors="replace")
    msg = ""
    for line in err.splitlines():
        if "-netdev " in line and ": " in line and "warning" not in line:
            msg = line.split(": ", 2)[-1].strip()
            break
    return p.returncode == 0, msg


def main():
    baremu, qemu = sys.argv[1], sys.argv[2]
    bad = 0
    for opts, note in CASES:
        nd = "user,id=n" + ("," + opts if opts else "")
        qa, qm = run([qemu, "-nodefaults", "-machine", "none", "-display", "none",
                      "-monitor", "stdio", "-netdev", nd])
        ba, bm = run([baremu, "-machine", "none", "-monitor", "stdio", "-netdev", nd])
        if qa is None or ba is None:
            print(f"FAIL {opts!r}: did not finish (qemu {qm!r}, baremu {bm!r})")
            bad += 1
        elif qa != ba:
            print(f"FAIL {opts!r}: QEMU {'accepts' if qa else 'refuses: ' + qm}, "
                  f"baremu {'accepts' if ba else 'refuses: ' + bm}")
            bad += 1
        elif not qa and qm != bm and not note:
            print(f"FAIL {opts!r}: both refuse, messages differ:\n  QEMU:   {qm}\n  baremu: {bm}")
            bad += 1
        else:
            print(f"ok   {opts!r}: {'accepted' if qa else 'refused: ' + bm}"
                  + (f"  ({note})" if note and not qa else ""))
    print(f"{len(CASES) - bad}/{len(CASES)} cases match QEMU")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
