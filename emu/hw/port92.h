/* Port 0x92 (PS/2 system control port A): fast A20 gate and fast reset. */
#ifndef BAREMU_EMU_HW_PORT92_H
#define BAREMU_EMU_HW_PORT92_H

#include <stdbool.h>

#include "emu/io.h"

struct port92;

/* set_a20(ctx, on) and reset(ctx) reach the CPU through the machine. */
struct port92 *port92_create(struct io_bus *io, void (*set_a20)(void *ctx, bool on),
                             void (*reset)(void *ctx), void *ctx);
void port92_destroy(struct port92 *p);
void port92_reset(struct port92 *p);

#endif
