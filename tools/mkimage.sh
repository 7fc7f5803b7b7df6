#!/usr/bin/env bash
# make image: builds build/baremu.img, a GPT disk (UEFI spec 2.9 chapter 5)
# with one EFI System Partition (FAT32) holding EFI/BOOT/BOOTX64.EFI and
# \baremu\: the default config (boot/uefi/baremu.cfg), SeaBIOS and the VGA
# BIOS from Debian's seabios package, and the default guest (vmlinuz and
# initrd.gz from tools/guest/build.sh: Debian's i686 kernel and a busybox
# initramfs, which the config boots with -kernel/-initrd). Ready for dd to a USB
# stick. Tools: sgdisk (gdisk), mkfs.vfat (dosfstools), mcopy (mtools).
# Usage: tools/mkimage.sh [OUTPUT]   (default build/baremu.img)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/baremu.img}
efi=$top/build/efi/BOOTX64.EFI
cfg=$top/boot/uefi/baremu.cfg
bios=/usr/share/seabios/bios.bin
vgabios=/usr/share/seabios/vgabios-stdvga.bin
guest=$top/build/guest
die() { echo "mkimage: error: $*" >&2; exit 1; }
for t in sgdisk mkfs.vfat mcopy mmd; do command -v "$t" >/dev/null || die "$t missing (run tools/deps.sh)"; done
for f in "$efi" "$cfg" "$bios" "$vgabios" "$guest/vmlinuz" "$guest/initrd.gz"; do [ -f "$f" ] || die "$f missing"; done

# Partition size: the files plus 25% and 8 MiB of FAT slack, whole MiB, at
# least 64 MiB (FAT32 wants 65525+ clusters: 32 MiB at 512-byte clusters).
bytes=$(cat "$efi" "$cfg" "$bios" "$vgabios" "$guest/vmlinuz" "$guest/initrd.gz" | wc -c)
part_mb=$(( bytes * 5 / 4 / 1048576 + 8 ))
[ "$part_mb" -ge 64 ] || part_mb=64
work=$(mktemp -d "${TMPDIR:-/tmp}/baremu-img.XXXXXX")
trap 'rm -rf "$work"' EXIT
part=$work/esp.img
mkfs.vfat -C -F 32 -S 512 -s 1 -n BAREMU "$part" $(( part_mb * 1024 )) >/dev/null
mmd -i "$part" ::/EFI ::/EFI/BOOT ::/baremu
mcopy -i "$part" "$efi" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$part" "$cfg" ::/baremu/baremu.cfg
mcopy -i "$part" "$bios" ::/baremu/bios.bin
mcopy -i "$part" "$vgabios" ::/baremu/vgabios-stdvga.bin
mcopy -i "$part" "$guest/vmlinuz" ::/baremu/vmlinuz
mcopy -i "$part" "$guest/initrd.gz" ::/baremu/initrd.gz

# The disk: 1 MiB in front (protective MBR, GPT header and entries, then
# alignment), the ESP, 1 MiB behind (backup GPT).
img=$work/disk.img
truncate -s $(( (part_mb + 2) * 1048576 )) "$img"
sgdisk -o -n "1:2048:+${part_mb}M" -t 1:ef00 -c "1:EFI System" "$img" >/dev/null
dd if="$part" of="$img" bs=1M seek=1 conv=notrunc status=none
sgdisk -v "$img" | grep -q 'No problems found' || die "sgdisk -v reports problems in $img"
sgdisk -i 1 "$img" | grep -qi 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' || die "no EFI System partition in $img"
mkdir -p "$(dirname "$out")"
mv "$img" "$out"
echo "mkimage: $out ($(( part_mb + 2 )) MiB: GPT, ESP ${part_mb} MiB with EFI/BOOT/BOOTX64.EFI and \\baremu\\ {baremu.cfg, bios.bin, vgabios-stdvga.bin, vmlinuz, initrd.gz})"
