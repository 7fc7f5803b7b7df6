/* The 16550A UART; follows the National Semiconductor PC16550D datasheet
 * (registers, FIFO control and trigger levels, interrupt priorities of table
 * IV, loopback). The line itself is instantaneous: a byte written to THR goes
 * straight to the character device, so THRE is always set again at once. On
 * the PC the IRQ line is gated by MCR OUT2 (IBM PC/AT serial adapter). */
#include "emu/hw/serial.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define FIFO_SIZE 16

#define IER_RDA  0x01
#define IER_THRE 0x02
#define IER_RLS  0x04
#define IER_MS   0x08
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08

struct serial {
    uint8_t rx[FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint16_t divisor;
    bool thre_pending;   /* a THRE interrupt is owed (cleared by reading IIR or writing THR) */
    uint8_t rx_trigger;
    struct irq_line irq;
    bool irq_level;
    struct chardev *chr;
    uint16_t base;
};

static bool fifo_on(const struct serial *s)
{
    return s->fcr & 1;
}

/* The IIR value: the highest-priority pending interrupt (PC16550D table IV). */
static uint8_t iir(const struct serial *s)
{
    uint8_t fifo_bits = fifo_on(s) ? 0xc0 : 0;
    if ((s->ier & IER_RLS) && (s->lsr & LSR_OE))
        return fifo_bits | 0x06;
    if ((s->ier & IER_RDA) && s->rx_count && (!fifo_on(s) || s->rx_count >= s->rx_trigger))
        return fifo_bits | 0x04;
    /* A character timeout: data waits below the trigger level. The line is
     * instantaneous, so the timeout is considered elapsed at once. */
    if ((s->ier & IER_RDA) && s->rx_count && fifo_on(s))
        return fifo_bits | 0x0c;
    if ((s->ier & IER_THRE) && s->thre_pending)
        return fifo_bits | 0x02;
    if ((s->ier & IER_MS) && (s->msr & 0x0f))
        return fifo_bits | 0x00;
    return fifo_bits | 0x01;
}

static void update_irq(struct serial *s)
{
    bool level = !(iir(s) & 1) && (s->mcr & MCR_OUT2);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

unsigned serial_receive(struct serial *s, const uint8_t *buf, unsigned len)
{
    unsigned cap = fifo_on(s) ? FIFO_SIZE : 1;
    unsigned n = 0;
    while (n < len && s->rx_count < cap) {
        s->rx[(s->rx_head + s->rx_count) % FIFO_SIZE] = buf[n++];
        s->rx_count++;
    }
    if (s->rx_count)
        s->lsr |= LSR_DR;
    update_irq(s);
    return n;
}

void serial_poll(struct serial *s)
{
    if (!s->chr || (s->mcr & MCR_LOOP))
        return;
    unsigned cap = fifo_on(s) ? FIFO_SIZE : 1;
    if (s->rx_count >= cap)
        return;  /* the guest has not drained the FIFO: leave input waiting on the host */
    uint8_t buf[FIFO_SIZE];
    size_t n = chardev_read(s->chr, buf, cap - s->rx_count);
    if (n)
        serial_receive(s, buf, (unsigned)n);
}

static void set_msr_from_mcr(struct serial *s)
{
    /* Loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise a
     * connected modem: DCD, DSR and CTS asserted. */
    uint8_t old = s->msr;
    uint8_t lines;
    if (s->mcr & MCR_LOOP)
        lines = (uint8_t)(((s->mcr & 1) << 5) | ((s->mcr & 2) << 3) | ((s->mcr & 4) << 4) | ((s->mcr & 8) << 4));
    else
        lines = 0xb0;
    uint8_t delta = (uint8_t)(((old ^ lines) >> 4) & 0x0b);
    /* Trailing edge of RI sets TERI (bit 2). */
    if ((old & 0x40) && !(lines & 0x40))
        delta |= 0x04;
    s->msr = (uint8_t)(lines | (old & 0x0f) | delta);
}

static uint32_t serial_read(void *opaque, uint16_t port, unsigned size)
{
    struct serial *s = opaque;
    uint8_t v = 0;
    switch (port - s->base) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            v = s->divisor & 0xff;
        } else {
            if (s->rx_count) {
                v = s->rx[s->rx_head];
                s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
                s->rx_count--;
            }
            if (!s->rx_count)
                s->lsr &= ~LSR_DR;
            serial_poll(s);
        }
        break;
    case 1:
        v = (s->lcr & LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
        break;
    case 2:
        v = iir(s);
        /* Reading IIR while it reports THRE clears that interrupt. */
        if ((v & 0x0f) == 0x02)
            s->thre_pending = false;
        break;
    case 3:
        v = s->lcr;
        break;
    case 4:
        v = s->mcr;
        break;
    case 5:
        v = s->lsr;
        s->lsr &= (uint8_t)~0x1e;  /* OE, PE, FE and BI clear on read */
        break;
    case 6:
        v = s->msr;
        s->msr &= 0xf0;  /* delta bits clear on read */
        break;
    case 7:
        v = s->scr;
        break;
    }
    update_irq(s);
    return v;
}

static void serial_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct serial *s = opaque;
    uint8_t v = (uint8_t)value;
    switch (port - s->base) {
    case 0:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
        } else {
            if (s->mcr & MCR_LOOP) {
                if (s->rx_count < (fifo_on(s) ? FIFO_SIZE : 1u))
                    serial_receive(s, &v, 1);
                else
                    s->lsr |= LSR_OE;
            } else {
                chardev_write(s->chr, &v, 1);
            }
            /* Sent at once: the holding register is empty again. */
            s->lsr |= LSR_THRE | LSR_TEMT;
            s->thre_pending = true;
        }
        break;
    case 1:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff) | (v << 8));
        } else {
            /* Enabling THRE while the register is empty raises it at once. */
            if ((v & IER_THRE) && !(s->ier & IER_THRE) && (s->lsr & LSR_THRE))
                s->thre_pending = true;
            s->ier = v & 0x0f;
        }
        break;
    case 2: {
        bool was_on = fifo_on(s);
        if ((v & 1) != was_on || (v & 2)) {
            /* Changing the FIFO mode or RCVR FIFO reset empties the receiver. */
            s->rx_count = 0;
            s->rx_head = 0;
            s->lsr &= ~LSR_DR;
        }
        static const uint8_t trig[4] = {1, 4, 8, 14};
        s->rx_trigger = trig[v >> 6];
        s->fcr = v & 0xc9;
        break;
    }
    case 3:
        s->lcr = v;
        break;
    case 4:
        s->mcr = v & 0x1f;
        set_msr_from_mcr(s);
        break;
    case 5:
    case 6:
        break;  /* LSR and MSR writes are for factory test only */
    case 7:
        s->scr = v;
        break;
    }
    update_irq(s);
}

static const struct io_ops serial_ops = {serial_read, serial_write};

void serial_reset(struct serial *s)
{
    s->rx_count = s->rx_head = 0;
    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = 0;
    set_msr_from_mcr(s);
    s->msr &= 0xf0;
    s->divisor = 12;  /* 9600 baud */
    s->thre_pending = false;
    s->rx_trigger = 1;
    update_irq(s);
}

struct serial *serial_create(struct io_bus *io, uint16_t base, struct irq_line irq,
                             struct chardev *chr, const char *name)
{
    struct serial *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->base = base;
    s->irq = irq;
    s->chr = chr;
    serial_reset(s);
    io_register(io, base, 8, &serial_ops, s, name);
    return s;
}

void serial_destroy(struct serial *s)
{
    free(s);
}
