/* Hubs (QEMU's -netdev hubport / legacy vlans): a hub owns hub ports, each a
 * port whose peer is a backend or a NIC; a frame arriving on one hub port is
 * sent out of every other one (flooding, no learning, like QEMU's hub). */
#ifndef BAREMU_NET_HUB_H
#define BAREMU_NET_HUB_H

#include <stdint.h>

#include "net/port.h"

struct net_hub;

/* A new port on hub hubid (the hub is created on first use). id NULL gives
 * QEMU's generated name "hubNportM". Returns NULL on a duplicate id. */
struct net_port *net_hub_add_port(int hubid, const char *id);
/* The hub a port belongs to, or -1 when it is not a hub port. */
int net_hub_id_of(const struct net_port *p);
/* Iterates hubs in creation order: returns the next hub id after prev (-1 to start), or -1. */
int net_hub_next(int prev);
/* Iterates the ports of hub hubid (NULL to start). */
struct net_port *net_hub_next_port(int hubid, struct net_port *prev);
/* Frees every hub and hub port (end of run, tests). */
void net_hubs_destroy(void);

#endif
