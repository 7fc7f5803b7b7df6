/* The QEMU/Bochs debug console (port 0x402 by default; SeaBIOS logs there). */
#ifndef BAREMU_EMU_HW_DEBUGCON_H
#define BAREMU_EMU_HW_DEBUGCON_H

#include <stdint.h>

#include "emu/emu_host.h"
#include "emu/io.h"

struct debugcon;

struct debugcon *debugcon_create(struct io_bus *io, uint16_t port, struct chardev *chr);
void debugcon_destroy(struct debugcon *d);

#endif
