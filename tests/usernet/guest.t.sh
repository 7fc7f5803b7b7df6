# timeout: 500
# -netdev user end to end with the Debian i386 guest in qemu-system-i386 linked
# to a hosted baremu -machine none: DHCP, ping, DNS through the proxy to a
# test dnsmasq, TFTP with blksize, wget with checksum, hostfwd; then the same
# with restrict=on (download refused, hostfwd works). See guest_check.py.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 dnsmasq python3
need_guest
BAREMU=${BAREMU:-$BAREMU_TOP/build/hosted-asan/baremu}
for mode in open restrict; do
    mkdir -p "$T/$mode"
    if ! python3 "$BAREMU_TOP/tests/usernet/guest_check.py" "$T/$mode" "$BAREMU" "$mode"; then
        echo "--- baremu log ($mode)"; tail -n 20 "$T/$mode/baremu.log"
        echo "--- console ($mode)"; tail -n 20 "$T/$mode/console.log"
        fail "$mode: the user-mode network check failed"
    fi
done
echo "usernet guest ok"
