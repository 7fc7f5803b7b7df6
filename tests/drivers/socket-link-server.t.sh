# timeout: 200
# Nested socket link, listening side on bare metal: the appliance's -netdev
# stream,server=on (lwIP tcp_listen in kernel/net_host_lwip.c) accepts the
# hosted baremu's connection through the outer hostfwd; frames cross
# byte-exact both ways (tests/drivers/socket-link.t.sh, LINK_MODE=server).
LINK_MODE=server . "$(dirname "$0")/socket-link.t.sh"
