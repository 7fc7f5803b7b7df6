# timeout: 150
# Nested link events and several NICs at once: an e1000 (eth0, interrupt
# through the IOAPIC) and a legacy virtio-net (eth1) on the outer QEMU; the
# test pulls each link down and up again with QEMU's monitor (set_link), and
# the appliance must log each change per NIC (the e1000's link-status-change
# interrupt, virtio's config status).
. "$(dirname "$0")/../baremetal/lib.sh"
bm_require
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/drivers-link-events.serial.log
raw=$BM_LOG.raw
mon=$(mktemp -u "${TMPDIR:-/tmp}/baremu-mon.XXXXXX")
rm -f "$raw" "$BM_LOG"
setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --nic none \
    --cfg-text "-uplink eth0,ip=10.9.0.2/24" --serial "file:$raw" --timeout 120 -- \
    -monitor "unix:$mon,server=on,wait=off" \
    -netdev user,id=n0,restrict=on -device e1000,netdev=n0 \
    -netdev user,id=n1,restrict=on -device virtio-net-pci,netdev=n1 >/dev/null 2>&1 &
qpid=$!
trap "kill -- -$qpid 2>/dev/null; wait $qpid 2>/dev/null; rm -f $mon" EXIT
wait_for() {   # ERE, seconds
  local i
  for i in $(seq $(( $2 * 4 ))); do
    [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
    grep -Eq -- "$1" "$BM_LOG" 2>/dev/null && return 0
    kill -0 "$qpid" 2>/dev/null || return 1
    sleep 0.25
  done
  return 1
}
monitor() {
  python3 - "$mon" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(0.2)
s.sendall(sys.argv[2].encode() + b"\n")
time.sleep(0.3)
s.close()
PY
}
wait_for 'nic: eth1: .*1af4:1000' 90 || bm_fail "the appliance did not bring up two NICs"
bm_expect 'nic: eth0: .*8086:100e .*, IOAPIC IRQ [0-9]+, link up' "eth0 (e1000) up, interrupt-driven"
bm_expect 'nic: eth1: .*1af4:1000 .*, link up' "eth1 (virtio-net) up"
monitor "set_link n0 off"
wait_for 'nic: eth0: link down' 10 || bm_fail "no link-down event for eth0 after set_link n0 off"
monitor "set_link n1 off"
wait_for 'nic: eth1: link down' 10 || bm_fail "no link-down event for eth1 after set_link n1 off"
grep -q 'nic: eth0: link up$' "$BM_LOG" && bm_fail "eth0 reported up again without set_link on"
monitor "set_link n0 on"
wait_for 'nic: eth0: link up$' 10 || bm_fail "no link-up event for eth0 after set_link n0 on"
monitor "set_link n1 on"
wait_for 'nic: eth1: link up$' 10 || bm_fail "no link-up event for eth1 after set_link n1 on"
grep -E 'nic: eth[01]: link (up|down)$' "$BM_LOG"
