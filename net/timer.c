/* The network layer's one-shot timers; see timer.h. Few timers exist (one
 * per reconnecting link), so an unsorted list is enough. */
#include "net/timer.h"

#include <stddef.h>

static struct net_timer *timers;

void net_timer_init(struct net_timer *t, void (*fn)(void *ctx), void *ctx)
{
    t->fn = fn;
    t->ctx = ctx;
    t->armed = false;
    t->deadline = 0;
    t->next = NULL;
}

void net_timer_arm(struct net_timer *t, uint64_t deadline_ns)
{
    if (!t->armed) {
        t->next = timers;
        timers = t;
        t->armed = true;
    }
    t->deadline = deadline_ns;
}

void net_timer_cancel(struct net_timer *t)
{
    if (!t->armed)
        return;
    for (struct net_timer **pp = &timers; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->armed = false;
}

uint64_t net_timers_next(void)
{
    uint64_t first = UINT64_MAX;
    for (struct net_timer *t = timers; t; t = t->next)
        if (t->deadline < first)
            first = t->deadline;
    return first;
}

void net_timers_run(uint64_t now_ns)
{
    /* Restart the walk after each firing: the callback may change the list. */
    for (;;) {
        struct net_timer *due = NULL;
        for (struct net_timer *t = timers; t; t = t->next)
            if (t->deadline <= now_ns) {
                due = t;
                break;
            }
        if (!due)
            return;
        net_timer_cancel(due);
        due->fn(due->ctx);
    }
}
