# timeout: 60
# The hosted stand-ins for real NICs, inside a private network namespace
# (unshare -n: no traffic leaves it): -netdev tap,ifname=bmtap0 (a TUN/TAP
# device) and -netdev bridge,br=bmva (AF_PACKET on one end of a veth pair),
# each joined by a hub to a socket,udp= link; a python peer checks frames
# cross byte-exact both ways (tests/drivers/hostnic-peer.py).
top=${BAREMU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
exe=$top/build/hosted-asan/baremu
[ -x "$exe" ] || { echo "skip: $exe not built (make hosted-asan)"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "skip: needs root for a network namespace, TAP and AF_PACKET"; exit 77; }
[ -c /dev/net/tun ] || { echo "skip: no /dev/net/tun"; exit 77; }
unshare -n true 2>/dev/null || { echo "skip: cannot create a network namespace (unshare -n)"; exit 77; }
export exe top
exec unshare -n bash -c '
set -u
fail() { echo "FAIL: $*"; [ -f "$log" ] && tail -n 20 "$log"; kill $bpid 2>/dev/null; exit 1; }
ip link set lo up
ip link add bmva type veth peer name bmvb || fail "cannot create a veth pair"
ip link set bmva up; ip link set bmvb up
log=$top/build/test-logs/drivers-hosted-nics.baremu.log
mkdir -p "$(dirname "$log")"
"$exe" -machine none \
  -netdev tap,id=t0,ifname=bmtap0,script=no,downscript=no \
  -netdev socket,id=u0,udp=127.0.0.1:41001,localaddr=127.0.0.1:41002 \
  -netdev hubport,id=h0,hubid=0,netdev=t0 -netdev hubport,id=h1,hubid=0,netdev=u0 \
  -netdev bridge,id=r0,br=bmva \
  -netdev socket,id=u1,udp=127.0.0.1:41003,localaddr=127.0.0.1:41004 \
  -netdev hubport,id=h2,hubid=1,netdev=r0 -netdev hubport,id=h3,hubid=1,netdev=u1 >"$log" 2>&1 &
bpid=$!
for i in $(seq 50); do ip link show bmtap0 >/dev/null 2>&1 && break; sleep 0.1; done
ip link set bmtap0 up || fail "baremu did not create bmtap0"
python3 "$top/tests/drivers/hostnic-peer.py" bmtap0 41001 41002 || fail "TAP stand-in"
python3 "$top/tests/drivers/hostnic-peer.py" bmvb 41003 41004 || fail "AF_PACKET stand-in"
kill -INT $bpid; wait $bpid
rc=$?
[ $rc = 0 ] || [ $rc = 130 ] || fail "baremu exited with $rc (sanitizer report?)"
grep -q "ERROR: AddressSanitizer\|runtime error" "$log" && fail "sanitizer report"
echo ok
'
