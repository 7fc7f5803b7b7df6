# timeout: 120
# SeaBIOS from Debian (package seabios) runs on the emulated PC: its log on
# the 0x402 debug console shows it found fw_cfg, took the e820 RAM map from
# it, enumerated the i440FX, PIIX3 and PIIX4-PM functions, set up the PIIX3
# interrupt routing and chose the ACPI PM timer. Real artifact, real CPU.
set -u
top="$BAREMU_TOP"
b="$top/build/hosted/baremu"
bios=/usr/share/seabios/bios-256k.bin
[ -r "$bios" ] || { echo "SeaBIOS image $bios not installed (apt-get install seabios)"; exit 77; }
log=$(mktemp); trap 'rm -f "$log"' EXIT
# Bounded run: the guest is stopped by timeout; the log is what counts.
timeout -s KILL 15 "$b" -bios "$bios" -m 64 -debugcon "file:$log" -display none -serial null \
    -no-reboot -icount shift=2 >/dev/null 2>&1
fail() { echo "FAIL: $*"; echo "--- SeaBIOS log:"; head -60 "$log"; exit 1; }
grep -q '^SeaBIOS (version' "$log" || fail "no SeaBIOS banner on the debug console"
grep -q 'Found QEMU fw_cfg' "$log" || fail "SeaBIOS did not find fw_cfg"
grep -q 'qemu/e820: addr 0x0000000000000000 len 0x0000000004000000 \[RAM\]' "$log" \
    || fail "SeaBIOS did not take 64 MiB of RAM from etc/e820"
grep -q 'PCI: init bdf=00:00.0 id=8086:1237' "$log" || fail "i440FX not enumerated"
grep -q 'PCI: init bdf=00:01.0 id=8086:7000' "$log" || fail "PIIX3 not enumerated"
grep -q 'PCI: init bdf=00:01.3 id=8086:7113' "$log" || fail "PIIX4 PM not enumerated"
grep -q 'PIIX3/PIIX4 init: elcr=00 0c' "$log" || fail "PIRQ routing/ELCR not programmed as expected"
grep -q 'Using pmtimer, ioport 0xb008' "$log" || fail "SeaBIOS did not find the ACPI PM timer"
echo "SeaBIOS log: $(wc -l <"$log") lines"
