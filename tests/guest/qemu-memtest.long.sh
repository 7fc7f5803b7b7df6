# timeout: 300
# memtest86+ (Debian package memtest86+, /boot/memtest86+ia32.bin, a Linux
# boot-protocol image) under qemu-system-i386 -kernel with console=ttyS0:
# its screen reaches the serial port with the version, the board it read from
# SMBIOS and "Status: Testing". The reference for running it under baremu.
# A .long.sh: on a loaded machine memtest86+ takes a minute to draw its screen.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
mt=/boot/memtest86+ia32.bin
[ -f "$mt" ] || skip "$mt is missing (package memtest86+)"
python3 - "$mt" "$T" <<'PY' || fail "memtest86+ did not come up on the serial console (see above)"
import sys
from vm import VM, qemu_i386
mt, t = sys.argv[1:]
with VM(qemu_i386("-kernel", mt, "-append", "console=ttyS0,115200"),
        log=t + "/console.log", name="qemu-memtest") as vm:
    m = vm.expect(r"Memtest86\+ v(\d+\.\d+)", 200, what="the memtest86+ banner")
    vm.expect(r"QEMU Standard PC \(i440FX", 60, what="the SMBIOS board name")
    vm.expect(r"Status: Testing", 60, what="testing to start")
print("memtest86+ %s runs on the serial console" % m.group(1))
PY
echo "qemu-memtest ok"
