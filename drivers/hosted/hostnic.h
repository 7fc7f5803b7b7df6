/* Hosted stand-ins for the appliance's real NICs: a Linux TAP device
 * (-netdev tap,ifname=NAME, tap.c) and raw AF_PACKET access to a named
 * interface (-netdev bridge,br=IFACE, af_packet.c), each a net_port over a
 * descriptor serviced by the hosted event loop (hostnic.c). */
#ifndef BAREMU_DRIVERS_HOSTED_HOSTNIC_H
#define BAREMU_DRIVERS_HOSTED_HOSTNIC_H

#include <stddef.h>

#include "config/qopts.h"
#include "net/port.h"

/* A port named id over fd, which carries one Ethernet frame per read/write.
 * Takes the descriptor (closed with the port). 0 or -1 with err. */
int hostnic_create(int fd, const char *id, const char *kind, const char *desc, struct net_port **out,
                   char *err, size_t errlen);

/* The backend constructors (tap.c, af_packet.c). */
int hostnic_tap_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen);
int hostnic_packet_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen);

/* Registers "tap" and "bridge" with the netdev layer (hosted main). */
void hostnic_register_backends(void);

#endif
