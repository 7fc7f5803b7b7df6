# timeout: 400
# lock: fuzz
# Bounded libFuzzer runs (15 s each) of the harnesses for every parser the
# guest reaches in the user-mode network: DHCP/BOOTP (fuzz_usernet_dhcp), the
# DNS proxy (fuzz_usernet_dns), TFTP (fuzz_usernet_tftp) and the TCP/UDP NAT
# with lwIP's TCP input (fuzz_usernet_nat); fuzz_usernet.t runs the
# whole-frame harness. Any crash, sanitizer report, timeout or abort fails.
# Leaks are checked elsewhere (the network lives across inputs by design).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
B="$BAREMU_TOP/build/fuzz"
mkdir -p "$BAREMU_TOP/build"; flock "$BAREMU_TOP/build/.fuzz-build.lock" make -s -C "$BAREMU_TOP" -j2 "$B/fuzz_usernet_dhcp" "$B/fuzz_usernet_dns" "$B/fuzz_usernet_tftp" \
    "$B/fuzz_usernet_nat" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzers"; }
for h in dhcp dns tftp nat; do mkdir -p "$T/$h"; done
# Seeds. DHCP: form 0 (valid header), a DISCOVER with a parameter list, then
# a REQUEST for 10.0.2.15.
printf '\x00\x00\x09\x35\x01\x01\x37\x03\x01\x03\x06\xff' >"$T/dhcp/discover"
printf '\x02\x00\x0f\x35\x01\x03\x32\x04\x0a\x00\x02\x0f\x36\x04\x0a\x00\x02\x02\xff' >"$T/dhcp/request"
# DNS: a query for a.b type A, class IN.
printf '\x00\x15\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x01b\x00\x00\x01\x00\x01' >"$T/dns/query"
# TFTP: RRQ f octet blksize 1024 tsize 0 timeout 1, then ACK 1 to the transfer port.
printf '\x00\x00\x2a\x00\x01f\x00octet\x00blksize\x001024\x00tsize\x000\x00timeout\x001\x00\x01\x00\x04\x00\x04\x00\x01' >"$T/tftp/rrq"
# NAT: 5 bytes of data (PSH|ACK), the host sends, then a UDP datagram and a FIN.
printf '\x00\x18\x00\x05hello\x03\x00\x00\x00\x02\x01\x00\x03abc\x00\x11\x00\x00' >"$T/nat/data"
for h in dhcp dns tftp nat; do
    "$B/fuzz_usernet_$h" -max_total_time=15 -timeout=10 -rss_limit_mb=1536 -detect_leaks=0 \
        -print_final_stats=1 -artifact_prefix="$T/$h-" "$T/$h" >"$T/$h.log" 2>&1; rc=$?
    echo "$h: $(grep -E 'stat::number_of_executed_units' "$T/$h.log" | tail -n 1)"
    [ $rc = 0 ] || { tail -n 30 "$T/$h.log"; fail "fuzz_usernet_$h found a problem (exit $rc)"; }
done
echo "usernet parser fuzzers ok"
