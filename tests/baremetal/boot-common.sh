# The boot checks shared by boot-pc and boot-q35: banner, memory, ACPI, TSC,
# interrupts, the PCI list with QEMU's e1000, boot files (config and SeaBIOS's
# bios.bin from the seabios package, checked by CRC-32), and the exit status.
# Expects lib.sh sourced and $machine set.
bm_require
[ -f /usr/share/seabios/bios.bin ] || { echo "skip: /usr/share/seabios/bios.bin missing (package seabios)"; exit 77; }
# -machine none: bios.bin is only cargo here; without it the appliance would
# start a guest with it (tests/appliance/ do that).
bm_boot "boot-$machine" "$machine" "# written by tests/baremetal/boot-$machine.t.sh
-machine none
-exit-after-boot" --file bios.bin=/usr/share/seabios/bios.bin
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
bm_expect 'boot: file \\baremu\\baremu.cfg \([0-9]+ bytes, crc32 [0-9a-f]{8}\)' "the config file read from the boot volume"
# A real binary (SeaBIOS from the seabios package) must arrive intact, and read
# back the same through newlib's stdio (open/lseek/read over the boot files).
size=$(stat -c %s /usr/share/seabios/bios.bin)
crc=$(python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' /usr/share/seabios/bios.bin)
bm_expect "boot: file \\\\baremu\\\\bios.bin \\($size bytes, crc32 $crc\\)" "bios.bin with its size and CRC-32 ($size, $crc)"
bm_expect "boot: self-test: fopen/fseek/fread of /baremu/bios.bin: $size bytes, same content" "bios.bin read back through stdio"
bm_expect 'boot: self-test: fopen/fseek/fread of /baremu/baremu.cfg: [0-9]+ bytes, same content' "the config read back through stdio"
bm_expect 'config: \\baremu\\baremu.cfg: 2 option\(s\), exit-after-boot' "the parsed config"
bm_expect 'boot: main loop reached [0-9]+\.[0-9]{3} ms after efi_main' "time from efi_main to the main loop"
# The idle path: the loop sleeps in HLT until a deadline 10 ms ahead and the
# local APIC timer's interrupt wakes it (a loop that never woke would time out).
bm_expect 'loop: deadline met: [1-9][0-9]* timer interrupt\(s\), [1-9][0-9]* sleep\(s\) in HLT, [0-9]+ loop turn\(s\) \(HLT until the local APIC timer\)' "a deadline met by sleeping in HLT until the APIC timer interrupt"
bm_expect 'boot: exit-after-boot: writing 1 to isa-debug-exit' "the exit-after-boot message"
bm_expect 'mem: self-test: malloc\(4 MiB\) at 0x[0-9a-f]+ ok, dma_alloc\(12 KiB\) at 0x[0-9a-f]+ ok' "the heap and DMA allocator self-test"
