/* The DNS proxy at the DNS address (RFC 1035 over UDP): each guest query is
 * sent from its own uplink socket to the uplink's first resolver
 * (net_host_dns_servers) and the answer returned from DNS:53, untouched. A
 * truncated answer makes the guest retry over TCP to DNS:53, which the TCP
 * NAT carries to the same resolver (unet_map_outbound). */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/ip.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define DNS_MAX_QUERIES 256

struct dns_query {
    struct unet *u;
    struct hsock *s;
    ip4_addr_t guest;
    uint16_t guest_port;
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
    free(q);
}

static void query_expire(void *arg)
{
    query_free(arg);
}

static void query_cb(struct hsock *s, int ev, void *ctx)
{
    struct dns_query *q = ctx;
    struct hsock_addr from;
    ssize_t n = hsock_recvfrom(s, answer, sizeof(answer), &from);
    if (n == HSOCK_AGAIN)
        return;
    if (n >= 12)
        unet_udp_to_guest(q->u, &q->u->cfg.dns, 53, &q->guest, q->guest_port, answer, (size_t)n);
    query_free(q);
}

static void dns_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct unet *u = arg;
    static uint8_t req[4096];
    u16_t n = pbuf_copy_partial(p, req, sizeof(req), 0);
    pbuf_free(p);
    /* Only the DNS address serves DNS. restrict=on cuts it like any other
     * uplink traffic (libslirp keeps only DHCP, TFTP and the forwards). */
    if (n < 12 || u->cfg.restrict_on || !ip4_addr_cmp(ip4_current_dest_addr(), &u->cfg.dns))
        return;
    uint32_t ips[4];
    if (net_host_dns_servers(ips, 4) < 1)
        return;
    int count = 0;
    for (struct dns_query *q = u->dns_queries; q; q = q->next)
        count++;
    if (count >= DNS_MAX_QUERIES)
        return;
    struct dns_query *q = calloc(1, sizeof(*q));
    if (!q)
        return;
    q->s = hsock_open(HSOCK_INET, HSOCK_DGRAM, query_cb, q);
    if (!q->s) {
        free(q);
        return;
    }
    q->u = u;
    q->guest = *ip_2_ip4(addr);
    q->guest_port = port;
    struct hsock_addr to = {.family = HSOCK_INET, .ip = ips[0], .port = 53};
    if (hsock_sendto(q->s, req, n, &to) < 0) {
        hsock_close(q->s);
        free(q);
        return;
    }
    hsock_want(q->s, HSOCK_EV_READ);
    q->next = u->dns_queries;
    u->dns_queries = q;
    sys_timeout(UNET_DNS_EXPIRE_MS, query_expire, q);
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
