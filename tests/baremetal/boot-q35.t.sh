# timeout: 150
# Boots BOOTX64.EFI under QEMU + OVMF on -machine q35 (ACPI MCFG: PCI through
# ECAM) and checks the boot report and the isa-debug-exit status.
. "$(dirname "$0")/lib.sh"
machine=q35
. "$(dirname "$0")/boot-common.sh"
bm_expect 'acpi: .*tables:.* MCFG' "the MCFG table"
bm_expect '^pci: [0-9]+ devices \(ECAM\)' "PCI enumeration through ECAM"
bm_expect '^pci: 00:1f\.0 8086:2918 class 060100' "the ICH9 LPC bridge"
bm_expect '^pci: 00:1f\.2 8086:2922 class 010601 .*msi' "the AHCI controller with its MSI capability"
echo "ok: $(bm_field 'main loop reached [0-9.]+ ms')"
