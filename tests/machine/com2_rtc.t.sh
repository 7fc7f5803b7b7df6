# timeout: 120
# COM2 and -rtc base=: a boot sector (booted by SeaBIOS from an IDE disk)
# reads the RTC's year, month and century registers (CMOS 0x09, 0x08, 0x32,
# BCD) and writes them to COM2's transmit register (0x2F8); with
# -rtc base=2031-07-15T10:20:30 and the second -serial going to a file, the
# file must hold 0x31 0x07 0x20. It ends through isa-debug-exit (status 133).
set -u
top="$BAREMU_TOP"
b="$top/build/hosted/baremu"
bios=/usr/share/seabios/bios-256k.bin
[ -r "$bios" ] || { echo "SeaBIOS image $bios not installed (apt-get install seabios)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
img="$tmp/disk.img"
dd if=/dev/zero of="$img" bs=512 count=2048 status=none
# mov al,9; out 70h,al; in al,71h; mov dx,2F8h; out dx,al; (same for 8, 32h);
# mov al,42h; out 0F4h,al; hlt
printf '\xb0\x09\xe6\x70\xe4\x71\xba\xf8\x02\xee\xb0\x08\xe6\x70\xe4\x71\xee\xb0\x32\xe6\x70\xe4\x71\xee\xb0\x42\xe6\xf4\xf4' |
    dd of="$img" conv=notrunc status=none
printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none
timeout -s KILL 60 "$b" -m 32 -hda "$img" -snapshot -display none -serial null -serial "file:$tmp/com2" \
    -rtc base=2031-07-15T10:20:30 -device isa-debug-exit,iobase=0xf4,iosize=4 -icount shift=2 \
    >"$tmp/out" 2>&1
rc=$?
[ $rc = 133 ] || { cat "$tmp/out"; echo "FAIL: exit status $rc, expected 133 (the boot sector's debug exit)"; exit 1; }
got=$(od -An -tx1 "$tmp/com2" | tr -d ' \n')
[ "$got" = "310720" ] || { echo "FAIL: COM2 got '$got', expected 310720 (year 31, month 07, century 20 in BCD)"; exit 1; }
echo "COM2 carried the RTC date set by -rtc base="
