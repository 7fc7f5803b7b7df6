# timeout: 600
# Acceptance 2 (direct kernel boot): baremu -kernel/-initrd/-append boots the
# Debian i386 test guest (linux-image-686 6.1, busybox initramfs) to the
# shell on ttyS0 (stdio, -nographic); tests/guest/boot_check.py reads back
# `uname -r` (a 6.1 kernel), exit statuses and quoting, then `poweroff` must
# end baremu with status 0 (ACPI S5 through our PM device). The guest also
# has disk.img (-hda, -snapshot) and cd.iso (-cdrom): Debian's ata_piix must
# find the bus master (BAR4) and run both in multiword DMA mode 2 as under
# QEMU 7.2, and vmlinuz read from the FAT disk and the ISO 9660 CD must hash
# as the host's copy (tests/guest/storage_check.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
need_guest
BOOT_SHELL_TIMEOUT=480 BOOT_CHECK_STORAGE="$GUEST/vmlinuz" \
    python3 "$BAREMU_TOP/tests/guest/boot_check.py" baremu-kernel "$T/console.log" '' -- \
    "$b" -m 256 -nographic -no-reboot -snapshot -hda "$GUEST/disk.img" -cdrom "$GUEST/cd.iso" \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" -append "console=ttyS0,115200" ||
    { tail -n 30 "$T/console.log"; fail "direct kernel boot failed (see above)"; }
echo "linux-kernel ok"
