# timeout: 150
# lock: port53
# Nested: a static uplink address (-uplink eth0,ip=,gw=,dns=) on the outer
# QEMU's user network and lwIP's DNS resolver: the appliance looks up two
# names (-uplink-resolve) at 10.0.2.2:53, which the outer slirp maps to a
# test dnsmasq on this host's 127.0.0.1:53 (no upstream: nothing leaves the
# machine). One name resolves to 10.1.2.3, the other is not found.
. "$(dirname "$0")/../baremetal/lib.sh"
bm_require
command -v dnsmasq >/dev/null || bm_fail "dnsmasq missing (tools/deps.sh)"
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/drivers-uplink-dns.serial.log
raw=$BM_LOG.raw
dlog=$BM_LOGDIR/drivers-uplink-dns.dnsmasq.log
rm -f "$raw" "$BM_LOG" "$dlog"
setsid dnsmasq -k -C /dev/null --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv \
    --no-hosts --pid-file= --address=/appliance.baremu.test/10.1.2.3 --local=/baremu.test/ \
    --log-queries --log-facility="$dlog" >"$dlog.out" 2>&1 &
dpid=$!
sleep 1
if ! kill -0 "$dpid" 2>/dev/null; then
  cat "$dlog.out"
  echo "skip: dnsmasq cannot listen on 127.0.0.1:53 here (see above)"; exit 77
fi
setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine pc --nic none \
    --cfg-text "# written by tests/drivers/uplink-dns.t.sh
-uplink eth0,ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.2
-uplink-resolve appliance.baremu.test
-uplink-resolve missing.baremu.test" --serial "file:$raw" --timeout 120 -- \
    -netdev user,id=n0 -device e1000,netdev=n0 >/dev/null 2>&1 &
qpid=$!
trap 'kill -- -$qpid 2>/dev/null; kill -- -$dpid 2>/dev/null; wait 2>/dev/null' EXIT
for i in $(seq 90); do
  [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
  grep -qs 'resolve appliance.baremu.test: ' "$BM_LOG" && grep -qs 'resolve missing.baremu.test: ' "$BM_LOG" && break
  kill -0 "$qpid" 2>/dev/null || break
  sleep 1
done
bm_expect 'uplink: eth0: address 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 dns 10\.0\.2\.2 \(static\)' \
  "the static address from -uplink"
bm_expect 'uplink: resolve appliance\.baremu\.test: 10\.1\.2\.3$' "appliance.baremu.test resolved to 10.1.2.3"
bm_expect 'uplink: resolve missing\.baremu\.test: not found$' "missing.baremu.test not found"
grep -q 'query\[A\] appliance.baremu.test from 127.0.0.1' "$dlog" ||
  { cat "$dlog"; bm_fail "dnsmasq did not log the appliance's query"; }
echo "ok: static uplink, DNS through the outer slirp to the test dnsmasq"
