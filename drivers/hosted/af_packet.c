/* Hosted stand-in for passthrough to a real NIC: a raw AF_PACKET socket
 * bound to a named interface (packet(7)), promiscuous, without our own
 * transmitted frames (PACKET_IGNORE_OUTGOING). Reached as -netdev
 * bridge,br=IFACE, the appliance's syntax for "this real NIC". */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drivers/hosted/hostnic.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

int hostnic_packet_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen)
{
    const char *name = qopts_get(o, "br");
    qopts_get(o, "helper");
    if (!name) {
        snprintf(err, errlen, "parameter 'br' is missing (a network interface)");
        return -1;
    }
    unsigned idx = if_nametoindex(name);
    if (!idx) {
        snprintf(err, errlen, "br=%s: no such interface", name);
        return -1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (fd < 0) {
        snprintf(err, errlen, "AF_PACKET socket: %s (needs CAP_NET_RAW)", strerror(errno));
        return -1;
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)idx;
    struct packet_mreq mr;
    memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = (int)idx;
    mr.mr_type = PACKET_MR_PROMISC;
    int one = 1;
    if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
        setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
        snprintf(err, errlen, "br=%s: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    char desc[64];
    snprintf(desc, sizeof(desc), "af_packet br=%s", name);
    return hostnic_create(fd, id, "bridge", desc, out, err, errlen);
}
