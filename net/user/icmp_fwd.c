/* ICMP echo from the guest to outside addresses (RFC 792 echo/echo reply),
 * carried on the uplink's ICMP echo datagram sockets (net_host.h
 * HSOCK_ICMP; hosted: Linux "ping" sockets where net.ipv4.ping_group_range
 * allows them, as libslirp does). One socket per (guest, destination,
 * identifier), closed after 10 s without traffic; the system picks the
 * identifier on the uplink, and replies get the guest's back. Where the
 * uplink has no such sockets the echo is dropped (and counted).
 *
 * Errors: destination unreachable that the uplink reports for an echo
 * (hsock_recv_icmp_error; hosted: IP_RECVERR on the ping socket) or a send
 * that fails for want of a route reaches the guest as destination
 * unreachable from the pinged address, quoting its echo request (libslirp's
 * icmp_receive and icmp_input do the same with the errno). A flow keeps its
 * last request's IP header and first 8 bytes for that. */
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define ICMP_MAX_FLOWS 64
#define ICMP_EXPIRE_MS 10000u

struct icmp_flow {
    struct unet *u;
    ip4_addr_t guest, dst;
    uint16_t id;             /* the guest's identifier (network order bytes) */
    struct hsock *s;
    uint32_t last_ms;
    uint8_t quote[60 + 8];   /* the last request's IP header and ICMP header */
    uint8_t quote_len;
    struct icmp_flow *next;
};

static void flow_free(struct icmp_flow *f)
{
    for (struct icmp_flow **pp = &f->u->icmp_flows; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    hsock_close(f->s);
    free(f);
}

static void sweep(void *arg)
{
    struct unet *u = arg;
    uint32_t now = sys_now();
    for (struct icmp_flow *f = u->icmp_flows, *next; f; f = next) {
        next = f->next;
        if (now - f->last_ms > ICMP_EXPIRE_MS)
            flow_free(f);
    }
    if (u->icmp_flows)
        sys_timeout(ICMP_EXPIRE_MS / 2, sweep, u);
}

/* Destination unreachable about the guest's echo request; echo: the request
 * as the uplink quoted it (its sequence number names the request; the
 * identifier is the uplink's), NULL for the last one. */
static void relay_unreach(struct icmp_flow *f, uint8_t code, const uint8_t *echo, size_t elen)
{
    uint8_t q[sizeof(f->quote)];
    size_t n = f->quote_len, ihl = n - 8;
    memcpy(q, f->quote, n);
    if (echo && elen >= 8 && memcmp(q + ihl + 6, echo + 6, 2)) {
        /* An earlier request: its sequence number, the checksum adjusted
         * for it (RFC 1624 eqn. 3), the guest's identifier kept. */
        uint32_t sum = (uint16_t)~(q[ihl + 2] << 8 | q[ihl + 3]);
        sum += (uint16_t)~(q[ihl + 6] << 8 | q[ihl + 7]);
        sum += (uint32_t)(echo[6] << 8 | echo[7]);
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        uint16_t c = (uint16_t)~sum;
        q[ihl + 2] = (uint8_t)(c >> 8);
        q[ihl + 3] = (uint8_t)c;
        q[ihl + 6] = echo[6];
        q[ihl + 7] = echo[7];
    }
    unet_icmp_error(f->u, 3, code, &f->dst, q, n, echo && elen > 8 ? echo + 8 : NULL,
                    echo && elen > 8 ? elen - 8 : 0);
}

static void flow_errors(struct icmp_flow *f)
{
    static uint8_t quoted[548];
    struct hsock_icmp_error e;
    size_t ql;
    for (int i = 0; i < 16 && hsock_recv_icmp_error(f->s, &e, quoted, sizeof(quoted), &ql) == 1; i++)
        if (e.type == 3 && e.code != 4)   /* as nat_udp.c: not "fragmentation needed" */
            relay_unreach(f, e.code, quoted, ql);
}

/* A reply from the uplink: back to the guest from the address it pinged. */
static void flow_cb(struct hsock *s, int ev, void *ctx)
{
    struct icmp_flow *f = ctx;
    static uint8_t buf[65536];
    if (ev & HSOCK_EV_ERROR)
        flow_errors(f);
    for (int i = 0; i < 16; i++) {
        struct hsock_addr from;
        ssize_t n = hsock_recvfrom(s, buf, sizeof(buf), &from);
        if (n == HSOCK_AGAIN)
            return;
        if (n == HSOCK_ERR)
            continue;   /* a reported error (EHOSTUNREACH...): see flow_errors */
        if (n < 8 || n > 0xffff - 20)
            return;
        if (buf[0] != 0)     /* only echo replies */
            continue;
        buf[4] = (uint8_t)(f->id >> 8);
        buf[5] = (uint8_t)f->id;
        buf[2] = buf[3] = 0;
        uint16_t c = inet_chksum(buf, (u16_t)n);
        memcpy(buf + 2, &c, 2);   /* inet_chksum is in network order */
        /* Replies above the link MTU leave as fragments (lwIP's ip4_frag).
         * A big one is a chain: the ICMP header with the IP header's room
         * in front, then the data (one pbuf of both plus that room would
         * overflow pbuf_alloc's u16_t length). */
        struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)(n > 0xff00 ? 8 : n), PBUF_RAM);
        if (p && n > 0xff00) {
            struct pbuf *rest = pbuf_alloc(PBUF_RAW, (u16_t)(n - 8), PBUF_RAM);
            if (rest)
                pbuf_cat(p, rest);
            else {
                pbuf_free(p);
                p = NULL;
            }
        }
        if (!p)
            return;
        pbuf_take(p, buf, (u16_t)n);
        f->last_ms = sys_now();
        ip4_output_if_src(p, &f->dst, &f->guest, 64, 0, IP_PROTO_ICMP, &f->u->netif);
        pbuf_free(p);
    }
}

