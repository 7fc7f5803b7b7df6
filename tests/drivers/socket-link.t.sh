# timeout: 200
# Nested socket link: the bare-metal appliance (eth0 on the outer QEMU's user
# net, DHCP) and a hosted baremu on this host are joined by a -netdev stream
# link over lwIP TCP (kernel/net_host_lwip.c); the appliance's hub joins the
# link to a passthrough port on eth1. A python peer on the hosted baremu's side
# (a socket,udp= link) and on eth1's outer segment checks frames cross
# byte-exact both ways. LINK_MODE (set by the wrapper tests):
#   client (default): the appliance connects to the hosted baremu listening
#     on this host (reached as 10.0.2.2 through the outer slirp);
#   server: the appliance listens (server=on, port 7000) and the hosted
#     baremu connects through the outer hostfwd (reconnect=1);
#   dgram: a -netdev dgram (UDP, lwIP udp_pcb) link: the appliance sends from
#     port 7001 to the hosted baremu at 10.0.2.2, which sends back through
#     the outer hostfwd udp:...-:7001.
. "$(dirname "$0")/../baremetal/lib.sh"
bm_require
mode=${LINK_MODE:-client}
name=socket-link; [ "$mode" = client ] || name=socket-link-$mode
hosted=$top/build/hosted/baremu
[ -x "$hosted" ] || { echo "skip: $hosted not built (make hosted)"; exit 77; }
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/drivers-$name.serial.log
raw=$BM_LOG.raw
rm -f "$raw" "$BM_LOG"
ports=($(python3 -c '
import socket
ts=socket.socket(); ts.bind(("127.0.0.1",0))
fs=socket.socket(); fs.bind(("127.0.0.1",0))
ss=[socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(6)]
for s in ss: s.bind(("127.0.0.1",0))
print(ts.getsockname()[1], fs.getsockname()[1], " ".join(str(s.getsockname()[1]) for s in ss))'))
sp=${ports[0]} fp=${ports[1]} pyc=${ports[2]} hc=${ports[3]} pyb=${ports[4]} qb=${ports[5]}
us=${ports[6]} uf=${ports[7]}
start_hosted() {  # $1: the hosted side's link (-netdev TYPE,OPTIONS with id=bm)
  setsid "$hosted" -machine none \
      -netdev "$1" \
      -netdev "socket,id=py,udp=127.0.0.1:$pyc,localaddr=127.0.0.1:$hc" \
      -netdev hubport,id=h1,hubid=0,netdev=bm -netdev hubport,id=h2,hubid=0,netdev=py \
      > "$BM_LOGDIR/drivers-$name.hosted.log" 2>&1 &
  hpid=$!
}
hpid=
case "$mode" in
  client)
    start_hosted "stream,id=bm,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=$sp"
    appliance_link="-netdev stream,id=up,server=off,addr.type=inet,addr.host=10.0.2.2,addr.port=$sp"
    user="user,id=n0";;
  server)
    appliance_link="-netdev stream,id=up,server=on,addr.type=inet,addr.host=0.0.0.0,addr.port=7000"
    user="user,id=n0,hostfwd=tcp:127.0.0.1:$fp-:7000";;
  dgram)
    start_hosted "dgram,id=bm,local.type=inet,local.host=127.0.0.1,local.port=$us,remote.type=inet,remote.host=127.0.0.1,remote.port=$uf"
    appliance_link="-netdev dgram,id=up,local.type=inet,local.host=0.0.0.0,local.port=7001,remote.type=inet,remote.host=10.0.2.2,remote.port=$us"
    user="user,id=n0,hostfwd=udp:127.0.0.1:$uf-:7001";;
  *) bm_fail "unknown LINK_MODE $mode";;
esac
setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --nic none \
    --cfg-text "# written by tests/drivers/socket-link.t.sh
$appliance_link
-netdev tap,id=p1,ifname=eth1
-netdev hubport,id=h1,hubid=0,netdev=up
-netdev hubport,id=h2,hubid=0,netdev=p1" --serial "file:$raw" --timeout 150 -- \
    -netdev "$user" -device e1000,netdev=n0 \
    -netdev "socket,id=b,udp=127.0.0.1:$pyb,localaddr=127.0.0.1:$qb" -device rtl8139,netdev=b >/dev/null 2>&1 &
qpid=$!
trap 'kill -- -$qpid 2>/dev/null; [ -n "$hpid" ] && kill -- -$hpid 2>/dev/null; wait 2>/dev/null' EXIT
for i in $(seq 90); do
  [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
  grep -q 'net: p1: passthrough to eth1' "$BM_LOG" 2>/dev/null && break
  kill -0 "$qpid" 2>/dev/null || break
  sleep 1
done
bm_expect 'uplink: eth0: address 10\.0\.2\.15 .*\(DHCP lease\)' "the uplink's DHCP lease"
bm_expect 'nic: eth1: .*10ec:8139 RTL8139' "eth1 (an RTL8139)"
bm_expect 'net: p1: passthrough to eth1$' "passthrough p1 on eth1"
# The appliance listens now: the hosted side connects through hostfwd.
[ "$mode" = server ] && start_hosted "stream,id=bm,server=off,addr.type=inet,addr.host=127.0.0.1,addr.port=$fp,reconnect=1"
python3 "$(dirname "$0")/link-peer.py" "$pyc" "$hc" "$pyb" "$qb" || {
  echo "--- hosted baremu log"; cat "$BM_LOGDIR/drivers-$name.hosted.log"; bm_fail "the socket link peer failed"; }
[ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
echo "appliance log:"; grep -E 'net:|stream|uplink' "$BM_LOG" | tail -n 8
