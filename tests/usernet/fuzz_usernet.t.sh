# timeout: 240
# lock: fuzz
# Runs the libFuzzer harness of the user-mode network (tests/fuzz/
# fuzz_usernet.c: arbitrary guest frames, raw or wrapped in valid IPv4 or IPv6) for
# 20 seconds from a few seeds; any crash, sanitizer report or abort fails.
# Leak detection is off inside the run because the network (its flows and
# pcbs) deliberately lives across inputs; test_usernet and tcp_churn check
# that connections give their memory back.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd clang
fz="$BAREMU_TOP/build/fuzz/fuzz_usernet"
mkdir -p "$BAREMU_TOP/build"; flock "$BAREMU_TOP/build/.fuzz-build.lock" make -s -C "$BAREMU_TOP" -j2 "$fz" >"$T/build.log" 2>&1 || { tail -n 20 "$T/build.log"; fail "cannot build the fuzzer"; }
mkdir -p "$T/corpus"
# Seeds (mode, length, bytes): a UDP header to the TFTP port with an RRQ; a
# TCP SYN header to the host; a DHCP-sized broadcast UDP datagram; fragments.
printf '\x02\x00\x14\x07\xd0\x00\x45\x00\x14\x00\x00\x00\x01f\x00octet\x00' >"$T/corpus/tftp"
printf '\x01\x00\x14\x9c\x40\x00\x50\x00\x00\x00\x01\x00\x00\x00\x00\x50\x02\xff\xff\x00\x00\x00\x00' >"$T/corpus/syn"
# Fragments (mode bit 0x10: flags/offset first): the first and the last
# piece of a UDP datagram to the host, and a piece of an ICMP echo.
printf '\x12\x00\x12\x20\x00\x9c\x40\x00\x50\x00\x20\x00\x00abcdefgh\x12\x00\x12\x00\x02ijklmnopqrstuvwx\x30\x00\x0a\x20\x00\x08\x00\x00\x00\x00\x01\x00\x01' >"$T/corpus/frag"
# IPv6 (mode bit 0x80): a Router Solicitation to ff02::2, a Neighbor
# Solicitation for fec0::2 to its solicited-node group, a DNS query to fec0::3,
printf '\x88\x00\x10\x85\x00\x00\x00\x00\x00\x00\x00\x01\x01\x52\x54\x00\x12\x34\x56' >"$T/corpus/rs"
printf '\x8c\x00\x20\x87\x00\x00\x00\x00\x00\x00\x00\xfe\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x01\x01\x52\x54\x00\x12\x34\x56' >"$T/corpus/ns"
printf '\x85\x00\x1b\x14\xe9\x00\x35\x00\x1b\x00\x00\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01q\x00\x00\x1c\x00\x01' >"$T/corpus/dns6"
# a TCP SYN to fec0::2:80 (the relay's connect to [::1]:80 is refused: reset),
printf '\x82\x00\x14\xa0\x00\x00\x50\x11\x22\x33\x44\x00\x00\x00\x00\x50\x02\xff\xff\x00\x00\x00\x00' >"$T/corpus/tcp6"
# and a SYN to fec0::2:48080, where the harness listens on [::1] (carried by
# lwIP's dual stack and the relay), then an ACK with data and a FIN.
printf '\x82\x00\x14\xa0\x01\xbb\xd0\x11\x22\x33\x44\x00\x00\x00\x00\x50\x02\xff\xff\x00\x00\x00\x00\x82\x00\x19\xa0\x01\xbb\xd0\x11\x22\x33\x45\x00\x00\x00\x01\x50\x18\xff\xff\x00\x00\x00\x00hello\x82\x00\x14\xa0\x01\xbb\xd0\x11\x22\x33\x4a\x00\x00\x00\x01\x50\x11\xff\xff\x00\x00\x00\x00' >"$T/corpus/tcp6relay"
head -c 300 /dev/zero | { printf '\x0a\x01\x34\x00\x44\x00\x43\x01\x34\x00\x00\x01\x01\x06'; cat; } >"$T/corpus/dhcp"
"$fz" -max_total_time=20 -timeout=10 -rss_limit_mb=1536 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$T/" "$T/corpus" >"$T/fuzz.log" 2>&1; rc=$?
grep -E 'stat::number_of_executed_units|Done' "$T/fuzz.log" | tail -n 2
[ $rc = 0 ] || { tail -n 30 "$T/fuzz.log"; fail "the fuzzer found a problem (exit $rc)"; }
echo "fuzz_usernet ok"
