# timeout: 60
# A real qemu-system-i386 (7.2) linked to baremu by the "stream-unix-client" variant of
# qemu_peer.py: frames both ways, filter-dump pcaps compared with QEMU's.
set -u
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 is not installed"; exit 77; }
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$BAREMU_TOP/tests/net/qemu_peer.py" "$tmp" stream-unix-client; rc=$?
[ $rc = 0 ] || for f in "$tmp"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
exit $rc
