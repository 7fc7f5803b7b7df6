# timeout: 300
# Runs the libFuzzer harness of the PC machine's devices (tests/fuzz/
# fuzz_pc_devices.c: the real pc machine with its disks and CD-ROMs, driven
# through ports, MMIO, guest RAM, ATA/ATAPI commands, IDE bus master DMA,
# fw_cfg DMA, PCI configuration and the clock, without the CPU). First it
# replays the saved reproducers of the bugs it found (tests/fuzz/corpus-pc/),
# then fuzzes for 30 seconds from them. Any crash, sanitizer report, leak,
# timeout or abort fails the test and names the crashing input's path.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_pc_devices"
seeds="$BAREMU_TOP/tests/fuzz/corpus-pc"
make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build $fz"; }
mkdir -p "$T/corpus"
n=0
for f in "$seeds"/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    "$fz" -timeout=30 -rss_limit_mb=2048 "$f" >"$T/replay.log" 2>&1 ||
        { tail -n 30 "$T/replay.log"; fail "the saved reproducer $f crashes the PC devices again"; }
    cp "$f" "$T/corpus/"
done
echo "replayed $n saved inputs"
"$fz" -max_total_time=30 -max_len=4096 -len_control=0 -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$T/pc-" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec' "$T/fuzz.log"
if [ $rc != 0 ]; then
    tail -n 40 "$T/fuzz.log"
    art=$(ls "$T"/pc-* 2>/dev/null | head -n 1)
    if [ -n "$art" ]; then
        mkdir -p "$BAREMU_TOP/build/fuzz/artifacts"
        cp "$art" "$BAREMU_TOP/build/fuzz/artifacts/"
        art="$BAREMU_TOP/build/fuzz/artifacts/$(basename "$art")"
    fi
    fail "the PC devices fuzzer found a problem (exit $rc); crashing input: ${art:-none saved}"
fi
echo "fuzz_pc ok"
