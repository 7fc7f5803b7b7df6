#!/usr/bin/env bash
# Installs, idempotently and without questions, every Debian package the build
# and the tests need; enables Debian's source index (derived from the system's
# own apt source file, never naming a mirror); fetches lwIP's source; builds
# newlib for the freestanding x86-64 target once.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
top=$(cd "$(dirname "$0")/.." && pwd)
third="$top/third_party"
mkdir -p "$third"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

PACKAGES=(
  build-essential gcc make binutils nasm clang llvm lld libclang-rt-14-dev
  gnu-efi ovmf qemu-system-x86 qemu-utils newlib-source
  seabios ipxe-qemu syslinux syslinux-common pxelinux isolinux
  mtools dosfstools gdisk fdisk xorriso genisoimage cpio gzip xz-utils zstd
  tshark iperf3 dnsmasq-base libslirp-dev socat netcat-openbsd iproute2 busybox
  memtest86+ bochs bochsbios vgabios python3 dpkg-dev
  console-setup-linux
)

need_install=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need_install+=("$p")
done

# The i386 guest packages come from the i386 architecture.
if ! dpkg --print-foreign-architectures | grep -qx i386; then
  $SUDO dpkg --add-architecture i386
  stamp_update=1
fi

# Enable deb-src next to each deb entry, derived from the existing source file.
src_file=/etc/apt/sources.list.d/baremu-src.sources
if [ ! -f "$src_file" ]; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types:.*deb.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $SUDO tee "$src_file" >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' | $SUDO tee /etc/apt/sources.list.d/baremu-src.list >/dev/null
    touch "$src_file" 2>/dev/null || true
  fi
  stamp_update=1
fi

if [ "${#need_install[@]}" -gt 0 ] || [ -n "${stamp_update:-}" ] || [ ! -f "$third/.apt-updated" ]; then
  # A mirror mid-sync can fail one index; retry, then go on with what loaded.
  for try in 1 2 3; do
    $SUDO apt-get update -q && break
    echo "deps: apt-get update failed (try $try), retrying" >&2; sleep 5
  done
  touch "$third/.apt-updated"
fi
if [ "${#need_install[@]}" -gt 0 ]; then
  echo "deps: installing ${need_install[*]}"
  # tshark asks whether non-root users may capture; answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get install -y -q --no-install-recommends "${need_install[@]}"
fi

# lwIP source, unmodified, from Debian's source index.
if [ ! -f "$third/lwip/src/core/init.c" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get source --download-only lwip >/dev/null)
  tarball=$(ls "$tmp"/lwip_*.orig.tar.* | head -n1)
  rm -rf "$third/lwip" && mkdir -p "$third/lwip"
  tar -xf "$tarball" -C "$third/lwip" --strip-components=1
  rm -rf "$tmp"
  echo "deps: lwIP unpacked in third_party/lwip"
fi

# newlib for the freestanding x86-64 target (cached).
if [ ! -f "$third/newlib-install/lib/libc.a" ]; then
  "$top/tools/build-newlib.sh" "$third"
fi
echo "deps: ok"
