#!/usr/bin/env bash
# Builds the test guests into build/guest/ from Debian i386 packages only
# (apt-get download; nothing is committed): the 6.1 686 kernel, a busybox
# initramfs with the NIC modules and iperf3, a syslinux disk image, an isolinux
# ISO and a pxelinux TFTP root. Idempotent and cached: packages are downloaded
# once; the assembled outputs are rebuilt only when missing or when a file of
# tools/guest/ changed. Usage: tools/guest/build.sh [--force]
# Formats: cpio newc (Documentation/driver-api/early-userspace/buffer-format.rst),
# MBR partition table, SYSLINUX/ISOLINUX/PXELINUX config (syslinux wiki).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
src="$top/tools/guest"
out="$top/build/guest"
debs="$out/debs"
mkdir -p "$out" "$debs"
# Packages are unpacked and images staged outside build/: unpacked Debian trees
# hold directories named *.d (etc/ld.so.conf.d) that the top Makefile's
# dependency-file scan would try to include.
work=$(mktemp -d "${TMPDIR:-/tmp}/baremu-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$out/work"   # left by an earlier version of this script

say() { echo "guest: $*"; }
die() { echo "guest: error: $*" >&2; exit 1; }

for tool in apt-get dpkg-deb cpio gzip readelf objcopy mkfs.vfat mcopy syslinux sfdisk xorriso; do
    command -v "$tool" >/dev/null || die "$tool is missing (run tools/deps.sh)"
done

# Everything in tools/guest/ shapes the outputs: their hash decides a rebuild.
inputs=$(cd "$src" && find . -type f ! -name '*.mk' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
if [ "${1:-}" = --force ] || [ "$(cat "$out/.inputs" 2>/dev/null)" != "$inputs" ]; then
    rm -f "$out/initrd.gz" "$out/disk.img" "$out/cd.iso" "$out/.inputs"
    rm -rf "$out/tftp"
fi

# --- 1. Packages -------------------------------------------------------------
# The kernel: the newest linux-image-6.1.0-N-686 apt knows, chosen once and
# then kept (its name is cached) so later apt updates do not change the guest.
if [ ! -s "$out/kernel-package" ]; then
    pkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-686$' | awk '{print $1}' | sort -V | tail -n1)
    [ -n "$pkg" ] || die "no linux-image-6.1.0-*-686 in apt (is i386 enabled? apt-get update)"
    echo "$pkg" >"$out/kernel-package"
fi
kpkg=$(cat "$out/kernel-package")
GUEST_PACKAGES=("$kpkg" busybox-static iperf3 libiperf0 libssl3 libsctp1 libc6 libgcc-s1)

fetch() { # fetch PKG: download PKG:i386 into debs/ once, print the .deb path
    local p=$1 f
    f=$(ls "$debs/${p}_"*_i386.deb 2>/dev/null | head -n1 || true)
    if [ -z "$f" ]; then
        (cd "$debs" && apt-get download -q "$p:i386" >/dev/null 2>&1) ||
            (cd "$debs" && apt-get download "$p:i386") || die "apt-get download $p:i386 failed"
        f=$(ls "$debs/${p}_"*_i386.deb | head -n1)
    fi
    echo "$f"
}
# Download every package now (cached), unpack only when something needs them.
for p in "${GUEST_PACKAGES[@]}"; do fetch "$p" >/dev/null; done
kroot="$work/pkg/$kpkg"
if [ ! -s "$out/vmlinuz" ] || [ ! -s "$out/initrd.gz" ] || [ ! -s "$out/kernel-version" ]; then
    for p in "${GUEST_PACKAGES[@]}"; do
        mkdir -p "$work/pkg/$p"
        dpkg-deb -x "$(fetch "$p")" "$work/pkg/$p"
    done
    kver=$(basename "$(ls -d "$kroot"/lib/modules/*/ | head -n1)")
    [ -n "$kver" ] || die "no modules directory in $kpkg"
    cp "$kroot/boot/vmlinuz-$kver" "$out/vmlinuz"
    echo "$kver" >"$out/kernel-version"
    rm -f "$out/initrd.gz"   # its modules must match this kernel
    say "vmlinuz: $kver (from $kpkg)"
fi
kver=$(cat "$out/kernel-version")

# --- 2. initramfs ------------------------------------------------------------
# The NIC drivers the emulated PCs offer (e1000, RTL8139 (8139too, 8139cp),
# NE2000 PCI and ISA, PCnet; e1000e and virtio-net for the real-NIC benchmark
# tools/bench-drivers.sh: virtio_pci loads by PCI ID, virtio_net then needs a
# modprobe) and the modules they need, from each module's .modinfo "depends="
# field (the .deb has no modules.dep: depmod makes it).
NIC_MODULES=(e1000 8139too 8139cp ne2k-pci ne pcnet32 e1000e virtio_pci virtio_net)
# Disk and CD-ROM drivers and filesystems, loaded only on request (modprobe):
# tests/machine/linux-kernel.t.sh reads the IDE disk and CD through ata_piix.
STORAGE_MODULES=(ata_piix sd_mod sr_mod vfat isofs nls_cp437 nls_ascii)
modinfo_field() { # modinfo_field KO FIELD: values of FIELD in KO's .modinfo
    objcopy -O binary --only-section=.modinfo "$1" /dev/stdout | tr '\0' '\n' | sed -n "s/^$2=//p"
}
modpath() { # modpath NAME: path of NAME.ko (- and _ are the same) under kernel/
    local n=$1 f
    f=$(cd "$kroot/lib/modules/$kver" && find kernel -name "$n.ko" -o -name "${n//_/-}.ko" -o -name "${n//-/_}.ko" | head -n1)
    [ -n "$f" ] || die "module $n not found in $kpkg"
    echo "$f"
}

build_initrd() {
    local r="$work/initrd" m f p lib
    rm -rf "$r"; mkdir -p "$r"
    (cd "$r" && mkdir -p bin sbin usr/bin usr/sbin etc/udhcpc usr/share/udhcpc root proc sys dev tmp run \
        var/run lib/modules/"$kver" baremu)
    cp "$work/pkg/busybox-static/bin/busybox" "$r/bin/busybox"
    # Applets become symlinks at first boot would need a writable /bin later;
    # make them now (the list is baked into the binary: --list cannot run here).
    for a in sh ash awk cat cp cut date dd df dmesg echo env false grep egrep head hostname \
             ip ifconfig kill ln ls mdev mkdir mknod mount mv nc netstat ping ps pwd rm \
             route sed setsid sha256sum md5sum sleep sort stty sync tail tee test timeout \
             touch tr true umount uname uptime vi wc wget which xargs yes cttyhack base64 \
             insmod rmmod lsmod modprobe init udhcpc nslookup telnet tftp time seq printf \
             free top less more od hexdump arp chmod chown clear expr find gunzip gzip zcat \
             tar reset nproc id mountpoint lspci killall watch; do
        case "$a" in
            init) ln -sf ../bin/busybox "$r/sbin/init" ;;
            *) ln -sf busybox "$r/bin/$a" ;;
        esac
    done
    ln -sf ../bin/busybox "$r/sbin/halt"
    install -m 755 "$src/initramfs/init" "$r/init"
    install -m 755 "$src/initramfs/poweroff" "$r/sbin/poweroff"
    install -m 755 "$src/initramfs/reboot" "$r/sbin/reboot"
    install -m 644 "$src/initramfs/inittab" "$r/etc/inittab"
    install -m 644 "$src/initramfs/profile" "$r/etc/profile"
    install -m 644 "$src/initramfs/guest-env.sh" "$r/etc/guest-env.sh"
    install -m 755 "$src/initramfs/udhcpc.script" "$r/etc/udhcpc/default.script"
    ln -sf ../../../etc/udhcpc/default.script "$r/usr/share/udhcpc/default.script"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$r/etc/passwd"
    printf 'root:x:0:\n' >"$r/etc/group"
    printf '127.0.0.1 localhost\n' >"$r/etc/hosts"
    : >"$r/etc/resolv.conf"

    # Modules, their dependencies (closure), a modules.dep and the PCI aliases.
    local -A seen=()
    local queue=("${NIC_MODULES[@]}" "${STORAGE_MODULES[@]}") deps
    local -A nic=()
    for m in "${NIC_MODULES[@]}"; do nic[$m]=1; done
    : >"$r/etc/nic-aliases"
    : >"$r/lib/modules/$kver/modules.dep"
    while [ "${#queue[@]}" -gt 0 ]; do
        m=${queue[0]}; queue=("${queue[@]:1}")
        f=$(modpath "$m")
        [ -n "${seen[$f]:-}" ] && continue
        seen[$f]=1
        mkdir -p "$r/lib/modules/$kver/$(dirname "$f")"
        cp "$kroot/lib/modules/$kver/$f" "$r/lib/modules/$kver/$f"
        deps=$(modinfo_field "$kroot/lib/modules/$kver/$f" depends | tr ',' ' ')
        local line="$f:"
        for d in $deps; do line="$line $(modpath "$d")"; queue+=("$d"); done
        echo "$line" >>"$r/lib/modules/$kver/modules.dep"
        # Only NIC drivers load at boot by PCI ID (the init script).
        [ -n "${nic[$m]:-}" ] || continue
        modinfo_field "$kroot/lib/modules/$kver/$f" alias | grep '^pci:' |
            sed "s|\$| $(basename "$f" .ko)|" >>"$r/etc/nic-aliases" || true
    done
    say "modules: $(cut -d: -f1 "$r/lib/modules/$kver/modules.dep" | xargs -n1 basename | tr '\n' ' ')"

    # iperf3 and the shared libraries it needs: the closure of DT_NEEDED
    # entries (readelf -d), looked up in the unpacked i386 packages.
    cp "$work/pkg/iperf3/usr/bin/iperf3" "$r/usr/bin/iperf3"
    local -A have=()
    local libq=("$r/usr/bin/iperf3") needed
    mkdir -p "$r/lib/i386-linux-gnu"
    while [ "${#libq[@]}" -gt 0 ]; do
        f=${libq[0]}; libq=("${libq[@]:1}")
        needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
        for lib in $needed; do
            [ -n "${have[$lib]:-}" ] && continue
            have[$lib]=1
            p=$(find "$work/pkg" -path '*/lib/i386-linux-gnu/*' -name "$lib" \( -type f -o -type l \) | head -n1)
            [ -n "$p" ] || die "iperf3 needs $lib, not found in the unpacked packages"
            cp -L "$p" "$r/lib/i386-linux-gnu/$lib"
            libq+=("$r/lib/i386-linux-gnu/$lib")
        done
    done
    # The program interpreter (PT_INTERP) of i386 glibc programs.
    interp=$(readelf -l "$r/usr/bin/iperf3" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    p=$(find "$work/pkg/libc6" -name "$(basename "$interp")" | head -n1)
    [ -n "$p" ] || die "program interpreter $interp not in libc6"
    mkdir -p "$r/$(dirname "$interp")"
    cp -L "$p" "$r/$interp"
    say "iperf3 libraries: ${!have[*]}"

    (cd "$r" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9n >"$out/initrd.gz.tmp"
    mv "$out/initrd.gz.tmp" "$out/initrd.gz"
    say "initrd.gz: $(stat -c %s "$out/initrd.gz") bytes"
}
[ -s "$out/initrd.gz" ] || build_initrd

# The kernel command line every boot method uses.
APPEND="console=ttyS0,115200"

# --- 3. disk.img: MBR + one FAT16 partition with syslinux --------------------
build_disk() {
    local part="$work/part.img" img="$out/disk.img.tmp" mbr cfg="$work/syslinux.cfg"
    local start=2048 size_mb=48
    mbr=/usr/lib/syslinux/mbr/mbr.bin
    [ -f "$mbr" ] || die "$mbr missing (package syslinux-common)"
    cat >"$cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz $APPEND
EOF
    rm -f "$part"
    mkfs.vfat -C -F 16 -n BAREMU "$part" $(( (size_mb - 1) * 1024 )) >/dev/null
    mcopy -i "$part" "$out/vmlinuz" ::/vmlinuz
    mcopy -i "$part" "$out/initrd.gz" ::/initrd.gz
    mcopy -i "$part" "$cfg" ::/syslinux.cfg
    syslinux --install "$part"
    # Whole disk: the partition at 1 MiB, syslinux's MBR boot code in front.
    rm -f "$img"
    truncate -s "${size_mb}M" "$img"
    echo "$start,,6,*" | sfdisk -q --label dos "$img" >/dev/null
    dd if="$mbr" of="$img" bs=440 count=1 conv=notrunc status=none
    dd if="$part" of="$img" bs=512 seek="$start" conv=notrunc status=none
    rm -f "$part"
    mv "$img" "$out/disk.img"
    say "disk.img: ${size_mb} MiB, syslinux on partition 1 (FAT16)"
}
[ -s "$out/disk.img" ] || build_disk

# --- 4. cd.iso: ISOLINUX (El Torito no-emulation), hybrid MBR ---------------
build_iso() {
    local d="$work/iso"
    rm -rf "$d"; mkdir -p "$d/isolinux"
    cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$d/isolinux/"
    cp "$out/vmlinuz" "$out/initrd.gz" "$d/"
    cat >"$d/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz $APPEND
EOF
    xorriso -as mkisofs -quiet -o "$out/cd.iso.tmp" -V BAREMU \
        -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
        -b isolinux/isolinux.bin -c isolinux/boot.cat \
        -no-emul-boot -boot-load-size 4 -boot-info-table "$d" 2>/dev/null
    mv "$out/cd.iso.tmp" "$out/cd.iso"
    rm -rf "$d"
    say "cd.iso: $(stat -c %s "$out/cd.iso") bytes"
}
[ -s "$out/cd.iso" ] || build_iso

# --- 5. tftp/: PXELINUX root ------------------------------------------------
build_tftp() {
    local t="$out/tftp.tmp"
    rm -rf "$t"; mkdir -p "$t/pxelinux.cfg"
    cp /usr/lib/PXELINUX/pxelinux.0 /usr/lib/syslinux/modules/bios/ldlinux.c32 "$t/"
    cp "$out/vmlinuz" "$out/initrd.gz" "$t/"
    cat >"$t/pxelinux.cfg/default" <<EOF
SERIAL 0 115200
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL vmlinuz
  APPEND initrd=initrd.gz $APPEND
EOF
    rm -rf "$out/tftp"; mv "$t" "$out/tftp"
    say "tftp/: pxelinux.0 ldlinux.c32 pxelinux.cfg/default vmlinuz initrd.gz"
}
[ -f "$out/tftp/pxelinux.0" ] || build_tftp

# --- 6. memtest86+ (package memtest86+ installs its images under /boot) -----
for f in memtest86+ia32.bin memtest86+ia32.efi; do
    [ -f "/boot/$f" ] && ln -sf "/boot/$f" "$out/$f"
done

echo "$inputs" >"$out/.inputs"
say "ok: $(cd "$out" && ls -d vmlinuz initrd.gz disk.img cd.iso tftp memtest86+ia32.* 2>/dev/null | tr '\n' ' ')"
