/* The netdev registry and the option -> object mapping of QEMU's network
 * options. Backend types register a constructor by name
 * (net_backend_register("user", ctor)); NIC models register theirs
 * (net_nic_register_model("e1000", ctor)); net_configure() turns -netdev,
 * -net, -nic, -device NIC and -object filter-dump into ports, hubs and links.
 *
 * Mapping (as QEMU 7.2, docs/system/invocation "Network options"):
 *   -netdev TYPE,id=ID,...          backend port named ID, no peer yet
 *   -netdev hubport,id=ID,hubid=N[,netdev=B]  port ID on hub N (peer B)
 *   -net TYPE[,vlan=N][,name=ID]    backend peered with a new port of hub N (0)
 *   -net nic[,vlan=N][,model=M][,macaddr=MAC][,netdev=B]  NIC on hub N (or peer B)
 *   -nic TYPE[,model=M][,mac=MAC][,...]  backend "__org.qemu.nicK" + NIC peers
 *   -device MODEL,netdev=B[,mac=MAC][,id=ID]  NIC peered with backend B
 */
#ifndef BAREMU_NET_NETDEV_H
#define BAREMU_NET_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/qopts.h"
#include "net/port.h"

struct options;

/* A backend constructor: reads its keys from o (the getters mark them used;
 * net_configure reports any key left over), creates and registers a port
 * named id and returns it in *out. Returns 0, or -1 with a message in err
 * (without the option prefix; the caller adds "-netdev TYPE,id=ID: "). */
typedef int (*net_backend_ctor)(struct qopts *o, const char *id, struct net_port **out,
                                char *err, size_t errlen);
int net_backend_register(const char *type, net_backend_ctor ctor);
bool net_backend_known(const char *type);

/* What a NIC model gets from -device / -net nic / -nic. */
struct net_nic_conf {
    const char *model;       /* "e1000" */
    const char *id;          /* the port id to register the NIC under */
    uint8_t mac[6];          /* given, or QEMU's default 52:54:00:12:34:56 + n */
    struct net_port *peer;   /* the backend or hub port, NULL when unconnected */
    struct qopts *props;     /* further keys (-device only; mark what you use) */
};
/* A NIC model constructor: creates the device, registers its port with
 * c->id and calls net_nic_attach(port, c). */
typedef int (*net_nic_ctor)(const struct net_nic_conf *c, char *err, size_t errlen);
int net_nic_register_model(const char *model, net_nic_ctor ctor);
/* Connects a NIC's port to its peer (no-op without one). */
int net_nic_attach(struct net_port *nic, const struct net_nic_conf *c);
/* The model used when -net nic / -nic name none (set by the machine). */
void net_nic_set_default_model(const char *model);

/* "52:54:00:12:34:56" -> bytes; -1 when malformed. */
int net_parse_mac(const char *s, uint8_t mac[6]);
/* QEMU's default MACs: 52:54:00:12:34:56, then +1 in the last byte per NIC. */
void net_next_default_mac(uint8_t mac[6]);

/* Registers the built-in backend types (stream, socket, dgram, hubport). */
void net_register_builtin_backends(void);

/* Builds the network from the options. Errors name the offending option.
 * Returns 0 or -1. Takes -netdev, -net, -nic, -object filter-dump, and the
 * -device options whose driver is a NIC model (others are left for the machine). */
int net_configure(struct options *opts, char *err, size_t errlen);
/* Closes every link and frees the network (end of run). */
void net_shutdown(void);

/* Splits "host:port" (host may be empty) for backends; -1 when malformed. */
int net_parse_host_port(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
