# timeout: 120
# A halted CPU wakes for its timer: tests/machine/guest/idle_wake.asm (our
# own -bios image) arms the PIT's one-shot mode 4 fifty times and waits in
# STI; HLT for IRQ 0 each time, then exits through isa-debug-exit (85). In
# real time this takes ~0.5 s; a lost wake-up (the timer firing while the
# loop asks for the next deadline) hangs until the timeout. Checked with and
# without a serial port on stdio, and with -icount.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd nasm
nasm -f bin "$BAREMU_TOP/tests/machine/guest/idle_wake.asm" -o "$T/idle.bin" || fail "nasm failed"
for args in "-serial null" "-serial stdio" "-serial null -icount shift=3"; do
    # shellcheck disable=SC2086
    timeout -s KILL 20 "$BAREMU_TOP/build/hosted/baremu" -bios "$T/idle.bin" -m 16 -display none -vga none \
        -device isa-debug-exit,iobase=0xf4,iosize=4 $args </dev/null >"$T/out" 2>&1
    rc=$?
    [ $rc = 85 ] || { cat "$T/out"; fail "$args: exit status $rc, expected 85 (50 one-shot timer wake-ups)"; }
done
echo "50 one-shot wake-ups from HLT, real time and icount"
