# timeout: 900
# Acceptance 2 (BIOS -> SYSLINUX): baremu boots build/guest/disk.img (MBR,
# FAT16, SYSLINUX, the Debian 6.1 kernel and busybox initramfs) through
# SeaBIOS from the first IDE disk, opened with -snapshot; SYSLINUX's banner
# must show on ttyS0, the shell must answer (tests/guest/boot_check.py), and
# `poweroff` must end baremu with status 0. The image must stay unchanged.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
need_guest
sum=$(md5sum <"$GUEST/disk.img")
BOOT_SHELL_TIMEOUT=480 python3 "$BAREMU_TOP/tests/guest/boot_check.py" baremu-disk "$T/console.log" 'SYSLINUX' -- \
    "$b" -m 256 -nographic -no-reboot -hda "$GUEST/disk.img" -snapshot ||
    { tail -n 30 "$T/console.log"; fail "disk-image boot failed (see above)"; }
[ "$(md5sum <"$GUEST/disk.img")" = "$sum" ] || fail "-snapshot let the guest change disk.img"
echo "linux-disk ok"
