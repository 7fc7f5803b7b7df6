# timeout: 300
# Network boot of the test guest with QEMU as the peer: the e1000's iPXE ROM
# gets DHCP and pxelinux.0 from `-netdev user,tftp=build/guest/tftp`, PXELINUX
# loads its config, the kernel and the initrd by TFTP, and the guest reaches the
# shell (uname -r is 6.1) and powers off with status 0. The console is a Unix
# socket here (vm.py's unix: mode, QEMU -serial unix:...,server=on).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
python3 - "$GUEST" "$T" <<'PY' || fail "PXE boot failed (see above)"
import sys, time
from vm import VM
g, t = sys.argv[1:]
sock = t + "/console.sock"
t0 = time.monotonic()
with VM(["qemu-system-i386", "-accel", "tcg", "-m", "256", "-display", "none",
         "-monitor", "none", "-no-reboot", "-boot", "n",
         "-serial", "unix:%s,server=on,wait=off" % sock,
         "-netdev", "user,id=n0,tftp=%s/tftp,bootfile=pxelinux.0" % g,
         "-device", "e1000,netdev=n0"],
        log=t + "/console.log", console="unix:" + sock, name="qemu-pxe") as vm:
    vm.expect(r"PXELINUX", 120, what="PXELINUX's banner (DHCP + TFTP of pxelinux.0)")
    vm.wait_shell(timeout=180)
    st, kver = vm.run("uname -r", 20)
    assert st == 0 and kver.startswith("6.1."), "uname -r gave %d, %r" % (st, kver)
    rc = vm.poweroff(60)
    assert rc == 0, "QEMU exited %s after poweroff" % rc
print("qemu-pxe: kernel %s, shell and poweroff after %.1fs" % (kver, time.monotonic() - t0))
PY
echo "qemu-pxe ok"
