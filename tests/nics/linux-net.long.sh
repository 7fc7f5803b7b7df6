# timeout: 5400
# Real clients: Debian's i686 Linux (tools/guest/build.sh) boots in baremu
# with one emulated NIC on -netdev user; its own driver (e1000, 8139cp,
# 8139too with cplus=off, ne2k-pci) binds, gets a DHCP lease from the
# user-mode network, pings 10.0.2.2 and downloads a several-MB random file
# from a Python http.server on the host's loopback with a matching sha256
# (tests/nics/linux_net.py). NICS="e1000 rtl8139" picks NICs; BLOB_MB sets
# the file size (default 4). Long: each boot takes minutes.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd sha256sum
need_guest
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
mkdir -p "$T/www"
head -c $(( ${BLOB_MB:-4} * 1048576 )) /dev/urandom >"$T/www/blob"
sha=$(sha256sum "$T/www/blob" | cut -d' ' -f1)
port=$(free_port tcp)
bg_start python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" >"$T/http.log" 2>&1
wait_port "$port" 10 || fail "http.server did not listen on 127.0.0.1:$port"
declare -A device=([e1000]=e1000 [rtl8139]=rtl8139 [rtl8139-plain]=rtl8139,cplus=off
                   [ne2k_pci]=ne2k_pci [ne2k_isa]=ne2k_isa,iobase=0x300,irq=5)
declare -A driver=([e1000]='^e1000 ' [rtl8139]='^8139cp ' [rtl8139-plain]='^8139too '
                   [ne2k_pci]='^ne2k_pci ' [ne2k_isa]='^ne ')
declare -A append=([ne2k_isa]='baremu.ne=0x300,5')
for nic in ${NICS:-e1000 rtl8139 rtl8139-plain ne2k_pci}; do
    [ -n "${device[$nic]:-}" ] || fail "unknown NIC $nic (known: ${!device[*]})"
    python3 "$BAREMU_TOP/tests/nics/linux_net.py" "baremu-$nic" "$T/console-$nic.log" \
        "$port" "$sha" "${driver[$nic]}" 2400 -- \
        "$b" -m 256 -nographic -no-reboot \
        -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" \
        -append "console=ttyS0 ${append[$nic]:-}" \
        -netdev user,id=n0 -device "${device[$nic]},netdev=n0" ||
        { tail -n 40 "$T/console-$nic.log"; fail "$nic: guest network check failed (see above)"; }
done
echo "linux-net ok"