void unet_icmp_fwd(struct unet *u, const uint8_t *iph, const ip4_addr_t *src, const ip4_addr_t *dst,
                   const uint8_t *icmp, size_t len)
{
    uint32_t up;
    if (len < 8 || icmp[0] != 8 || !unet_map_outbound(u, dst, &up)) {
        u->stat_dropped++;
        return;
    }
    uint16_t id = (uint16_t)(icmp[4] << 8 | icmp[5]);
    struct icmp_flow *f;
    int count = 0;
    for (f = u->icmp_flows; f; f = f->next, count++)
        if (f->id == id && ip4_addr_cmp(&f->guest, src) && ip4_addr_cmp(&f->dst, dst))
            break;
    if (!f) {
        if (count >= ICMP_MAX_FLOWS || !(f = calloc(1, sizeof(*f)))) {
            u->stat_dropped++;
            return;
        }
        f->s = hsock_open(HSOCK_INET, HSOCK_ICMP, flow_cb, f);
        if (!f->s) {         /* the uplink allows no ICMP sockets */
            free(f);
            u->stat_dropped++;
            return;
        }
        f->u = u;
        f->guest = *src;
        f->dst = *dst;
        f->id = id;
        hsock_setopt(f->s, HSOCK_OPT_RECVERR, 1);   /* may be refused: no errors then */
        hsock_want(f->s, HSOCK_EV_READ);
        if (!u->icmp_flows)
            sys_timeout(ICMP_EXPIRE_MS / 2, sweep, u);
        f->next = u->icmp_flows;
        u->icmp_flows = f;
    }
    f->last_ms = sys_now();
    size_t ihl = (size_t)(iph[0] & 15) * 4;
    f->quote_len = (uint8_t)(ihl + 8);
    memcpy(f->quote, iph, ihl + 8);
    struct hsock_addr to = {.family = HSOCK_INET, .ip = up, .port = 0};
    ssize_t n = hsock_sendto(f->s, icmp, len, &to);
    if (n < 0) {
        u->stat_dropped++;
        int code = n == HSOCK_ERR ? unet_icmp_unreach_code(hsock_error(f->s)) : -1;
        if (code >= 0)   /* no route: libslirp's icmp_input answers net unreachable */
            relay_unreach(f, (uint8_t)code, NULL, 0);
    }
}

void unet_icmp_fini(struct unet *u)
{
    sys_untimeout(sweep, u);
    while (u->icmp_flows)
        flow_free(u->icmp_flows);
}
