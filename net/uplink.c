/* The uplink netif (see uplink.h): lwIP's NO_SYS integration
 * (doc/NO_SYS_SampleCode.c: frames in through netif->input, out through
 * linkoutput), DHCP (RFC 2131) or a static address, the TCP echo service
 * (RFC 862) and a ping client (RFC 792). */
#include "net/uplink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/prot/ip4.h"
#include "lwip/raw.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

struct uplink {
    struct netif netif;
    struct net_port port;
    struct uplink_config cfg;
    char name[16];
    uint8_t mac[6];
    int up;
    uint8_t txbuf[NET_FRAME_MAX > 1600 ? 1600 : NET_FRAME_MAX];
    /* ping client */
    struct raw_pcb *ping_pcb;
    uint16_t ping_seq, ping_id;
    int ping_sent, ping_replies;
    uint32_t ping_sent_ms;
    /* echo service */
    struct tcp_pcb *echo_listener;
    unsigned long echo_conns;
};

static void ip_str(uint32_t ip, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

int uplink_parse_ip(const char *s, uint32_t *ip, int *prefix)
{
    unsigned a, b, c, d;
    int n = 0, len = 32;
    if (sscanf(s, "%u.%u.%u.%u%n", &a, &b, &c, &d, &n) != 4 || a > 255 || b > 255 || c > 255 || d > 255)
        return -1;
    if (s[n] == '/') {
        char *end;
        long l = strtol(s + n + 1, &end, 10);
        if (*end || l < 0 || l > 32)
            return -1;
        len = (int)l;
    } else if (s[n]) {
        return -1;
    }
    *ip = a << 24 | b << 16 | c << 8 | d;
    if (prefix)
        *prefix = len;
    return 0;
}

/* Frames from the NIC: copied into a pbuf for lwIP (the port lends the buffer). */
static bool uplink_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct uplink *u = p->opaque;
    struct pbuf *pb = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!pb || len > 0xffff)
        return true;   /* dropped: lwIP is out of memory */
    pbuf_take(pb, frame, (u16_t)len);
    if (u->netif.input(pb, &u->netif) != ERR_OK)
        pbuf_free(pb);
    return true;
}

static void uplink_link_changed(struct net_port *p)
{
    struct uplink *u = p->opaque;
    bool down = p->link_down || (p->peer && p->peer->link_down);
    if (down)
        netif_set_link_down(&u->netif);
    else
        netif_set_link_up(&u->netif);
}

static void uplink_describe(struct net_port *p, char *buf, size_t len)
{
    struct uplink *u = p->opaque;
    char ip[16];
    ip_str(lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&u->netif))), ip, sizeof(ip));
    snprintf(buf, len, "uplink %s %s%s", u->name, ip, u->cfg.ip ? " (static)" : " (DHCP)");
}

static const struct net_port_ops uplink_port_ops = {
    .receive = uplink_receive,
    .link_changed = uplink_link_changed,
    .describe = uplink_describe,
};

static err_t uplink_linkoutput(struct netif *nif, struct pbuf *p)
{
    struct uplink *u = nif->state;
    if (p->tot_len > sizeof(u->txbuf))
        return ERR_BUF;
    u16_t n = pbuf_copy_partial(p, u->txbuf, p->tot_len, 0);
    net_port_send(&u->port, u->txbuf, n);
    return ERR_OK;
}

static err_t uplink_netif_init(struct netif *nif)
{
    struct uplink *u = nif->state;
    nif->name[0] = 'e';
    nif->name[1] = 'n';
    nif->output = etharp_output;
    nif->linkoutput = uplink_linkoutput;
    nif->mtu = 1500;
    nif->hwaddr_len = 6;
    memcpy(nif->hwaddr, u->mac, 6);
    nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP;
    return ERR_OK;
}

/* ---- ping client: ICMP echo requests, one a second ---- */

