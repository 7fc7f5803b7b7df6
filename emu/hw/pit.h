/* The 8254 programmable interval timer (ports 0x40-0x43; channel 0 on IRQ0,
 * channel 2 gated by and read back through port 0x61, the AT's system control
 * port B, which this device also implements). */
#ifndef BAREMU_EMU_HW_PIT_H
#define BAREMU_EMU_HW_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/io.h"
#include "emu/irq.h"
#include "emu/vclock.h"

#define PIT_HZ 1193182u

struct pit;

struct pit *pit_create(struct io_bus *io, const struct vclock *clock, struct irq_line irq0);
void pit_destroy(struct pit *p);
void pit_reset(struct pit *p);
/* Raises IRQ0 for channel 0 periods that ended by now; returns the vclock ns
 * of the next edge, or VCLOCK_NEVER. */
uint64_t pit_poll(struct pit *p);
/* Lets channel 0 ask whether its last IRQ0 edge is still unacknowledged
 * (latched in the PIC's IRR): a period owed after a host stall is delivered
 * only once the previous one was taken, so edges are not merged. */
void pit_set_irq0_pending(struct pit *p, bool (*pending)(void *opaque), void *opaque);
/* The current count of a channel (for tests and the monitor). */
uint16_t pit_count(struct pit *p, int channel);
/* The OUT pin of a channel now. */
bool pit_out(struct pit *p, int channel);

#endif
