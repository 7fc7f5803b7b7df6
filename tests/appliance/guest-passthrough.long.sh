# timeout: 3600
# Issue 8 acceptance, second nested boot (passthrough, display and keyboard in
# one run, since each nested Linux boot takes ~15 minutes): the default guest
# (Debian i686 kernel + busybox initramfs, -kernel/-initrd from the ESP) runs
# inside the appliance nested under QEMU + OVMF with
#   -netdev tap,ifname=eth0 -device e1000   (net/passthrough.c: the guest's
# e1000 is bridged onto the appliance's real eth0, shared with its uplink; no
# -netdev user in the appliance, so its user-mode net is not in the path).
# a. Network: the outer QEMU's slirp (10.0.2.0/24, but dhcpstart=10.0.2.100,
#    where the appliance's own user-net would hand out 10.0.2.15) must give
#    the guest's udhcpc a lease in 10.0.2.100.. from server 10.0.2.2, a
#    different address than the appliance's uplink lease; the guest pings
#    10.0.2.2 (answered by the outer slirp) and wgets a random file from a
#    python http.server this test runs on 127.0.0.1 (outer slirp maps
#    10.0.2.2 to the host's loopback); the sha256 must match.
# b. Display and keyboard: the guest kernel has console=tty0 too and the
#    test's extra cpio adds a shell on tty1 (the VGA) to busybox init's
#    inittab. Once QEMU's screendump of the GOP framebuffer shows the tty1
#    prompt, `sendkey` on the outer keyboard types
#    `echo sk-$((6*7)) | tee /dev/ttyS0` + Enter: the computed "sk-42" must
#    come out on the guest's COM1 (so the tty1 shell ran it), and the next
#    screendump must show, glyph for glyph (screen_text.py, as vga-text.t.sh),
#    the typed command line and the line "sk-42" the guest printed.
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
command -v python3 >/dev/null && command -v cpio >/dev/null || { echo "skip: python3/cpio missing"; exit 77; }
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
vgabios=/usr/share/seabios/vgabios-stdvga.bin
[ -f "$vgabios" ] || { echo "skip: $vgabios missing (package seabios)"; exit 77; }
[ -f "$AP_FONT" ] || { echo "skip: $AP_FONT not generated (make efi)"; exit 77; }
BM_QEMU_TIMEOUT=3500
t_start=$(date +%s)
mkdir -p "$top/build/tmp"
srv=$(mktemp -d "$top/build/tmp/guest-pt-srv.XXXXXX")
head -c 131072 /dev/urandom > "$srv/payload"
want=$(sha256sum "$srv/payload" | cut -d' ' -f1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$srv" "$port" >"$srv/http.log" 2>&1 &
hpid=$!
mon=$srv/mon
cleanup() { kill "$hpid" 2>/dev/null; ap_cleanup; rm -rf "$srv"; }

# The test's extra cpio, appended to initrd.gz (later cpio members replace
# earlier ones): /baremu/run.sh, run by tools/guest/initramfs/init after
# udhcpc, and an inittab with a second shell on tty1 (the VGA console).
mkdir -p "$srv/rd/baremu" "$srv/rd/etc"
cat > "$srv/rd/baremu/run.sh" <<RUN
echo "guest-pt: addr \$(ip -4 addr show eth0 | grep -o 'inet [0-9./]*')"
ping -c 3 10.0.2.2 && echo "guest-pt: ping ok"
wget -q -O /tmp/payload http://10.0.2.2:$port/payload && echo "guest-pt: wget ok"
sha256sum /tmp/payload
RUN
cat > "$srv/rd/etc/inittab" <<'TAB'
::respawn:/bin/cttyhack /bin/sh -l
tty1::respawn:/bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
TAB
(cd "$srv/rd" && find . | cpio -o -H newc --owner=0:0 --quiet | gzip -9n) > "$srv/extra.gz"
cat "$AP_GUEST/initrd.gz" "$srv/extra.gz" > "$srv/initrd.gz"

# The guest's MAC differs from the outer e1000's (both would be QEMU's
# default 52:54:00:12:34:56): the passthrough switch sends frames for the
# uplink's MAC to the uplink only.
ap_start guest-passthrough --mem 512M --nic none \
  --cfg-text "# tests/appliance/guest-passthrough.long.sh
-m 128M -kernel vmlinuz -initrd initrd.gz
-append \"console=tty0 console=ttyS0,115200 cryptomgr.notests baremu.dhcp=1\"
-netdev tap,ifname=eth0,id=n0
-device e1000,netdev=n0,mac=52:54:00:be:ee:01" \
  --file bios.bin="$AP_BIOS" --file vgabios-stdvga.bin="$vgabios" \
  --file vmlinuz="$AP_GUEST/vmlinuz" --file initrd.gz="$srv/initrd.gz" \
  -- -netdev user,id=up,dhcpstart=10.0.2.100 -device e1000,netdev=up -monitor "unix:$mon,server,nowait"
trap cleanup EXIT
AP_MON=$mon AP_NAME=guest-passthrough AP_T0=$t_start
ap_wait 'uplink: eth0: address 10\.0\.2\.' 300 "the appliance's uplink lease from the outer QEMU's slirp"
# Printed just after the lease line: waited for, not only grepped.
ap_wait 'n0: passthrough to eth0 \(shared with the uplink\)' 60 "the tap backend bridged onto the appliance's eth0"
ap_wait 'guest: guest CPU starts' 300 "guest start"
ap_mark "guest CPU starts"
ap_wait 'Linux version' 1800 "the guest kernel's banner"
ap_mark "guest: Linux version"
ap_wait 'udhcpc: (lease of|leasefail|started)' 3000 "udhcpc in the guest"
ap_wait 'udhcpc: (lease of|leasefail)' 300 "udhcpc's result in the guest"
ap_mark "guest: udhcpc result"
ap_wait 'baremu-guest: /baremu/run.sh exited' 900 "the end of the guest's test script"
t_net=$(date +%s)
up=$(grep -Eo 'uplink: eth0: address 10\.0\.2\.[0-9]+' "$BM_LOG" | head -n1 | grep -Eo '10\.0\.2\.[0-9]+$')
guest=$(grep -Eo 'lease of 10\.0\.2\.[0-9]+ obtained from 10\.0\.2\.2' "$BM_LOG" | head -n1 | awk '{print $3}')
[ -n "$guest" ] || bm_fail "the guest's udhcpc got no lease from 10.0.2.2 (see $BM_LOG)"
case "$guest" in
  10.0.2.1[0-9][0-9]) ;;
  *) bm_fail "the guest's lease $guest is not from the outer slirp's pool 10.0.2.100.. (10.0.2.15 would be the appliance's own user-net)" ;;
