# timeout: 300
# ICMP echo from the guest to an outside address is forwarded through the
# uplink's ICMP ("ping") sockets: the Debian guest in qemu-system-i386 and
# baremu run in a network namespace this test creates, where 192.0.2.1 is a
# local address and net.ipv4.ping_group_range admits the test; ping
# 192.0.2.1 from the guest is answered, ping 192.0.2.77 (unroutable) is not
# but becomes net unreachable (counted by `info network`), and a DNS query to
# a closed port of 192.0.2.1 gets port unreachable ("Connection refused");
# with a veth pair (198.51.100.1/24 on one end, nothing behind it) an echo
# to 198.51.100.9 gets the uplink's later host unreachable relayed.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd qemu-system-i386 python3 unshare ip
need_guest
BAREMU=${BAREMU:-$BAREMU_TOP/build/hosted-asan/baremu}
unshare -n true 2>/dev/null || skip "cannot create a network namespace here (unshare -n)"
mkdir -p "$T/icmp"
unshare -n bash -c '
    ip link set lo up && ip addr add 192.0.2.1/32 dev lo &&
    echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range &&
    if ip link add v0 type veth peer name v1 2>/dev/null; then
        ip link set v0 up && ip link set v1 up && ip addr add 198.51.100.1/24 dev v0 && export ICMP_VETH=1
    fi &&
    python3 "$BAREMU_TOP/tests/usernet/guest_check.py" "$1/icmp" "$2" icmp
' _ "$T" "$BAREMU" || {
    echo "--- baremu log"; tail -n 20 "$T/icmp/baremu.log"
    echo "--- console"; tail -n 20 "$T/icmp/console.log"
    fail "ICMP echo forwarding or error relaying through baremu's user-mode network failed"
}
echo "icmp forwarding ok"
