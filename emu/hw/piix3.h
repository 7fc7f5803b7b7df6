/* The Intel 82371SB PIIX3 PCI-to-ISA bridge (PCI 00:01.0): PCI interrupt
 * routing (PIRQA-D to ISA IRQs) and the reset control register at 0xCF9. */
#ifndef BAREMU_EMU_HW_PIIX3_H
#define BAREMU_EMU_HW_PIIX3_H

#include "emu/hw/pci.h"
#include "emu/hw/pic.h"

struct piix3;

/* reset(ctx) is called when the guest requests a hard reset through 0xCF9. */
struct piix3 *piix3_create(struct pci_bus *bus, struct io_bus *io, struct pic *pic,
                           void (*reset)(void *ctx), void *ctx);
void piix3_destroy(struct piix3 *p);
void piix3_reset(struct piix3 *p);
/* The PIRQ (0 = A) that INTx pin (0 = INTA) of a device in slot raises; the
 * same swizzle SeaBIOS assumes when it programs the router. */
int piix3_slot_pirq(int slot, int pin);

#endif
