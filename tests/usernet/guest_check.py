"""The user-mode network end to end with the Debian i386 test guest in
qemu-system-i386, linked by -netdev stream to a hosted
`baremu -machine none -netdev user,...` (both on one hub in baremu).
Unrestricted run: udhcpc gets 10.0.2.15 with router 10.0.2.2 and DNS
10.0.2.3; ping 10.0.2.2 answers; nslookup resolves a name that only the
test's dnsmasq on a random 127.77.x.y knows (baremu's resolver list is
BAREMU_RESOLV_CONF); busybox tftp fetches a file with blksize 1024 (sha256
matched); wget downloads 1 MiB from an HTTP server on the host's loopback
(sha256 matched); a hostfwd port reaches an httpd in the guest; IPv4
fragments both ways: busybox tftp puts and gets files with 4000- and
65464-byte blocks through the UDP NAT to tftp_peer.py on the host's loopback
(every DATA datagram is fragmented at MTU 1500; sizes and sha256 matched on
both ends), and `ping -s 3000`/`-s 65507` to 10.0.2.2 answer; a DNS query
to a closed UDP port of the host gets the uplink's port unreachable relayed
(busybox nslookup reads "Connection refused"). Both runs: IPv6
by SLAAC in fec0::/64, default route via fe80::2, ping -6 fec0::2 and
fec0::3 answer, a name resolves with only `nameserver fec0::3` in
resolv.conf (tests/lib/guest_ipv6.py; `info network` counts no malformed
IPv6 packet); open run: busybox tftp puts and gets 3000 bytes through the
IPv6 UDP NAT (fec0::2 = the host's ::1) to tftp_peer.py on ::1, and
wget downloads 1 MiB from http://[fec0::2]:PORT/ (TCP over IPv6 to an HTTP
server on the host's [::1], sha256 matched). Restricted run (restrict=on):
DNS (also over IPv6) and the downloads fail (over IPv6: connection refused
at once), DHCP, TFTP and hostfwd work.
Mode icmp (run inside a network namespace where 192.0.2.1 is local and ping
sockets are allowed): echo to 192.0.2.1 is forwarded and answered, also with
3000 and 65507 bytes of data (fragments both ways); echo to 192.0.2.77 is
not answered, small or fragmented, but relayed as net unreachable (counted
by `info network`: busybox ping ignores errors); a DNS query to a closed
port of 192.0.2.1 reads "Connection refused".
Usage: guest_check.py TMPDIR BAREMU (restrict|open|icmp)"""
import hashlib
import os
import random
import re
import socket
import subprocess
import sys
import time

import guest_ipv6
from localnet import free_port, wait_listen
from tftp_peer import TftpPeer
from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"


def check(vm, cmd, timeout=30, want=None, status=0):
    st, out = vm.run(cmd, timeout)
    if status is not None:
        assert st == status, "%r: status %d, expected %d:\n%s" % (cmd, st, status, out)
    if want:
        assert want in out, "%r: %r not in its output:\n%s" % (cmd, want, out)
    return st, out


def http_get(port, path, secs=20):
    """GET through the hostfwd; returns the body (retrying until the guest's httpd is up)."""
    end = time.monotonic() + secs
    last = None
    while time.monotonic() < end:
        try:
            c = socket.create_connection(("127.0.0.1", port), 3)
            c.settimeout(5)
            c.sendall(b"GET %s HTTP/1.0\r\n\r\n" % path.encode())
            data = b""
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
            c.close()
            if b"\r\n\r\n" in data:
                return data.split(b"\r\n\r\n", 1)[1]
            last = data
        except OSError as e:
            last = e
        time.sleep(0.5)
    raise AssertionError("hostfwd GET %s failed: %r" % (path, last))


def monitor(port, line, secs=10):
    """Sends one command to baremu's monitor; returns what it printed up to the next prompt."""
    c = socket.create_connection(("127.0.0.1", port), 5)
    c.settimeout(secs)
    data = b""
    while b"(qemu)" not in data:          # the banner and first prompt
        d = c.recv(4096)
        if not d:
            break
        data += d
    c.sendall(line.encode() + b"\n")
    out = b""
    while b"(qemu)" not in out:
        d = c.recv(4096)
        if not d:
            break
        out += d
    c.close()
    return out.decode(errors="replace")


