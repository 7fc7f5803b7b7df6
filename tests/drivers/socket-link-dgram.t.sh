# timeout: 200
# Nested datagram link on bare metal: the appliance's -netdev dgram (UDP over
# lwIP in kernel/net_host_lwip.c, through its DHCP uplink) to a hosted baremu
# on this host; frames cross byte-exact both ways
# (tests/drivers/socket-link.t.sh, LINK_MODE=dgram).
LINK_MODE=dgram . "$(dirname "$0")/socket-link.t.sh"
