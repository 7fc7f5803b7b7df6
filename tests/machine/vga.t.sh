# timeout: 120
# The standard VGA with Debian's VGA BIOS (vgabios-stdvga.bin, SeaVGABIOS) as
# its PCI option ROM: SeaBIOS picks 00:02.0 as the primary VGA, runs the ROM,
# which finds the Bochs VBE DISPI interface and the 16 MiB linear framebuffer
# at BAR 0 and sets text mode 3; with -vga none there is no VGA ROM.
set -u
top="$BAREMU_TOP"
b="$top/build/hosted/baremu"
for f in /usr/share/seabios/bios-256k.bin /usr/share/seabios/vgabios-stdvga.bin; do
    [ -r "$f" ] || { echo "$f not installed (apt-get install seabios)"; exit 77; }
done
log=$(mktemp); trap 'rm -f "$log"' EXIT
fail() { echo "FAIL: $*"; echo "--- SeaBIOS log:"; grep -i -A3 'vga' "$log" | head -40; exit 1; }
timeout -s KILL 20 "$b" -m 64 -debugcon "file:$log" -display none -serial null -no-reboot \
    -icount shift=2 >/dev/null 2>&1
grep -q 'PCI: Using 00:02.0 for primary VGA' "$log" || fail "SeaBIOS did not choose the VGA at 00:02.0"
grep -q 'Start SeaVGABIOS' "$log" || fail "the VGA BIOS option ROM did not run"
grep -q 'VBE DISPI: bdf 00:02.0, bar 0' "$log" || fail "the VGA BIOS did not find the VBE DISPI interface"
grep -qE 'VBE DISPI: lfb_addr=[0-9a-f]+, size 16 MB' "$log" || fail "no 16 MiB linear framebuffer"
grep -q 'set VGA mode 3' "$log" || fail "text mode 3 was not set"
timeout -s KILL 20 "$b" -m 64 -vga none -debugcon "file:$log" -display none -serial null -no-reboot \
    -icount shift=2 >/dev/null 2>&1
grep -q 'Start SeaVGABIOS' "$log" && fail "-vga none still ran a VGA BIOS"
grep -q '^SeaBIOS (version' "$log" || fail "-vga none: no SeaBIOS log"
echo "VGA BIOS found VBE and the LFB"
