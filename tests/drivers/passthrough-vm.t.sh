# timeout: 420
# Nested passthrough with a real QEMU VM as the peer: the Debian test guest
# (Linux e1000 driver) on segment A pings the appliance's uplink (sharing
# eth0) and a station on segment B across the appliance's passthrough
# bridge (eth0 <-> hub <-> eth1); frames compared byte-exact between
# filter-dump on the VM's netdev and the station (tests/drivers/passthrough-vm.py).
. "$(dirname "$0")/../baremetal/lib.sh"
bm_require
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || bm_fail "qemu-system-x86_64 missing"
mkdir -p "$BM_LOGDIR"
bash "$top/tools/guest/build.sh" >"$BM_LOGDIR/drivers-passthrough-vm.guest-build.log" 2>&1 ||
  bm_fail "the test guests could not be built (tools/guest/build.sh, see build/test-logs/drivers-passthrough-vm.guest-build.log)"
BM_LOG=$BM_LOGDIR/drivers-passthrough-vm.serial.log
python3 "$(dirname "$0")/passthrough-vm.py" "$top" "$BM_LOGDIR" || {
  tail -n 20 "$BM_LOGDIR/drivers-passthrough-vm.vm.log" 2>/dev/null | tr -d '\r'
  bm_fail "passthrough with a Linux VM peer failed"
}
