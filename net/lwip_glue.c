/* The glue lwIP needs in a NO_SYS build: sys_now() from the platform clock,
 * diagnostics to the log, and a small PRNG for ports and ISNs. */
#include <stdarg.h>
#include <stdio.h>

#include "baremu/platform.h"
#include "lwip/sys.h"

u32_t sys_now(void)
{
    return (u32_t)(plat_now_ns() / 1000000u);
}

void lwip_glue_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_vlog(LOG_DEBUG, "lwip", fmt, ap);
    va_end(ap);
}

/* xorshift64*, seeded from the clock on first use: enough for ephemeral ports
 * and initial sequence numbers in a user-mode NAT; not for cryptography. */
uint32_t lwip_glue_rand(void)
{
    static uint64_t state;
    if (!state)
        state = plat_now_ns() ^ 0x9e3779b97f4a7c15ull;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (uint32_t)((state * 0x2545f4914f6cdd1dull) >> 32);
}
