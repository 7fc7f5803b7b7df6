# timeout: 5400
# Real clients: Debian's i686 Linux (tools/guest/build.sh) boots in baremu
# with one emulated NIC on -netdev user; its own driver (e1000, 8139cp,
# 8139too with cplus=off, ne2k-pci) binds, gets a DHCP lease from the
# user-mode network, pings 10.0.2.2 and downloads a several-MB random file
# from a Python http.server on the host's loopback with a matching sha256
# (tests/nics/linux_net.py). For e1000 and both RTL8139 drivers it then
# types "set_link nic0 off" / "on" on baremu's TCP monitor: the driver must
# drop the carrier (/sys/class/net/eth0/carrier 0, "link down" in dmesg) and
# bring it back, and ping answers again (the DP8390 has no link status).
# NICS="e1000 rtl8139" picks NICs (ne2k_isa is the ISA card at 0x300, IRQ 5
# with ne.ko's io=/irq= parameters); BLOB_MB sets the file size (default 4).
# Long: each boot takes minutes.
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
declare -A haslink=([e1000]=1 [rtl8139]=1 [rtl8139-plain]=1)
for nic in ${NICS:-e1000 rtl8139 rtl8139-plain ne2k_pci ne2k_isa}; do
    [ -n "${device[$nic]:-}" ] || fail "unknown NIC $nic (known: ${!device[*]})"
    mon=() monport=
    if [ -n "${haslink[$nic]:-}" ]; then
        monport=$(free_port tcp)
        mon=(-monitor "tcp:127.0.0.1:$monport,server,nowait")
    fi
    python3 "$BAREMU_TOP/tests/nics/linux_net.py" "baremu-$nic" "$T/console-$nic.log" \
        "$port" "$sha" "${driver[$nic]}" 2400 $monport -- \
        "$b" -m 256 -nographic -no-reboot "${mon[@]}" \
        -kernel "$GUEST/vmlinuz" -initrd "$GUEST/initrd.gz" \
        -append "console=ttyS0 ${append[$nic]:-}" \
        -netdev user,id=n0 -device "${device[$nic]},netdev=n0,id=nic0" ||
        { tail -n 40 "$T/console-$nic.log"; mkdir -p "$BAREMU_TOP/build/test-logs"
          cp "$T/console-$nic.log" "$BAREMU_TOP/build/test-logs/linux-net-console-$nic.log"; fail "$nic: guest network check failed (see above)"; }
done
echo "linux-net ok"
