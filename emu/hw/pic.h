/* The PC's two cascaded 8259A programmable interrupt controllers (master at
 * 0x20, slave at 0xA0 on the master's IR2) plus the PIIX3 ELCR edge/level
 * registers at 0x4D0/0x4D1 (Intel 82371SB datasheet 4.1.8). */
#ifndef BAREMU_EMU_HW_PIC_H
#define BAREMU_EMU_HW_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/io.h"
#include "emu/irq.h"

struct pic;

/* intr is the CPU's INTR input (level: an unmasked request is pending). */
struct pic *pic_create(struct io_bus *io, struct irq_line intr);
void pic_destroy(struct pic *p);
void pic_reset(struct pic *p);
/* Sets the level of ISA IRQ 0..15 (an irq_line set function: pass the pic as
 * controller). */
void pic_set_irq(void *pic, int irq, int level);
/* The CPU's interrupt acknowledge cycle: the vector of the highest-priority
 * pending request (the spurious IRQ7/IRQ15 vector when none is left). */
uint8_t pic_ack(struct pic *p);
/* Whether ISA IRQ irq (0..15) is latched in its chip's IRR, i.e. requested
 * and not yet acknowledged by the CPU. */
bool pic_irq_requested(const struct pic *p, int irq);
/* Whether INTR is asserted. */
bool pic_intr(const struct pic *p);
/* A line to ISA IRQ irq of this PIC pair. */
struct irq_line pic_irq_line(struct pic *p, int irq);

#endif
