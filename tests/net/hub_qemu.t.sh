# timeout: 60
# baremu's hubs, hub ports, legacy -net and set_link compared with QEMU 7.2
# given the same command line (tests/net/hub_qemu.py).
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386
python3 "$BAREMU_TOP/tests/net/hub_qemu.py" "$T"; rc=$?
[ $rc = 0 ] || for f in "$T"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
exit $rc
