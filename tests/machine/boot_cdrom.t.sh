# timeout: 120
# SeaBIOS boots from an ATAPI CD-ROM: an El Torito no-emulation ISO (made
# with xorriso) whose boot code reads the ISO 9660 primary volume descriptor
# (LBA 16) through the INT 13h extensions (SeaBIOS's ATAPI READ(10) on our
# PIIX3 IDE) and writes its second byte ('C' of "CD001") to isa-debug-exit:
# the exit status must be ((0x43 << 1) | 1) & 0xff = 135. -boot d.
set -u
top="$BAREMU_TOP"
b="$top/build/hosted/baremu"
bios=/usr/share/seabios/bios-256k.bin
[ -r "$bios" ] || { echo "SeaBIOS image $bios not installed (apt-get install seabios)"; exit 77; }
command -v xorriso >/dev/null || { echo "xorriso not installed"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/root"
# xor ax,ax; mov ds,ax; mov es,ax; mov si,0x7c1a; mov ah,0x42; int 13h; jc fail;
# mov al,[0x8001]; out 0xf4,al; fail: mov al,0x7f; out 0xf4,al; hlt; nop
# dap: size 16, 1 sector, to 0000:8000, LBA 16
printf '\x31\xc0\x8e\xd8\x8e\xc0\xbe\x1a\x7c\xb4\x42\xcd\x13\x72\x05\xa0\x01\x80\xe6\xf4\xb0\x7f\xe6\xf4\xf4\x90' >"$tmp/root/boot.bin"
printf '\x10\x00\x01\x00\x00\x80\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00' >>"$tmp/root/boot.bin"
truncate -s 2048 "$tmp/root/boot.bin"
xorriso -as mkisofs -quiet -o "$tmp/cd.iso" -b boot.bin -no-emul-boot -boot-load-size 4 "$tmp/root" \
    >"$tmp/xorriso.log" 2>&1 || { cat "$tmp/xorriso.log"; echo "FAIL: xorriso"; exit 1; }
fail() { echo "FAIL: $*"; echo "--- SeaBIOS log (tail):"; tail -25 "$tmp/log"; exit 1; }
timeout -s KILL 60 "$b" -bios "$bios" -m 32 -cdrom "$tmp/cd.iso" -boot d -debugcon "file:$tmp/log" \
    -display none -serial null -device isa-debug-exit,iobase=0xf4,iosize=4 >"$tmp/out" 2>&1
rc=$?
[ $rc = 135 ] || fail "exit status $rc, expected 135 (the boot code's INT 13h read of the PVD)"
grep -q 'ata1-0: BAREMU DVD-ROM ATAPI-6' "$tmp/log" || fail "CD-ROM not identified"
grep -q 'Booting from DVD/CD' "$tmp/log" || fail "SeaBIOS did not boot from the CD"
echo "booted from CD"
