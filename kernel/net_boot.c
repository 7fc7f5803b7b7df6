/* Bare-metal network bring-up from the config: lwIP, the real NICs
 * (drivers/net/nic.h) and the uplink netif on the one chosen by -uplink
 * (default eth0, DHCP), with its optional echo service and ping. */
#include "kernel/net_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "drivers/net/nic.h"
#include "kernel/loop.h"
#include "kernel/timer.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/netdev.h"
#include "net/passthrough.h"
#include "net/timer.h"
#include "net/uplink.h"
#include "net/user/usernet.h"

static struct uplink *the_uplink;
static uint64_t stats_period_ns;

/* -nic-stats: the counters in the log, for tests and diagnostics. */
static int stats_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    static uint64_t due;
    if (!due)
        due = now + stats_period_ns;
    if (now >= due) {
        nic_report();
        due = now + stats_period_ns;
    }
    *next = due;
    return LOOP_IDLE;
}

/* -uplink ethN|MAC|none[,ip=A/N][,gw=G][,dns=D]: fills cfg and *which. */
static int parse_uplink(const char *arg, const char *origin, char *which, size_t wlen, struct uplink_config *cfg,
                        char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", arg);
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    if (!tok) {
        snprintf(err, errlen, "%s: -uplink: expected ethN, a MAC or none", origin);
        return -1;
    }
    snprintf(which, wlen, "%s", tok);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: -uplink: '%s' is not KEY=VALUE", origin, tok);
            return -1;
        }
        *eq = 0;
        const char *v = eq + 1;
        int prefix = 24;
        uint32_t ip;
        if (uplink_parse_ip(v, &ip, !strcmp(tok, "ip") ? &prefix : NULL) != 0) {
            snprintf(err, errlen, "%s: -uplink: %s=%s is not an IPv4 address", origin, tok, v);
            return -1;
        }
        if (!strcmp(tok, "ip")) {
            cfg->ip = ip;
            cfg->netmask = prefix ? 0xffffffffu << (32 - prefix) : 0;
        } else if (!strcmp(tok, "gw")) {
            cfg->gw = ip;
        } else if (!strcmp(tok, "dns")) {
            cfg->dns = ip;
        } else {
            snprintf(err, errlen, "%s: -uplink: unknown key %s (ip, gw, dns)", origin, tok);
            return -1;
        }
    }
    return 0;
}

/* The network layer's timers and host sockets (net_host_lwip.c) on the loop. */
static int netlayer_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    net_timers_run(now);
    int ran = net_host_poll(0);
    uint64_t t = net_timers_next();
    if (t < *next)
        *next = t;
    return ran ? LOOP_BUSY : LOOP_IDLE;
}

static const char *pt_resolve(const char *name)
{
    struct nic *n = nic_find(name);
    return n ? n->name : NULL;
}

static void pt_promisc(const char *id, int on)
{
    struct nic *n = nic_find(id);
    if (n && n->drv->ops->set_promisc) {
        n->drv->ops->set_promisc(n, on);
        LOGI("nic", "%s: promiscuous mode %s", n->name, on ? "on" : "off");
    } else if (n) {
        LOGW("nic", "%s: the %s driver has no promiscuous mode: only its own and group frames arrive", n->name,
             n->drv->family);
    }
}

static int pt_mac_of(const char *id, uint8_t mac[6])
{
    struct nic *n = nic_find(id);
    if (!n)
        return -1;
    memcpy(mac, n->mac, 6);
    return 0;
}

static const struct passthrough_platform pt_plat = {pt_resolve, pt_promisc, pt_mac_of};

static int has_net_options(struct options *o)
{
    for (int i = 0; i < o->count; i++) {
        const char *n = o->items[i].def->name;
        if (!strcmp(n, "netdev") || !strcmp(n, "net") || !strcmp(n, "nic") || !strcmp(n, "object"))
            return 1;
    }
    return 0;
}

