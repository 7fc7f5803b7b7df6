# timeout: 400
# iPXE network boot through baremu's user-mode network: qemu-system-i386
# -boot n with its e1000 ROM, linked by -netdev stream to a hosted
# `baremu -machine none -netdev user,tftp=build/guest/tftp,bootfile=pxelinux.0`.
# iPXE gets DHCP and pxelinux.0, PXELINUX loads its config, the kernel and the
# initrd by TFTP (with blksize and tsize), and the guest reaches the shell.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
BAREMU=${BAREMU:-$BAREMU_TOP/build/hosted-asan/baremu}
sport=$(free_port tcp)
bg_start "$BAREMU" -machine none -monitor none \
    -netdev "user,id=u0,tftp=$GUEST/tftp,bootfile=pxelinux.0" \
    -netdev "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=$sport" \
    -netdev hubport,id=h0,hubid=0,netdev=u0 -netdev hubport,id=h1,hubid=0,netdev=s0 \
    >"$T/baremu.log" 2>&1 </dev/null
wait_port "$sport" 10 || { cat "$T/baremu.log"; fail "baremu did not listen on 127.0.0.1:$sport"; }
python3 - "$GUEST" "$T" "$sport" <<'PY' || { tail -n 20 "$T/baremu.log"; fail "PXE boot through baremu failed (see above)"; }
import sys, time
from vm import VM
g, t, sport = sys.argv[1:]
sock = t + "/console.sock"
t0 = time.monotonic()
with VM(["qemu-system-i386", "-accel", "tcg", "-m", "256", "-display", "none",
         "-monitor", "none", "-no-reboot", "-boot", "n",
         "-serial", "unix:%s,server=on,wait=off" % sock,
         "-netdev", "stream,id=n0,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=%s" % sport,
         "-device", "e1000,netdev=n0"],
        log=t + "/console.log", console="unix:" + sock, name="pxe") as vm:
    vm.expect(r"PXELINUX", 120, what="PXELINUX's banner (DHCP + TFTP of pxelinux.0 via baremu)")
    vm.wait_shell(timeout=240)
    st, kver = vm.run("uname -r", 20)
    assert st == 0 and kver.startswith("6.1."), "uname -r gave %d, %r" % (st, kver)
    rc = vm.poweroff(60)
    assert rc == 0, "QEMU exited %s after poweroff" % rc
print("pxe via baremu: kernel %s, shell and poweroff after %.1fs" % (kver, time.monotonic() - t0))
PY
echo "usernet pxe ok"
