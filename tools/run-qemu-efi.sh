#!/usr/bin/env bash
# Boots build/efi/BOOTX64.EFI (or --efi FILE) under qemu-system-x86_64 with OVMF,
# the way every bare-metal test and `make run` do: a temporary FAT ESP holding
# EFI/BOOT/BOOTX64.EFI and baremu/ (config and extra files), isa-debug-exit at
# 0xf4, a user-net e1000 (nothing leaves the machine). Exits with QEMU's status:
# (V << 1) | 1 when the kernel wrote V to isa-debug-exit.
#
# Usage: tools/run-qemu-efi.sh [options] [-- extra qemu arguments]
#   --machine pc|q35     machine type (default pc)
#   --cfg-text TEXT      contents of baremu/baremu.cfg
#   --cfg FILE           copy FILE as baremu/baremu.cfg
#   --file NAME=PATH     copy PATH as baremu/NAME (repeatable)
#   --serial SPEC        QEMU -serial backend (default stdio), e.g. file:LOG
#   --display SPEC       QEMU -display (default none)
#   --timeout SECONDS    kill QEMU after this long (exit 124)
#   --efi FILE           the EFI image (default build/efi/BOOTX64.EFI)
#   --nic MODEL          NIC model on user net (default e1000; "none" for no NIC)
#   --mem SIZE           RAM (default 256M)
#   --no-debug-exit      no isa-debug-exit device (the kernel's exit codes go nowhere)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
machine=pc cfg_text="" cfg_file="" serial=stdio display=none limit="" nic=e1000 mem=256M
efi="$top/build/efi/BOOTX64.EFI"
debug_exit=(-device isa-debug-exit,iobase=0xf4,iosize=4)
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --machine) machine=$2; shift 2;;
    --cfg-text) cfg_text=$2; shift 2;;
    --cfg) cfg_file=$2; shift 2;;
    --file) files+=("$2"); shift 2;;
    --serial) serial=$2; shift 2;;
    --display) display=$2; shift 2;;
    --timeout) limit=$2; shift 2;;
    --efi) efi=$2; shift 2;;
    --nic) nic=$2; shift 2;;
    --mem) mem=$2; shift 2;;
    --no-debug-exit) debug_exit=(); shift;;
    --) shift; break;;
    *) echo "run-qemu-efi: unknown option $1" >&2; exit 2;;
  esac
done

ovmf=/usr/share/ovmf/OVMF.fd
for f in "$efi" "$ovmf"; do
  [ -f "$f" ] || { echo "run-qemu-efi: missing $f" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "run-qemu-efi: qemu-system-x86_64 not installed" >&2; exit 2; }

esp=$(mktemp -d "${TMPDIR:-/tmp}/baremu-esp.XXXXXX")
trap 'rm -rf "$esp"' EXIT
mkdir -p "$esp/EFI/BOOT" "$esp/baremu"
cp "$efi" "$esp/EFI/BOOT/BOOTX64.EFI"
if [ -n "$cfg_file" ]; then cp "$cfg_file" "$esp/baremu/baremu.cfg"
elif [ -n "$cfg_text" ]; then printf '%s\n' "$cfg_text" > "$esp/baremu/baremu.cfg"; fi
for spec in "${files[@]}"; do cp "${spec#*=}" "$esp/baremu/${spec%%=*}"; done

args=(-machine "$machine" -m "$mem" -bios "$ovmf"
      -drive "format=raw,file=fat:rw:$esp"
      "${debug_exit[@]}"
      -serial "$serial" -display "$display" -no-reboot -net none)
[ "$nic" != none ] && args+=(-nic "user,model=$nic")
# The default monitor would share stdio with the serial console.
args+=(-monitor none)

# --foreground: timeout stays in the caller's process group, so a test that
# ends the group ends QEMU too.
set +e
if [ -n "$limit" ]; then
  timeout --foreground --kill-after=5 "$limit" qemu-system-x86_64 "${args[@]}" "$@"
else
  qemu-system-x86_64 "${args[@]}" "$@"
fi
rc=$?
exit $rc
