/* The guest's virtual clock as the timer devices (8254 PIT, MC146818 RTC, ACPI
 * PM timer) see it: nanoseconds since machine start, either following the host
 * clock (real-time mode) or the executed instruction count (-icount shift=N,
 * deterministic). The machine (emu/machine.c) provides the source. */
#ifndef BAREMU_EMU_VCLOCK_H
#define BAREMU_EMU_VCLOCK_H

#include <stdint.h>

struct vclock {
    uint64_t (*now_ns)(void *ctx);
    void *ctx;
};

static inline uint64_t vclock_now(const struct vclock *c)
{
    return c->now_ns(c->ctx);
}

/* "No deadline": a device with nothing scheduled returns this from its poll. */
#define VCLOCK_NEVER UINT64_MAX

/* Converts a span of ns to ticks of a clock of hz, without 64-bit overflow. */
static inline uint64_t vclock_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    return (uint64_t)(((unsigned __int128)ns * hz) / 1000000000u);
}

/* The first ns at which at least ticks ticks of a hz clock have elapsed. */
static inline uint64_t vclock_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
    return (uint64_t)(((unsigned __int128)ticks * 1000000000u + hz - 1) / hz);
}

#endif
