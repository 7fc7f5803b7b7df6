/* The -netdev user backend: builds a user-mode network from its options
 * (QEMU's -netdev user), wires its port to the lwIP netif and starts the
 * services (DHCP, DNS, TFTP), the NAT and the host forwards; and tears it
 * all down again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/qopts.h"
#include "lwip/sys.h"
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
    const struct unet_stats *s = &u->st;
    snprintf(buf, len,
             "user,net=%s,host=%s,restrict=%s tcp %d/%d (held %d/%d, total %llu, refused %llu) "
             "udp %d/%d (total %llu, refused %llu) dns %d/%d (refused %llu) "
             "tftp %d/%d (refused %llu) frag %d/%d (whole %llu, bad %llu, expired %llu, "
             "refused %llu) icmperr %llu (limited %llu) dropped %llu ip6 %s (ra %llu na %llu "
             "echo %llu tcp-reset %llu bad %llu dropped %llu) tcp-acks-merged %llu",
             net, host, u->cfg.restrict_on ? "on" : "off", s->tcp_live, s->tcp_max, s->tcp_held,
             s->tcp_held_max, (unsigned long long)u->stat_tcp_conns,
             (unsigned long long)s->tcp_refused, s->udp_live, s->udp_max,
             (unsigned long long)u->stat_udp_flows, (unsigned long long)s->udp_refused, s->dns_live,
             s->dns_max, (unsigned long long)s->dns_refused, s->tftp_live, s->tftp_max,
             (unsigned long long)s->tftp_refused, s->frag_live, s->frag_max,
             (unsigned long long)s->frag_total, (unsigned long long)s->frag_bad,
             (unsigned long long)s->frag_expired, (unsigned long long)s->frag_refused,
             (unsigned long long)s->icmperr_sent, (unsigned long long)s->icmperr_limited,
             (unsigned long long)u->stat_dropped, u->cfg.ipv6 ? "on" : "off",
             (unsigned long long)s->ip6_ra_sent, (unsigned long long)s->ip6_na_sent,
             (unsigned long long)s->ip6_echo_sent, (unsigned long long)s->ip6_tcp_reset,
             (unsigned long long)s->ip6_bad,
             (unsigned long long)s->ip6_dropped, (unsigned long long)s->tcp_acks_merged);
}

void unet_get_stats(struct unet *u, struct unet_stats *st)
{
    *st = u->st;
    st->tcp_total = u->stat_tcp_conns;
    st->udp_total = u->stat_udp_flows;
    st->dropped = u->stat_dropped;
    st->tftp_live = u->tftp_count;
}

void unet_set_udp_expiry(struct unet *u, uint32_t ms)
{
    u->st.udp_expire_ms = ms ? ms : UNET_UDP_EXPIRE_MS;
}

void unet_set_frag_limits(struct unet *u, int datagrams, size_t bytes, uint32_t expire_ms)
{
    if (datagrams > 0)
        u->st.frag_max = datagrams;
    /* Never below one datagram of the largest size. */
    if (bytes >= 65535u + 74u)
        u->st.frag_bytes_max = bytes;
    if (expire_ms > 0)
        u->st.frag_expire_ms = expire_ms;
}

void unet_set_icmp_error_limit(struct unet *u, uint32_t burst, uint32_t interval_ms)
{
    if (burst) {
        u->st.icmperr_burst = burst;
        u->icmperr_tokens = burst;
    }
    if (interval_ms)
        u->st.icmperr_interval_ms = interval_ms == UINT32_MAX ? 0 : interval_ms;
    u->icmperr_last_ms = sys_now();
}

void unet_set_limits(struct unet *u, int tcp, int tcp_held, int udp, int dns, int tftp)
{
    if (tcp > 0)
        u->st.tcp_max = tcp;
    if (tcp_held > 0)
        u->st.tcp_held_max = tcp_held;
    if (udp > 0)
        u->st.udp_max = udp;
    if (dns > 0)
        u->st.dns_max = dns;
    if (tftp > 0)
        u->st.tftp_max = tftp;
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
    unet_ip6_stop(u);
    unet_hostfwd_fini(u);
    unet_guestfwd_fini(u);
    unet_icmp_fini(u);
    unet_reass_fini(u);
    unet_nat_tcp_fini(u);
    unet_nat_udp_fini(u);
    unet_nat_udp6_fini(u);
    unet_tftp_stop(u);
    unet_dns_stop(u);
    unet_dhcp_stop(u);
    if (u->udp_out_pcb)
        udp_remove(u->udp_out_pcb);
    u->udp_out_pcb = NULL;
}

