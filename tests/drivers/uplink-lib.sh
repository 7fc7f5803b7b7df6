# The nested real-NIC check shared by tests/drivers/uplink-*.t.sh: boot the
# appliance under QEMU + OVMF with one NIC model on the outer QEMU's user
# network, then prove the driver and the uplink work end to end:
#   - the NIC is probed and named eth0 with its MAC and interrupt mode;
#   - the uplink gets its DHCP lease (10.0.2.15) from the outer slirp;
#   - the appliance pings 10.0.2.2 and prints the replies (ICMP both ways);
#   - a TCP connection from this host through the outer hostfwd reaches the
#     appliance's echo service (-uplink-echo, port 7) and 48 KiB of random
#     bytes come back byte-exact;
#   - the NIC counters (-nic-stats) show the traffic and, when the NIC is
#     interrupt-driven, that interrupts were taken.
# Usage (after sourcing tests/baremetal/lib.sh):
#   uplink_test NAME MACHINE MODE-ERE DEVICE-ARGS...
# where DEVICE-ARGS are QEMU options adding the NIC on netdev "n0".
uplink_test() {
  local name=$1 machine=$2 mode=$3
  shift 3
  bm_require
  command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }
  mkdir -p "$BM_LOGDIR"
  BM_LOG=$BM_LOGDIR/drivers-$name.serial.log
  local raw=$BM_LOG.raw
  rm -f "$raw" "$BM_LOG"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  setsid "$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine "$machine" --nic none \
      --cfg-text "# written by tests/drivers ($name)
-uplink-echo
-uplink-ping 10.0.2.2
-nic-stats 1" --serial "file:$raw" --timeout 150 -- \
      -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7" "$@" >/dev/null 2>&1 &
  local qpid=$!
  trap "kill -- -$qpid 2>/dev/null; wait $qpid 2>/dev/null" EXIT
  local i
  for i in $(seq 120); do
    [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
    grep -q 'uplink: ping 10.0.2.2: reply seq 3' "$BM_LOG" && break
    kill -0 "$qpid" 2>/dev/null || break
    sleep 1
  done
  bm_expect "^\[ *[0-9.]+\] nic: eth0: [0-9a-f:.]+ [0-9a-f]{4}:[0-9a-f]{4} .* mac ([0-9a-f]{2}:){5}[0-9a-f]{2}, $mode, link up" \
    "eth0 probed with its MAC, interrupt mode /$mode/ and link up"
  bm_expect 'uplink: eth0: address 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 dns 10\.0\.2\.3 \(DHCP lease\)' \
    "the DHCP lease 10.0.2.15 from the outer QEMU"
  bm_expect 'uplink: ping 10\.0\.2\.2: reply seq 1 ' "the first ping reply from 10.0.2.2"
  bm_expect 'uplink: ping 10\.0\.2\.2: reply seq 3 ' "the third ping reply from 10.0.2.2"
  python3 - "$port" <<'PY' || bm_fail "the TCP echo through hostfwd did not come back byte-exact"
import os, socket, sys
port = int(sys.argv[1])
data = os.urandom(48 * 1024)
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    c = s.recv(65536)
    if not c:
        break
    got += c
if got != data:
    print("echo: sent %d bytes, got %d back%s" % (len(data), len(got), "" if len(got) != len(data) else " (different)"))
    sys.exit(1)
print("echo: %d random bytes came back byte-exact" % len(data))
PY
  # The counters after the echo (printed every second).
  local before after
  before=$(grep -c 'nic: eth0: rx ' "$BM_LOG")
  for i in $(seq 10); do
    sleep 1
    [ -f "$raw" ] && tr -d '\r' < "$raw" > "$BM_LOG"
    after=$(grep -c 'nic: eth0: rx ' "$BM_LOG")
    [ "$after" -gt "$before" ] && break
  done
  bm_expect 'uplink: echo: connection 1 from 10\.0\.2\.2:' "the echo connection in the appliance's log"
  local stats rx tx irqs
  stats=$(grep 'nic: eth0: rx ' "$BM_LOG" | tail -n1)
  [ -n "$stats" ] || bm_fail "no NIC counters line"
  rx=$(sed -E 's/.*rx ([0-9]+) frames.*/\1/' <<<"$stats")
  tx=$(sed -E 's/.*tx ([0-9]+) frames.*/\1/' <<<"$stats")
  irqs=$(sed -E 's/.*irqs ([0-9]+).*/\1/' <<<"$stats")
  # 48 KiB each way is at least 33 full-size segments in and out.
  [ "$rx" -ge 33 ] && [ "$tx" -ge 33 ] || bm_fail "counters too low after a 48 KiB echo: $stats"
  if [ "$mode" != polling ]; then
    [ "$irqs" -ge 1 ] || bm_fail "interrupt mode but no interrupt taken: $stats"
  fi
  echo "ok $name: $(grep -Eo 'eth0: [0-9a-f:.]+ [0-9a-f]{4}:[0-9a-f]{4} [^,]*' "$BM_LOG" | head -n1); $stats"
}
