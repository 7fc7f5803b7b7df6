"""make bench, real-NIC part: the same TCP echo workload through the outer
QEMU's hostfwd, once served by the bare-metal appliance (its own driver and
lwIP uplink, -uplink-echo) and once by the Debian i386 test guest's Linux
driver (busybox `nc -ll -e cat`), with the same NIC model in the same outer
qemu-system-x86_64 (-machine pc, TCG, -netdev user), in one run.

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

from vm import VM

top = os.environ["BAREMU_TOP"]
guest = top + "/build/guest"
BULK = int(os.environ.get("BENCH_BULK", str(4 << 20)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


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
    """frames() -> rx+tx frame count so far."""
    latency(port)          # warm-up: ARP, TCP windows, caches
    f0 = frames()
    secs = bulk(port)
    f1 = frames()
    ms = latency(port)
    return {"mbit": BULK * 8 / secs / 1e6, "fps": (f1 - f0) / secs, "rtt": ms, "secs": secs}


STATS_RE = re.compile(r"nic: eth0: rx (\d+) frames \d+ bytes, tx (\d+) frames")


def appliance(tmp, model):
    port = free_port()
    raw = "%s/appliance-%s.serial" % (tmp, model)
    cfg = "-uplink-echo\n-nic-stats 1"
    proc = subprocess.Popen(
        [top + "/tools/run-qemu-efi.sh", "--machine", "pc", "--nic", "none", "--cfg-text", cfg,
         "--serial", "file:" + raw, "--timeout", "600", "--",
         "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:7" % port, "-device", "%s,netdev=n0" % model],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def log():
        try:
            return open(raw, errors="replace").read().replace("\r", "")
        except OSError:
            return ""

    def frames():
        # -nic-stats prints every second: wait for a line newer than now.
        n = len(STATS_RE.findall(log()))
        end = time.monotonic() + 5
        while time.monotonic() < end:
            m = STATS_RE.findall(log())
            if len(m) > n:
                return int(m[-1][0]) + int(m[-1][1])
            time.sleep(0.1)
        raise RuntimeError("appliance: no new -nic-stats line")

    try:
        end = time.monotonic() + 180
        while "(DHCP lease)" not in log():
            if time.monotonic() > end or proc.poll() is not None:
                raise RuntimeError("appliance (%s): no DHCP lease; log tail:\n%s" % (model, log()[-1500:]))
            time.sleep(0.5)
        if not echo_ready(port, 60):
            raise RuntimeError("appliance (%s): echo service not reachable through hostfwd" % model)
        m = re.search(r"nic: eth0: .*", log())
        return measure(port, frames), m.group(0) if m else "?"
    finally:
        try:
            os.killpg(proc.pid, 15)
        except OSError:
            pass
        proc.wait(20)


def linux(tmp, model):
    port = free_port()
    argv = ["qemu-system-x86_64", "-machine", "pc", "-m", "256M", "-nographic", "-no-reboot",
            "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initrd.gz", "-append", "console=ttyS0,115200",
            "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:7" % port, "-device", "%s,netdev=n0" % model]
    with VM(argv, log="%s/linux-%s.log" % (tmp, model), name="linux-" + model) as vm:
        vm.wait_shell(timeout=240)
        # virtio_pci loads by PCI ID at boot; virtio_net binds on the virtio
        # bus. The initramfs' modules.dep lists direct dependencies only, so
        # net_failover's own (failover) goes first by hand.
        vm.run("[ -e /sys/class/net/eth0 ] || { modprobe failover; modprobe virtio_net; }; "
               "for i in 1 2 3 4 5; do [ -e /sys/class/net/eth0 ] && break; sleep 1; done", 30)
        st, out = vm.run("udhcpc -i eth0 -n -q -t 5 -T 3", 60)
        if st != 0:
            raise RuntimeError("linux (%s): udhcpc failed: %s" % (model, out))
        st, out = vm.run("nc -ll -p 7 -e cat </dev/null >/dev/null 2>&1 & "
                         "basename $(readlink /sys/class/net/eth0/device/driver)", 20)
        drv = out.strip()
        if not echo_ready(port, 60):
            raise RuntimeError("linux (%s): echo service not reachable through hostfwd" % model)

        def frames():
            st, out = vm.run("cat /sys/class/net/eth0/statistics/rx_packets /sys/class/net/eth0/statistics/tx_packets", 20)
            a, b = out.split()
            return int(a) + int(b)

        r = measure(port, frames)
        vm.poweroff(60)
        return r, "Linux driver " + drv


def main():
    tmp, models = sys.argv[1], sys.argv[2:]
    failed = 0
    print("TCP echo through the outer QEMU's hostfwd, -machine pc, TCG; bulk %d KiB, %d x 64-byte round trips"
          % (BULK >> 10, ROUNDS))
    for model in models:
        res = {}
        for side, fn in (("appliance", appliance), ("linux", linux)):
            try:
                res[side], what = fn(tmp, model)
                r = res[side]
                print("%-15s %-9s echo %6.2f Mbit/s each way, %7.0f frames/s, rtt %6.2f ms   (%s)"
                      % (model, side, r["mbit"], r["fps"], r["rtt"], what), flush=True)
            except Exception as e:  # report and go on with the next side
                failed = 1
                print("%-15s %-9s FAILED: %s" % (model, side, e), flush=True)
        if len(res) == 2:
            a, l = res["appliance"], res["linux"]
            print("%-15s ratio     appliance/linux: goodput %.2fx, frames/s %.2fx, rtt %.2fx"
                  % (model, a["mbit"] / l["mbit"], a["fps"] / l["fps"], a["rtt"] / l["rtt"]), flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
