# timeout: 60
# A real qemu-system-i386 (7.2) and baremu on one multicast group through
# -netdev dgram,remote.host=230.0.0.1 (qemu_peer.py dgram-mcast). QEMU's dgram
# has no localaddr, so the group is joined on the default interface: the
# test runs inside a private user+network namespace whose only interface is
# lo, with 224.0.0.0/4 routed to it; nothing can leave the machine.
set -u
command -v qemu-system-i386 >/dev/null || { echo "qemu-system-i386 is not installed"; exit 77; }
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
unshare -rn true 2>/dev/null || { echo "cannot create a user+network namespace (unshare -rn)"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
unshare -rn sh -c 'ip link set lo up && ip route add 224.0.0.0/4 dev lo &&
    exec python3 "$BAREMU_TOP/tests/net/qemu_peer.py" "$1" dgram-mcast' sh "$tmp"; rc=$?
[ $rc = 0 ] || for f in "$tmp"/*.log; do echo "--- $f"; tail -n 20 "$f"; done
exit $rc
