/* The cascaded 8259A pair; follows the Intel 8259A datasheet (ICW1-4, OCW1-3,
 * priority rotation, special mask, poll) and the 82371SB ELCR (4.1.8). */
#include "emu/hw/pic.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"

struct pic_chip {
    uint8_t irr, isr, imr;
    uint8_t level;        /* current input levels, for edge detection */
    uint8_t elcr;         /* 1 = level-triggered input */
    uint8_t elcr_mask;    /* which ELCR bits exist (IRQ0-2, 8, 13 are edge only) */
    uint8_t base;         /* ICW2 vector base */
    uint8_t lowest;       /* priority rotation: the IR with the lowest priority */
    uint8_t init_step;    /* 0 = operational, else the ICW expected next (2..4) */
    bool icw4_needed, single, ltim;
    bool read_isr, poll, special_mask, auto_eoi, rotate_aeoi, sfnm;
};

struct pic {
    struct pic_chip c[2];
    struct irq_line intr;
    bool intr_level;
};

/* The highest-priority IR set in bits, or -1; priority starts after 'lowest'. */
static int highest(const struct pic_chip *c, uint8_t bits)
{
    if (!bits)
        return -1;
    for (int i = 1; i <= 8; i++) {
        int ir = (c->lowest + i) & 7;
        if (bits & (1u << ir))
            return ir;
    }
    return -1;
}

/* The IR that this chip would present now, or -1 (datasheet: a request is
 * served only when its priority beats every in-service level, except in
 * special mask mode where masked-in-service levels do not block). */
static int pending(const struct pic_chip *c, bool master)
{
    int req = highest(c, c->irr & ~c->imr);
    if (req < 0)
        return -1;
    uint8_t isr = c->isr;
    if (c->special_mask)
        isr &= ~c->imr;
    /* Special fully nested mode: the slave's own in-service level does not
     * block a higher request from the slave. */
    if (master && c->sfnm)
        isr &= ~(1u << 2);
    int cur = highest(c, isr);
    if (cur < 0)
        return req;
    /* Compare priorities relative to the rotation point. */
    int preq = (req - c->lowest - 1) & 7, pcur = (cur - c->lowest - 1) & 7;
    return preq < pcur ? req : -1;
}

static void update(struct pic *p)
{
    /* The slave's INT output drives the master's IR2; it is treated as a
     * level so a slave request still pending after an acknowledge is seen. */
    bool slave_int = !p->c[0].single && pending(&p->c[1], false) >= 0;
    struct pic_chip *m = &p->c[0];
    if (slave_int)
        m->irr |= 1u << 2;
    else
        m->irr &= ~(1u << 2);
    bool out = pending(m, true) >= 0;
    if (out != p->intr_level) {
        p->intr_level = out;
        irq_set(&p->intr, out);
    }
}

static void chip_input(struct pic_chip *c, int ir, int level)
{
    uint8_t bit = 1u << ir;
    if (c->elcr & bit) {
        /* Level-triggered: IRR follows the input. */
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !(c->level & bit)) {
        c->irr |= bit;  /* rising edge */
    }
    if (level)
        c->level |= bit;
    else
        c->level &= ~bit;
}

void pic_set_irq(void *opaque, int irq, int level)
{
    struct pic *p = opaque;
    if (irq < 0 || irq > 15)
        return;
    chip_input(&p->c[irq >> 3], irq & 7, level);
    update(p);
}

/* INTA on one chip: moves the IR from IRR to ISR (or just clears it in auto
 * EOI mode) and returns it; -1 if nothing is pending (a spurious request). */
static int chip_ack(struct pic_chip *c, bool master)
{
    int ir = pending(c, master);
    if (ir < 0)
        return -1;
    uint8_t bit = 1u << ir;
    /* An edge request is consumed; a level one stays while its input is high. */
    if (!(c->elcr & bit))
        c->irr &= ~bit;
    if (c->auto_eoi) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)ir;
    } else {
        c->isr |= bit;
    }
    return ir;
}

uint8_t pic_ack(struct pic *p)
{
    int ir = chip_ack(&p->c[0], true);
    uint8_t vec;
    if (ir < 0) {
        vec = p->c[0].base | 7;
    } else if (ir == 2 && !p->c[0].single) {
        int sir = chip_ack(&p->c[1], false);
        vec = sir < 0 ? (p->c[1].base | 7) : (uint8_t)(p->c[1].base | sir);
    } else {
        vec = (uint8_t)(p->c[0].base | ir);
    }
    update(p);
    return vec;
}

