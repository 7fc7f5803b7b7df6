/* The appliance's own network presence on a real NIC: an lwIP netif behind a
 * net_port (so it can be joined to a NIC driver's port, or share it with a
 * passthrough port), with a DHCP client or a static address and lwIP's DNS
 * resolver; plus two small services for tests and diagnostics: a TCP echo
 * server (RFC 862) and an ICMP echo client (RFC 792). */
#ifndef BAREMU_NET_UPLINK_H
#define BAREMU_NET_UPLINK_H

#include <stdint.h>

#include "net/port.h"

struct uplink_config {
    uint32_t ip, netmask, gw, dns;   /* host byte order; ip 0 = DHCP */
    int echo_port;                   /* TCP echo service port, 0 = off */
    uint32_t ping_ip;                /* ping this address once the address is up, 0 = no */
    int ping_count;
    const char *resolve[4];          /* look these names up once the address is up */
    int nresolve;
};

struct uplink;

/* Creates the uplink with this MAC; its port (id "uplink-NAME") is returned
 * through *port for the caller to connect to the NIC's port. lwip_init() must
 * have run. NULL on failure. */
struct uplink *uplink_create(const char *name, const uint8_t mac[6], const struct uplink_config *cfg,
                             struct net_port **port);
/* Whether the uplink has an address (DHCP bound or static). */
int uplink_is_up(const struct uplink *u);
uint32_t uplink_ip(const struct uplink *u);

/* "A.B.C.D[/LEN]" into host byte order; -1 when malformed. */
int uplink_parse_ip(const char *s, uint32_t *ip, int *prefix);

#endif
