/* UDP NAT: each guest source (address, port) gets one uplink socket that
 * sends to any destination; answers come back to the guest from the address
 * they came from (the host's loopback appears as the host address), like
 * libslirp's udp sockets. Flows expire after 240 s idle (10 s for DNS).
 *
 * ICMP errors: the uplink reports destination unreachable for a datagram
 * (hsock_recv_icmp_error, where it can: hosted Linux's IP_RECVERR), or a
 * send fails with no route; the guest then gets the ICMP error (RFC 792)
 * from the address it sent to, quoting its own datagram's header (as
 * libslirp's sorecvfrom/udp_input send icmp_send_error), so a resolver or
 * `nc -u` to a closed port fails at once instead of waiting. A flow keeps
 * the IP + UDP headers of its last datagrams to the last UDP_QUOTES
 * destinations for that. */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/def.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define UDP_SWEEP_MS  1000u
#define UDP_QUOTES    4

/* The guest's IP header (up to 60 bytes) and UDP header of its last
 * datagram to one uplink destination: what an ICMP error quotes. */
struct udp_quote {
    uint32_t up_ip;          /* uplink destination, host order (0 = unused) */
    uint16_t up_port;
    uint8_t len;
    uint8_t b[60 + 8];
};

struct nat_udp_flow {
    struct unet *u;
    struct hsock *s;
    ip4_addr_t guest;
    uint16_t guest_port;
    uint32_t last_ms, expire_ms;
    struct udp_quote q[UDP_QUOTES];
    unsigned q_next;
    struct nat_udp_flow *next;
};

static uint8_t dgram[65536];

void unet_udp_to_guest(struct unet *u, const ip4_addr_t *src, uint16_t sport,
                       const ip4_addr_t *dst, uint16_t dport, const void *data, size_t len)
{
    if (len > 65507)
        return;
    /* Above the link MTU lwIP's ip4_frag sends it as fragments (IP_FRAG).
     * Headers' room in front would overflow pbuf_alloc's u16_t length near
     * 65507 bytes: a big payload gets no room, and udp_sendto chains a
     * header pbuf in front of it. */
    struct pbuf *p = pbuf_alloc(len > 0xff00 ? PBUF_RAW : PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p) {
        u->stat_dropped++;
        return;
    }
    pbuf_take(p, data, (u16_t)len);
    /* The send-only pcb is never in lwIP's bound list, so giving it any
     * source port for this one datagram disturbs nothing. */
    u->udp_out_pcb->local_port = sport;
    ip_addr_t s, d;
    ip_addr_copy_from_ip4(s, *src);
    ip_addr_copy_from_ip4(d, *dst);
    udp_sendto_if_src(u->udp_out_pcb, p, &d, dport, &u->netif, &s);
    pbuf_free(p);
}

