# timeout: 300
# Runs the libFuzzer harness of the path a stream peer's bytes take after
# the socket (tests/fuzz/fuzz_stream_hub.c: framing, ports with bounded
# queues and backpressure, hub flooding, a filter-dump tap) for 15 seconds;
# any crash, sanitizer report, leak or abort fails the test.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_stream_hub"
make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzer"; }
mkdir -p "$T/corpus"
# Seeds: control byte, chunk length-1, bytes. Two frames with every port
# ready; the same with port x blocked then a link down; a bad length.
printf '\x06\x0f\x00\x00\x00\x0eAAAAAABBBBBBCC\x06\x03\x00\x00\x00\x01' >"$T/corpus/ready"
printf '\x04\x0f\x00\x00\x00\x0eAAAAAABBBBBBCC\x86\x0f\x00\x00\x00\x0eAAAAAABBBBBBCC' >"$T/corpus/blocked"
printf '\x06\x04\xff\xff\xff\xff\x00' >"$T/corpus/bad"
"$fz" -max_total_time=15 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$T/" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|Done' "$T/fuzz.log" | tail -n 2
[ $rc = 0 ] || { tail -n 30 "$T/fuzz.log"; fail "the fuzzer found a problem (exit $rc)"; }
echo "fuzz_stream_hub ok"
