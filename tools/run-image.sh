#!/usr/bin/env bash
# make run: boots build/baremu.img (or --image FILE) the way a PC boots the
# USB stick: qemu-system-x86_64 + OVMF, the image as a raw disk (snapshot=on:
# the file is never written), headless, the appliance's COM1 (which carries
# the guest's console) on the terminal, and an e1000 on QEMU's user network
# with host port 2323 (--port N: host port N) forwarded to the appliance's
# uplink port 2323 (which the default config forwards on to the guest's
# telnet port).
# Quit: Ctrl-A x (the appliance powers off) or Ctrl-C (kills QEMU).
# Usage: tools/run-image.sh [--image F] [--serial SPEC] [--timeout S]
#        [--mem SIZE] [--port N (0: none)] [--machine pc|q35] [--net CIDR]
#        [-- extra qemu args]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
image=$top/build/baremu.img serial=stdio limit="" mem=1G port=2323 machine=pc net=192.168.76.0/24
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image=$2; shift 2;;
    --serial) serial=$2; shift 2;;
    --timeout) limit=$2; shift 2;;
    --mem) mem=$2; shift 2;;
    --port) port=$2; shift 2;;
    --machine) machine=$2; shift 2;;
    --net) net=$2; shift 2;;
    --) shift; break;;
    *) echo "run-image: unknown option $1" >&2; exit 2;;
  esac
done
ovmf=/usr/share/ovmf/OVMF.fd
[ -f "$image" ] || { echo "run-image: $image missing (make image)" >&2; exit 2; }
[ -f "$ovmf" ] || { echo "run-image: $ovmf missing (package ovmf)" >&2; exit 2; }
# A plain if: under set -e a failing test inside $(...) in an assignment
# would end the script silently (port 0 means no forward).
fwd=""
if [ "$port" != 0 ]; then fwd=",hostfwd=tcp:127.0.0.1:$port-:2323"; fi
# The outer network is not QEMU's default 10.0.2.0/24 (--net changes it):
# that is the guest's network inside the appliance, and with both the
# appliance's own lease would be the guest's address too, 10.0.2.15.
args=(-machine "$machine" -m "$mem" -bios "$ovmf"
      -drive "format=raw,file=$image,snapshot=on"
      -nic "user,model=e1000,net=$net$fwd"
      -serial "$serial" -display none -monitor none)
[ "$serial" = stdio ] && echo "run-image: booting $image (OVMF takes a few seconds; Ctrl-A x or Ctrl-C quits)" >&2
# --foreground: timeout stays in the caller's process group, so a test that
# ends the group ends QEMU too.
set +e
if [ -n "$limit" ]; then
  timeout --foreground --kill-after=5 "$limit" qemu-system-x86_64 "${args[@]}" "$@"
else
  qemu-system-x86_64 "${args[@]}" "$@"
fi