static void flow_free(struct nat_udp_flow *f)
{
    struct unet *u = f->u;
    for (struct nat_udp_flow **pp = &u->udp_flows; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    hsock_close(f->s);
    u->st.udp_live--;
    free(f);
}

static struct udp_quote *quote_of(struct nat_udp_flow *f, uint32_t up_ip, uint16_t up_port)
{
    for (unsigned i = 0; i < UDP_QUOTES; i++)
        if (f->q[i].len && f->q[i].up_ip == up_ip && f->q[i].up_port == up_port)
            return &f->q[i];
    return NULL;
}

/* Destination unreachable for the guest's datagram to (up_ip, up_port),
 * quoting its headers and the payload the uplink quoted back (tail). */
static void relay_unreach(struct nat_udp_flow *f, uint32_t up_ip, uint16_t up_port, uint8_t code,
                          const uint8_t *tail, size_t tlen)
{
    const struct udp_quote *q = quote_of(f, up_ip, up_port);
    if (!q)
        return;
    ip4_addr_t from;
    memcpy(&from, q->b + 16, 4);   /* the address the guest sent to */
    unet_icmp_error(f->u, 3, code, &from, q->b, q->len, tail, tlen);
}

static void flow_errors(struct nat_udp_flow *f)
{
    static uint8_t quoted[548];
    struct hsock_icmp_error e;
    size_t ql;
    for (int i = 0; i < 64 && hsock_recv_icmp_error(f->s, &e, quoted, sizeof(quoted), &ql) == 1; i++) {
        /* Destination unreachable only. "Fragmentation needed" is about
         * the uplink's datagrams, which the NAT sizes, not the guest's;
         * time exceeded is about the uplink's TTL, not the guest's. */
        if (e.type != 3 || e.code == 4)
            continue;
        relay_unreach(f, e.dst, e.dport, e.code, quoted, ql);
    }
}

static void flow_cb(struct hsock *s, int ev, void *ctx)
{
    struct nat_udp_flow *f = ctx;
    struct unet *u = f->u;
    if (ev & HSOCK_EV_ERROR)
        flow_errors(f);
    for (int i = 0; i < 64; i++) {
        struct hsock_addr from;
        ssize_t n = hsock_recvfrom(s, dgram, sizeof(dgram), &from);
        if (n == HSOCK_AGAIN)
            break;
        if (n < 0)
            continue;   /* a reported ICMP error (ECONNREFUSED): see flow_errors */
        if (from.family != HSOCK_INET)
            continue;
        ip4_addr_t src;
        ip4_addr_set_u32(&src, lwip_htonl(from.ip));
        if ((from.ip >> 24) == 127)
            src = u->cfg.host;   /* the host's loopback is the host address to the guest */
        unet_udp_to_guest(u, &src, from.port, &f->guest, f->guest_port, dgram, (size_t)n);
        f->last_ms = sys_now();
    }
}

bool unet_map_outbound(struct unet *u, const ip4_addr_t *dst, uint32_t *uplink_ip)
{
    if (u->cfg.restrict_on)
        return false;
    uint32_t d = ip4_addr_get_u32(dst);
    if (d == ip4_addr_get_u32(&u->cfg.host)) {
        *uplink_ip = 0x7f000001u;
        return true;
    }
    if (d == ip4_addr_get_u32(&u->cfg.dns)) {
        uint32_t ips[4];
        if (net_host_dns_servers(ips, 4) < 1)
            return false;
        *uplink_ip = ips[0];
        return true;
    }
    uint32_t h = lwip_ntohl(d);
    /* Other addresses of the virtual network, loopback, "this network",
     * multicast and broadcast have no uplink meaning. */
    if ((d & ip4_addr_get_u32(&u->cfg.mask)) == ip4_addr_get_u32(&u->cfg.net) || (h >> 24) == 127 ||
        (h >> 24) == 0 || h >= 0xe0000000u)
        return false;
#ifdef BAREMU_FUZZ
    /* The fuzzer sends arbitrary guest frames: nothing may leave loopback. */
    return false;
#endif
    *uplink_ip = h;
    return true;
}

static void sweep(void *arg)
{
    struct unet *u = arg;
    uint32_t now = sys_now();
    struct nat_udp_flow *f = u->udp_flows, *next;
    for (; f; f = next) {
        next = f->next;
        if (now - f->last_ms > f->expire_ms)
            flow_free(f);
    }
    if (u->udp_flows)
        sys_timeout(UDP_SWEEP_MS, sweep, u);
}

void unet_nat_udp_input(struct unet *u, const uint8_t *iph, const ip4_addr_t *src, uint16_t sport,
                        const ip4_addr_t *dst, uint16_t dport, const uint8_t *data, size_t len)
{
    uint32_t up;
    if (!unet_map_outbound(u, dst, &up)) {
        u->stat_dropped++;
        return;
    }
    struct nat_udp_flow *f;
    int count = 0;
    for (f = u->udp_flows; f; f = f->next, count++)
        if (ip4_addr_cmp(&f->guest, src) && f->guest_port == sport)
            break;
    if (!f) {
        if (count >= u->st.udp_max) {
            u->st.udp_refused++;
            return;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
            return;
        f->s = hsock_open(HSOCK_INET, HSOCK_DGRAM, flow_cb, f);
        if (!f->s) {
            free(f);
            u->stat_dropped++;
            return;
        }
        f->u = u;
        f->guest = *src;
        f->guest_port = sport;
        f->expire_ms = u->st.udp_expire_ms;
        hsock_setopt(f->s, HSOCK_OPT_RECVERR, 1);   /* may be refused: no errors then */
        hsock_want(f->s, HSOCK_EV_READ);
        if (!u->udp_flows)
            sys_timeout(UDP_SWEEP_MS, sweep, u);
        f->next = u->udp_flows;
        u->udp_flows = f;
        u->stat_udp_flows++;
        u->st.udp_live++;
    }
    uint32_t dns_ms = u->st.udp_expire_ms < UNET_DNS_EXPIRE_MS ? u->st.udp_expire_ms : UNET_DNS_EXPIRE_MS;
    if (dport == 53 && f->expire_ms == u->st.udp_expire_ms)
        f->expire_ms = dns_ms;
    else if (dport != 53)
        f->expire_ms = u->st.udp_expire_ms;
    f->last_ms = sys_now();
    /* Remember the headers for an ICMP error about this destination. */
    struct udp_quote *q = quote_of(f, up, dport);
    if (!q) {
        q = &f->q[f->q_next];
        f->q_next = (f->q_next + 1) % UDP_QUOTES;
    }
    size_t ihl = (size_t)(iph[0] & 15) * 4;
    q->up_ip = up;
    q->up_port = dport;
    q->len = (uint8_t)(ihl + 8);
    memcpy(q->b, iph, ihl + 8);
    struct hsock_addr to = {.family = HSOCK_INET, .ip = up, .port = dport};
    ssize_t n = hsock_sendto(f->s, data, len, &to);
    if (n == HSOCK_ERR) {
        /* No route (libslirp's udp_input: net unreachable on a failed send). */
        int code = unet_icmp_unreach_code(hsock_error(f->s));
        if (code >= 0)
            relay_unreach(f, up, dport, (uint8_t)code, data, len);
        u->stat_dropped++;
    } else if (n < 0) {
        u->stat_dropped++;   /* the uplink's buffer is full: UDP may drop */
    }
}

void unet_nat_udp_fini(struct unet *u)
{
    sys_untimeout(sweep, u);
    while (u->udp_flows)
        flow_free(u->udp_flows);
}
