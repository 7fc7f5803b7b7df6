# The boot checks shared by boot-pc and boot-q35: banner, memory, ACPI, TSC,
# interrupts, the PCI list with QEMU's e1000, config, and the exit status.
# Expects lib.sh sourced and $machine set.
bm_require
bm_boot "boot-$machine" "$machine" "# written by tests/baremetal/boot-$machine.t.sh
-exit-after-boot"
bm_expect_rc "$BM_RC_OK"
bm_expect '^baremu [^ ]+ - bare-metal PC emulator appliance' "banner with version"
bm_expect 'mem: memory: [0-9]+ MiB total RAM, [0-9]+ MiB usable' "memory totals"
total=$(bm_field '[0-9]+ MiB total RAM' | grep -Eo '^[0-9]+')
# run-qemu-efi gives the machine 256M; firmware holes take a few MiB.
[ "$total" -ge 240 ] && [ "$total" -le 256 ] || bm_fail "total RAM $total MiB, expected 240..256 for -m 256M"
bm_expect 'acpi: ACPI 2.0\+ \(XSDT\), tables:.* FACP' "ACPI 2.0 tables with a FADT"
bm_expect 'acpi: .*tables:.* APIC' "the MADT in the ACPI list"
bm_expect 'timer: TSC [0-9]+\.[0-9]{3} MHz \(calibrated against the (HPET|ACPI PM timer|PIT)\)' "calibrated TSC frequency"
mhz=$(bm_field 'TSC [0-9]+' | grep -Eo '[0-9]+$')
[ "$mhz" -ge 100 ] && [ "$mhz" -le 10000 ] || bm_fail "TSC frequency $mhz MHz is implausible"
bm_expect 'irq: local APIC id [0-9]+, timer [1-9][0-9]* kHz' "local APIC with a running timer"
bm_expect 'irq: PS/2 keyboard on IOAPIC' "keyboard routed through the IOAPIC"
bm_expect '^pci: 00:0[0-9a-f]\.0 8086:100e class 020000 .*bar0=mem:0x[0-9a-f]+\+0x20000' "QEMU's e1000 (8086:100e) with its 128 KiB BAR in the PCI list"
bm_expect '^pci: 00:0[0-9a-f]\.0 1234:1111 class 030000' "the VGA device in the PCI list"
bm_expect 'boot: file \\baremu\\baremu.cfg \([0-9]+ bytes\)' "the config file read from the boot volume"
bm_expect 'config: \\baremu\\baremu.cfg: 1 option\(s\), exit-after-boot' "the parsed config"
bm_expect 'boot: main loop reached [0-9]+\.[0-9]{3} ms after efi_main' "time from efi_main to the main loop"
# The idle path: the loop sleeps in HLT until a deadline 10 ms ahead and the
# local APIC timer wakes it. A loop that spun instead would count thousands
# of turns; one that never woke would time out.
bm_expect 'loop: deadline met: [1-9][0-9]* timer interrupt\(s\), [0-9]+ loop turn\(s\) in 10 ms \(HLT until the local APIC timer\)' "a deadline met by sleeping until the APIC timer"
turns=$(bm_field '[0-9]+ loop turn' | grep -Eo '^[0-9]+')
[ "$turns" -le 50 ] || bm_fail "the loop turned $turns times while idle for 10 ms: it spins instead of sleeping"
bm_expect 'boot: exit-after-boot: writing 1 to isa-debug-exit' "the exit-after-boot message"