/* Links named by address need the uplink's address first: wait for the DHCP
 * lease (up to 15 s) by polling the NICs and lwIP's timers directly. */
static void wait_for_uplink(void)
{
    if (!the_uplink || uplink_is_up(the_uplink))
        return;
    uint64_t end = timer_now_ns() + 15000000000ull;
    while (!uplink_is_up(the_uplink) && timer_now_ns() < end) {
        nic_poll_all();
        sys_check_timeouts();
        timer_udelay(200);
    }
    if (!uplink_is_up(the_uplink))
        LOGW("uplink", "no address after 15 s: configuring the network links anyway");
}

static int net_layer(struct options *o, char *err, size_t errlen)
{
    if (!has_net_options(o))
        return 0;
    wait_for_uplink();
    net_register_builtin_backends();
    unet_register();   /* -netdev user (net/user/) and its monitor commands */
    passthrough_register_backends(&pt_plat);
    if (net_configure(o, err, errlen) < 0)
        return -1;
    static const struct loop_hook h = {"net", netlayer_hook, NULL};
    loop_add(&h);
    return 0;
}

int net_boot(struct options *o, char *err, size_t errlen)
{
    struct uplink_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char which[64] = "eth0";
    int cursor = 0;
    const struct option_item *it, *last = NULL;
    while ((it = options_next(o, "uplink", &cursor)))
        last = it;
    if (last && parse_uplink(last->arg, last->origin, which, sizeof(which), &cfg, err, errlen) != 0)
        return -1;
    if (options_flag(o, "uplink-echo"))
        cfg.echo_port = 7;
    cursor = 0;
    last = NULL;
    while ((it = options_next(o, "uplink-ping", &cursor)))
        last = it;
    if (last && uplink_parse_ip(last->arg, &cfg.ping_ip, NULL) != 0) {
        snprintf(err, errlen, "%s: -uplink-ping %s: expected an IPv4 address", last->origin, last->arg);
        return -1;
    }
    cursor = 0;
    while ((it = options_next(o, "uplink-resolve", &cursor))) {
        if (cfg.nresolve == (int)(sizeof(cfg.resolve) / sizeof(cfg.resolve[0]))) {
            LOGE("config", "%s: -uplink-resolve %s: at most %d names", it->origin, it->arg, cfg.nresolve);
            return -1;
        }
        cfg.resolve[cfg.nresolve++] = strdup(it->arg);   /* lives as long as the uplink */
    }
    int force_poll = options_flag(o, "nic-poll");
    const char *st = options_last(o, "nic-stats");
    if (st) {
        char *end;
        long secs = strtol(st, &end, 10);
        if (*end || secs < 1 || secs > 86400) {
            snprintf(err, errlen, "-nic-stats %s: expected seconds (1..86400)", st);
            return -1;
        }
        stats_period_ns = (uint64_t)secs * 1000000000ull;
        static const struct loop_hook h = {"nic-stats", stats_hook, NULL};
        loop_add(&h);
    }

    lwip_init();
    nic_probe_all(force_poll);
    if (!strcmp(which, "none"))
        return net_layer(o, err, errlen);
    struct nic *n = nic_find(which);
    if (!n) {
        if (nic_count || strcmp(which, "eth0"))
            LOGW("uplink", "no NIC named %s: no uplink", which);
        return net_layer(o, err, errlen);
    }
    struct net_port *port;
    the_uplink = uplink_create(n->name, n->mac, &cfg, &port);
    if (!the_uplink || net_port_connect(&n->port, port) != 0) {
        LOGE("uplink", "%s: cannot create the uplink", n->name);
        return net_layer(o, err, errlen);
    }
    if (cfg.ip) {
        LOGI("uplink", "%s: static address configured", n->name);
    } else {
        LOGI("uplink", "%s: DHCP client started", n->name);
    }
    return net_layer(o, err, errlen);
}