/* QEMU's -netdev user keys (qapi NetdevUserOptions); an unknown one is
 * refused first, with QEMU's message. Keys a front end already took (-nic's
 * model= and mac=) are not ours to judge. */
static int check_keys(struct qopts *o, char *err, size_t errlen)
{
    static const char *const known[] = {
        "type", "id", "net", "host", "dhcpstart", "dns", "dnssearch", "domainname", "hostname",
        "tftp", "tftp-server-name", "bootfile", "hostfwd", "guestfwd", "restrict", "ipv4",
        "ipv6", "ipv6-net", "ipv6-prefix", "ipv6-prefixlen", "ipv6-host", "ipv6-dns", "smb",
        "smbserver", "ip",
    };
    for (int i = 0; i < o->count; i++) {
        bool ok = o->items[i].used;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]) && !ok; k++)
            ok = !strcmp(o->items[i].key, known[k]);
        if (!ok) {
            snprintf(err, errlen, "Invalid parameter '%s'", o->items[i].key);
            for (int j = 0; j < o->count; j++)
                o->items[j].used = true;   /* reported here, not again by the registry */
            return -1;
        }
    }
    return 0;
}

struct unet *unet_create(struct qopts *o, const char *id, char *err, size_t errlen)
{
    if (check_keys(o, err, errlen) < 0)
        return NULL;
    struct unet *u = calloc(1, sizeof(*u));
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    unet_ack_init(u);
    u->st.tcp_max = UNET_MAX_TCP;
    u->st.tcp_held_max = UNET_MAX_TCP_HELD;
    u->st.udp_max = UNET_MAX_UDP;
    u->st.dns_max = UNET_MAX_DNS;
    u->st.tftp_max = UNET_MAX_TFTP;
    u->st.udp_expire_ms = UNET_UDP_EXPIRE_MS;
    u->st.frag_max = UNET_REASS_MAX;
    u->st.frag_bytes_max = UNET_REASS_BYTES;
    u->st.frag_expire_ms = UNET_REASS_AGE_MS;
    u->st.icmperr_burst = u->icmperr_tokens = UNET_ICMPERR_BURST;
    u->st.icmperr_interval_ms = UNET_ICMPERR_INTERVAL_MS;
    u->icmperr_last_ms = sys_now();
    if (unet_config_parse(&u->cfg, o, err, errlen) < 0) {
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
    unet_ip6_start(u);
    unet_timer_kick();
    u->udp_out_pcb = udp_new();
    if (!u->udp_out_pcb || unet_dhcp_start(u) < 0 || unet_dns_start(u) < 0 || unet_tftp_start(u) < 0) {
        snprintf(err, errlen, "user: cannot start the DHCP, DNS or TFTP service");
        unet_destroy(u);
        return NULL;
    }
    /* QEMU sets hostfwd rules up last first (a prepended list): the same
     * rule fails first, with the same message. */
    const char *fwds[UNET_MAX_FWD];
    int n = 0, cur = 0;
    const char *fwd;
    while ((fwd = qopts_next(o, "hostfwd", &cur)))
        if (n < UNET_MAX_FWD) {
            fwds[n++] = fwd;
        } else {
            snprintf(err, errlen, "more than %d hostfwd rules", UNET_MAX_FWD);
            unet_destroy(u);
            return NULL;
        }
    while (n-- > 0)
        if (unet_hostfwd_add(u, fwds[n], err, errlen) < 0) {
            unet_destroy(u);
            return NULL;
        }
    cur = 0;
    while ((fwd = qopts_next(o, "guestfwd", &cur)))
        if (unet_guestfwd_add(u, fwd, err, errlen) < 0) {
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
    unet_ack_fini(u);   /* after everything that may still send to the guest */
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
