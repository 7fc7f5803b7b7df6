/* The -netdev user backend: builds a user-mode network from its options
 * (QEMU's -netdev user), wires its port to the lwIP netif and starts the
 * services (DHCP, DNS, TFTP), the NAT and the host forwards; and tears it
 * all down again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/qopts.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/user/user.h"

static struct unet *all_unets;

struct unet *unet_first(void)
{
    return all_unets;
}

struct unet *unet_of_netif(struct netif *n)
{
    for (struct unet *u = all_unets; u; u = u->next)
        if (&u->netif == n)
            return u;
    return NULL;
}

static void unet_describe(struct net_port *p, char *buf, size_t len)
{
    struct unet *u = p->opaque;
    char net[16], host[16];
    ip4addr_ntoa_r(&u->cfg.net, net, sizeof(net));
    ip4addr_ntoa_r(&u->cfg.host, host, sizeof(host));
    snprintf(buf, len, "user,net=%s,host=%s,restrict=%s (tcp %llu, udp %llu, dropped %llu)", net,
             host, u->cfg.restrict_on ? "on" : "off", (unsigned long long)u->stat_tcp_conns,
             (unsigned long long)u->stat_udp_flows, (unsigned long long)u->stat_dropped);
}

static void unet_port_destroy(struct net_port *p)
{
    /* the owner frees through unet_destroy */
}

static const struct net_port_ops unet_ops = {
    .receive = unet_receive,
    .describe = unet_describe,
    .destroy = unet_port_destroy,
};

static void teardown(struct unet *u)
{
    unet_hostfwd_fini(u);
    unet_nat_tcp_fini(u);
    unet_nat_udp_fini(u);
    unet_tftp_stop(u);
    unet_dns_stop(u);
    unet_dhcp_stop(u);
    if (u->udp_out_pcb)
        udp_remove(u->udp_out_pcb);
    u->udp_out_pcb = NULL;
}

struct unet *unet_create(struct qopts *o, const char *id, char *err, size_t errlen)
{
    struct unet *u = calloc(1, sizeof(*u));
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (unet_config_parse(&u->cfg, o, err, errlen) < 0) {
        free(u);
        return NULL;
    }
    if (qopts_has(o, "guestfwd")) {
        (void)qopts_get(o, "guestfwd");
        snprintf(err, errlen, "guestfwd= is not supported yet");
        free(u);
        return NULL;
    }
    if (!id)
        id = qopts_get(o, "id");
    char gen[32];
    if (!id) {
        static int seq;
        snprintf(gen, sizeof(gen), "user.%d", seq++);
        id = gen;
    }
    if (net_port_register(&u->port, &unet_ops, "user", id, u) < 0) {
        snprintf(err, errlen, "Duplicate ID '%s' for netdev", id);
        free(u);
        return NULL;
    }
    if (unet_netif_init(u) < 0) {
        snprintf(err, errlen, "user: cannot create the network interface");
        net_port_unregister(&u->port);
        free(u);
        return NULL;
    }
    u->next = all_unets;
    all_unets = u;
    unet_timer_kick();
    u->udp_out_pcb = udp_new();
    if (!u->udp_out_pcb || unet_dhcp_start(u) < 0 || unet_dns_start(u) < 0 || unet_tftp_start(u) < 0) {
        snprintf(err, errlen, "user: cannot start the DHCP, DNS or TFTP service");
        unet_destroy(u);
        return NULL;
    }
    int cur = 0;
    const char *fwd;
    while ((fwd = qopts_next(o, "hostfwd", &cur)))
        if (unet_hostfwd_add(u, fwd, err, errlen) < 0) {
            unet_destroy(u);
            return NULL;
        }
    return u;
}

struct unet *unet_create_str(const char *opts, char *err, size_t errlen)
{
    struct qopts o;
    if (qopts_parse(&o, "netdev", opts, "type", err, errlen) < 0)
        return NULL;
    const char *type = qopts_get(&o, "type");
    struct unet *u = NULL;
    if (!type || strcmp(type, "user")) {
        snprintf(err, errlen, "netdev: type must be 'user'");
    } else if ((u = unet_create(&o, NULL, err, errlen)) && qopts_check_unused(&o, err, errlen) < 0) {
        unet_destroy(u);
        u = NULL;
    }
    qopts_free(&o);
    return u;
}

void unet_destroy(struct unet *u)
{
    if (!u)
        return;
    teardown(u);
    for (struct unet **pp = &all_unets; *pp; pp = &(*pp)->next)
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    unet_netif_fini(u);
    net_port_unregister(&u->port);
    free(u);
    unet_timer_kick();
}

struct net_port *unet_port(struct unet *u)
{
    return &u->port;
}

void unet_poll_timers(void)
{
    sys_check_timeouts();
}

uint32_t unet_timer_interval_ms(void)
{
    uint32_t t = sys_timeouts_sleeptime();
    return t == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 1000u : t;
}
