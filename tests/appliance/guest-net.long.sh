# timeout: 3600
# Issue 8 acceptance (and issue 7's user-mode NAT on bare metal): the default
# guest (Debian i686 kernel + busybox initramfs, -kernel/-initrd from the ESP)
# runs inside the appliance nested under QEMU + OVMF, with an e1000 on the
# appliance's `-netdev user`. The guest's udhcpc must get 10.0.2.15 from the
# appliance's user-mode net, ping 10.0.2.2 (the appliance's virtual gateway),
# and download a random file from a python http.server this test runs on
# 127.0.0.1: guest TCP -> appliance NAT (net/user, TCP ended in lwIP) ->
# uplink socket over the appliance's own e1000 driver -> outer QEMU slirp
# (net 192.168.76.0/24, so it does not clash with the inner 10.0.2.0/24;
# 192.168.76.2 is the outer host) -> the server. The sha256 the guest prints
# must be the file's. Then the guest reaches its shell prompt.
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
command -v python3 >/dev/null && command -v cpio >/dev/null || { echo "skip: python3/cpio missing"; exit 77; }
BM_QEMU_TIMEOUT=3500
mkdir -p "$top/build/tmp"
srv=$(mktemp -d "$top/build/tmp/guest-net-srv.XXXXXX")
head -c 131072 /dev/urandom > "$srv/payload"
want=$(sha256sum "$srv/payload" | cut -d' ' -f1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$srv" "$port" >"$srv/http.log" 2>&1 &
hpid=$!
cleanup() { kill "$hpid" 2>/dev/null; ap_cleanup; rm -rf "$srv"; }

# The guest's unattended part: /baremu/run.sh in a second cpio appended to
# initrd.gz (tools/guest/initramfs/init runs it after udhcpc, then the shell).
mkdir -p "$srv/rd/baremu"
cat > "$srv/rd/baremu/run.sh" <<RUN
echo "guest-net: addr \$(ip -4 addr show eth0 | grep -o 'inet [0-9./]*')"
ping -c 3 10.0.2.2 && echo "guest-net: ping ok"
wget -q -O /tmp/payload http://192.168.76.2:$port/payload && echo "guest-net: wget ok"
sha256sum /tmp/payload
RUN
(cd "$srv/rd" && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -9n) > "$srv/extra.gz"
cat "$AP_GUEST/initrd.gz" "$srv/extra.gz" > "$srv/initrd.gz"

ap_start guest-net --mem 512M --nic none \
  --cfg-text "# tests/appliance/guest-net.long.sh
-m 128M -kernel vmlinuz -initrd initrd.gz
-append \"console=ttyS0,115200 cryptomgr.notests baremu.dhcp=1\"
-netdev user,id=net0
-device e1000,netdev=net0" \
  --file bios.bin="$AP_BIOS" --file vmlinuz="$AP_GUEST/vmlinuz" --file initrd.gz="$srv/initrd.gz" \
  -- -netdev user,id=up,net=192.168.76.0/24,host=192.168.76.2 -device e1000,netdev=up
trap cleanup EXIT
ap_wait 'uplink: eth0: address 192\.168\.76\.' 300 "the appliance's uplink lease from the outer QEMU (192.168.76.0/24)"
ap_wait 'guest: guest CPU starts' 300 "guest start"
ap_wait 'Linux version' 1800 "the guest kernel's banner"
ap_wait 'udhcpc: (lease of|started)' 3300 "udhcpc in the guest"
ap_wait 'baremu-guest: running /baremu/run.sh|guest-net: addr' 3300 "the guest's test script"
ap_wait 'baremu-guest: /baremu/run.sh exited' 900 "the end of the guest's test script"
bm_expect 'lease of 10\.0\.2\.15 obtained' "the guest's DHCP lease 10.0.2.15 from the appliance's user-mode net"
bm_expect 'guest-net: addr inet 10\.0\.2\.15/24' "10.0.2.15/24 on the guest's eth0"
bm_expect 'bytes from 10\.0\.2\.2: seq=' "a ping reply from 10.0.2.2 in the guest"
bm_expect 'guest-net: ping ok' "ping's success status"
bm_expect 'guest-net: wget ok' "the download through the appliance's NAT"
bm_expect "^$want  /tmp/payload\$" "the sha256 of the downloaded file ($want)"
grep -q 'GET /payload' "$srv/http.log" || bm_fail "the outer http.server saw no GET /payload"
ap_wait 'baremu-guest# ' 300 "the guest's shell prompt"
echo "ok: the default guest in the appliance got 10.0.2.15, pinged 10.0.2.2 and downloaded 128 KiB (sha256 $want) through the appliance's NAT and its own e1000"
