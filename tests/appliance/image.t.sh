# timeout: 400
# make image's disk, booted the way make run (and a PC with the USB stick)
# boots it: tools/mkimage.sh builds a GPT disk with the ESP into a temporary
# file, tools/run-image.sh boots it under QEMU + OVMF (firmware finds
# EFI/BOOT/BOOTX64.EFI on the ESP by itself), the appliance reads the shipped
# config from \baremu\, loads the default guest's kernel and initramfs from
# the ESP, starts the guest's e1000 on the user-mode net with the hostfwd to
# its telnet port, and the guest CPU starts. (Linux booting to its shell
# and its network inside the appliance take many minutes nested: that is
# tests/appliance/guest-net.long.sh.)
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
command -v sgdisk >/dev/null && command -v mcopy >/dev/null || { echo "skip: gdisk/mtools missing"; exit 77; }
mkdir -p "$top/build/tmp" "$BM_LOGDIR"
work=$(mktemp -d "$top/build/tmp/image.XXXXXX")
qpid=
trap '[ -n "$qpid" ] && kill -- "-$qpid" 2>/dev/null; rm -rf "$work"' EXIT
"$top/tools/mkimage.sh" "$work/baremu.img" || bm_fail "tools/mkimage.sh failed"
sgdisk -p "$work/baremu.img" | grep -Eq '^ +1 +2048 .* EF00 +EFI System' || bm_fail "no EFI System partition at sector 2048"
mdir -i "$work/baremu.img@@1M" ::/EFI/BOOT | grep -q BOOTX64 || bm_fail "no EFI/BOOT/BOOTX64.EFI on the ESP"
BM_LOG=$BM_LOGDIR/appliance-image.serial.log
rm -f "$BM_LOG"
setsid "$top/tools/run-image.sh" --image "$work/baremu.img" --serial "file:$work/serial" --timeout 360 --port 0 &
qpid=$!
for ((i = 0; i < 700; i++)); do
  [ -f "$work/serial" ] && tr -d '\r' < "$work/serial" > "$BM_LOG"
  grep -Eq 'guest: guest CPU starts' "$BM_LOG" 2>/dev/null && break
  kill -0 "$qpid" 2>/dev/null || break
  sleep 0.5
done
bm_expect '^baremu [^ ]+ - bare-metal PC emulator appliance' "appliance banner"
bm_expect 'config: \\baremu\\baremu.cfg: [0-9]+ option' "the shipped config"
bm_expect 'boot: file \\baremu\\vgabios-stdvga.bin' "the VGA BIOS on the ESP"
bm_expect 'boot: file \\baremu\\vmlinuz' "the default guest's kernel on the ESP"
bm_expect 'boot: file \\baremu\\initrd.gz' "the default guest's initramfs on the ESP"
bm_expect 'uplink: eth0: address 192\.168\.76\.15 ' "the appliance's own DHCP lease (outer QEMU user net)"
bm_expect 'guest: guest CPU starts' "guest start"
echo "ok: build/baremu.img boots under OVMF, loads the default guest from the ESP and starts it"
