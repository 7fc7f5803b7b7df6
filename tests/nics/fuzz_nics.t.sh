# timeout: 300
# Runs the libFuzzer harnesses of the NIC models (tests/fuzz/fuzz_nic_e1000.c,
# fuzz_nic_rtl8139.c, fuzz_nic_ne2000.c) for 15 seconds each from an empty
# corpus: register programs, descriptor bytes, frames, link changes and
# resets. Any crash, sanitizer report, timeout or abort fails the test.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
for m in e1000 rtl8139 ne2000; do
    fz="$BAREMU_TOP/build/fuzz/fuzz_nic_$m"
    make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build $fz"; }
    mkdir -p "$T/corpus-$m"
    "$fz" -max_total_time=15 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$T/$m-" "$T/corpus-$m" >"$T/fuzz-$m.log" 2>&1; rc=$?
    echo "$m: $(grep -E 'stat::number_of_executed_units' "$T/fuzz-$m.log" | tail -n 1)"
    [ $rc = 0 ] || { tail -n 30 "$T/fuzz-$m.log"; fail "the $m fuzzer found a problem (exit $rc)"; }
done
echo "fuzz_nics ok"
