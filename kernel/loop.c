/* The main loop behind kernel/loop.h: run the hooks, then sleep with HLT until
 * the earliest deadline (armed on the local APIC timer) or an interrupt. Without
 * interrupts (no APIC) it polls instead of sleeping. */
#include "kernel/apic.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/loop.h"
#include "kernel/timer.h"

static struct loop_hook hooks[LOOP_MAX_HOOKS];
static int nhooks;
uint64_t loop_turns, loop_sleeps;

int loop_add(const struct loop_hook *h)
{
    if (nhooks == LOOP_MAX_HOOKS)
        return -1;
    hooks[nhooks++] = *h;
    return 0;
}

void loop_wait_event(void)
{
    if (lapic_ok && lapic_timer_hz) {
        cpu_cli();
        if (!irq_pending)
            cpu_sti_hlt();
        else
            cpu_sti();
        irq_pending = 0;
    } else {
        cpu_pause();
    }
}

void loop_run(void)
{
    uint64_t until = UINT64_MAX;
    for (;;) {
        uint64_t next = UINT64_MAX;
        int busy = 0;
        for (int i = 0; i < nhooks; i++) {
            uint64_t now = timer_now_ns(), want = UINT64_MAX;
            busy |= hooks[i].poll(hooks[i].ctx, now, until, &want);
            if (want < next)
                next = want;
        }
        until = next;
        loop_turns++;
        if (busy)
            continue;
        uint64_t now = timer_now_ns();
        if (next <= now)
            continue;
        /* Nothing runnable: sleep until the deadline or an interrupt. The
         * check of irq_pending and the HLT are atomic (cli ... sti; hlt). */
        if (lapic_ok && lapic_timer_hz) {
            cpu_cli();
            timer_set_deadline(next);
            if (!irq_pending) {
                loop_sleeps++;
                cpu_sti_hlt();
            }
            else
                cpu_sti();
            irq_pending = 0;
        } else {
            cpu_pause();
        }
    }
}
