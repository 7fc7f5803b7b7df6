# timeout: 60
# baremu -machine none switching between stream links; see switch.py.
set -u
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$BAREMU_TOP/tests/net/switch.py" "$tmp"; rc=$?
[ $rc = 0 ] || { echo "--- baremu log"; tail -n 30 "$tmp/baremu.log"; }
exit $rc
