/* Port 0x92, PS/2 system control port A (IBM PS/2 hardware technical
 * reference; also in the PIIX3 as "port 92"): bit 1 gates A20, writing bit 0
 * as 1 pulses the CPU's INIT (a fast reset). */
#include "emu/hw/port92.h"

#include <stdlib.h>

struct port92 {
    uint8_t value;
    void (*set_a20)(void *ctx, bool on);
    void (*reset)(void *ctx);
    void *ctx;
};

static uint32_t p92_read(void *opaque, uint16_t port, unsigned size)
{
    struct port92 *p = opaque;
    return p->value;
}

static void p92_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct port92 *p = opaque;
    uint8_t v = (uint8_t)value;
    uint8_t old = p->value;
    p->value = v & 0x02;  /* bit 0 reads back as 0 after the reset pulse */
    if ((v ^ old) & 0x02)
        p->set_a20(p->ctx, v & 0x02);
    if ((v & 1) && !(old & 1))
        p->reset(p->ctx);
}

static const struct io_ops p92_ops = {p92_read, p92_write};

void port92_reset(struct port92 *p)
{
    p->value = 0;
}

struct port92 *port92_create(struct io_bus *io, void (*set_a20)(void *ctx, bool on),
                             void (*reset)(void *ctx), void *ctx)
{
    struct port92 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->set_a20 = set_a20;
    p->reset = reset;
    p->ctx = ctx;
    io_register(io, 0x92, 1, &p92_ops, p, "port92");
    return p;
}

void port92_destroy(struct port92 *p)
{
    free(p);
}
