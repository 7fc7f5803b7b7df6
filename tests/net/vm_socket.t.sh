# timeout: 400
# Two Debian i386 QEMU VMs joined by baremu -machine none over -netdev socket:
# ping both ways, a file copied with a matching sha256, pcaps compared with
# QEMU's filter-dump (tests/net/vm_pair.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 tshark
need_guest
[ -x "$BAREMU_TOP/build/hosted/baremu" ] || skip "build/hosted/baremu is not built (make hosted)"
python3 "$BAREMU_TOP/tests/net/vm_pair.py" "$T" socket; rc=$?
[ $rc = 0 ] || for f in "$T"/*.log; do echo "--- $f"; tail -n 15 "$f"; done
exit $rc
