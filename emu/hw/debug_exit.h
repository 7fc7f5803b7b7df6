/* isa-debug-exit: a write of V ends the emulator with status (V << 1) | 1. */
#ifndef BAREMU_EMU_HW_DEBUG_EXIT_H
#define BAREMU_EMU_HW_DEBUG_EXIT_H

#include <stdint.h>

#include "emu/io.h"

struct debug_exit;

/* on_exit(ctx, status) is called with QEMU's exit status (value << 1) | 1. */
struct debug_exit *debug_exit_create(struct io_bus *io, uint16_t base, uint16_t size,
                                     void (*on_exit)(void *ctx, int status), void *ctx);
void debug_exit_destroy(struct debug_exit *d);

#endif
