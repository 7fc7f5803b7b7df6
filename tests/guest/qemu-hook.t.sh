# timeout: 300
# The unattended hooks of the test guest, with QEMU as the peer and no console
# input at all: (1) baremu.cmd="..." on the kernel command line runs and its
# poweroff ends QEMU with status 0; (2) a script appended to initrd.gz as a
# second cpio archive (/baremu/run.sh), with baremu.dhcp=1, gets the lease,
# runs the guest's iperf3 client against an iperf3 server on 127.0.0.1
# (10.0.2.2 in the guest) and powers off. Prints the measured throughput.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 cpio gzip iperf3
need_guest

# 1. baremu.cmd with quotes and shell syntax in it.
python3 - "$GUEST" "$T" <<'PY' || fail "baremu.cmd hook failed (see above)"
import sys
from vm import VM, qemu_i386
g, t = sys.argv[1:]
cmd = 'baremu.cmd="echo hook-$((40 + 2)) $(uname -r); iperf3 --version; poweroff"'
with VM(qemu_i386("-kernel", g + "/vmlinuz", "-initrd", g + "/initrd.gz",
                  "-append", "console=ttyS0,115200 " + cmd),
        log=t + "/cmd.log", name="hook-cmd") as vm:
    vm.expect(r"hook-42 6\.1\.", 180, what="baremu.cmd output")
    vm.expect(r"iperf 3\.\d+", 30, what="iperf3 --version in the guest")
    rc = vm.wait_exit(60)
    assert rc == 0, "QEMU exited %s after the hook's poweroff" % rc
print("baremu.cmd hook ok")
PY

# 2. An appended initramfs archive holding /baremu/run.sh.
port=$(free_port tcp)
bg_start iperf3 -s -B 127.0.0.1 -p "$port" >"$T/iperf3-server.log" 2>&1
wait_port "$port" 10 || fail "iperf3 server did not listen on 127.0.0.1:$port"
mkdir -p "$T/extra/baremu"
cat >"$T/extra/baremu/run.sh" <<EOF
ip -4 addr show dev eth0 | grep -q 'inet 10.0.2.15/24' && echo run.sh-lease-ok
iperf3 -c 10.0.2.2 -p $port -t 3 -f m && echo run.sh-iperf3-ok
poweroff
EOF
(cd "$T/extra" && find baremu | cpio -o -H newc --owner=0:0 --quiet) | gzip >"$T/extra.cpio.gz"
cat "$GUEST/initrd.gz" "$T/extra.cpio.gz" >"$T/initrd-hook.gz"
python3 - "$GUEST" "$T" <<'PY' || fail "appended /baremu/run.sh hook failed (see above)"
import sys
from vm import VM, qemu_i386
g, t = sys.argv[1:]
with VM(qemu_i386("-kernel", g + "/vmlinuz", "-initrd", t + "/initrd-hook.gz",
                  "-append", "console=ttyS0,115200 baremu.dhcp=1",
                  "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"),
        log=t + "/runsh.log", name="hook-runsh") as vm:
    vm.expect(r"running /baremu/run.sh", 180, what="the appended script starting")
    vm.expect(r"run.sh-lease-ok", 60, what="the DHCP lease from baremu.dhcp=1")
    m = vm.expect(r"([\d.]+) Mbits/sec\s+\d*\s*sender", 60, what="the iperf3 client's summary")
    vm.expect(r"run.sh-iperf3-ok", 30, what="iperf3 exiting 0")
    rc = vm.wait_exit(60)
    assert rc == 0, "QEMU exited %s after run.sh's poweroff" % rc
print("run.sh hook ok: guest iperf3 to host over QEMU user net: %s Mbit/s" % m.group(1))
PY
echo "qemu-hook ok"
