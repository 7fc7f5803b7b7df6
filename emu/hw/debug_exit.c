/* isa-debug-exit: QEMU's test device; a write of V to its ports ends the
 * emulator with exit status (V << 1) | 1, so a guest's success is never 0. */
#include "emu/hw/debug_exit.h"

#include <stdlib.h>

struct debug_exit {
    void (*on_exit)(void *ctx, int status);
    void *ctx;
};

static void de_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct debug_exit *d = opaque;
    /* Exit statuses are 8 bits: QEMU's exit((V << 1) | 1) is truncated too. */
    d->on_exit(d->ctx, (int)(((value << 1) | 1) & 0xff));
}

static const struct io_ops de_ops = {NULL, de_write};

struct debug_exit *debug_exit_create(struct io_bus *io, uint16_t base, uint16_t size,
                                     void (*on_exit)(void *ctx, int status), void *ctx)
{
    if (size == 0 || base + (uint32_t)size > 65536u)
        return NULL;
    struct debug_exit *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->on_exit = on_exit;
    d->ctx = ctx;
    io_register(io, base, size, &de_ops, d, "isa-debug-exit");
    return d;
}

void debug_exit_destroy(struct debug_exit *d)
{
    free(d);
}
