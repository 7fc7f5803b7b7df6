# timeout: 3600
# make run's promise, checked: the shipped image (tools/mkimage.sh into a temp
# file: the shipped config and guest, nothing added) booted by
# tools/run-image.sh the way `make run` boots it, nested under QEMU + OVMF
# with host port 2323 forwarded to the appliance. The default guest must get
# 10.0.2.15 from the appliance's user-net and reach its serial prompt; its
# tty1 shell (tools/guest/initramfs/inittab) must be on the screen and take
# keys typed with the outer QEMU monitor's `sendkey` (`echo sk-$((6*7)) | tee
# /dev/ttyS0`: sk-42 on COM1, and the command and sk-42 rows on a
# screendump, glyph for glyph); and `telnet 127.0.0.1 2323` as the README
# says (host 2323 -> outer slirp -> appliance uplink 2323 -> the shipped
# hostfwd -> the guest's busybox telnetd on 23) must give a shell that
# runs a command. IMAGE_GUEST_NET=10.0.2.0/24 puts the outer network on the
# guest's own subnet (the appliance's lease is then the guest's address).
# The host side is a free port (run-image.sh --port N
# forwards host N to the appliance's 2323, as make run does with 2323).
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
command -v sgdisk >/dev/null && command -v mcopy >/dev/null || { echo "skip: gdisk/mtools missing"; exit 77; }
command -v socat >/dev/null && command -v python3 >/dev/null || { echo "skip: socat/python3 missing"; exit 77; }
font=$top/build/efi/gen/font.c
[ -f "$font" ] || { echo "skip: $font not generated (make efi)"; exit 77; }
port=$(cd "$top/tests/lib" && python3 -c 'import localnet; print(localnet.free_port())')
t_start=$(date +%s)
mark() { echo "[$(( $(date +%s) - t_start )) s] $1"; }   # informational
mkdir -p "$top/build/tmp" "$BM_LOGDIR"
AP_WORK=$(mktemp -d "$top/build/tmp/image-guest.XXXXXX")
trap ap_cleanup EXIT
"$top/tools/mkimage.sh" "$AP_WORK/baremu.img" >/dev/null || bm_fail "tools/mkimage.sh failed"
BM_LOG=$BM_LOGDIR/appliance-image-guest.serial.log
AP_RAW=$AP_WORK/serial
mon=$AP_WORK/mon
rm -f "$BM_LOG"
setsid "$top/tools/run-image.sh" --image "$AP_WORK/baremu.img" --serial "file:$AP_RAW" --timeout 3500 --port "$port" --net "${IMAGE_GUEST_NET:-192.168.76.0/24}" \
    -- -monitor "unix:$mon,server,nowait" >"$AP_WORK/qemu.out" 2>&1 &
AP_PID=$!
monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$mon" >/dev/null; }
shot() { # FILE: a screendump of the outer QEMU's display (the GOP framebuffer)
  rm -f "$1"; monitor "screendump $1"
  for _ in $(seq 1 20); do [ -s "$1" ] && break; sleep 0.5; done
  [ -s "$1" ] || bm_fail "no screendump"
  cp "$1" "$BM_LOGDIR/appliance-image-guest-$(basename "$1")"
}
# 80x24: the guest's /etc/profile runs `stty ... rows 24` on tty1, which
# resizes vgacon (see guest-passthrough.long.sh).
screen_has() { python3 "$(dirname "$0")/screen_text.py" "$1" "$font" "$2" --grid 80x24 >/dev/null 2>&1; }
check() {
  python3 "$(dirname "$0")/screen_text.py" "$1" "$font" "$2" --grid 80x24 ||
    bm_fail "screen check failed for '$2' (screendumps kept in build/test-logs/appliance-image-guest-*.ppm)"
}
ap_wait 'uplink: eth0: address [0-9.]+ ' 300 "the appliance's own lease from the outer QEMU"
ap_wait 'guest: guest CPU starts' 300 "guest start"
mark "guest CPU starts"
ap_wait 'Linux version' 1800 "the guest kernel's banner"
mark "guest: Linux version"
ap_wait 'udhcpc: (lease of|leasefail)' 3000 "udhcpc's result in the guest"
mark "guest: udhcpc result"
bm_expect 'lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2' "the guest's lease 10.0.2.15 from the appliance's user-net"
ap_wait 'baremu-guest: baremu.cmd exited 0' 600 "the shipped baremu.cmd (telnetd) started"
ap_wait 'baremu-guest# ' 300 "the guest's serial shell prompt"
mark "guest: serial shell prompt"

# The tty1 shell on the screen, typed into with sendkey.
ok=
for _ in $(seq 1 60); do
  shot "$AP_WORK/prompt.ppm"
  if screen_has "$AP_WORK/prompt.ppm" 'baremu-guest# '; then ok=1; break; fi
  sleep 5
done
[ -n "$ok" ] || bm_fail "the tty1 shell prompt 'baremu-guest# ' never appeared on the screen (build/test-logs/appliance-image-guest-prompt.ppm)"
mark "guest: tty1 prompt on the screen"
cmd='echo sk-$((6*7)) | tee /dev/ttyS0'
for k in e c h o spc s k minus shift-4 shift-9 shift-9 6 shift-8 7 shift-0 shift-0 spc shift-backslash spc \
         t e e spc slash d e v slash t t y shift-s 0 ret; do
  monitor "sendkey $k"
  sleep 0.4
done
ap_wait 'sk-42$' 300 "the output of the command typed with sendkey on the guest's COM1 (tee /dev/ttyS0)"
for _ in $(seq 1 30); do
  sleep 2
  shot "$AP_WORK/typed.ppm"
  screen_has "$AP_WORK/typed.ppm" 'sk-42' && screen_has "$AP_WORK/typed.ppm" "baremu-guest# $cmd" && break
done
check "$AP_WORK/typed.ppm" "baremu-guest# $cmd"
check "$AP_WORK/typed.ppm" 'sk-42'
mark "sendkey command seen on COM1 and on the screen"

# telnet to the forwarded port, as the README says (telnet 127.0.0.1 2323). The client answers no telnet
# options (busybox telnetd works without); the shell's echo of the command
# holds "tn-$((6*7))", only its output holds "tn-42".
python3 - "$port" <<'PY' || bm_fail "telnet 127.0.0.1:$port (-> appliance 2323) did not give a shell that ran 'echo tn-\$((6*7))'"
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
s.settimeout(5)
got = b""
end = time.time() + 240
sent = 0
while time.time() < end and b"tn-42" not in got:
    if time.time() > end - 240 + 5 * sent and sent < 6:
        s.sendall(b"echo tn-$((6*7))\r\n")
        sent += 1
    try:
        d = s.recv(4096)
        if not d:
            break
        got += d
    except socket.timeout:
        pass
sys.stdout.write("telnet: %d bytes, %s\n" % (len(got), "tn-42 seen" if b"tn-42" in got else "no tn-42"))
sys.exit(0 if b"tn-42" in got else 1)
PY
mark "telnet via host port $port"
monitor quit || true
echo "ok: the shipped image: guest lease 10.0.2.15, tty1 shell on the screen took sendkey keys (sk-42 on COM1 and on the screendump), telnet to the forwarded port ran a command [$(( $(date +%s) - t_start )) s]"
