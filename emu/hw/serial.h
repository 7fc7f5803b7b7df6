/* A 16550A UART (COM1 at 0x3F8/IRQ4, COM2 at 0x2F8/IRQ3) connected to a host
 * character device. */
#ifndef BAREMU_EMU_HW_SERIAL_H
#define BAREMU_EMU_HW_SERIAL_H

#include <stdint.h>

#include "emu/emu_host.h"
#include "emu/io.h"
#include "emu/irq.h"

struct serial;

/* chr may be NULL (a port with nothing attached: output dropped). */
struct serial *serial_create(struct io_bus *io, uint16_t base, struct irq_line irq,
                             struct chardev *chr, const char *name);
void serial_destroy(struct serial *s);
void serial_reset(struct serial *s);
/* Pulls waiting input from the character device into the receive FIFO. */
void serial_poll(struct serial *s);
/* Puts bytes into the receive FIFO as if they had arrived on the line
 * (returns how many fitted). */
unsigned serial_receive(struct serial *s, const uint8_t *buf, unsigned len);

#endif
