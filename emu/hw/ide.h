/* The PIIX3 IDE function (PCI 00:01.1, 8086:7010) in legacy mode: two ATA
 * channels at 0x1F0/0x3F6 (IRQ14) and 0x170/0x376 (IRQ15), each with up to
 * two devices: ATA disks (LBA28/LBA48, PIO and bus master DMA) and ATAPI
 * CD-ROMs (ISO images), and the bus master registers at BAR4. */
#ifndef BAREMU_EMU_HW_IDE_H
#define BAREMU_EMU_HW_IDE_H

#include <stdbool.h>

#include "emu/emu_host.h"
#include "emu/hw/pci.h"
#include "emu/irq.h"
#include "emu/memory.h"

struct ide;

/* bus may be NULL (an ISA-only controller for tests); mem is what bus
 * master DMA reaches (NULL: no BAR4, DMA commands abort). */
struct ide *ide_create(struct pci_bus *bus, struct io_bus *io, struct guest_memory *mem,
                       struct irq_line irq14, struct irq_line irq15);
void ide_destroy(struct ide *d);
void ide_reset(struct ide *d);
/* Attaches an image as device unit (0 primary master .. 3 secondary slave).
 * The IDE model does not own blk. Returns -1 if the unit is taken. */
int ide_attach(struct ide *d, int unit, struct blockdev *blk, bool cdrom);

#endif
