/* Plugs the user-mode network into the rest of baremu: the "user" backend
 * type of the netdev registry, the monitor's hostfwd_add/hostfwd_remove
 * (QEMU HMP syntax "hostfwd_add [netdev_id] tcp:...") and the net_timer that
 * runs lwIP's timeouts from the event loop. */
#include <stdio.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/monitor.h"
#include "lwip/timeouts.h"
#include "net/netdev.h"
#include "net/timer.h"
#include "net/user/user.h"

/* lwIP's timeouts are polled at least this often while a network exists, so
 * a timeout added from a socket callback is never late by more. */
#define UNET_TICK_MS 50u

static struct net_timer lwip_timer;
static bool lwip_timer_ready;

static void lwip_timer_fire(void *ctx)
{
    sys_check_timeouts();
    baremu_lwip_heap_trim();   /* idle frame buffers back to the C heap */
    unet_timer_kick();
}

void unet_timer_kick(void)
{
    if (!lwip_timer_ready) {
        net_timer_init(&lwip_timer, lwip_timer_fire, NULL);
        lwip_timer_ready = true;
    }
    if (!unet_first()) {
        net_timer_cancel(&lwip_timer);
        return;
    }
    uint32_t ms = unet_timer_interval_ms();
    if (ms > UNET_TICK_MS)
        ms = UNET_TICK_MS;
    uint64_t when = plat_now_ns() + (uint64_t)ms * 1000000u;
    if (!lwip_timer.armed || lwip_timer.deadline > when)
        net_timer_arm(&lwip_timer, when);
}

/* After a guest frame. The timer runs while a network exists and is never
 * more than UNET_TICK_MS away (lwIP's own timers are cyclic, TCP's 50 ms and
 * up), and every timeout a frame can start (TFTP's, DNS queries, the
 * sweeps) is a second or more, so an armed timer needs no earlier deadline:
 * this saves the two clock reads of unet_timer_kick per frame (~3% of a
 * bulk transfer's samples). */
void unet_timer_ensure(void)
{
    if (!lwip_timer_ready || !lwip_timer.armed)
        unet_timer_kick();
}

static int user_ctor(struct qopts *o, const char *id, struct net_port **out, char *err,
                     size_t errlen)
{
    struct unet *u = unet_create(o, id, err, errlen);
    if (!u)
        return -1;
    *out = unet_port(u);
    return 0;
}

/* "hostfwd_add [netdev_id] rule": with one argument, the first user network. */
static struct unet *pick(struct monitor *m, int argc, char **argv, const char **rule)
{
    if (argc == 2) {
        *rule = argv[1];
        if (!unet_first())
            mon_printf(m, "No usermode netdev found\n");
        return unet_first();
    }
    if (argc != 3) {
        mon_printf(m, "usage: %s [netdev_id] rule\n", argv[0]);
        return NULL;
    }
    *rule = argv[2];
    struct net_port *p = net_port_find(argv[1]);
    if (!p || strcmp(p->kind, "user")) {
        mon_printf(m, "unknown netdev: %s\n", argv[1]);
        return NULL;
    }
    return p->opaque;
}

static int cmd_hostfwd_add(struct monitor *m, int argc, char **argv)
{
    const char *rule;
    struct unet *u = pick(m, argc, argv, &rule);
    char err[256];
    if (!u)
        return -1;
    if (unet_hostfwd_add(u, rule, err, sizeof(err)) < 0) {
        mon_printf(m, "%s\n", err);
        return -1;
    }
    return 0;
}

static int cmd_hostfwd_remove(struct monitor *m, int argc, char **argv)
{
    const char *rule;
    struct unet *u = pick(m, argc, argv, &rule);
    char err[256];
    if (!u)
        return -1;
    if (unet_hostfwd_remove(u, rule, err, sizeof(err)) < 0) {
        mon_printf(m, "%s\n", err);
        return -1;
    }
    mon_printf(m, "host forwarding rule for %s removed\n", rule);
    return 0;
}

void unet_register(void)
{
    net_backend_register("user", user_ctor);
    monitor_register("hostfwd_add", "[netdev_id] [tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport",
                     "redirect TCP or UDP connections from host to guest", cmd_hostfwd_add);
    monitor_register("hostfwd_remove", "[netdev_id] [tcp|udp]:[hostaddr]:hostport",
                     "remove host-to-guest TCP or UDP redirection", cmd_hostfwd_remove);
}
