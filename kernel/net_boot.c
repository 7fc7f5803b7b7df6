/* Bare-metal network bring-up from the config: lwIP, the real NICs
 * (drivers/net/nic.h) and the uplink netif on the one chosen by -uplink
 * (default eth0, DHCP), with its optional echo service and ping. */
#include "kernel/net_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "drivers/net/nic.h"
#include "lwip/init.h"
#include "net/uplink.h"

static struct uplink *the_uplink;

/* -uplink ethN|MAC|none[,ip=A/N][,gw=G][,dns=D]: fills cfg and *which. */
static int parse_uplink(const char *arg, const char *origin, char *which, size_t wlen, struct uplink_config *cfg)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", arg);
    char *save = NULL, *tok = strtok_r(buf, ",", &save);
    if (!tok) {
        LOGE("config", "%s: -uplink: expected ethN, a MAC or none", origin);
        return -1;
    }
    snprintf(which, wlen, "%s", tok);
    while ((tok = strtok_r(NULL, ",", &save))) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            LOGE("config", "%s: -uplink: '%s' is not KEY=VALUE", origin, tok);
            return -1;
        }
        *eq = 0;
        const char *v = eq + 1;
        int prefix = 24;
        uint32_t ip;
        if (uplink_parse_ip(v, &ip, !strcmp(tok, "ip") ? &prefix : NULL) != 0) {
            LOGE("config", "%s: -uplink: %s=%s is not an IPv4 address", origin, tok, v);
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
            LOGE("config", "%s: -uplink: unknown key %s (ip, gw, dns)", origin, tok);
            return -1;
        }
    }
    return 0;
}

int net_boot(struct options *o)
{
    struct uplink_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    char which[64] = "eth0";
    int cursor = 0;
    const struct option_item *it, *last = NULL;
    while ((it = options_next(o, "uplink", &cursor)))
        last = it;
    if (last && parse_uplink(last->arg, last->origin, which, sizeof(which), &cfg) != 0)
        return -1;
    if (options_flag(o, "uplink-echo"))
        cfg.echo_port = 7;
    cursor = 0;
    last = NULL;
    while ((it = options_next(o, "uplink-ping", &cursor)))
        last = it;
    if (last && uplink_parse_ip(last->arg, &cfg.ping_ip, NULL) != 0) {
        LOGE("config", "%s: -uplink-ping %s: expected an IPv4 address", last->origin, last->arg);
        return -1;
    }
    int force_poll = options_flag(o, "nic-poll");

    lwip_init();
    nic_probe_all(force_poll);
    if (!strcmp(which, "none"))
        return 0;
    struct nic *n = nic_find(which);
    if (!n) {
        if (nic_count || strcmp(which, "eth0"))
            LOGW("uplink", "no NIC named %s: no uplink", which);
        return 0;
    }
    struct net_port *port;
    the_uplink = uplink_create(n->name, n->mac, &cfg, &port);
    if (!the_uplink || net_port_connect(&n->port, port) != 0) {
        LOGE("uplink", "%s: cannot create the uplink", n->name);
        return 0;
    }
    if (cfg.ip) {
        LOGI("uplink", "%s: static address configured", n->name);
    } else {
        LOGI("uplink", "%s: DHCP client started", n->name);
    }
    return 0;
}
