# timeout: 240
# lock: fuzz
# Runs the libFuzzer harness of the CPU interpreter (tests/fuzz/fuzz_cpu.c:
# arbitrary instruction bytes in real mode, 16/32-bit protected mode at CPL
# 0 and 3, with paging and in V86 mode, against half-garbage descriptor
# tables) for 20 seconds from one seed per mode, each input interpreted and
# then translated (emu/cpu/jit_x64.c, which must end in the same state); any
# crash, sanitizer report, difference, timeout or abort fails.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_cpu"
mkdir -p "$BAREMU_TOP/build"; flock "$BAREMU_TOP/build/.fuzz-build.lock" make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzer"; }
mkdir -p "$T/corpus"
# A seed per mode: the mode byte, 385 bytes of registers and tables (zero),
# then code that loads a fuzz descriptor into DS, calls through the IDT,
# a call gate and a task gate, runs x87 and a REP MOVS, and halts.
for mode in 0 1 2 3 4 5; do
  { printf "\\x$((mode + 0x80))"; head -c 385 /dev/zero
    printf '\x66\xb8\x80\x00\x8e\xd8\xcd\x80\x9a\x00\x00\x00\x00\x58\x00\xea\x00\x00\x00\x00\x60\x00'
    printf '\xdb\xe3\xd9\xe8\xd9\xfa\xf3\xa5\xf4'; } >"$T/corpus/mode$mode"
done
"$fz" -max_total_time=20 -max_len=1024 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$T/" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|Done' "$T/fuzz.log" | tail -n 2
[ $rc = 0 ] || { tail -n 30 "$T/fuzz.log"; fail "the CPU fuzzer found a problem (exit $rc)"; }
echo "fuzz_cpu ok"
