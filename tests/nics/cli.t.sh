# timeout: 120
# The NIC options as QEMU spells them reach the models: -nic user,model=M,
# -net nic,model=M -net user, -device M,netdev=ID[,mac=][,romfile=], ne2k_isa
# with iobase=/irq=, rtl8139 with cplus=off; default MACs 52:54:00:12:34:56
# counting up; SeaBIOS (a real PCI client) enumerates each PCI NIC with its
# vendor:device at 00:03.0 onwards; -boot n loads and runs the iPXE ROM of
# Debian's ipxe-qemu through the ROM BAR; bad options are clear errors.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
[ -r /usr/share/seabios/bios-256k.bin ] || skip "SeaBIOS is not installed"

# run NAME ARGS...: boots SeaBIOS for 3 s with the monitor asking "info network".
run() {
    local name=$1; shift
    (sleep 3; echo "info network"; sleep 0.5; echo quit) |
        timeout 30 "$b" -m 32 -display none -serial null -debugcon "file:$T/$name.dc" -monitor stdio "$@" \
        >"$T/$name.out" 2>&1
}
has() { grep -q -- "$2" "$T/$1" || { echo "--- $1:"; tail -n 30 "$T/$1"; fail "$1 lacks '$2'"; }; }

run nic -nic user,model=e1000
has nic.out "model=e1000,macaddr=52:54:00:12:34:56"
has nic.dc "PCI: init bdf=00:03.0 id=8086:100e"

run net -net nic,model=rtl8139 -net user
has net.out "model=rtl8139,macaddr=52:54:00:12:34:56"
has net.dc "PCI: init bdf=00:03.0 id=10ec:8139"

run dev -netdev user,id=n0 -device ne2k_pci,netdev=n0,mac=02:11:22:33:44:55
has dev.out "model=ne2k_pci,macaddr=02:11:22:33:44:55"
has dev.dc "PCI: init bdf=00:03.0 id=10ec:8029"

run plain -netdev user,id=n0 -device rtl8139,netdev=n0,cplus=off
has plain.out "model=rtl8139,cplus=off"

run three -nic user,model=e1000 -nic user,model=rtl8139 -nic user,model=ne2k_pci \
    -netdev user,id=i0 -device ne2k_isa,netdev=i0,iobase=0x320,irq=10
has three.out "model=e1000,macaddr=52:54:00:12:34:56"
has three.out "model=rtl8139,macaddr=52:54:00:12:34:57"
has three.out "model=ne2k_pci,macaddr=52:54:00:12:34:58"
has three.out "model=ne2k_isa,macaddr=52:54:00:12:34:59"
has three.dc "PCI: init bdf=00:05.0 id=10ec:8029"

if [ -r /usr/lib/ipxe/qemu/pxe-e1000.rom ]; then
    run pxe -boot n -nic user,model=e1000
    has pxe.dc "Running option rom at c000:0003"
    has pxe.dc "Searching bootorder for: /pci@i0cf8/\*@3"
else
    note "ipxe-qemu not installed: -boot n ROM check skipped"
fi

# Errors name the option.
"$b" -netdev user,id=n0 -device ne2k_isa,netdev=n0,iobase=0x301 >"$T/e1" 2>&1 && fail "iobase=0x301 accepted"
has e1 "invalid iobase"
echo "not a rom" >"$T/notrom"
"$b" -netdev user,id=n0 -device e1000,netdev=n0,romfile="$T/notrom" >"$T/e2" 2>&1 && fail "a non-ROM romfile accepted"
has e2 "not a PCI option ROM"
"$b" -nic user,model=pcnet >"$T/e3" 2>&1 && fail "pcnet accepted"
has e3 "not implemented"
echo "cli ok"
