# timeout: 90
# reconnect=1 against a real QEMU 7.2 stream server that comes and goes, and
# a malformed length on another link (tests/net/qemu_reconnect.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
python3 "$BAREMU_TOP/tests/net/qemu_reconnect.py" "$T"; rc=$?
[ $rc = 0 ] || for f in "$T"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
exit $rc
