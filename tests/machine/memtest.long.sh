# timeout: 3000
# Acceptance 3: memtest86+ (Debian package memtest86+, the ia32 image, a
# Linux boot-protocol kernel) runs under baremu -kernel with console=ttyS0
# and 64 MiB of RAM, and completes its first pass with no errors. The result
# is read from its screen mirrored on the serial port: at the end of a pass
# the status line shows "Pass:  1        Errors: 0"; any error shows
# "Failed!" in the status field. Set MEMTEST_EMU=qemu to run the same check on QEMU TCG.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
mt="$GUEST/memtest86+ia32.bin"
[ -f "$mt" ] || mt=/boot/memtest86+ia32.bin
[ -f "$mt" ] || skip "memtest86+ia32.bin is missing (package memtest86+)"
if [ "${MEMTEST_EMU:-baremu}" = qemu ]; then
    need_cmd qemu-system-i386
    emu=(qemu-system-i386 -accel tcg -nographic -monitor none -no-reboot -nic none)
else
    b="$BAREMU_TOP/build/hosted/baremu"
    [ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
    emu=("$b" -nographic -no-reboot)
fi
python3 - "$mt" "$T" "${emu[@]}" <<'PY' || { tail -c 3000 "$T/console.log"; echo; fail "memtest86+ did not complete a clean pass (see above)"; }
import re, sys, time
from vm import VM
mt, t, emu = sys.argv[1], sys.argv[2], sys.argv[3:]
t0 = time.monotonic()
with VM(emu + ["-m", "64", "-kernel", mt, "-append", "console=ttyS0,115200"],
        log=t + "/console.log", name="memtest") as vm:
    m = vm.expect(r"Memtest86\+ v(\d+\.\d+)", 300, what="the memtest86+ banner")
    vm.expect(r"Status: Testing", 300, what="testing to start")
    r = vm.expect(r"Pass:\s+1\s+Errors:\s+(\d+)|Failed!", 2700,
                  what="the end of the first pass (pass count 1) or an error")
    assert r.group(0) != "Failed!" and r.group(1) == "0", "memtest86+ reported memory errors"
print("memtest86+ %s: first pass complete, no errors, after %.0fs"
      % (m.group(1), time.monotonic() - t0))
PY
echo "memtest ok"
