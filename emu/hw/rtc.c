/* The MC146818A RTC; follows the Motorola MC146818A datasheet (registers A-D,
 * BCD/binary and 12/24-hour formats, the SET bit, UIP 244 us before each
 * update, periodic/alarm/update-ended interrupts) and the IBM AT CMOS layout
 * (0x32 century). The time is computed from the virtual clock when read. */
#include "emu/hw/rtc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REG_SEC = 0, REG_SEC_ALARM = 1, REG_MIN = 2, REG_MIN_ALARM = 3, REG_HOUR = 4,
       REG_HOUR_ALARM = 5, REG_WDAY = 6, REG_MDAY = 7, REG_MON = 8, REG_YEAR = 9,
       REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d, REG_CENTURY = 0x32 };

#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM  0x04  /* binary (not BCD) */
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define UIP_NS 244000u

struct rtc {
    uint8_t cmos[128];
    uint8_t index;
    bool nmi_masked;
    const struct vclock *clock;
    struct irq_line irq;
    int64_t base_s;            /* guest seconds at vclock 0 */
    int64_t set_time;          /* while SET: the frozen time being edited */
    uint64_t next_periodic_ns; /* 0 = not armed */
    uint64_t last_update_s;    /* the last whole second whose update was processed */
    bool irq_level;
};

