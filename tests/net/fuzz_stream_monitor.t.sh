# timeout: 300
# Runs the libFuzzer harness of the monitor's command interpreter
# (tests/fuzz/fuzz_stream_monitor.c: what a peer on -monitor tcp: can send)
# for 15 seconds; any crash, sanitizer report, leak or abort fails the test.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_stream_monitor"
make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzer"; }
mkdir -p "$T/corpus"
printf 'help\ninfo network\nset_link a off\nset_link ha on\nset_link lone off\ninfo\nquit\n' >"$T/corpus/net"
printf 'hostfwd_add tcp:127.0.0.1:1-:22\nhostfwd_remove tcp:127.0.0.1:1\nhelp info\n' >"$T/corpus/user"
printf 'set_link %0600d on\n\t\r\n a b c d e f g h i j k l m n o p q r s\n' 7 >"$T/corpus/long"
"$fz" -max_total_time=15 -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$T/" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|Done' "$T/fuzz.log" | tail -n 2
[ $rc = 0 ] || { tail -n 30 "$T/fuzz.log"; fail "the fuzzer found a problem (exit $rc)"; }
echo "fuzz_stream_monitor ok"
