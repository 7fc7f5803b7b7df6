# timeout: 120
# The machine's monitor commands, as QEMU's HMP: info status, stop, cont,
# -S (start paused), info registers, system_reset, system_powerdown and
# sendkey. Guests: tests/appliance/serial-echo.S (prints "echo-ready" on COM1
# at each start), tests/machine/guest/pwrbtn.S (waits for the ACPI power
# button in PM1_STS, then exits through isa-debug-exit with 133) and
# tests/appliance/kbd-8042.S (prints each byte its 8042 delivers on COM1).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd as
need_cmd objcopy
b="$BAREMU_TOP/build/hosted-asan/baremu"
for g in "$BAREMU_TOP/tests/appliance/serial-echo.S" "$BAREMU_TOP/tests/machine/guest/pwrbtn.S" \
         "$BAREMU_TOP/tests/appliance/kbd-8042.S"; do
    n=$(basename "$g" .S)
    as --32 -o "$T/$n.o" "$g" && objcopy -O binary -j .text "$T/$n.o" "$T/$n.bin" || fail "cannot build $g"
done
run() {   # run SERIAL-FILE COMMANDS... : the monitor on stdio, one command a second
    local ser=$1; shift
    { sleep 2; for c in "$@"; do printf '%s\n' "$c"; sleep 1; done; printf 'quit\n'; } |
        timeout -s KILL 60 "$b" -bios "$T/${FW:-serial-echo}.bin" -m 16 -vga none -display none \
        -serial "file:$ser" -monitor stdio "${RUN_EXTRA[@]}" 2>&1
}
RUN_EXTRA=()
out=$(run "$T/s1" "info status" "stop" "info status" "info registers" "info registers" "cont" \
      "info status" "system_reset") || fail "the monitor session failed: $out"
[ "$(grep -c 'VM status: running' <<<"$out")" = 2 ] && grep -q 'VM status: paused' <<<"$out" ||
    fail "info status did not follow stop/cont: $out"
grep -q '^CS =f000 000f0000 0000ffff' <<<"$out" || fail "info registers lacks the real-mode CS: $out"
eips=$(grep -o 'EIP=[0-9a-f]*' <<<"$out" | sort -u | wc -l)
[ "$eips" = 1 ] || fail "EIP moved while the machine was stopped: $(grep EIP <<<"$out")"
[ "$(grep -c echo-ready "$T/s1")" = 2 ] || fail "system_reset did not restart the firmware (serial: $(cat "$T/s1"))"
RUN_EXTRA=(-S)
out=$(run "$T/s2" "info status") || fail "-S session failed: $out"
grep -q 'VM status: paused' <<<"$out" || fail "-S did not start paused: $out"
[ ! -s "$T/s2" ] || fail "the guest ran under -S before cont: $(cat "$T/s2")"
out=$(run "$T/s3" "info status" "cont" "info status") || fail "-S then cont failed: $out"
grep -q echo-ready "$T/s3" || fail "cont did not start the guest after -S"
out=$({ sleep 2; printf 'system_powerdown\n'; sleep 30; } |
      timeout -s KILL 60 "$b" -bios "$T/pwrbtn.bin" -m 16 -vga none -display none -serial "file:$T/s4" \
      -monitor stdio -device isa-debug-exit,iobase=0xf4,iosize=4 2>&1); rc=$?
[ $rc = 133 ] || fail "system_powerdown: exit status $rc, expected 133 (the guest saw PWRBTN_STS); serial: $(cat "$T/s4")"
# sendkey: make and break codes in set 1 (ctrl-alt-delete: 1d 38 e0 53,
# then the breaks in reverse), a raw code, and an unknown name refused.
RUN_EXTRA=()
out=$(FW=kbd-8042 run "$T/s5" "sendkey a" "sendkey ctrl-alt-delete 100" "sendkey 0x30" "sendkey nokey") ||
    fail "sendkey session failed: $out"
grep -q '1e 9e 1d 38 e0 53 e0 d3 b8 9d 30 b0' "$T/s5" || fail "sendkey scan codes: $(cat "$T/s5")"
grep -q "unknown key 'nokey'" <<<"$out" || fail "an unknown key name was not refused: $out"
echo "monitor commands ok"
