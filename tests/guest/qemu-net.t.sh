# timeout: 600
# The reference guest network path, with QEMU as the peer: for each emulated
# NIC (e1000, rtl8139, ne2k_pci, and ISA ne2k_isa at 0x300/IRQ 5, since IRQ 9
# is the ACPI SCI on a PIIX board) on `-netdev user`, the test guest's driver
# binds, udhcpc leases 10.0.2.15, ping 10.0.2.2 answers, and wget downloads a
# 1 MiB file from a Python http.server on 127.0.0.1 (10.0.2.2:PORT in the
# guest) with a matching sha256 (tests/guest/net_check.py), and the same file
# over TCP over IPv6 from a second http.server on [::1] ([fec0::2]:PORT6 in
# the guest). NICS="e1000 pcnet" in the environment picks the NICs.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 sha256sum
need_guest

mkdir -p "$T/www"
head -c 1048576 /dev/urandom >"$T/www/blob"
sha=$(sha256sum "$T/www/blob" | cut -d' ' -f1)
port=$(free_port tcp)
bg_start python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >"$T/http.log" 2>&1
wait_port "$port" 10 || fail "http.server did not listen on 127.0.0.1:$port"
port6=$(free_port tcp)
bg_start python3 -m http.server --bind ::1 --directory "$T/www" "$port6" >"$T/http6.log" 2>&1
python3 -c 'import socket,sys,time
for i in range(100):
    try: socket.create_connection(("::1", int(sys.argv[1])), 1).close(); sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit(1)' "$port6" || fail "http.server did not listen on [::1]:$port6"

# Per NIC: the QEMU device, the module that must bind, extra kernel options.
declare -A device=([e1000]=e1000 [rtl8139]=rtl8139 [ne2k_pci]=ne2k_pci
                   [ne2k_isa]=ne2k_isa,iobase=0x300,irq=5 [pcnet]=pcnet)
declare -A driver=([e1000]='^e1000 ' [rtl8139]='^8139(cp|too) ' [ne2k_pci]='^ne2k_pci '
                   [ne2k_isa]='^ne ' [pcnet]='^pcnet32 ')
declare -A append=([ne2k_isa]='baremu.ne=0x300,5')
for nic in ${NICS:-e1000 rtl8139 ne2k_pci ne2k_isa}; do
    [ -n "${device[$nic]:-}" ] || fail "unknown NIC $nic in NICS (known: ${!device[*]})"
    PORT6=$port6 python3 "$BAREMU_TOP/tests/guest/net_check.py" "qemu-$nic" "$T/console-$nic.log" \
        "$port" "$sha" "${driver[$nic]}" -- \
        qemu-system-i386 -accel tcg -m 256 -nographic -no-reboot \
        -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" \
        -append "console=ttyS0,115200 ${append[$nic]:-}" \
        -netdev user,id=n0 -device "${device[$nic]},netdev=n0" ||
        fail "$nic: guest network check failed (see above)"
done
echo "qemu-net ok"
