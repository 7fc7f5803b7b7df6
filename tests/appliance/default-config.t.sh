# timeout: 300
# No \baremu\baremu.cfg: the built-in configuration runs the default guest
# from the boot volume (SeaBIOS from bios.bin, disk.img as the first disk,
# COM1 on the appliance console), which reaches SYSLINUX.
. "$(dirname "$0")/lib.sh"
bm_require
ap_require_bios
ap_require_guest
BM_QEMU_TIMEOUT=280
ap_start default-config --mem 512M --file "bios.bin=$AP_BIOS" --file "disk.img=$AP_GUEST/disk.img"
ap_wait 'config: no \\baremu\\baremu.cfg: defaults \(the built-in configuration\)' 120 "built-in configuration"
ap_wait 'guest: guest CPU starts' 60 "guest start"
ap_wait 'SYSLINUX [0-9.]+ ' 120 "SYSLINUX banner from the default guest"
echo "ok: the built-in configuration boots the volume's disk.img to SYSLINUX"
