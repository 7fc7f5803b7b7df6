/* Passthrough (QEMU's -netdev tap,ifname=NIC and -netdev bridge,br=NIC on the
 * appliance): guest ports bridged onto a real NIC, whose frames go raw to the
 * wire and back, while the appliance's own uplink keeps sharing that NIC. */
#ifndef BAREMU_NET_PASSTHROUGH_H
#define BAREMU_NET_PASSTHROUGH_H

#include <stdint.h>

/* What the platform provides: the port id of a real NIC named by the user
 * ("eth0" or its MAC; NULL when none), and its promiscuous mode switch. */
struct passthrough_platform {
    const char *(*resolve)(const char *name_or_mac);
    void (*set_promisc)(const char *nic_port_id, int on);
    /* The NIC's MAC, which the uplink sharing it also uses. 0 or -1. */
    int (*mac_of)(const char *nic_port_id, uint8_t mac[6]);
};

/* Registers the "tap" and "bridge" backend types with the netdev layer. */
void passthrough_register_backends(const struct passthrough_platform *plat);

#endif