int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Shift the year to start in March so the leap day is last. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rtc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static uint8_t to_reg(struct rtc *r, unsigned v)
{
    return (r->cmos[REG_B] & B_DM) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(struct rtc *r, uint8_t v)
{
    return (r->cmos[REG_B] & B_DM) ? v : (unsigned)((v >> 4) * 10 + (v & 15));
}

int64_t rtc_guest_time(struct rtc *r)
{
    if (r->cmos[REG_B] & B_SET)
        return r->set_time;
    return r->base_s + (int64_t)(vclock_now(r->clock) / 1000000000u);
}

/* Writes the broken-down time t into the time registers. */
static void store_time(struct rtc *r, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    int64_t y;
    unsigned mon, mday;
    rtc_civil_from_days(days, &y, &mon, &mday);
    unsigned hour = (unsigned)(secs / 3600);
    r->cmos[REG_SEC] = to_reg(r, (unsigned)(secs % 60));
    r->cmos[REG_MIN] = to_reg(r, (unsigned)(secs / 60 % 60));
    if (r->cmos[REG_B] & B_24H) {
        r->cmos[REG_HOUR] = to_reg(r, hour);
    } else {
        unsigned h12 = hour % 12 ? hour % 12 : 12;
        r->cmos[REG_HOUR] = (uint8_t)(to_reg(r, h12) | (hour >= 12 ? 0x80 : 0));
    }
    r->cmos[REG_WDAY] = to_reg(r, (unsigned)(((days % 7) + 11) % 7) + 1);  /* 1970-01-01 was a Thursday; Sunday = 1 */
    r->cmos[REG_MDAY] = to_reg(r, mday);
    r->cmos[REG_MON] = to_reg(r, mon);
    int64_t yy = y < 0 ? 0 : y;
    r->cmos[REG_YEAR] = to_reg(r, (unsigned)(yy % 100));
    r->cmos[REG_CENTURY] = to_reg(r, (unsigned)(yy / 100 % 100));
}

/* Reads the time registers back (after the guest set them). */
static int64_t load_time(struct rtc *r)
{
    unsigned sec = from_reg(r, r->cmos[REG_SEC]), min = from_reg(r, r->cmos[REG_MIN]);
    unsigned hour;
    if (r->cmos[REG_B] & B_24H) {
        hour = from_reg(r, r->cmos[REG_HOUR]);
    } else {
        hour = from_reg(r, r->cmos[REG_HOUR] & 0x7f) % 12;
        if (r->cmos[REG_HOUR] & 0x80)
            hour += 12;
    }
    unsigned mday = from_reg(r, r->cmos[REG_MDAY]), mon = from_reg(r, r->cmos[REG_MON]);
    int64_t year = from_reg(r, r->cmos[REG_YEAR]) + 100 * (int64_t)from_reg(r, r->cmos[REG_CENTURY]);
    if (mon < 1 || mon > 12)
        mon = 1;
    if (mday < 1 || mday > 31)
        mday = 1;
    return rtc_days_from_civil(year, mon, mday) * 86400 + hour * 3600 + min * 60 + (sec % 60);
}

static void update_irq(struct rtc *r)
{
    uint8_t c = r->cmos[REG_C] & (C_PF | C_AF | C_UF);
    uint8_t en = r->cmos[REG_B] & (B_PIE | B_AIE | B_UIE);
    /* The flag bits line up with their enables shifted by 2 (C: PF 6, AF 5, UF 4; B: PIE 6, AIE 5, UIE 4). */
    bool level = (c & en) != 0;
    if (level)
        r->cmos[REG_C] |= C_IRQF;
    else
        r->cmos[REG_C] &= ~C_IRQF;
    if (level != r->irq_level) {
        r->irq_level = level;
        irq_set(&r->irq, level);
    }
}

/* The periodic interrupt period from register A's rate bits, or 0 if off. */
static uint64_t periodic_ns(struct rtc *r)
{
    unsigned rate = r->cmos[REG_A] & 15;
    if (!rate || (r->cmos[REG_A] & 0x70) != 0x20)
        return 0;
    if (rate <= 2)
        rate += 7;  /* datasheet table 4: rates 1 and 2 repeat 8 and 9 */
    /* 32768 Hz >> (rate - 1) */
    return vclock_ticks_to_ns(1ull << (rate - 1), 32768);
}

static bool alarm_matches(struct rtc *r, int64_t t)
{
    /* A "don't care" alarm byte has its two top bits set (0xC0-0xFF). */
    int64_t secs = ((t % 86400) + 86400) % 86400;
    unsigned v[3] = {(unsigned)(secs % 60), (unsigned)(secs / 60 % 60), (unsigned)(secs / 3600)};
    const int regs[3] = {REG_SEC_ALARM, REG_MIN_ALARM, REG_HOUR_ALARM};
    for (int i = 0; i < 3; i++) {
        uint8_t a = r->cmos[regs[i]];
        if ((a & 0xc0) == 0xc0)
            continue;
        unsigned want = i == 2 && !(r->cmos[REG_B] & B_24H)
                            ? from_reg(r, a & 0x7f) % 12 + ((a & 0x80) ? 12 : 0)
                            : from_reg(r, a);
        if (want != v[i])
            return false;
    }
    return true;
}

uint64_t rtc_poll(struct rtc *r)
{
    uint64_t now = vclock_now(r->clock);
    uint64_t next = VCLOCK_NEVER;
    uint64_t per = periodic_ns(r);
    if (per) {
        if (!r->next_periodic_ns)
            r->next_periodic_ns = now + per;
        if (now >= r->next_periodic_ns) {
            r->cmos[REG_C] |= C_PF;
            uint64_t missed = (now - r->next_periodic_ns) / per + 1;
            r->next_periodic_ns += missed * per;
        }
        /* Only schedule wake-ups when the guest wants the interrupt. */
        if (r->cmos[REG_B] & B_PIE)
            next = r->next_periodic_ns;
    } else {
        r->next_periodic_ns = 0;
    }
    if (!(r->cmos[REG_B] & B_SET)) {
        uint64_t sec = now / 1000000000u;
        if (sec != r->last_update_s) {
            r->last_update_s = sec;
            r->cmos[REG_C] |= C_UF;
            if (alarm_matches(r, r->base_s + (int64_t)sec))
                r->cmos[REG_C] |= C_AF;
        }
        if (r->cmos[REG_B] & (B_UIE | B_AIE)) {
            uint64_t nsec = (sec + 1) * 1000000000u;
            if (nsec < next)
                next = nsec;
        }
    }
    update_irq(r);
    return next;
}

static uint32_t rtc_read(void *opaque, uint16_t port, unsigned size)
{
    struct rtc *r = opaque;
    if (port == 0x70)
        return 0xff;  /* the index register is write-only on the AT */
    uint8_t i = r->index;
    switch (i) {
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_MDAY:
    case REG_MON: case REG_YEAR: case REG_CENTURY:
        if (!(r->cmos[REG_B] & B_SET))
            store_time(r, rtc_guest_time(r));
        return r->cmos[i];
    case REG_A: {
        uint8_t a = r->cmos[REG_A] & 0x7f;
        uint64_t in_sec = vclock_now(r->clock) % 1000000000u;
        if (!(r->cmos[REG_B] & B_SET) && in_sec >= 1000000000u - UIP_NS)
            a |= 0x80;
        return a;
    }
    case REG_C: {
        rtc_poll(r);
        uint8_t c = r->cmos[REG_C];
        r->cmos[REG_C] = 0;  /* reading C clears the flags and the interrupt */
        update_irq(r);
        return c;
    }
    case REG_D:
        return 0x80;  /* valid RAM and time: the battery is good */
    default:
        return r->cmos[i];
    }
}

static void rtc_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct rtc *r = opaque;
    uint8_t v = (uint8_t)value;
    if (port == 0x70) {
        r->index = v & 0x7f;
        r->nmi_masked = v & 0x80;
        return;
    }
    uint8_t i = r->index;
    switch (i) {
    case REG_SEC: case REG_MIN: case REG_HOUR: case REG_WDAY: case REG_MDAY:
    case REG_MON: case REG_YEAR: case REG_CENTURY:
        if (!(r->cmos[REG_B] & B_SET)) {
            /* Without SET the chip takes the write and carries on counting. */
            store_time(r, rtc_guest_time(r));
            r->cmos[i] = v;
            r->base_s = load_time(r) - (int64_t)(vclock_now(r->clock) / 1000000000u);
        } else {
            r->cmos[i] = v;
        }
        break;
    case REG_A:
        r->cmos[REG_A] = v & 0x7f;  /* UIP is read-only */
        r->next_periodic_ns = 0;
        rtc_poll(r);
        break;
    case REG_B: {
        uint8_t old = r->cmos[REG_B];
        bool entering_set = (v & B_SET) && !(old & B_SET);
        if (entering_set) {
            r->set_time = rtc_guest_time(r);
            v &= ~B_UIE;  /* datasheet: setting SET clears UIE */
        }
        r->cmos[REG_B] = v;
        if (entering_set)
            store_time(r, r->set_time);  /* in the (maybe new) format */
        if (!(v & B_SET) && (old & B_SET)) {
            /* Leaving SET: the registers are the time from now on. */
            r->base_s = load_time(r) - (int64_t)(vclock_now(r->clock) / 1000000000u);
        }
        rtc_poll(r);
        break;
    }
    case REG_C:
    case REG_D:
        break;  /* read-only */
    default:
        r->cmos[i] = v;
        break;
    }
}

