# timeout: 180
# A guest reset restarts only the guest: a tiny firmware (guest-reset.S,
# assembled here) triple-faults on its first start and resets through port
# 0xCF9 on its second; the appliance (and its network uplink) stays up, the
# guest starts again each time with its RAM intact, and on the third start
# writes 5 to the guest's isa-debug-exit. -exit-with-guest passes the guest's
# status ((5 << 1) | 1 = 11) to the outer QEMU's isa-debug-exit: status 23.
. "$(dirname "$0")/lib.sh"
bm_require
command -v as >/dev/null && command -v objcopy >/dev/null || { echo "skip: binutils missing"; exit 77; }
mkdir -p "$top/build/tmp"
fw=$(mktemp -d "$top/build/tmp/guest-reset.XXXXXX")
as --32 -o "$fw/fw.o" "$(dirname "$0")/guest-reset.S" || bm_fail "cannot assemble guest-reset.S"
objcopy -O binary -j .text "$fw/fw.o" "$fw/fw.bin"
[ "$(stat -c %s "$fw/fw.bin")" = 65536 ] || bm_fail "firmware image is not 64 KiB"
bm_boot appliance-guest-reset pc "# written by tests/appliance/guest-reset.t.sh
-bios fw.bin -debugcon stdio
-device isa-debug-exit,iobase=0xf4,iosize=4
-exit-with-guest" --file "fw.bin=$fw/fw.bin"
rm -rf "$fw"
bm_expect_rc 23
bm_expect 'machine: CPU shutdown \(triple fault\): resetting' "triple fault turned into a guest reset"
starts=$(grep -Ec '^[123]$' "$BM_LOG")
[ "$starts" = 3 ] || bm_fail "expected the firmware to start 3 times (1, 2, 3 on the debug console), saw $starts"
grep -q '^1$' "$BM_LOG" && grep -q '^2$' "$BM_LOG" && grep -q '^3$' "$BM_LOG" || bm_fail "start counts 1, 2, 3 not all seen"
[ "$(grep -c '^baremu .* - bare-metal PC emulator appliance' "$BM_LOG")" = 1 ] || bm_fail "the appliance itself restarted"
bm_expect 'guest: guest stopped \(exit status 11\)' "the guest's exit status"
echo "ok: triple fault and 0xCF9 reset restarted only the guest (3 starts, one appliance boot), exit status passed on"
