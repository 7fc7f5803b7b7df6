/* The 8254 PIT; follows the Intel 8254 datasheet (control word, counter
 * latch, read-back command, modes 0-5) and the PC/AT port 0x61 layout (bit 0
 * gate 2, bit 1 speaker data, bit 4 refresh toggle, bit 5 OUT2). Counters are
 * not stepped: each is computed from the virtual clock when read, so an idle
 * timer costs nothing. */
#include "emu/hw/pit.h"

#include <stdlib.h>
#include <string.h>

/* Missed channel 0 periods delivered late at most (see pit_poll). */
#define PIT_MAX_BACKLOG 250

struct pit_channel {
    uint8_t mode;         /* 0..5 */
    uint8_t rw;           /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    uint32_t reload;      /* 1..65536 (0 written means 65536) */
    bool counting;        /* a count was loaded (and, for 1/5, triggered) */
    uint64_t start_ns;    /* when counting from reload began */
    bool gate;
    uint16_t frozen;      /* the count while a mode 0/4 counter is gated off */
    bool frozen_valid;
    bool write_lsb_next;  /* rw == 3: the next write is the LSB */
    uint8_t write_lsb;
    bool latched;         /* counter latch holds latch_value */
    uint16_t latch_value;
    bool latch_msb_next;  /* rw == 3 latch/read: MSB is next */
    bool read_msb_next;
    bool status_latched;
    uint8_t status;
    bool null_count;
};

struct pit {
    struct pit_channel ch[3];
    const struct vclock *clock;
    struct irq_line irq0;
    uint64_t irq_period_seen;  /* channel 0: periods already signalled */
    bool speaker_data;
    bool (*irq0_pending)(void *);
    void *irq0_opaque;
};

static uint64_t ticks_since(struct pit *p, struct pit_channel *c, uint64_t now)
{
    return now > c->start_ns ? vclock_ns_to_ticks(now - c->start_ns, PIT_HZ) : 0;
}

/* The count a channel shows at now (modes 2/3 count periodically). */
static uint16_t count_at(struct pit *p, struct pit_channel *c, uint64_t now)
{
    if (!c->counting)
        return c->frozen_valid ? c->frozen : 0;
    uint64_t t = ticks_since(p, c, now);
    uint32_t n = c->reload;
    switch (c->mode) {
    case 2:
        return (uint16_t)(n - t % n);
    case 3: {
        /* Decrements by two; the exact half-period phase is not modelled. */
        uint64_t r = (2 * t) % n;
        return (uint16_t)(n - r);
    }
    default:
        /* Modes 0, 1, 4, 5: one shot, then the counter wraps on. */
        return (uint16_t)((n - t % 65536) & 0xffff);
    }
}

static bool out_at(struct pit *p, struct pit_channel *c, uint64_t now)
{
    if (!c->counting) {
        /* Before a count is loaded: mode 0 OUT is low, the others high. */
        return c->mode != 0 && !(c->mode == 1 && c->frozen_valid);
    }
    uint64_t t = ticks_since(p, c, now);
    uint32_t n = c->reload;
    switch (c->mode) {
    case 0:
    case 1:
        return t >= n;
    case 2:
        return (t % n) != n - 1;
    case 3:
        return (t % n) < (n + 1) / 2;
    case 4:
    case 5:
        return t != n;
    }
    return true;
}

static void load(struct pit *p, struct pit_channel *c, uint32_t v, uint64_t now)
{
    c->reload = v ? v : 65536;
    c->null_count = false;
    c->frozen_valid = false;
    /* Modes 1 and 5 wait for a gate trigger; the others start (when gated on). */
    if (c->mode == 1 || c->mode == 5) {
        c->counting = false;
        return;
    }
    c->counting = c->gate;
    if (!c->gate) {
        c->frozen = (uint16_t)c->reload;
        c->frozen_valid = true;
    }
    c->start_ns = now;
    if (c == &p->ch[0])
        p->irq_period_seen = 0;
}

