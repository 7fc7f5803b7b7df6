# timeout: 90
# Bounded memory, backpressure and drop counters with a peer that stops
# reading (tests/net/bounded.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
[ -x "$BAREMU_TOP/build/hosted/baremu" ] || skip "build/hosted/baremu is not built (make hosted)"
python3 "$BAREMU_TOP/tests/net/bounded.py" "$T"; rc=$?
[ $rc = 0 ] || { echo "--- baremu log"; tail -n 20 "$T/baremu.log"; }
exit $rc