bool pic_irq_requested(const struct pic *p, int irq)
{
    return p->c[irq >> 3].irr & (1u << (irq & 7));
}

bool pic_intr(const struct pic *p)
{
    return p->intr_level;
}

static void chip_reset(struct pic_chip *c, uint8_t elcr_mask)
{
    uint8_t elcr = c->elcr;
    memset(c, 0, sizeof(*c));
    c->elcr = elcr & elcr_mask;
    c->elcr_mask = elcr_mask;
    c->lowest = 7;
}

void pic_reset(struct pic *p)
{
    chip_reset(&p->c[0], 0xf8);
    chip_reset(&p->c[1], 0xde);
    p->c[0].elcr = p->c[1].elcr = 0;
    update(p);
}

static void eoi(struct pic_chip *c, int ir, bool rotate)
{
    if (ir < 0)
        return;
    c->isr &= ~(1u << ir);
    if (rotate)
        c->lowest = (uint8_t)ir;
}

static void write_cmd(struct pic_chip *c, uint8_t v)
{
    if (v & 0x10) {
        /* ICW1: starts initialisation; clears the mask and ISR, IR7 lowest. */
        c->icw4_needed = v & 1;
        c->single = v & 2;
        c->ltim = v & 8;
        c->imr = c->isr = c->irr = 0;
        c->lowest = 7;
        c->special_mask = c->poll = c->read_isr = false;
        c->auto_eoi = c->rotate_aeoi = c->sfnm = false;
        c->init_step = 2;
        if (c->ltim)
            LOGD("pic", "ICW1 LTIM (all inputs level) is treated as per-IR ELCR");
    } else if (v & 0x08) {
        /* OCW3 */
        if (v & 0x04)
            c->poll = true;
        if (v & 0x02)
            c->read_isr = v & 1;
        if (v & 0x40)
            c->special_mask = v & 0x20;
    } else {
        /* OCW2 */
        int ir = v & 7;
        switch (v >> 5) {
        case 0: c->rotate_aeoi = false; break;
        case 4: c->rotate_aeoi = true; break;
        case 1: eoi(c, highest(c, c->isr), false); break;
        case 5: eoi(c, highest(c, c->isr), true); break;
        case 3: eoi(c, ir, false); break;
        case 7: eoi(c, ir, true); break;
        case 6: c->lowest = (uint8_t)ir; break;
        default: break;
        }
    }
}

static void write_data(struct pic_chip *c, uint8_t v)
{
    switch (c->init_step) {
    case 2:
        c->base = v & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->auto_eoi = v & 2;
        c->sfnm = v & 0x10;
        c->init_step = 0;
        break;
    default:
        c->imr = v;
        break;
    }
}

static uint32_t pic_read(void *opaque, uint16_t port, unsigned size)
{
    struct pic *p = opaque;
    if (port == 0x4d0 || port == 0x4d1)
        return p->c[port & 1].elcr;
    struct pic_chip *c = &p->c[port >= 0xa0];
    uint32_t v;
    if (c->poll) {
        /* Poll command: the next read is an acknowledge without INTA. */
        c->poll = false;
        int ir = chip_ack(c, c == &p->c[0]);
        v = ir < 0 ? 0 : (0x80u | (unsigned)ir);
        update(p);
    } else if (port & 1) {
        v = c->imr;
    } else {
        v = c->read_isr ? c->isr : c->irr;
    }
    return v;
}

static void pic_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pic *p = opaque;
    uint8_t v = (uint8_t)value;
    if (port == 0x4d0 || port == 0x4d1) {
        struct pic_chip *c = &p->c[port & 1];
        c->elcr = v & c->elcr_mask;
    } else {
        struct pic_chip *c = &p->c[port >= 0xa0];
        if (port & 1)
            write_data(c, v);
        else
            write_cmd(c, v);
    }
    update(p);
}

static const struct io_ops pic_ops = {pic_read, pic_write};

struct pic *pic_create(struct io_bus *io, struct irq_line intr)
{
    struct pic *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->intr = intr;
    pic_reset(p);
    io_register(io, 0x20, 2, &pic_ops, p, "pic-master");
    io_register(io, 0xa0, 2, &pic_ops, p, "pic-slave");
    io_register(io, 0x4d0, 2, &pic_ops, p, "elcr");
    return p;
}

void pic_destroy(struct pic *p)
{
    free(p);
}

struct irq_line pic_irq_line(struct pic *p, int irq)
{
    return (struct irq_line){pic_set_irq, p, irq};
}
