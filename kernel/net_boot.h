/* Bare-metal network bring-up (kernel/net_boot.c): NIC probe and the uplink. */
#ifndef BAREMU_KERNEL_NET_BOOT_H
#define BAREMU_KERNEL_NET_BOOT_H

#include "config/options.h"

#include <stddef.h>

/* After PCI enumeration, reading the config and creating the guest machine
 * (its NIC models); -1 with a message in err on a config error. */
int net_boot(struct options *o, char *err, size_t errlen);

#endif
