/* Self-test of the PCI driver API against QEMU's edu device (kernel/pcitest.c). */
#ifndef BAREMU_KERNEL_PCITEST_H
#define BAREMU_KERNEL_PCITEST_H

/* Does nothing unless a 1234:11e8 device is present; logs one result line. */
void pcitest_edu(void);

#endif
