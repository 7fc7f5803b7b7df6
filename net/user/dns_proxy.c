/* The DNS proxy at the DNS address (RFC 1035 over UDP): each guest query is
 * sent from its own uplink socket to the uplink's first resolver
 * (net_host_dns_servers) and the answer returned from DNS:53, untouched. A
 * truncated answer makes the guest retry over TCP to DNS:53, which the TCP
 * NAT carries to the same resolver (unet_map_outbound). When the uplink
 * reports the resolver unreachable (its port closed, no route), the guest
 * gets that destination unreachable from the DNS address, quoting its query
 * (icmp_error.c), and tries its next server at once, as through libslirp,
 * whose DNS address is a plain UDP NAT destination. Queries to the IPv6 DNS
 * address (ip6_gateway.c) take the same way to the same resolver and their
 * answers go back over IPv6 (no ICMPv6 error is made for them). */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/net_host.h"
#include "net/user/user.h"


struct dns_query {
    struct unet *u;
    struct hsock *s;
    ip4_addr_t guest;
    uint8_t guest6[16];      /* v6: the guest's IPv6 address */
    bool v6;
    uint16_t guest_port;
    uint8_t quote[60 + 8];   /* the query's IP and UDP headers, for an ICMP error */
    uint8_t quote_len;
    struct dns_query *next;
};

static uint8_t answer[65536];

static void query_expire(void *arg);

static void query_free(struct dns_query *q)
{
    sys_untimeout(query_expire, q);
    struct unet *u = q->u;
    for (struct dns_query **pp = &u->dns_queries; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    hsock_close(q->s);
    u->st.dns_live--;
    free(q);
}

static void query_expire(void *arg)
{
    query_free(arg);
}

/* Destination unreachable (code) about the guest's query, from the DNS address. */
static void query_unreach(struct dns_query *q, uint8_t code, const uint8_t *tail, size_t tlen)
{
    if (q->v6)
        return;
    unet_icmp_error(q->u, 3, code, &q->u->cfg.dns, q->quote, q->quote_len, tail, tlen);
}

static void query_cb(struct hsock *s, int ev, void *ctx)
{
    struct dns_query *q = ctx;
    if (ev & HSOCK_EV_ERROR) {
        static uint8_t quoted[548];
        struct hsock_icmp_error e;
        size_t ql;
        bool refused = false;
        while (hsock_recv_icmp_error(s, &e, quoted, sizeof(quoted), &ql) == 1)
            if (e.type == 3 && e.code != 4 && !refused) {   /* as nat_udp.c */
                query_unreach(q, e.code, quoted, ql);
                refused = true;
            }
        if (refused) {
            query_free(q);
            return;
        }
    }
    struct hsock_addr from;
    ssize_t n = hsock_recvfrom(s, answer, sizeof(answer), &from);
    if (n == HSOCK_AGAIN)
        return;
    if (n >= 12 && q->v6)
        unet_ip6_udp_to_guest(q->u, q->u->cfg.ip6_dns, 53, q->guest6, q->guest_port, answer, (size_t)n);
    else if (n >= 12)
        unet_udp_to_guest(q->u, &q->u->cfg.dns, 53, &q->guest, q->guest_port, answer, (size_t)n);
    query_free(q);
}

/* Sends the guest's query (the guest and quote fields of g) to the
 * uplink's first resolver on a socket of its own. */
static void query_start(struct unet *u, const struct dns_query *g, const uint8_t *req, size_t n)
{
    /* restrict=on cuts DNS like any other uplink traffic (libslirp keeps
     * only DHCP, TFTP and the forwards). */
    if (u->cfg.restrict_on)
        return;
    uint32_t ips[4];
    if (net_host_dns_servers(ips, 4) < 1)
        return;
    int count = 0;
    for (struct dns_query *q = u->dns_queries; q; q = q->next)
        count++;
    if (count >= u->st.dns_max) {
        u->st.dns_refused++;
        return;
    }
    struct dns_query *q = calloc(1, sizeof(*q));
    if (!q)
        return;
    q->s = hsock_open(HSOCK_INET, HSOCK_DGRAM, query_cb, q);
    if (!q->s) {
        free(q);
        return;
    }
    struct hsock *sock = q->s;
    *q = *g;
    q->s = sock;
    q->u = u;
    u->st.dns_live++;
    hsock_setopt(q->s, HSOCK_OPT_RECVERR, 1);   /* may be refused: no errors then */
    struct hsock_addr to = {.family = HSOCK_INET, .ip = ips[0], .port = 53};
    ssize_t sent = hsock_sendto(q->s, req, n, &to);
    if (sent < 0) {
        int code = sent == HSOCK_ERR ? unet_icmp_unreach_code(hsock_error(q->s)) : -1;
        if (code >= 0)   /* no route to the resolver */
            query_unreach(q, (uint8_t)code, req, n);
        u->st.dns_live--;
        hsock_close(q->s);
        free(q);
        return;
    }
    hsock_want(q->s, HSOCK_EV_READ);
    q->next = u->dns_queries;
    u->dns_queries = q;
    sys_timeout(UNET_DNS_EXPIRE_MS, query_expire, q);
}


static void dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct unet *u = arg;
    static uint8_t req[4096];
    u16_t n = pbuf_copy_partial(p, req, sizeof(req), 0);
    /* lwIP's current input: the IP header with the UDP header behind it,
     * in p's first pbuf; kept for an ICMP error before p goes. */
    uint8_t quote[60 + 8];
    size_t qlen = (size_t)IPH_HL_BYTES(ip4_current_header()) + 8;
    memcpy(quote, ip4_current_header(), qlen);
    pbuf_free(p);
    /* Only the DNS address serves DNS. */
    if (n < 12 || !ip4_addr_cmp(ip4_current_dest_addr(), &u->cfg.dns))
        return;
    struct dns_query g = {.guest = *ip_2_ip4(addr), .guest_port = port, .quote_len = (uint8_t)qlen};
    memcpy(g.quote, quote, qlen);
    query_start(u, &g, req, n);
}

void unet_dns6_query(struct unet *u, const uint8_t *guest6, uint16_t port, const uint8_t *req, size_t n)
{
    if (n < 12)
        return;
    struct dns_query g = {.v6 = true, .guest_port = port};
    memcpy(g.guest6, guest6, 16);
    query_start(u, &g, req, n);
}

int unet_dns_start(struct unet *u)
{
    u->dns_pcb = udp_new();
    if (!u->dns_pcb)
        return -1;
    ip_set_option(u->dns_pcb, SOF_REUSEADDR);
    udp_bind_netif(u->dns_pcb, &u->netif);
    if (udp_bind(u->dns_pcb, IP_ANY_TYPE, 53) != ERR_OK) {
        udp_remove(u->dns_pcb);
        u->dns_pcb = NULL;
        return -1;
    }
    udp_recv(u->dns_pcb, dns_recv, u);
    return 0;
}

void unet_dns_stop(struct unet *u)
{
    while (u->dns_queries)
        query_free(u->dns_queries);
    if (u->dns_pcb)
        udp_remove(u->dns_pcb);
    u->dns_pcb = NULL;
}
