/* The PIIX3 ISA bridge function; follows the Intel 82371FB/SB datasheet,
 * 2.2.10 PIRQRC[A:D] (0x60-0x63: bit 7 disables routing, bits 3:0 the ISA
 * IRQ) and 4.1.7 the reset control register (0xCF9: bit 2 RST_CPU). PCI
 * interrupts are level-triggered and shared: an ISA IRQ is asserted while any
 * PIRQ routed to it is. */
#include "emu/hw/piix3.h"

#include <stdlib.h>
#include <string.h>

#define PIRQRC 0x60

struct piix3 {
    struct pci_device dev;
    struct pic *pic;
    int pirq_count[4];      /* devices asserting each PIRQ */
    uint16_t isa_asserted;  /* ISA IRQs this bridge drives high */
    uint8_t rcr;
    void (*reset)(void *ctx);
    void *ctx;
};

int piix3_slot_pirq(int slot, int pin)
{
    return (pin + slot - 1) & 3;
}

/* Recomputes the level of every ISA IRQ from the PIRQs routed to it. */
static void update(struct piix3 *p)
{
    uint16_t want = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t r = p->dev.config[PIRQRC + i];
        unsigned irq = r & 15;
        /* IRQ 0-2, 8 and 13 are reserved values in the datasheet. */
        if (!(r & 0x80) && p->pirq_count[i] && irq > 2 && irq != 8 && irq != 13)
            want |= (uint16_t)(1u << irq);
    }
    uint16_t changed = want ^ p->isa_asserted;
    p->isa_asserted = want;
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            pic_set_irq(p->pic, irq, (want >> irq) & 1);
}

static void route(void *ctx, uint8_t devfn, int pin, int level)
{
    struct piix3 *p = ctx;
    int pirq = piix3_slot_pirq(devfn >> 3, pin);
    p->pirq_count[pirq] += level ? 1 : -1;
    if (p->pirq_count[pirq] < 0)
        p->pirq_count[pirq] = 0;
    update(p);
}

static void written(struct pci_device *d, unsigned off, unsigned size)
{
    if (off < PIRQRC + 4 && off + size > PIRQRC)
        update(d->opaque);
}

static uint32_t rcr_read(void *opaque, uint16_t port, unsigned size)
{
    struct piix3 *p = opaque;
    return p->rcr;
}

static void rcr_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct piix3 *p = opaque;
    uint8_t v = (uint8_t)value;
    /* A 0->1 transition of RST_CPU starts the reset (SYS_RST picks hard or
     * soft; both restart the machine here). */
    bool go = (v & 4) && !(p->rcr & 4);
    p->rcr = v & 0x02;
    if (go)
        p->reset(p->ctx);
}

static const struct io_ops rcr_ops = {rcr_read, rcr_write};

void piix3_reset(struct piix3 *p)
{
    for (int i = 0; i < 4; i++)
        p->dev.config[PIRQRC + i] = 0x80;
    p->rcr = 0;
    update(p);
}

struct piix3 *piix3_create(struct pci_bus *bus, struct io_bus *io, struct pic *pic,
                           void (*reset)(void *ctx), void *ctx)
{
    struct piix3 *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->pic = pic;
    p->reset = reset;
    p->ctx = ctx;
    pci_device_init(&p->dev, "piix3", 0x8086, 0x7000, 0x060100, 0x00);
    p->dev.config[PCI_HEADER_TYPE] = 0x80;  /* multi-function: IDE, ACPI follow */
    for (int i = 0; i < 4; i++)
        p->dev.wmask[PIRQRC + i] = 0x8f;
    /* Other ISA bridge registers (TOM, MBDMA, APIC base ...) are accepted as
     * plain storage: firmware writes them, nothing here depends on them. */
    for (int i = 0x4c; i < 0xb0; i++)
        if (i < PIRQRC || i >= PIRQRC + 4)
            p->dev.wmask[i] = 0xff;
    p->dev.config_written = written;
    p->dev.opaque = p;
    if (pci_register(bus, &p->dev, PCI_DEVFN(1, 0)) < 0) {
        free(p);
        return NULL;
    }
    pci_bus_set_router(bus, route, p);
    io_register(io, 0xcf9, 1, &rcr_ops, p, "piix3-rcr");
    piix3_reset(p);
    return p;
}

void piix3_destroy(struct piix3 *p)
{
    free(p);
}