static u8_t ping_recv(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)pcb;
    struct uplink *u = arg;
    struct icmp_echo_hdr eh;
    /* The raw pcb sees the whole IP packet (RFC 791 header first). */
    if (p->tot_len < IP_HLEN + sizeof(eh))
        return 0;
    uint8_t vhl;
    pbuf_copy_partial(p, &vhl, 1, 0);
    u16_t hl = (u16_t)((vhl & 0x0f) * 4);
    uint8_t ttl;
    pbuf_copy_partial(p, &ttl, 1, 8);
    if (p->tot_len < hl + sizeof(eh) || pbuf_copy_partial(p, &eh, sizeof(eh), hl) != sizeof(eh))
        return 0;
    if (eh.type != ICMP_ER || eh.id != lwip_htons(u->ping_id))
        return 0;
    u->ping_replies++;
    char ip[16];
    ip_str(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), ip, sizeof(ip));
    LOGI("uplink", "ping %s: reply seq %u ttl %u time %u ms", ip, lwip_ntohs(eh.seqno), ttl,
         (unsigned)(sys_now() - u->ping_sent_ms));
    pbuf_free(p);
    return 1;
}

static void ping_send(void *arg)
{
    struct uplink *u = arg;
    if (u->ping_sent >= u->cfg.ping_count)
        return;
    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
    if (p) {
        struct icmp_echo_hdr *eh = p->payload;
        ICMPH_TYPE_SET(eh, ICMP_ECHO);
        ICMPH_CODE_SET(eh, 0);
        eh->id = lwip_htons(u->ping_id);
        eh->seqno = lwip_htons(++u->ping_seq);
        for (int i = 0; i < 32; i++)
            ((uint8_t *)(eh + 1))[i] = (uint8_t)('a' + i % 26);
        eh->chksum = 0;
        eh->chksum = inet_chksum(eh, p->len);
        ip_addr_t dst;
        ip_addr_set_ip4_u32_val(dst, lwip_htonl(u->cfg.ping_ip));
        u->ping_sent_ms = sys_now();
        raw_sendto(u->ping_pcb, p, &dst);
        pbuf_free(p);
        u->ping_sent++;
    }
    sys_timeout(1000, ping_send, u);
}

/* ---- TCP echo service (RFC 862) ---- */

static err_t echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    (void)arg;
    if (!p || err != ERR_OK) {
        if (p)
            pbuf_free(p);
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK)
            tcp_abort(pcb);
        return p ? ERR_ABRT : ERR_OK;
    }
    /* Echo what fits in the send buffer; the rest waits (not acknowledged to
     * the window) until a later segment: keep it simple by echoing all or
     * refusing the pbuf so lwIP redelivers it. */
    if (tcp_sndbuf(pcb) < p->tot_len)
        return ERR_MEM;
    for (struct pbuf *q = p; q; q = q->next)
        tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY);
    tcp_output(pcb);
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
}

static void echo_err(void *arg, err_t err)
{
    (void)arg; (void)err;
}

static err_t echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct uplink *u = arg;
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    u->echo_conns++;
    char ip[16];
    ip_str(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip))), ip, sizeof(ip));
    LOGI("uplink", "echo: connection %lu from %s:%u", u->echo_conns, ip, pcb->remote_port);
    tcp_arg(pcb, u);
    tcp_recv(pcb, echo_recv);
    tcp_err(pcb, echo_err);
    tcp_nagle_disable(pcb);
    return ERR_OK;
}

static void start_services(struct uplink *u)
{
    if (u->cfg.echo_port && !u->echo_listener) {
        struct tcp_pcb *pcb = tcp_new();
        if (pcb && tcp_bind(pcb, IP_ADDR_ANY, (u16_t)u->cfg.echo_port) == ERR_OK &&
            (u->echo_listener = tcp_listen(pcb))) {
            tcp_arg(u->echo_listener, u);
            tcp_accept(u->echo_listener, echo_accept);
            LOGI("uplink", "echo: TCP echo service on port %d", u->cfg.echo_port);
        } else {
            LOGE("uplink", "echo: cannot listen on TCP port %d", u->cfg.echo_port);
            if (pcb)
                tcp_close(pcb);
        }
    }
    if (u->cfg.ping_ip && !u->ping_pcb) {
        u->ping_pcb = raw_new(IP_PROTO_ICMP);
        if (u->ping_pcb) {
            u->ping_id = 0xbe01;
            raw_recv(u->ping_pcb, ping_recv, u);
            ping_send(u);
        }
    }
}

