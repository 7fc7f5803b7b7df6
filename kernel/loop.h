/* The event loop: one thread, no blocking. Each turn runs every registered
 * hook once; when no hook has work, the CPU sleeps in HLT until the earliest
 * deadline a hook asked for or an interrupt. Later issues plug in here:
 * the guest CPU (a slice bounded by `until`), NIC polling, lwIP timeouts,
 * network links and the consoles.
 *
 * A hook's poll() is called with now (plat_now_ns) and `until`, the earliest
 * deadline the other hooks asked for in the previous turn (a long-running
 * hook such as the guest CPU returns by then). It returns LOOP_BUSY when it
 * did work and wants to run again at once, LOOP_IDLE otherwise, and lowers
 * *next to the time it must run again at the latest (leave it for "only
 * when something happens": an interrupt wakes the loop). */
#ifndef BAREMU_KERNEL_LOOP_H
#define BAREMU_KERNEL_LOOP_H

#include <stdint.h>

enum { LOOP_IDLE = 0, LOOP_BUSY = 1 };

struct loop_hook {
    const char *name;
    int (*poll)(void *ctx, uint64_t now, uint64_t until, uint64_t *next);
    void *ctx;
};

/* Registers a hook (at most LOOP_MAX_HOOKS); hooks run in registration order. */
#define LOOP_MAX_HOOKS 16
int loop_add(const struct loop_hook *h);
/* Runs forever. */
_Noreturn void loop_run(void);
/* For code that must wait inside a hook (console read): HLT until the next
 * interrupt, or a short pause when interrupts are not available. */
void loop_wait_event(void);
/* Turns completed and HLTs executed, for diagnostics. */
extern uint64_t loop_turns, loop_sleeps;

#endif
