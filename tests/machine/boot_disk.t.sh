# timeout: 120
# SeaBIOS boots from an IDE disk: the test builds a 1 MiB raw image whose MBR
# reads sector 2 through INT 13h (SeaBIOS's ATA PIO driver on our PIIX3 IDE)
# and writes its first byte (0x21) to isa-debug-exit, so baremu must exit with
# (0x21 << 1) | 1 = 67. The image, opened with -snapshot, must stay unchanged;
# a second run with -icount shows the deterministic mode boots too, and a
# third gives the image as QEMU's positional disk_image argument (no -hda).
set -u
top="$BAREMU_TOP"
b="$top/build/hosted/baremu"
bios=/usr/share/seabios/bios-256k.bin
[ -r "$bios" ] || { echo "SeaBIOS image $bios not installed (apt-get install seabios)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
img="$tmp/disk.img"
dd if=/dev/zero of="$img" bs=512 count=2048 status=none
# xor ax,ax; mov es,ax; mov ds,ax; mov bx,0x7e00; mov ax,0x0201; mov cx,2;
# mov dh,0; int 13h; jc fail; mov al,[0x7e00]; out 0xf4,al;
# fail: mov al,0x7f; out 0xf4,al; hlt
printf '\x31\xc0\x8e\xc0\x8e\xd8\xbb\x00\x7e\xb8\x01\x02\xb9\x02\x00\xb6\x00\xcd\x13\x72\x05\xa0\x00\x7e\xe6\xf4\xb0\x7f\xe6\xf4\xf4' |
    dd of="$img" conv=notrunc status=none
printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
printf '\x21' | dd of="$img" bs=1 seek=512 conv=notrunc status=none
sum=$(md5sum <"$img")
fail() { echo "FAIL: $*"; echo "--- SeaBIOS log (tail):"; tail -25 "$tmp/log"; exit 1; }
for mode in realtime icount positional; do
  extra=(); [ $mode = icount ] && extra=(-icount shift=3)
  disk=(-hda "$img"); [ $mode = positional ] && disk=("$img")
  timeout -s KILL 60 "$b" -bios "$bios" -m 32 "${disk[@]}" -snapshot -debugcon "file:$tmp/log" \
      -display none -serial null -device isa-debug-exit,iobase=0xf4,iosize=4 "${extra[@]}" \
      >"$tmp/out" 2>&1
  rc=$?
  [ $rc = 67 ] || fail "$mode: exit status $rc, expected 67 (the boot sector's INT 13h read)"
  grep -q 'ata0-0: BAREMU HARDDISK ATA-6 Hard-Disk (1 MiBytes)' "$tmp/log" || fail "$mode: disk not identified"
  grep -q 'Booting from Hard Disk' "$tmp/log" || fail "$mode: SeaBIOS did not boot from the disk"
done
[ "$(md5sum <"$img")" = "$sum" ] || fail "-snapshot changed the image"
echo "booted from disk (real time, icount, positional disk image)"
