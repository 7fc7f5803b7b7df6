/* The NE2000 on the ISA bus (QEMU's ne2k_isa / isa-ne2000): the DP8390 core
 * and NE2000 ports of ne2000.c at a fixed I/O base (default 0x300, 32 ports)
 * on an ISA IRQ (default 9). ISA IRQs are edge-triggered at the 8259: the
 * level changes of the interrupt output are the edges. */
#include <stdlib.h>
#include <stdio.h>

#include "emu/hw/ne2000.h"
#include "emu/io.h"

struct ne2k_isa {
    struct ne2000 core;   /* first: the struct nic is at offset 0 */
    uint16_t base;
    int irq;
    int level;
};

static uint32_t pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct ne2k_isa *d = opaque;
    return ne2000_io_read(&d->core, (unsigned)(port - d->base), size);
}

static void pio_write(void *opaque, uint16_t port, uint32_t v, unsigned size)
{
    struct ne2k_isa *d = opaque;
    ne2000_io_write(&d->core, (unsigned)(port - d->base), v, size);
}

static const struct io_ops ne_isa_io = {pio_read, pio_write};

static void set_irq(struct ne2000 *s, int level)
{
    struct ne2k_isa *d = s->front;
    if (level == d->level)
        return;
    d->level = level;
    if (s->env.isa_irq)
        s->env.isa_irq(s->env.ctx, d->irq, level);
}

static void reset(struct nic *n)
{
    ne2000_power_on((struct ne2000 *)n);
}

static void destroy(struct nic *n)
{
    struct ne2k_isa *d = (struct ne2k_isa *)n;
    io_unregister(d->core.env.io, d->base, NE2000_IO_SIZE);
    free(n);
}

struct nic *ne2k_isa_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                            uint16_t iobase, int irq, char *err, size_t errlen)
{
    struct ne2k_isa *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "ne2k_isa: out of memory");
        return NULL;
    }
    d->base = iobase;
    d->irq = irq;
    d->core.front = d;
    d->core.set_irq = set_irq;
    d->core.nic.reset = reset;
    d->core.nic.destroy = destroy;
    if (ne2000_init(&d->core, env, id, mac, "ne2k_isa", err, errlen) < 0) {
        free(d);
        return NULL;
    }
    if (io_register(env->io, iobase, NE2000_IO_SIZE, &ne_isa_io, d, "ne2k_isa") < 0) {
        net_port_unregister(&d->core.nic.port);
        snprintf(err, errlen, "ne2k_isa: cannot claim ports %#x-%#x", iobase, iobase + NE2000_IO_SIZE - 1);
        free(d);
        return NULL;
    }
    ne2000_reset(&d->core);
    return &d->core.nic;
}
