"""Benchmark (tools/bench-net.sh): two qemu-system-i386 VMs with the Debian
i386 test guest, each with two e1000s: one on a -netdev stream link to
baremu -machine none (hub 0; 192.168.76.0/24), one on a direct QEMU-to-QEMU
stream link (192.168.77.0/24). In the same run, over each path: ping RTT
(20 pings) and iperf3 TCP throughput (5 s, VM 1 -> VM 2). Prints one line
per path. Usage: vm_bench.py TMPDIR"""
import os
import re
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "lib"))
from netpeer import free_ports, start, stop, fail, Monitor  # noqa
from vm import VM, VMError, qemu_i386  # noqa

top = os.environ["BAREMU_TOP"]
exe = os.environ.get("BAREMU", top + "/build/hosted/baremu")
guest = top + "/build/guest"
tmp = sys.argv[1]
L = "127.0.0.1"
p1, p2, pd, pm = free_ports(4)
bm = start([exe, "-machine", "none",
            "-netdev", f"stream,id=l1,server=on,addr.type=inet,addr.host={L},addr.port={p1}",
            "-netdev", f"stream,id=l2,server=on,addr.type=inet,addr.host={L},addr.port={p2}",
            "-netdev", "hubport,id=h1,hubid=0,netdev=l1", "-netdev", "hubport,id=h2,hubid=0,netdev=l2",
            "-monitor", f"tcp:{L}:{pm},server,nowait"],
           open(tmp + "/baremu.log", "wb"))
time.sleep(0.5)


def vm(i, port):
    direct = (f"stream,id=d,server=on,addr.type=inet,addr.host={L},addr.port={pd}" if i == 1 else
              f"stream,id=d,server=off,addr.type=inet,addr.host={L},addr.port={pd}")
    return VM(qemu_i386("-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz",
                        "-append", "console=ttyS0,115200 quiet",
                        "-netdev", f"stream,id=b,server=off,addr.type=inet,addr.host={L},addr.port={port}",
                        "-device", f"e1000,netdev=b,mac=52:54:00:12:76:0{i}",
                        "-netdev", direct,
                        "-device", f"e1000,netdev=d,mac=52:54:00:12:77:0{i}"),
              log=f"{tmp}/vm{i}.log", name=f"vm{i}")


def ifname(v, mac):
    st, out = v.run(f"for d in /sys/class/net/eth*; do [ \"$(cat $d/address)\" = {mac} ] && "
                    "echo ${d##*/}; done", 20)
    if not out.strip().startswith("eth"):
        fail(f"no interface with MAC {mac}: {out}")
    return out.strip()


try:
    v1 = vm(1, p1)
    time.sleep(1)   # VM 1 is the direct link's server
    v2 = vm(2, p2)
    with v1, v2:
        for i, v in ((1, v1), (2, v2)):
            v.wait_shell(timeout=300)
            for net, mac in ((76, f"52:54:00:12:76:0{i}"), (77, f"52:54:00:12:77:0{i}")):
                dev = ifname(v, mac)
                v.run(f"ip addr add 192.168.{net}.{i}/24 dev {dev} && ip link set {dev} up", 30,
                      check=True)
        v2.run("iperf3 -s -D", 20, check=True)
        time.sleep(1)
        results = {}
        for net, label in ((76, "through baremu's hub"), (77, "QEMU to QEMU directly")):
            ip = f"192.168.{net}.2"
            v1.run(f"ping -c 2 -W 5 {ip}", 30)   # ARP warm-up
            st, out = v1.run(f"ping -c 20 -i 0.2 -W 5 {ip}", 60)
            m = re.search(r"min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+)", out)
            if st != 0 or not m:
                fail(f"ping {label} failed:\n{out}")
            st, out = v1.run(f"iperf3 -c {ip} -t 5 -f m", 60)
            r = re.findall(r"([\d.]+) Mbits/sec\s+\d*\s*(sender|receiver)", out)
            rx = [float(x) for x, who in r if who == "receiver"]
            if st != 0 or not rx:
                fail(f"iperf3 {label} failed:\n{out}")
            results[label] = (float(m.group(2)), rx[0])
            print(f"VM1 -> VM2 {label:22s}: ping avg {m.group(2)} ms (min {m.group(1)}, "
                  f"max {m.group(3)}), iperf3 TCP {rx[0]:.0f} Mbit/s")
        for line in Monitor(pm).cmd("info network").splitlines():
            if " l1: " in line or " l2: " in line:
                print("  baremu " + line.strip(" \\"))
        v1.kill()
        v2.kill()
except VMError as e:
    fail(str(e))
finally:
    stop(bm)
