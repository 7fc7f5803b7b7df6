# timeout: 300
# Direct kernel boot of the test guest: qemu-system-i386 -kernel/-initrd/-append
# reaches the shell on ttyS0, runs `uname -r` (6.1), and `poweroff` ends QEMU
# with status 0 (tests/guest/boot_check.py). The console is a pseudo-terminal
# here (QEMU -serial pty; vm.py's pty mode reads its path from QEMU's message).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
python3 "$BAREMU_TOP/tests/guest/boot_check.py" --console pty qemu-kernel "$T/console.log" '' -- \
    qemu-system-i386 -accel tcg -m 256 -display none -monitor none -serial pty -no-reboot \
    -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" -append "console=ttyS0,115200" ||
    fail "direct kernel boot failed (see above)"
echo "qemu-boot-kernel ok"
