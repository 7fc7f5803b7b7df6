# timeout: 240
# Runs the libFuzzer harness of the stream framing (tests/fuzz/
# fuzz_stream_framing.c) for 20 seconds from a few seed inputs; any crash,
# sanitizer report or abort fails the test. Builds the fuzzer if needed.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_stream_framing"
make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzer"; }
mkdir -p "$T/corpus"
# Seeds: chunk byte, then two frames; a zero length; a huge length.
printf '\x03\x00\x00\x00\x04abcd\x00\x00\x00\x02xy' >"$T/corpus/two"
printf '\x00\x00\x00\x00\x00\x00\x00\x00\x01z' >"$T/corpus/zero"
printf '\x10\xff\xff\xff\xff' >"$T/corpus/huge"
"$fz" -max_total_time=20 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$T/" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|Done' "$T/fuzz.log" | tail -n 2
[ $rc = 0 ] || { tail -n 30 "$T/fuzz.log"; fail "the fuzzer found a problem (exit $rc)"; }
echo "fuzz_stream ok"