static void set_gate(struct pit *p, struct pit_channel *c, bool gate, uint64_t now)
{
    if (gate == c->gate)
        return;
    if (gate) {
        if (c->mode == 1 || c->mode == 5 || c->mode == 2 || c->mode == 3) {
            /* A rising gate (re)triggers these modes from the reload value. */
            if (c->reload) {
                c->counting = true;
                c->start_ns = now;
            }
        } else if (c->frozen_valid) {
            /* Modes 0 and 4 resume where they stopped. */
            uint32_t left = c->frozen ? c->frozen : 65536;
            uint64_t done = c->reload >= left ? c->reload - left : 0;
            c->counting = true;
            c->start_ns = now - vclock_ticks_to_ns(done, PIT_HZ);
            if (c->start_ns > now)
                c->start_ns = 0;
            c->frozen_valid = false;
        }
    } else if (c->counting && (c->mode == 0 || c->mode == 4 || c->mode == 2 || c->mode == 3)) {
        c->frozen = count_at(p, c, now);
        c->frozen_valid = true;
        c->counting = false;
    }
    c->gate = gate;
}

uint16_t pit_count(struct pit *p, int channel)
{
    return count_at(p, &p->ch[channel], vclock_now(p->clock));
}

bool pit_out(struct pit *p, int channel)
{
    return out_at(p, &p->ch[channel], vclock_now(p->clock));
}

uint64_t pit_poll(struct pit *p)
{
    struct pit_channel *c = &p->ch[0];
    if (!c->counting)
        return VCLOCK_NEVER;
    uint64_t now = vclock_now(p->clock);
    uint64_t t = ticks_since(p, c, now);
    uint32_t n = c->reload;
    if (c->mode == 2 || c->mode == 3) {
        /* IRQ0 is edge-triggered on OUT rising: once per period. Periods
         * missed while the host did not run us (a loaded host deschedules
         * the process for many periods) are delivered late, one edge per
         * poll, so a guest counting ticks (Linux's jiffies, its PIT
         * clocksource) keeps pace with the clock and does not judge the TSC
         * unstable; the backlog is capped so a long stall is not replayed
         * as a storm. */
        uint64_t periods = t / n;
        /* A late edge waits while the last one is still unacknowledged (it
         * would merge with it); the polls of the next slices retry, and an
         * idle CPU still wakes at the next period, so this never spins. */
        bool late = periods > p->irq_period_seen + 1;
        bool hold = late && p->irq0_pending && p->irq0_pending(p->irq0_opaque);
        if (periods > p->irq_period_seen && !hold) {
            if (periods - p->irq_period_seen > PIT_MAX_BACKLOG)
                p->irq_period_seen = periods - PIT_MAX_BACKLOG;
            p->irq_period_seen++;
            irq_set(&p->irq0, 0);
            irq_set(&p->irq0, 1);
            if (p->irq_period_seen < periods)
                return now;  /* more owed: the next poll, after the CPU ran */
        }
        return c->start_ns + vclock_ticks_to_ns((periods + 1) * n, PIT_HZ);
    }
    if (c->mode == 0 || c->mode == 1) {
        if (t >= n) {
            if (!p->irq_period_seen) {
                p->irq_period_seen = 1;
                irq_set(&p->irq0, 1);
            }
            return VCLOCK_NEVER;
        }
        irq_set(&p->irq0, 0);
        return c->start_ns + vclock_ticks_to_ns(n, PIT_HZ);
    }
    /* Modes 4/5: OUT is high, goes low for one tick at terminal count and
     * high again; that rising edge is the interrupt. */
    if (t > n) {
        if (!p->irq_period_seen) {
            p->irq_period_seen = 1;
            irq_set(&p->irq0, 0);
            irq_set(&p->irq0, 1);
        }
        return VCLOCK_NEVER;
    }
    return c->start_ns + vclock_ticks_to_ns(n + 1, PIT_HZ);
}

static uint8_t read_counter(struct pit *p, struct pit_channel *c, uint64_t now)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t v;
    if (c->latched)
        v = c->latch_value;
    else
        v = count_at(p, c, now);
    uint8_t out;
    switch (c->rw) {
    case 1:
        out = v & 0xff;
        c->latched = false;
        break;
    case 2:
        out = v >> 8;
        c->latched = false;
        break;
    default:
        if (c->read_msb_next) {
            out = v >> 8;
            c->latched = false;
        } else {
            out = v & 0xff;
        }
        c->read_msb_next = !c->read_msb_next;
        break;
    }
    return out;
}

