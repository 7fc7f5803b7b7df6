"""Guest-to-host TCP throughput per emulated NIC, baremu next to
qemu-system-i386 in the same run: the Debian i386 test guest boots once per
emulator with three NICs (e1000, rtl8139, ne2k_pci), each on its own
-netdev user (baremu's user-mode network, QEMU's libslirp). In turn each
interface alone is brought up, leased by udhcpc and runs `iperf3 -c
10.0.2.2 -t SECONDS` to an iperf3 server on the host's loopback; the figure
is the receiver's (host-side) Mbit/s. Prints one line per NIC with the ratio
baremu / QEMU.
Usage: bench_nics.py TMPDIR BAREMU SECONDS"""
import os
import re
import socket
import subprocess
import sys
import time

from localnet import free_port, wait_listen
from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"
NICS = ("e1000", "rtl8139", "ne2k_pci")
DRIVERS = {"e1000": "e1000", "8139cp": "rtl8139", "8139too": "rtl8139", "ne2k-pci": "ne2k_pci"}


def measure(kind, argv, tmp, iport, secs):
    res = {}
    with VM(argv, log="%s/console-%s.log" % (tmp, kind), name=kind) as vm:
        vm.wait_shell(timeout=2400)
        st, out = vm.run("for i in /sys/class/net/eth*; do echo ${i##*/} "
                         "$(basename $(readlink $i/device/driver)); done", 60)
        assert st == 0, out
        ifs = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[1] in DRIVERS:
                ifs[DRIVERS[f[1]]] = f[0]
        assert sorted(ifs) == sorted(NICS), "%s: interfaces %r" % (kind, out)
        for nic in NICS:
            eth = ifs[nic]
            vm.run("for i in /sys/class/net/eth*; do ip addr flush dev ${i##*/}; "
                   "ip link set ${i##*/} down; done; ip link set %s up" % eth, 60, check=True)
            st, out = vm.run("udhcpc -i %s -n -q -t 10 -T 5" % eth, 300)
            assert st == 0 and "10.0.2.15" in out, "%s %s: udhcpc: %s" % (kind, nic, out)
            st, out = vm.run("iperf3 -c 10.0.2.2 -p %d -t %d -f m" % (iport, secs), secs + 600)
            m = re.search(r"([\d.]+) Mbits/sec\s+receiver", out)
            assert st == 0 and m, "%s %s: iperf3 failed:\n%s" % (kind, nic, out)
            res[nic] = float(m.group(1))
        vm.poweroff(300)
    return res


def main():
    tmp, baremu, secs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    iport = free_port()
    srv = subprocess.Popen(["iperf3", "-s", "-B", "127.0.0.1", "-p", str(iport)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_listen(iport, 10), "iperf3 -s did not start"
        net = []
        for i, nic in enumerate(NICS):
            net += ["-netdev", "user,id=n%d" % i, "-device", "%s,netdev=n%d" % (nic, i)]
        common = ["-m", "256", "-nographic", "-no-reboot", "-kernel", guest + "/vmlinuz",
                  "-initrd", guest + "/initrd.gz", "-append", "console=ttyS0,115200"] + net
        res = {"qemu": measure("qemu", ["qemu-system-i386", "-accel", "tcg"] + common, tmp, iport, secs),
               "baremu": measure("baremu", [baremu] + common, tmp, iport, secs)}
    finally:
        srv.terminate()
        srv.wait(10)
    for nic in NICS:
        q, b = res["qemu"][nic], res["baremu"][nic]
        print("iperf3 guest->host %-8s qemu-system-i386 (TCG) %7.1f Mbit/s   baremu %7.1f Mbit/s   ratio %.2fx"
              % (nic, q, b, b / q))


if __name__ == "__main__":
    main()
