"""make bench, real-NIC part: the same TCP echo workload through the outer
QEMU's hostfwd, once served by the bare-metal appliance (its own driver and
lwIP uplink, -uplink-echo) and once by the Debian i386 test guest's Linux
driver (busybox `nc -ll -e cat`), with the same NIC model in the same outer
qemu-system-x86_64 (-machine pc, TCG, -netdev user), in one run. Both VMs
run at once and the measurements alternate (appliance, Linux, appliance...)
for ROUNDS rounds, so load from elsewhere on the machine hits both alike;
the figures are the medians.

For each side it measures: echo goodput (BULK bytes sent and received back
concurrently; Mbit/s of payload each way), NIC frames/s during that transfer
(rx+tx from the appliance's -nic-stats counters or Linux's
/sys/class/net/eth0/statistics), and the median round-trip time of 64-byte
messages (host -> hostfwd -> NIC -> echo -> back). Loopback only.
Usage: bench_drivers.py TMPDIR MODEL... (e.g. e1000 virtio-net-pci)"""
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time

from localnet import free_port
from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"
BULK = int(os.environ.get("BENCH_BULK", str(4 << 20)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def echo_ready(port, secs):
    """True once a connection through hostfwd gets one byte echoed (slirp
    accepts before the guest does, so a bare connect proves nothing)."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            s = socket.create_connection(("127.0.0.1", port), 2)
            s.settimeout(3)
            s.sendall(b"x")
            if s.recv(1) == b"x":
                s.close()
                return True
            s.close()
        except OSError:
            pass
        time.sleep(0.5)
    return False


def bulk(port):
    """Send BULK random bytes while reading the echo; returns seconds."""
    data = os.urandom(BULK)
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.settimeout(60)
    got = bytearray()
    err = []

    def reader():
        try:
            while len(got) < len(data):
                c = s.recv(262144)
                if not c:
                    break
                got.extend(c)
        except OSError as e:
            err.append(e)

    t0 = time.monotonic()
    th = threading.Thread(target=reader)
    th.start()
    s.sendall(data)
    th.join(120)
    secs = time.monotonic() - t0
    s.close()
    if bytes(got) != data:
        raise RuntimeError("bulk echo: sent %d bytes, got %d back%s %s"
                           % (len(data), len(got), " (different)" if len(got) == len(data) else "", err))
    return secs


def latency(port):
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.settimeout(10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"r" * 64
    rtts = []
    for _ in range(ROUNDS):
        t0 = time.monotonic()
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            c = s.recv(64 - len(got))
            if not c:
                raise RuntimeError("latency: connection closed")
            got += c
        rtts.append(time.monotonic() - t0)
    s.close()
    return statistics.median(rtts) * 1000


def measure(port, frames):
    """One round: bulk echo (frames counted around it) and latency."""
    f0 = frames()
    secs = bulk(port)
    f1 = frames()
    ms = latency(port)
    return {"mbit": BULK * 8 / secs / 1e6, "fps": (f1 - f0) / secs, "rtt": ms}


STATS_RE = re.compile(r"nic: eth0: rx (\d+) frames \d+ bytes, tx (\d+) frames")


class Appliance:
    """The bare-metal appliance with MODEL as eth0, -uplink-echo on port 7."""

    def __init__(self, tmp, model):
        self.model = model
        self.port = free_port()
        self.raw = "%s/appliance-%s.serial" % (tmp, model)
        self.proc = subprocess.Popen(
            [top + "/tools/run-qemu-efi.sh", "--machine", "pc", "--nic", "none",
             "--cfg-text", "-uplink-echo\n-nic-stats 1", "--serial", "file:" + self.raw, "--timeout", "900", "--",
             "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:7" % self.port, "-device", "%s,netdev=n0" % model],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def log(self):
        try:
            return open(self.raw, errors="replace").read().replace("\r", "")
        except OSError:
            return ""

    def ready(self):
        end = time.monotonic() + 240
        while "(DHCP lease)" not in self.log():
            if time.monotonic() > end or self.proc.poll() is not None:
                raise RuntimeError("appliance (%s): no DHCP lease; log tail:\n%s" % (self.model, self.log()[-1500:]))
            time.sleep(0.5)
        if not echo_ready(self.port, 60):
            raise RuntimeError("appliance (%s): echo service not reachable through hostfwd" % self.model)
        latency(self.port)          # warm-up: ARP, TCP windows
        m = re.search(r"nic: eth0: .*", self.log())
        self.what = m.group(0) if m else "?"

    def frames(self):
        # -nic-stats prints every second: wait for a line newer than now.
        n = len(STATS_RE.findall(self.log()))
        end = time.monotonic() + 5
        while time.monotonic() < end:
            m = STATS_RE.findall(self.log())
            if len(m) > n:
                return int(m[-1][0]) + int(m[-1][1])
            time.sleep(0.1)
        raise RuntimeError("appliance: no new -nic-stats line")

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
        except OSError:
            pass
        self.proc.wait(20)


class Linux:
    """The Debian i386 test guest with MODEL, busybox nc -e cat on port 7."""

    def __init__(self, tmp, model):
        self.model = model
        self.port = free_port()
        argv = ["qemu-system-x86_64", "-machine", "pc", "-m", "256M", "-nographic", "-no-reboot",
                "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", "console=ttyS0,115200",
                "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:7" % self.port, "-device", "%s,netdev=n0" % model]
        self.vm = VM(argv, log="%s/linux-%s.log" % (tmp, model), name="linux-" + model)

    def ready(self):
        vm = self.vm
        vm.wait_shell(timeout=300)
        # virtio_pci loads by PCI ID at boot; virtio_net binds on the virtio
        # bus. The initramfs' modules.dep lists direct dependencies only, so
        # net_failover's own (failover) goes first by hand.
        vm.run("[ -e /sys/class/net/eth0 ] || { modprobe failover; modprobe virtio_net; }; "
               "for i in 1 2 3 4 5; do [ -e /sys/class/net/eth0 ] && break; sleep 1; done", 30)
        st, out = vm.run("udhcpc -i eth0 -n -q -t 5 -T 3", 60)
        if st != 0:
            raise RuntimeError("linux (%s): udhcpc failed: %s" % (self.model, out))
        st, out = vm.run("nc -ll -p 7 -e cat </dev/null >/dev/null 2>&1 & "
                         "basename $(readlink /sys/class/net/eth0/device/driver)", 20)
        self.what = "Linux driver " + out.strip()
        if not echo_ready(self.port, 60):
            raise RuntimeError("linux (%s): echo service not reachable through hostfwd" % self.model)
        latency(self.port)

    def frames(self):
        st, out = self.vm.run("cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets", 20)
        a, b = out.split()
        return int(a) + int(b)

    def stop(self):
        try:
            self.vm.poweroff(60)
        except Exception:
            pass
        self.vm.close()


def bench_model(tmp, model, rounds):
    sides = {"appliance": Appliance(tmp, model)}
    try:
        sides["linux"] = Linux(tmp, model)
        for side in sides.values():
            side.ready()
        res = {k: [] for k in sides}
        for _ in range(rounds):
            for k, side in sides.items():
                res[k].append(measure(side.port, side.frames))
        out = {}
        for k, rs in res.items():
            out[k] = {m: statistics.median(r[m] for r in rs) for m in ("mbit", "fps", "rtt")}
            out[k]["what"] = sides[k].what
        return out
    finally:
        for side in sides.values():
            side.stop()


def main():
    tmp, models = sys.argv[1], sys.argv[2:]
    rounds = int(os.environ.get("BENCH_REPEAT", "3"))
    failed = 0
    print("TCP echo through the outer QEMU's hostfwd, -machine pc, TCG; bulk %d KiB, %d x 64-byte round trips;"
          " both sides up at once, %d alternating rounds, medians" % (BULK >> 10, ROUNDS, rounds), flush=True)
    for model in models:
        try:
            res = bench_model(tmp, model, rounds)
        except Exception as e:  # report and go on with the next model
            failed = 1
            print("%-15s FAILED: %s" % (model, e), flush=True)
            continue
        for side in ("appliance", "linux"):
            r = res[side]
            print("%-15s %-9s echo %6.2f Mbit/s each way, %7.0f frames/s, rtt %6.2f ms   (%s)"
                  % (model, side, r["mbit"], r["fps"], r["rtt"], r["what"]), flush=True)
        a, l = res["appliance"], res["linux"]
        print("%-15s ratio     appliance/linux: goodput %.2fx, frames/s %.2fx, rtt %.2fx"
              % (model, a["mbit"] / l["mbit"], a["fps"] / l["fps"], a["rtt"] / l["rtt"]), flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
