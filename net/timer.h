/* One-shot timers for the network layer (reconnect delays), kept on a list
 * and run by the event loop, which asks net_timers_next() how long it may
 * sleep. Times are plat_now_ns() values. */
#ifndef BAREMU_NET_TIMER_H
#define BAREMU_NET_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct net_timer {
    uint64_t deadline;
    void (*fn)(void *ctx);
    void *ctx;
    bool armed;
    struct net_timer *next;
};

void net_timer_init(struct net_timer *t, void (*fn)(void *ctx), void *ctx);
void net_timer_arm(struct net_timer *t, uint64_t deadline_ns);
void net_timer_cancel(struct net_timer *t);
/* The earliest armed deadline, or UINT64_MAX. */
uint64_t net_timers_next(void);
/* Fires every timer due at now (each one once; a callback may re-arm). */
void net_timers_run(uint64_t now_ns);

#endif
