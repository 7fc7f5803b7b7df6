# timeout: 900
# Acceptance 4: baremu boots build/guest/cd.iso (ISOLINUX, El Torito no
# emulation) from the ATAPI CD-ROM (-cdrom, -boot d) through SeaBIOS;
# ISOLINUX's banner must show on ttyS0, the shell must answer
# (tests/guest/boot_check.py), and `poweroff` must end baremu with status 0.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
need_guest
BOOT_SHELL_TIMEOUT=480 python3 "$BAREMU_TOP/tests/guest/boot_check.py" baremu-cd "$T/console.log" 'ISOLINUX' -- \
    "$b" -m 256 -nographic -no-reboot -cdrom "$GUEST/cd.iso" -boot d ||
    { tail -n 30 "$T/console.log"; fail "CD boot failed (see above)"; }
echo "linux-cd ok"
