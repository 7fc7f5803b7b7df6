# timeout: 60
# A stream client link with reconnect=1 survives its peer's absence and
# disconnects (tests/net/reconnect.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
python3 "$BAREMU_TOP/tests/net/reconnect.py" "$T"; rc=$?
[ $rc = 0 ] || { echo "--- baremu log"; tail -n 20 "$T/baremu.log"; }
exit $rc
