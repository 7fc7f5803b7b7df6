# timeout: 180
# usernet-flowbench's bulk modes (tests/usernet/flowbench_bulk.c) through
# baremu's user-mode stack, so the benchmark cannot rot silently: 8 MiB
# guest->uplink and 8 MiB uplink->guest over one TCP connection each, every
# byte compared with the sent stream and the counts matched on both ends;
# then one byte flipped at the sender (FB_CORRUPT) must be reported as a
# failure in each direction (the check itself works), and so must one frame
# from the stack changed after its checksum was made (FB_BADSUM: the guest
# verifies the IPv4 and TCP checksums of every frame). The tool links
# libslirp, so it is skipped without libslirp-dev.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
[ -f /usr/include/slirp/libslirp.h ] || skip "libslirp-dev is not installed (usernet-flowbench links it)"
fb="$BAREMU_TOP/build/hosted/usernet-flowbench"
make -s -C "$BAREMU_TOP" -j2 "$fb" >"$T/build.log" 2>&1 || { tail "$T/build.log"; fail "cannot build usernet-flowbench"; }
for m in bulk-out bulk-in; do
    timeout 120 "$fb" baremu "$m" 8 >"$T/$m.out" 2>&1
    rc=$?
    cat "$T/$m.out"
    [ $rc = 0 ] || fail "$m: 8 MiB through baremu's -netdev user did not arrive intact (exit $rc)"
    grep -q "^baremu $m: 8 MiB in .* all bytes and checksums checked" "$T/$m.out" || fail "$m: no result line"
    FB_CORRUPT=3000001 timeout 120 "$fb" baremu "$m" 4 >"$T/$m.bad" 2>&1
    rc=$?
    [ $rc = 1 ] && grep -q "FAIL: payload differs.*first bad byte 3000001" "$T/$m.bad" ||
        { cat "$T/$m.bad"; fail "$m: a flipped byte at 3000001 was not caught (exit $rc)"; }
    FB_BADSUM=5 timeout 120 "$fb" baremu "$m" 4 >"$T/$m.sum" 2>&1
    rc=$?
    [ $rc = 1 ] && grep -q "FAIL: frames with a bad IPv4 or TCP checksum.*bad checksums 1$" "$T/$m.sum" ||
        { cat "$T/$m.sum"; fail "$m: a frame changed after its checksum was not caught (exit $rc)"; }
done
echo "bulk: both directions intact, corruption and bad checksums caught"
