/* The 8042 keyboard controller with a PS/2 keyboard and a PS/2 mouse
 * (ports 0x60/0x64, IRQ 1 and IRQ 12), including the output-port A20 gate
 * and the pulse-reset line the PC wires to it. */
#ifndef BAREMU_EMU_HW_I8042_H
#define BAREMU_EMU_HW_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/io.h"
#include "emu/irq.h"

struct i8042;

/* set_a20(ctx, on) follows output port bit 1; reset(ctx) is the CPU reset
 * line (output port bit 0 pulsed low, command 0xFE). */
struct i8042 *i8042_create(struct io_bus *io, struct irq_line kbd_irq, struct irq_line mouse_irq,
                           void (*set_a20)(void *ctx, bool on), void (*reset)(void *ctx), void *ctx);
void i8042_destroy(struct i8042 *k);
void i8042_reset(struct i8042 *k);

/* A key from the host as its scan code set 1 make code (0x01-0x7f; 0xE0-
 * prefixed keys as 0xE000 | code), pressed or released. The keyboard sends
 * it in the code set the guest selected (set 1 as is; set 2 through the
 * controller's translation, which PC firmware and OSes leave on). */
void i8042_key(struct i8042 *k, uint16_t code, bool down);
/* Mouse motion (dx right, dy up, in counts) and buttons (bit 0 left, 1
 * right, 2 middle), queued as a standard 3-byte packet when reporting is on. */
void i8042_mouse(struct i8042 *k, int dx, int dy, unsigned buttons);

#endif