/* ---- resolver check: lwIP's DNS client (RFC 1035) on the configured or
 * DHCP-provided server, one line per name ---- */
static void resolve_log(const char *name, const ip_addr_t *addr)
{
    char a[16];
    if (addr && IP_IS_V4(addr)) {
        ip_str(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(addr))), a, sizeof(a));
        LOGI("uplink", "resolve %s: %s", name, a);
    } else {
        LOGI("uplink", "resolve %s: not found", name);
    }
}

static void resolve_found(const char *name, const ip_addr_t *addr, void *arg)
{
    (void)arg;
    resolve_log(name, addr);
}

static void start_resolves(struct uplink *u)
{
    for (int i = 0; i < u->cfg.nresolve; i++) {
        ip_addr_t a;
        err_t e = dns_gethostbyname(u->cfg.resolve[i], &a, resolve_found, u);
        if (e == ERR_OK)
            resolve_log(u->cfg.resolve[i], &a);
        else if (e != ERR_INPROGRESS)
            LOGE("uplink", "resolve %s: cannot start the query (lwIP error %d)", u->cfg.resolve[i], (int)e);
    }
}

static void uplink_status(struct netif *nif)
{
    struct uplink *u = nif->state;
    uint32_t ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(nif)));
    if (!ip)
        return;
    char a[16], m[16], g[16], d[16] = "none";
    ip_str(ip, a, sizeof(a));
    ip_str(lwip_ntohl(ip4_addr_get_u32(netif_ip4_netmask(nif))), m, sizeof(m));
    ip_str(lwip_ntohl(ip4_addr_get_u32(netif_ip4_gw(nif))), g, sizeof(g));
    const ip_addr_t *dns = dns_getserver(0);
    if (dns && ip4_addr_get_u32(ip_2_ip4(dns)))
        ip_str(lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(dns))), d, sizeof(d));
    LOGI("uplink", "%s: address %s netmask %s gateway %s dns %s (%s)", u->name, a, m, g, d,
         u->cfg.ip ? "static" : "DHCP lease");
    int first = !u->up;
    u->up = 1;
    start_services(u);
    if (first)
        start_resolves(u);
}

struct uplink *uplink_create(const char *name, const uint8_t mac[6], const struct uplink_config *cfg,
                             struct net_port **port)
{
    struct uplink *u = calloc(1, sizeof(*u));
    if (!u)
        return NULL;
    u->cfg = *cfg;
    if (!u->cfg.ping_count)
        u->cfg.ping_count = 3;
    snprintf(u->name, sizeof(u->name), "%s", name);
    memcpy(u->mac, mac, 6);
    char id[64];
    snprintf(id, sizeof(id), "uplink-%s", name);
    if (net_port_register(&u->port, &uplink_port_ops, "uplink", id, u) != 0) {
        free(u);
        return NULL;
    }
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_htonl(cfg->ip));
    ip4_addr_set_u32(&mask, lwip_htonl(cfg->netmask));
    ip4_addr_set_u32(&gw, lwip_htonl(cfg->gw));
    if (!netif_add(&u->netif, &ip, &mask, &gw, u, uplink_netif_init, ethernet_input)) {
        net_port_unregister(&u->port);
        free(u);
        return NULL;
    }
    netif_set_status_callback(&u->netif, uplink_status);
    if (!netif_default)
        netif_set_default(&u->netif);
    if (cfg->dns) {
        ip_addr_t d;
        ip_addr_set_ip4_u32_val(d, lwip_htonl(cfg->dns));
        dns_setserver(0, &d);
    }
    netif_set_link_up(&u->netif);
    netif_set_up(&u->netif);
    if (!cfg->ip)
        dhcp_start(&u->netif);
    *port = &u->port;
    return u;
}

int uplink_is_up(const struct uplink *u)
{
    return u->up;
}

uint32_t uplink_ip(const struct uplink *u)
{
    return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&u->netif)));
}
