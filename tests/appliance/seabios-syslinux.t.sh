# timeout: 300
# The appliance runs the PC machine of its config: SeaBIOS (Debian's bios.bin,
# from the boot volume) boots inside the appliance nested under QEMU + OVMF,
# prints its log on the debug console (-debugcon stdio = the appliance
# console), finds the IDE disk image (build/guest/disk.img, loaded from the
# boot volume) and boots SYSLINUX, which loads the Linux kernel and initramfs
# and prints on the guest's COM1, which is the appliance's serial port.
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
BM_QEMU_TIMEOUT=280
ap_start seabios-syslinux --mem 512M --cfg-text "# written by tests/appliance/seabios-syslinux.t.sh
-m 128M -debugcon stdio   # SeaBIOS's log on the appliance console
-hda disk.img" --file "bios.bin=$AP_BIOS" --file "disk.img=$AP_GUEST/disk.img"
ap_wait 'guest: guest CPU starts [0-9.]+ ms after efi_main' 120 "guest start"
ap_wait 'SeaBIOS \(version [^)]+\)' 60 "SeaBIOS banner on the debug console"
ap_wait 'ata0-0: .*Hard-Disk \(48 MiBytes\)' 60 "the IDE disk found by SeaBIOS"
ap_wait 'Booting from Hard Disk' 60 "SeaBIOS booting the disk"
ap_wait 'SYSLINUX [0-9.]+ ' 60 "SYSLINUX banner on the guest's COM1"
# The appliance's own log shares this console, and one of its lines (the
# uplink's lease, in two CI runs) can split "Loading /initrd.gz..." from its
# "ok"; ap_wait also reads the log with such lines cut out.
ap_wait 'Loading /vmlinuz\.* ?ok' 120 "SYSLINUX loading the kernel"
ap_wait 'Loading /initrd\.gz\.* ?ok' 120 "SYSLINUX loading the initramfs"
bm_expect 'disk: warning: disk.img: writes are kept in memory' "the stated fate of disk writes"
bm_expect 'config: \\baremu\\baremu.cfg: 3 option\(s\)' "the config read"
start=$(bm_field 'guest CPU starts [0-9.]+ ms' | grep -Eo '[0-9.]+')
echo "ok: SeaBIOS booted SYSLINUX inside the appliance (guest CPU started ${start} ms after efi_main)"