static const struct io_ops rtc_ops = {rtc_read, rtc_write};

struct rtc *rtc_create(struct io_bus *io, const struct vclock *clock, struct irq_line irq8,
                       int64_t base_s)
{
    struct rtc *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->clock = clock;
    r->irq = irq8;
    r->base_s = base_s;
    r->cmos[REG_A] = 0x26;  /* 32.768 kHz time base, 1024 Hz periodic rate */
    r->cmos[REG_B] = B_24H; /* BCD, 24-hour, as PC BIOSes expect */
    r->cmos[REG_D] = 0x80;
    r->last_update_s = vclock_now(clock) / 1000000000u;
    io_register(io, 0x70, 2, &rtc_ops, r, "rtc");
    return r;
}

void rtc_destroy(struct rtc *r)
{
    free(r);
}

void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t value)
{
    r->cmos[index & 0x7f] = value;
}

uint8_t rtc_cmos_get(struct rtc *r, uint8_t index)
{
    return r->cmos[index & 0x7f];
}

void rtc_cmos_checksum(struct rtc *r)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += r->cmos[i];
    r->cmos[0x2e] = (uint8_t)(sum >> 8);
    r->cmos[0x2f] = (uint8_t)sum;
}

bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}

int rtc_parse_base(const char *s, int64_t host_utc_s, int64_t host_local_offset_s, int64_t *out)
{
    if (!strcmp(s, "utc")) {
        *out = host_utc_s;
        return 0;
    }
    if (!strcmp(s, "localtime")) {
        *out = host_utc_s + host_local_offset_s;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) == 6 && !s[n]) {
        /* full date and time */
    } else if (n = 0, h = mi = se = 0,
               sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && !s[n]) {
        /* date only: midnight */
    } else {
        return -1;
    }
    if (y < 1900 || y > 2099 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 ||
        h < 0 || mi < 0 || se < 0)
        return -1;
    *out = rtc_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}
