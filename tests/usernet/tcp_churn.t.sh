# timeout: 180
# 10,000 short guest TCP connections through the user-mode network to a
# loopback listener leave the heap and lwIP's pcb lists where they started
# (tests/usernet/tcp_churn.c; optimised build, where mallinfo2 is the
# allocator's own count).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
tool="$BAREMU_TOP/build/hosted/tcp_churn"
[ -x "$tool" ] || make -s -C "$BAREMU_TOP" -j2 "$tool" >"$T/build.log" 2>&1 || { tail "$T/build.log"; fail "cannot build tcp_churn"; }
"$tool" 10000 || fail "10,000 TCP connections did not give their memory back (see above)"
