# timeout: 300
# CD boot of the test guest: qemu-system-i386 -cdrom cd.iso (ISOLINUX, El
# Torito) reaches the shell on ttyS0, runs `uname -r` (6.1), and `poweroff`
# ends QEMU with status 0 (tests/guest/boot_check.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
python3 "$BAREMU_TOP/tests/guest/boot_check.py" qemu-cd "$T/console.log" 'ISOLINUX' -- \
    qemu-system-i386 -accel tcg -m 256 -nographic -no-reboot \
    -cdrom "$GUEST/cd.iso" -boot d ||
    fail "CD boot failed (see above)"
echo "qemu-boot-cd ok"
