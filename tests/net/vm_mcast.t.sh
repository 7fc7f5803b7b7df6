# timeout: 400
# baremu and two Debian i386 QEMU VMs on one multicast group on loopback:
# the VMs ping each other and a host behind baremu (tests/net/vm_mcast.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
need_guest
[ -x "$BAREMU_TOP/build/hosted/baremu" ] || skip "build/hosted/baremu is not built (make hosted)"
python3 "$BAREMU_TOP/tests/net/vm_mcast.py" "$T"; rc=$?
[ $rc = 0 ] || for f in "$T"/*.log; do echo "--- $f"; tail -n 15 "$f"; done
exit $rc
