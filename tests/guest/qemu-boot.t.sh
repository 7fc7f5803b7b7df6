# timeout: 300
# The reference boot: qemu-system-i386 (TCG, 256 MiB) boots the test guest's
# syslinux disk image to the shell on ttyS0, the guest runs `uname -r` (a 6.1
# kernel), and `poweroff` ends QEMU with status 0 (tests/guest/boot_check.py).
# No NIC (-nic none): the like-for-like reference for a first baremu boot.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
python3 "$BAREMU_TOP/tests/guest/boot_check.py" qemu-disk "$T/console.log" 'SYSLINUX' -- \
    qemu-system-i386 -accel tcg -m 256 -nographic -no-reboot -nic none \
    -drive "file=$GUEST/disk.img,format=raw,if=ide,snapshot=on" ||
    fail "disk-image boot failed (see above)"
echo "qemu-boot ok"
