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
[ -f "$AP_FONT" ] || { echo "skip: $AP_FONT not generated (make efi)"; exit 77; }
port=$(cd "$top/tests/lib" && python3 -c 'import localnet; print(localnet.free_port())')
t_start=$(date +%s)
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
AP_MON=$mon AP_NAME=image-guest AP_T0=$t_start
ap_wait 'uplink: eth0: address [0-9.]+ ' 300 "the appliance's own lease from the outer QEMU"
ap_wait 'guest: guest CPU starts' 300 "guest start"
ap_mark "guest CPU starts"
ap_wait 'Linux version' 1800 "the guest kernel's banner"
ap_mark "guest: Linux version"
ap_wait 'udhcpc: (lease of|leasefail)' 3000 "udhcpc's result in the guest"
ap_mark "guest: udhcpc result"
bm_expect 'lease of 10\.0\.2\.15 obtained from 10\.0\.2\.2' "the guest's lease 10.0.2.15 from the appliance's user-net"
ap_wait 'baremu-guest: baremu.cmd exited 0' 600 "the shipped baremu.cmd (telnetd) started"
ap_wait 'baremu-guest# ' 300 "the guest's serial shell prompt"
ap_mark "guest: serial shell prompt"

# The tty1 shell on the screen, typed into with sendkey.
ap_tty1_sendkey "$AP_WORK"

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
ap_mark "telnet via host port $port"
ap_monitor quit || true
echo "ok: the shipped image: guest lease 10.0.2.15, tty1 shell on the screen took sendkey keys (sk-42 on COM1 and on the screendump), telnet to the forwarded port ran a command [$(( $(date +%s) - t_start )) s]"
