/* TSC calibration and the monotonic clock. References: IA-PC HPET spec 1.0a
 * section 2.3 (capabilities: period in femtoseconds; general configuration;
 * main counter at 0xf0), ACPI 6.4 section 4.8.3.3 (PM timer, 3.579545 MHz,
 * 24 or 32 bits), Intel 8254 datasheet (channel 2 gated by port 0x61, mode 0),
 * Intel SDM vol. 3A 10.5.4 (local APIC timer). */
#include <stdint.h>

#include "baremu/platform.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/timer.h"

#define CAL_MS 20u

uint64_t tsc_hz;
const char *tsc_source = "none";
uint64_t lapic_timer_hz;
static uint64_t tsc_origin, ns_mult;   /* ns = ticks * ns_mult >> 32 */
static int64_t wall_origin = -1;

/* TSC ticks during CAL_MS milliseconds of the HPET main counter, 0 if none. */
static uint64_t measure_hpet(void)
{
    if (!acpi.hpet_base || !paging_map_mmio(acpi.hpet_base, 1024))
        return 0;
    uint64_t cap = mmio_read64(acpi.hpet_base);
    uint64_t period_fs = cap >> 32;
    if (period_fs == 0 || period_fs > 100000000ull)   /* spec: at most 100 ns */
        return 0;
    uint64_t cfg = mmio_read64(acpi.hpet_base + 0x10);
    if (!(cfg & 1))
        mmio_write64(acpi.hpet_base + 0x10, cfg | 1);  /* ENABLE_CNF: start the counter */
    uint64_t ticks = (uint64_t)CAL_MS * 1000000000000ull / period_fs;
    uint64_t h0 = mmio_read64(acpi.hpet_base + 0xf0), t0 = rdtsc();
    uint64_t h1;
    do
        h1 = mmio_read64(acpi.hpet_base + 0xf0);
    while (h1 - h0 < ticks);
    uint64_t t1 = rdtsc();
    /* Scale by the HPET ticks actually elapsed. */
    return (uint64_t)((unsigned __int128)(t1 - t0) * ticks / (h1 - h0));
}

static uint64_t measure_pm_timer(void)
{
    if (!acpi.pm_timer_port)
        return 0;
    uint32_t mask = acpi.pm_timer_32bit ? 0xffffffffu : 0xffffffu;
    uint32_t ticks = 3579545u * CAL_MS / 1000u;
    uint32_t p0 = inl(acpi.pm_timer_port) & mask, p1;
    uint64_t t0 = rdtsc();
    uint32_t elapsed;
    int spins = 0;
    do {
        p1 = inl(acpi.pm_timer_port) & mask;
        elapsed = (p1 - p0) & mask;
        if (++spins > 100000000)
            return 0;   /* a port that never moves: not a PM timer */
    } while (elapsed < ticks);
    uint64_t t1 = rdtsc();
    return (uint64_t)((unsigned __int128)(t1 - t0) * ticks / elapsed);
}

static uint64_t measure_pit(void)
{
    uint16_t count = (uint16_t)(1193182u * CAL_MS / 1000u);
    uint8_t gate = inb(0x61);
    outb(0x61, (gate & ~0x02) | 0x01);   /* gate channel 2 on, speaker off */
    outb(0x43, 0xb0);                    /* channel 2, lo/hi byte, mode 0, binary */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    uint64_t t0 = rdtsc();
    int spins = 0;
    while (!(inb(0x61) & 0x20))          /* OUT2 goes high at terminal count */
        if (++spins > 100000000)
            return 0;
    uint64_t t1 = rdtsc();
    outb(0x61, gate);
    return t1 - t0;
}

void timer_init(uint64_t origin_tsc, int64_t wall_time_at_origin)
{
    tsc_origin = origin_tsc;
    wall_origin = wall_time_at_origin;
    uint64_t ticks;
    if ((ticks = measure_hpet()))
        tsc_source = "HPET";
    else if ((ticks = measure_pm_timer()))
        tsc_source = "ACPI PM timer";
    else if ((ticks = measure_pit()))
        tsc_source = "PIT";
    else
        plat_panic("no reference clock (HPET, PM timer, PIT) to calibrate the TSC");
    tsc_hz = ticks * (1000u / CAL_MS);
    ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz);
}

void timer_calibrate_lapic(void)
{
    if (!lapic_ok)
        return;
    lapic_timer_oneshot(0xffffffffu);
    uint32_t c0 = lapic_timer_current();
    timer_udelay(CAL_MS * 1000u);
    uint32_t c1 = lapic_timer_current();
    lapic_timer_oneshot(0);
    lapic_timer_hz = (uint64_t)(c0 - c1) * (1000u / CAL_MS);
    if (!lapic_timer_hz)
        LOGW("timer", "local APIC timer does not count: polling for deadlines");
}

uint64_t timer_now_ns(void)
{
    return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_origin) * ns_mult) >> 32);
}

void timer_udelay(uint64_t us)
{
    uint64_t end = timer_now_ns() + us * 1000u;
    while (timer_now_ns() < end)
        cpu_pause();
}

void timer_set_deadline(uint64_t ns)
{
    if (!lapic_timer_hz)
        return;
    if (ns == UINT64_MAX) {
        lapic_timer_oneshot(0);
        return;
    }
    uint64_t now = timer_now_ns();
    uint64_t delta = ns > now ? ns - now : 0;
    uint64_t count = (uint64_t)((unsigned __int128)delta * lapic_timer_hz / 1000000000u);
    /* Too far ahead: fire at the longest interval, the loop re-arms. */
    if (count > 0xffffffffu)
        count = 0xffffffffu;
    lapic_timer_oneshot(count ? (uint32_t)count : 1);
}

uint64_t plat_now_ns(void)
{
    return timer_now_ns();
}

int64_t plat_wall_time_s(void)
{
    return wall_origin < 0 ? 0 : wall_origin + (int64_t)(timer_now_ns() / 1000000000u);
}