esac
[ "$guest" != "$up" ] || bm_fail "the guest got the appliance uplink's own address $up"
bm_expect "guest-pt: addr inet ${guest//./\\.}/24" "$guest/24 on the guest's eth0"
bm_expect 'bytes from 10\.0\.2\.2: seq=' "a ping reply from 10.0.2.2 (outer slirp) in the guest"
bm_expect 'guest-pt: ping ok' "ping's success status"
bm_expect 'guest-pt: wget ok' "the download through passthrough and the outer slirp"
bm_expect "^$want  /tmp/payload\$" "the sha256 of the downloaded file ($want)"
grep -q 'GET /payload' "$srv/http.log" || bm_fail "the outer http.server saw no GET /payload"
echo "net: appliance uplink $up, guest lease $guest from the outer slirp 10.0.2.2, ping and 128 KiB download ok ($((t_net - t_start)) s)"

# b. The VGA shell on tty1, typed into with sendkey.
ap_wait 'baremu-guest# ' 300 "the guest's serial shell prompt"
ap_mark "guest: serial shell prompt"
ap_tty1_sendkey "$srv"
t_end=$(date +%s)
ap_monitor quit || true
echo "ok: passthrough lease $guest from the outer slirp, ping 10.0.2.2, download sha256 $want; sendkey typed into the guest's tty1 shell, its output on COM1 and on the screen (screendump) [$((t_end - t_start)) s]"
