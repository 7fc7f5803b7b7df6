/* Bare-metal network bring-up (kernel/net_boot.c): NIC probe and the uplink. */
#ifndef BAREMU_KERNEL_NET_BOOT_H
#define BAREMU_KERNEL_NET_BOOT_H

#include "config/options.h"

/* After PCI enumeration and reading the config; -1 on a config error. */
int net_boot(struct options *o);

#endif
