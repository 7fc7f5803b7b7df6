/* The socket backends (QEMU 7.2 net/socket.c, net/stream.c, net/dgram.c):
 *   -netdev stream,server=on|off,addr.type=inet|unix,addr.host=,addr.port=,addr.path=[,reconnect=S]
 *   -netdev socket,listen=[HOST]:PORT | connect=HOST:PORT      (stream framing)
 *   -netdev socket,mcast=MADDR:PORT[,localaddr=IP] | udp=HOST:PORT,localaddr=HOST:PORT
 *   -netdev dgram,remote.type=inet|unix,remote.*,local.type=inet|unix,local.*
 * Stream links carry QEMU's 4-byte length framing (net/framing.h); datagram
 * links one frame per datagram. */
#ifndef BAREMU_NET_SOCKETS_H
#define BAREMU_NET_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/qopts.h"
#include "net/net_host.h"
#include "net/port.h"

void net_sockets_register(void);

/* Stream link creation (stream.c), used by the "stream" and "socket" types. */
int net_stream_create(const char *id, const char *kind, bool server, const struct hsock_addr *a,
                      uint64_t reconnect_s, struct net_port **out, char *err, size_t errlen);
/* Datagram link creation (dgram.c): local may be NULL (ephemeral), remote
 * may be a multicast group (joined on mcast_if, 0 = any). */
int net_dgram_create(const char *id, const char *kind, const struct hsock_addr *local,
                     const struct hsock_addr *remote, uint32_t mcast_if, struct net_port **out,
                     char *err, size_t errlen);

/* "HOST:PORT" -> an inet address (host resolved; empty host = any). */
int net_inet_addr(const char *s, struct hsock_addr *a, char *err, size_t errlen);
/* A "prefix.type=inet|unix" address from keys prefix.host/port/path; returns
 * 0, 1 when no key with that prefix exists, -1 on error. */
int net_addr_keys(struct qopts *o, const char *prefix, struct hsock_addr *a, char *err,
                  size_t errlen);
/* Formats an address for messages. */
void net_addr_str(const struct hsock_addr *a, char *buf, size_t len);

#endif
