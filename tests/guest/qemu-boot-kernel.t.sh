# timeout: 300
# Direct kernel boot of the test guest: qemu-system-i386 -kernel/-initrd/-append
# reaches the shell on ttyS0, runs `uname -r` (6.1), and `poweroff` ends QEMU
# with status 0 (tests/guest/boot_check.py). The console is a pseudo-terminal
# here (QEMU -serial pty; vm.py's pty mode reads its path from QEMU's message).
# With disk.img and cd.iso attached it also checks the reference that
# machine/linux-kernel.t holds baremu to: ata_piix runs both in MWDMA2 and
# reads vmlinuz back intact (tests/guest/storage_check.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
BOOT_CHECK_STORAGE="$GUEST/vmlinuz" \
    python3 "$BAREMU_TOP/tests/guest/boot_check.py" --console pty qemu-kernel "$T/console.log" '' -- \
    qemu-system-i386 -accel tcg -m 256 -display none -monitor none -serial pty -no-reboot \
    -snapshot -hda "$GUEST/disk.img" -cdrom "$GUEST/cd.iso" \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" -append "console=ttyS0,115200" ||
    fail "direct kernel boot failed (see above)"
echo "qemu-boot-kernel ok"
