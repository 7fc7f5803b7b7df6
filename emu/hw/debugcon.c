/* The debug console (QEMU's isa-debugcon, Bochs's port 0xE9 hack: each byte
 * written is output, a read returns 0xE9 so software can detect it). */
#include "emu/hw/debugcon.h"

#include <stdlib.h>

struct debugcon {
    struct chardev *chr;
};

static uint32_t dc_read(void *opaque, uint16_t port, unsigned size)
{
    return 0xe9;
}

static void dc_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct debugcon *d = opaque;
    uint8_t b = (uint8_t)value;
    chardev_write(d->chr, &b, 1);
}

static const struct io_ops dc_ops = {dc_read, dc_write};

struct debugcon *debugcon_create(struct io_bus *io, uint16_t port, struct chardev *chr)
{
    struct debugcon *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->chr = chr;
    io_register(io, port, 1, &dc_ops, d, "debugcon");
    return d;
}

void debugcon_destroy(struct debugcon *d)
{
    free(d);
}
