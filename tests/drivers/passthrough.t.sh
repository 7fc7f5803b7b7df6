# timeout: 200
# Nested passthrough: the appliance has two real NICs (outer e1000s on two
# -netdev socket,udp= segments); -netdev tap,ifname=eth0 and -netdev
# tap,ifname=<eth1's MAC> join them through hub 0, while the uplink keeps
# 10.9.0.2 on eth0. A python peer on both segments checks frames cross
# byte-exact both ways and that the uplink still answers ARP and ping
# (tests/drivers/passthrough-peer.py).
. "$(dirname "$0")/../baremetal/lib.sh"
bm_require
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/drivers-passthrough.serial.log
raw=$BM_LOG.raw
rm -f "$raw" "$BM_LOG"
ports=($(python3 -c '
import socket
ss=[socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(4)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'))
# Peer listens on p0 (segment A) and p2 (B); QEMU's NICs receive on p1 and p3.
setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --nic none \
    --cfg-text "# written by tests/drivers/passthrough.t.sh
-uplink eth0,ip=10.9.0.2/24
-netdev tap,id=p0,ifname=eth0
-netdev tap,id=p1,ifname=52:54:00:00:00:02
-netdev hubport,id=h0,hubid=0,netdev=p0
-netdev hubport,id=h1,hubid=0,netdev=p1" --serial "file:$raw" --timeout 150 -- \
    -netdev "socket,id=a,udp=127.0.0.1:${ports[0]},localaddr=127.0.0.1:${ports[1]}" \
    -device e1000,netdev=a,mac=52:54:00:00:00:01 \
    -netdev "socket,id=b,udp=127.0.0.1:${ports[2]},localaddr=127.0.0.1:${ports[3]}" \
    -device e1000,netdev=b,mac=52:54:00:00:00:02 >/dev/null 2>&1 &
qpid=$!
trap "kill -- -$qpid 2>/dev/null; wait $qpid 2>/dev/null" EXIT
for i in $(seq 90); do
  [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
  grep -qs 'net: p1: passthrough to eth1' "$BM_LOG" && break
  kill -0 "$qpid" 2>/dev/null || break
  sleep 1
done
bm_expect 'nic: eth0: .* mac 52:54:00:00:00:01, ' "eth0 with its MAC"
bm_expect 'nic: eth1: .* mac 52:54:00:00:00:02, ' "eth1 with its MAC"
bm_expect 'net: p0: passthrough to eth0 \(shared with the uplink\)' "passthrough p0 on eth0, shared with the uplink"
bm_expect 'net: p1: passthrough to eth1$' "passthrough p1 on eth1, selected by its MAC"
bm_expect 'nic: eth0: promiscuous mode on' "eth0 promiscuous"
python3 "$(dirname "$0")/passthrough-peer.py" "${ports[0]}" "${ports[1]}" "${ports[2]}" "${ports[3]}" \
    52:54:00:00:00:01 || bm_fail "passthrough peer failed"
