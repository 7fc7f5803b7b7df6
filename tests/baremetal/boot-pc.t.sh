# timeout: 150
# Boots BOOTX64.EFI under QEMU + OVMF on -machine pc (i440FX: no MCFG, so PCI is
# enumerated through ports 0xcf8/0xcfc) and checks the boot report and the
# isa-debug-exit status of -exit-after-boot.
. "$(dirname "$0")/lib.sh"
machine=pc
. "$(dirname "$0")/boot-common.sh"
bm_expect '^pci: [0-9]+ devices \(port 0xcf8\)' "PCI enumeration through port 0xcf8"
bm_expect '^pci: 00:01\.0 8086:7000 class 060100' "the PIIX3 ISA bridge"
echo "ok: $(bm_field 'main loop reached [0-9.]+ ms')"