static void latch(struct pit *p, struct pit_channel *c, uint64_t now)
{
    if (c->latched)
        return;  /* datasheet: further latches are ignored until read */
    c->latched = true;
    c->latch_value = count_at(p, c, now);
    c->read_msb_next = false;
}

static void write_control(struct pit *p, uint8_t v, uint64_t now)
{
    int sc = v >> 6;
    if (sc == 3) {
        /* Read-back: bit 5 clear latches counts, bit 4 clear latches status. */
        for (int i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            struct pit_channel *c = &p->ch[i];
            if (!(v & 0x20))
                latch(p, c, now);
            if (!(v & 0x10) && !c->status_latched) {
                c->status = (uint8_t)((out_at(p, c, now) ? 0x80 : 0) | (c->null_count ? 0x40 : 0) |
                                      (c->rw << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
                c->status_latched = true;
            }
        }
        return;
    }
    struct pit_channel *c = &p->ch[sc];
    int rw = (v >> 4) & 3;
    if (rw == 0) {
        latch(p, c, now);
        return;
    }
    c->rw = (uint8_t)rw;
    c->mode = (v >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;  /* 6 and 7 are aliases of 2 and 3 */
    c->bcd = v & 1;
    c->write_lsb_next = true;
    c->read_msb_next = false;
    c->latched = false;
    c->null_count = true;
    /* A new control word stops the counter until a count is written; mode 0
     * OUT goes low, the others high. */
    c->counting = false;
    c->frozen_valid = false;
    if (sc == 0)
        irq_set(&p->irq0, c->mode != 0);
}

static void write_counter(struct pit *p, struct pit_channel *c, uint8_t v, uint64_t now)
{
    switch (c->rw) {
    case 1:
        load(p, c, v, now);
        break;
    case 2:
        load(p, c, (uint32_t)v << 8, now);
        break;
    default:
        if (c->write_lsb_next) {
            c->write_lsb = v;
            c->write_lsb_next = false;
            /* Mode 0: writing the first byte stops the count. */
            if (c->mode == 0)
                c->counting = false;
        } else {
            c->write_lsb_next = true;
            load(p, c, c->write_lsb | ((uint32_t)v << 8), now);
        }
        break;
    }
}

static uint32_t pit_read(void *opaque, uint16_t port, unsigned size)
{
    struct pit *p = opaque;
    uint64_t now = vclock_now(p->clock);
    if (port == 0x61) {
        /* Bit 4 toggles with each DRAM refresh cycle, every 15.085 us. */
        bool refresh = (now / 15085) & 1;
        return (p->ch[2].gate ? 1 : 0) | (p->speaker_data ? 2 : 0) | (refresh ? 0x10 : 0) |
               (out_at(p, &p->ch[2], now) ? 0x20 : 0);
    }
    if (port == 0x43)
        return 0xff;  /* the control register is write-only */
    return read_counter(p, &p->ch[port - 0x40], now);
}

static void pit_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pit *p = opaque;
    uint64_t now = vclock_now(p->clock);
    uint8_t v = (uint8_t)value;
    if (port == 0x61) {
        set_gate(p, &p->ch[2], v & 1, now);
        p->speaker_data = v & 2;
    } else if (port == 0x43) {
        write_control(p, v, now);
    } else {
        write_counter(p, &p->ch[port - 0x40], v, now);
    }
}

static const struct io_ops pit_ops = {pit_read, pit_write};

void pit_reset(struct pit *p)
{
    memset(p->ch, 0, sizeof(p->ch));
    for (int i = 0; i < 3; i++) {
        p->ch[i].gate = i != 2;  /* gates 0 and 1 are tied high on the PC */
        p->ch[i].rw = 3;
        p->ch[i].write_lsb_next = true;
    }
    p->irq_period_seen = 0;
    p->speaker_data = false;
}

void pit_set_irq0_pending(struct pit *p, bool (*pending)(void *opaque), void *opaque)
{
    p->irq0_pending = pending;
    p->irq0_opaque = opaque;
}

struct pit *pit_create(struct io_bus *io, const struct vclock *clock, struct irq_line irq0)
{
    struct pit *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->clock = clock;
    p->irq0 = irq0;
    pit_reset(p);
    io_register(io, 0x40, 4, &pit_ops, p, "pit");
    io_register(io, 0x61, 1, &pit_ops, p, "port61");
    return p;
}

void pit_destroy(struct pit *p)
{
    free(p);
}