def closed_udp_port():
    """A UDP port of the host's loopback that nobody listens on (free a moment ago)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def refused_query(vm, server, port):
    """An ICMP port unreachable relayed by baremu: busybox nslookup's
    connected UDP socket reads ECONNREFUSED (it then waits out -timeout;
    without the relay it only times out)."""
    st, out = vm.run("nslookup -port=%d -retry=1 -timeout=3 probe.baremu.test %s" % (port, server), 40)
    assert "Connection refused" in out, "no port unreachable for UDP to %s:%d:\n%s" % (server, port, out)


def udp_fragments(vm, peer):
    """Datagrams above the MTU through the UDP NAT and ICMP to the host:
    the guest fragments what it sends, baremu reassembles it for the uplink
    and fragments what comes back."""
    for size, bs in ((10000, 4000), (70000, 65464)):
        name = "frag%d" % bs
        _, out = check(vm, "head -c %d /dev/urandom > /tmp/%s && tftp -p -b %d -l /tmp/%s -r %s 10.0.2.2 %d "
                       "&& sha256sum /tmp/%s" % (size, name, bs, name, name, peer.port, name), 60)
        assert not peer.errors, "tftp peer: %s" % peer.errors
        got = peer.files.get(name)
        assert got is not None and len(got) == size, "put with blksize %d: the host got %s bytes" % (
            bs, None if got is None else len(got))
        assert hashlib.sha256(got).hexdigest() == out.split()[0], "put with blksize %d: sha256 differs" % bs
        assert peer.largest_rx == bs + 4, "put: largest datagram %d, expected %d" % (peer.largest_rx, bs + 4)
        _, out = check(vm, "tftp -g -b %d -r %s -l /tmp/%s.back 10.0.2.2 %d && sha256sum /tmp/%s.back" % (
            bs, name, name, peer.port, name), 60)
        assert not peer.errors, "tftp peer: %s" % peer.errors
        assert out.split()[0] == hashlib.sha256(got).hexdigest(), "get with blksize %d: sha256 differs" % bs
        assert peer.largest_tx == bs + 4, "get: largest datagram %d, expected %d" % (peer.largest_tx, bs + 4)
        print("udp fragments both ways ok (blksize %d, %d bytes)" % (bs, size))
    check(vm, "ping -c 1 -W 5 -s 3000 10.0.2.2", 30, want="1 packets received")
    check(vm, "ping -c 1 -W 5 -s 65507 10.0.2.2", 30, want="1 packets received")
    print("icmp fragments ok")


def main():
    tmp, baremu, mode = sys.argv[1:4]
    restrict = mode == "restrict"
    procs = []
    peer = TftpPeer()
    try:
        # The host side: files for HTTP and TFTP, dnsmasq with one name.
        os.makedirs(tmp + "/www", exist_ok=True)
        os.makedirs(tmp + "/tftp", exist_ok=True)
        blob = os.urandom(1 << 20)
        open(tmp + "/www/blob", "wb").write(blob)
        tblob = os.urandom(300000)
        open(tmp + "/tftp/file.bin", "wb").write(tblob)
        hport = free_port()
        procs.append(subprocess.Popen(
            ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", tmp + "/www",
             str(hport)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert wait_listen(hport, 10), "http.server did not start"
        # The same files on the host's [::1], for TCP over IPv6 (fec0::2).
        hport6 = free_port()
        procs.append(subprocess.Popen(
            ["python3", "-m", "http.server", "--bind", "::1", "--directory", tmp + "/www",
             str(hport6)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert wait_listen(hport6, 10, "::1"), "http.server on [::1] did not start"
        # A loopback address of its own: other test runs may hold port 53 elsewhere.
        dns_ip = "127.77.%d.%d" % (random.randrange(1, 255), random.randrange(1, 255))
        procs.append(subprocess.Popen(
            ["dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--port=53",
             "--listen-address=" + dns_ip, "--bind-interfaces", "--user=root",
             "--pid-file=" + tmp + "/dnsmasq.pid", "--address=/probe.baremu.test/10.9.8.7",
             "--log-facility=" + tmp + "/dnsmasq.log", "--log-queries"]))
        open(tmp + "/resolv.conf", "w").write("nameserver %s\n" % dns_ip)

        sport, fport, mport, f2port = free_port(), free_port(), free_port(), free_port()
        env = dict(os.environ, BAREMU_RESOLV_CONF=tmp + "/resolv.conf")
        # guestfwd: a command per connection (it reads the request, its stdout
        # is the HTTP answer), and a
        # forward of 10.0.2.101:7001 to the host's HTTP server; both work
        # with restrict=on too.
        gcmd = "while read l && [ ${#l} -gt 1 ]; do :; done; printf 'HTTP/1.0 200 OK\\r\\n\\r\\ngfwd-cmd-%s-%%s\\n' $((6*7))" % mode
        user = ("user,id=u0,tftp=%s/tftp,hostfwd=tcp:127.0.0.1:%d-:8080%s,"
                "guestfwd=tcp:10.0.2.100:7000-cmd:%s,guestfwd=tcp:10.0.2.101:7001-tcp:127.0.0.1:%d") % (
            tmp, fport, ",restrict=on" if restrict else "", gcmd, hport)
        blog = open(tmp + "/baremu.log", "wb")
        procs.append(subprocess.Popen(
            [baremu, "-machine", "none", "-netdev", user,
             "-netdev", "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=%d" % sport,
             "-netdev", "hubport,id=h0,hubid=0,netdev=u0", "-netdev", "hubport,id=h1,hubid=0,netdev=s0",
             "-monitor", "tcp:127.0.0.1:%d,server,nowait" % mport], stdout=blog, stderr=blog, env=env, stdin=subprocess.DEVNULL))
        assert wait_listen(sport, 10), "baremu did not listen on its stream port"
        t0 = time.monotonic()
        argv = ["qemu-system-i386", "-accel", "tcg", "-m", "256", "-nographic", "-no-reboot",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                "-append", "console=ttyS0,115200",
                "-netdev", "stream,id=n0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=%d" % sport,
                "-device", "e1000,netdev=n0"]
        with VM(argv, log=tmp + "/console.log", name="guest") as vm:
            vm.wait_shell(timeout=180)
            check(vm, "udhcpc -i eth0 -n -q -t 5 -T 3", 60, want="eth0 10.0.2.15/24 router 10.0.2.2")
            check(vm, "ip route", want="default via 10.0.2.2 dev eth0")
            check(vm, "cat /etc/resolv.conf", want="nameserver 10.0.2.3")
            check(vm, "ping -c 2 -W 5 10.0.2.2", 30, want="2 packets received")
            print("dhcp + ping ok")
            if mode == "icmp":
                # In the test's network namespace 192.0.2.1 is a local address
                # of the uplink: echo to it goes out on an ICMP socket.
                check(vm, "ping -c 3 -W 5 192.0.2.1", 40, want="3 packets received")
                check(vm, "ping -c 1 -W 5 -s 3000 192.0.2.1", 30, want="1 packets received")
                st, out = vm.run("ping -c 2 -W 2 192.0.2.77", 30)
                assert st != 0 and "0 packets received" in out, "unroutable echo answered:\n" + out
                # Fragments to an outside address are forwarded whole, not
                # answered by baremu's own stack (main's lwIP did that).
                st, out = vm.run("ping -c 1 -W 2 -s 3000 192.0.2.77", 30)
                assert st != 0 and "0 packets received" in out, "unroutable big echo answered:\n" + out
                check(vm, "ping -c 1 -W 5 -s 65507 192.0.2.1", 30, want="1 packets received")
                print("icmp forwarding ok")
                # Errors: the echoes to 192.0.2.77 found no route on the
                # uplink (3 net unreachable), a query to a closed port of
                # 192.0.2.1 gets port unreachable.
                refused_query(vm, "192.0.2.1", 9)
                out = monitor(mport, "info network")
                m = re.search(r"icmperr (\d+) \(limited (\d+)\)", out)
                assert m and int(m.group(1)) >= 4 and m.group(2) == "0", "ICMP errors relayed:\n" + out
                # An error that arrives later, on the ping socket's error
                # queue: 198.51.100.0/24 is on a veth of the namespace where
                # nobody answers ARP, so the uplink's own stack reports host
                # unreachable after its ARP retries (~3 s).
                if os.environ.get("ICMP_VETH") == "1":
                    before = int(m.group(1))
                    vm.run("ping -c 1 -W 8 198.51.100.9", 30)
                    out = monitor(mport, "info network")
                    m = re.search(r"icmperr (\d+) \(limited (\d+)\)", out)
                    assert m and int(m.group(1)) > before, "no host unreachable relayed for an echo:\n" + out
                print("icmp errors ok (%s relayed)" % m.group(1))
                rc = vm.poweroff(60)
                assert rc == 0, "the VM exited with status %s" % rc
                return
            # IPv6 (ip6_gateway.c): SLAAC in fec0::/64, echo to fec0::2/::3,
            # DNS with only fec0::3 in resolv.conf (refused with restrict=on).
            addr6 = guest_ipv6.check_slaac_and_ping(vm)
            ok, out = guest_ipv6.resolve_with_fec0_3(vm, "probe.baremu.test", "10.9.8.7")
            if restrict:
                assert not ok, "restrict=on: DNS over IPv6 answered:\n" + out
                st, out = guest_ipv6.wget_via_fec0_2(vm, hport6)
                assert st != 0 and "refused" in out, "restrict=on: TCP over IPv6 not refused:\n" + out
                print("restricted ipv6 tcp refused ok")
            else:
                assert ok, "DNS over IPv6 (nameserver fec0::3) failed:\n" + out
                # The IPv6 UDP NAT: busybox tftp to fec0::2, a TFTP peer on ::1.
                peer6 = TftpPeer(socket.AF_INET6)
                try:
                    _, out = check(vm, "head -c 3000 /dev/urandom > /tmp/v6 && tftp -p -b 1024 -l /tmp/v6 -r v6 "
                                   "fec0::2 %d && sha256sum /tmp/v6" % peer6.port, 60)
                    got = peer6.files.get("v6")
                    assert not peer6.errors and got and hashlib.sha256(got).hexdigest() == out.split()[0], \
                        "tftp put over IPv6 to ::1: %r %s" % (peer6.errors, out)
                    _, out = check(vm, "tftp -g -b 1024 -r v6 -l /tmp/v6.back fec0::2 %d && "
                                   "sha256sum /tmp/v6.back" % peer6.port, 60)
                    assert out.split()[0] == hashlib.sha256(got).hexdigest(), "tftp get over IPv6:\n" + out
                finally:
                    peer6.close()
                print("ipv6 udp nat ok (tftp put/get via fec0::2 to ::1)")
                # TCP over IPv6 (lwIP's dual stack and the relay, as libslirp):
                # 1 MiB from the host's [::1] through fec0::2.
                t1 = time.monotonic()
                st, out = guest_ipv6.wget_via_fec0_2(vm, hport6)
                assert st == 0 and out.split() and out.split()[-2] == hashlib.sha256(blob).hexdigest(), \
                    "TCP over IPv6: wget from [fec0::2] (the host's [::1]) failed:\n" + out
                print("ipv6 tcp ok (wget 1 MiB from [::1] via fec0::2, %.1fs)" % (time.monotonic() - t1))
            out = monitor(mport, "info network")
            m = re.search(r"ip6 on \(ra (\d+) na (\d+) echo (\d+) tcp-reset \d+ bad (\d+) dropped (\d+)\)", out)
            assert m and int(m.group(1)) >= 1 and int(m.group(2)) >= 2 and int(m.group(3)) >= 2, \
                "IPv6 counters:\n" + out
            assert m.group(4) == "0", "the guest's IPv6 packets counted malformed:\n" + out
            print("ipv6 ok (%s; ra %s na %s echo %s dropped %s)" % (
                addr6, m.group(1), m.group(2), m.group(3), m.group(5)))
            if restrict:
                st, out = vm.run("nslookup -type=a probe.baremu.test", 30)
                assert st != 0 and "10.9.8.7" not in out, "restrict=on: DNS answered:\n" + out
                print("restricted dns refused ok")
            else:
                check(vm, "nslookup -type=a probe.baremu.test", 30, want="10.9.8.7")
                print("dns ok")
                refused_query(vm, "10.0.2.2", closed_udp_port())
                print("udp port unreachable ok")
            _, out = check(vm, "cd /tmp && tftp -g -b 1024 -r file.bin -l /tmp/file.bin 10.0.2.2 && "
                           "sha256sum /tmp/file.bin", 60)
            assert out.split()[0] == hashlib.sha256(tblob).hexdigest(), "tftp sha256 mismatch:\n" + out
            print("tftp ok")
            url = "http://10.0.2.2:%d/blob" % hport
            if restrict:
                check(vm, "timeout 10 wget -q -O /tmp/blob %s" % url, 30, status=None)
                st, _ = vm.run("test -s /tmp/blob", 10)
                assert st != 0, "restrict=on: the download succeeded"
                print("restricted download refused ok")
            else:
                t1 = time.monotonic()
                _, out = check(vm, "wget -q -O /tmp/blob %s && sha256sum /tmp/blob" % url, 120)
                assert out.split()[0] == hashlib.sha256(blob).hexdigest(), "wget sha256 mismatch:\n" + out
                print("wget 1 MiB ok (%.1fs)" % (time.monotonic() - t1))
            check(vm, "wget -q -O - http://10.0.2.100:7000/", 60, want="gfwd-cmd-%s-42" % mode)
            _, out = check(vm, "wget -q -O /tmp/gblob http://10.0.2.101:7001/blob && sha256sum /tmp/gblob", 120)
            assert out.split()[0] == hashlib.sha256(blob).hexdigest(), "guestfwd tcp: sha256 mismatch:\n" + out
            print("guestfwd (cmd: and tcp:) ok")
            if not restrict:
                udp_fragments(vm, peer)
                # The uplink connect comes before the guest's handshake: a
                # closed host port is "connection refused" in the guest.
                st, out = vm.run("wget -q -O /dev/null http://10.0.2.2:%d/ 2>&1" % free_port(), 30)
                assert st != 0 and "refused" in out, "closed port: expected connection refused:\n" + out
                print("connection refused ok")
            check(vm, "mkdir -p /tmp/www && echo fwd-$((6*7)) > /tmp/www/probe && httpd -p 8080 -h /tmp/www")
            body = http_get(fport, "/probe")
            assert body.strip() == b"fwd-42", "hostfwd: unexpected body %r" % body
            print("hostfwd ok")
            # The monitor: hostfwd_add opens a second forward, hostfwd_remove closes it.
            out = monitor(mport, "hostfwd_add u0 tcp:127.0.0.1:%d-:8080" % f2port)
            assert "rror" not in out and "nvalid" not in out, "hostfwd_add: " + out
            body = http_get(f2port, "/probe")
            assert body.strip() == b"fwd-42", "hostfwd_add: unexpected body %r" % body
            out = monitor(mport, "hostfwd_remove u0 tcp:127.0.0.1:%d" % f2port)
            assert "removed" in out, "hostfwd_remove: " + out
            try:
                socket.create_connection(("127.0.0.1", f2port), 3).close()
                raise AssertionError("hostfwd_remove: port %d still accepts" % f2port)
            except ConnectionRefusedError:
                pass
            out = monitor(mport, "hostfwd_add u0 tcp::x-:22")
            assert "Invalid host forwarding rule 'tcp::x-:22' (Bad host port)" in out, "hostfwd_add refusal: " + out
            print("monitor hostfwd_add/hostfwd_remove ok")
            rc = vm.poweroff(60)
            assert rc == 0, "the VM exited with status %s" % rc
        print("%s: all checks passed in %.1fs" % (mode, time.monotonic() - t0))
    finally:
        peer.close()
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print("FAIL:", e)
        sys.exit(1)
