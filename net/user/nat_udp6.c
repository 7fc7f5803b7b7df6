/* UDP NAT for the guest's IPv6 datagrams (RFC 8200, RFC 768), as libslirp's
 * udp6: each guest source (address, port) gets one AF_INET6 uplink socket
 * (hsock HSOCK_INET6; where the uplink has none, bare metal, the datagram
 * is dropped and counted); the host address (ipv6-host) is the host's ::1,
 * answers come back from the address they came from (::1 as the host
 * address). Flows expire after 240 s idle, 10 s for DNS, as the IPv4 NAT
 * (nat_udp.c). Not made: ICMPv6 errors for the guest and replies longer
 * than one frame (no IPv6 fragments), both dropped and counted. */
#include <stdlib.h>
#include <string.h>

#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define UDP6_SWEEP_MS 1000u

struct nat_udp6_flow {
    struct unet *u;
    struct hsock *s;
    uint8_t guest[16];
    uint16_t guest_port;
    uint32_t last_ms, expire_ms;
    struct nat_udp6_flow *next;
};

static uint8_t dgram[65536];

static void flow_free(struct nat_udp6_flow *f)
{
    struct unet *u = f->u;
    for (struct nat_udp6_flow **pp = &u->udp6_flows; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    hsock_close(f->s);
    u->st.udp_live--;
    free(f);
}

static void flow_cb(struct hsock *s, int ev, void *ctx)
{
    (void)ev;
    struct nat_udp6_flow *f = ctx;
    struct unet *u = f->u;
    static const uint8_t loop6[16] = {[15] = 1};
    for (int i = 0; i < 64; i++) {
        struct hsock_addr from;
        ssize_t n = hsock_recvfrom(s, dgram, sizeof(dgram), &from);
        if (n == HSOCK_AGAIN)
            break;
        if (n < 0 || from.family != HSOCK_INET6)
            continue;
        const uint8_t *src = memcmp(from.ip6, loop6, 16) ? from.ip6 : u->cfg.ip6_host;
        unet_ip6_udp_to_guest(u, src, from.port, f->guest, f->guest_port, dgram, (size_t)n);
        f->last_ms = sys_now();
    }
}

/* The uplink address of a guest destination (libslirp's sotranslate_out;
 * TCP's too, nat_tcp.c):
 * the host address is ::1; the rest of the virtual prefix, link-local,
 * loopback, unspecified, multicast and IPv4-mapped addresses have no
 * uplink meaning. */
bool unet_map_outbound6(struct unet *u, const uint8_t *dst, uint8_t *up)
{
    static const uint8_t loop6[16] = {[15] = 1};
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    if (u->cfg.restrict_on)
        return false;
    if (!memcmp(dst, u->cfg.ip6_host, 16)) {
        memcpy(up, loop6, 16);
        return true;
    }
    int bits = u->cfg.ip6_prefixlen, full = bits / 8;
    bool in_prefix = !memcmp(dst, u->cfg.ip6_prefix, (size_t)full) &&
                     (bits % 8 == 0 || !((dst[full] ^ u->cfg.ip6_prefix[full]) >> (8 - bits % 8)));
    static const uint8_t zero[15];
    if (in_prefix || dst[0] == 0xff || (dst[0] == 0xfe && (dst[1] & 0xc0) == 0x80) ||
        (!memcmp(dst, zero, 15) && dst[15] <= 1) || !memcmp(dst, mapped, 12))
        return false;
#ifdef BAREMU_FUZZ
    return false;   /* the fuzzer's frames never leave loopback */
#endif
    memcpy(up, dst, 16);
    return true;
}

static void sweep(void *arg)
{
    struct unet *u = arg;
    uint32_t now = sys_now();
    struct nat_udp6_flow *f = u->udp6_flows, *next;
    for (; f; f = next) {
        next = f->next;
        if (now - f->last_ms > f->expire_ms)
            flow_free(f);
    }
    if (u->udp6_flows)
        sys_timeout(UDP6_SWEEP_MS, sweep, u);
}

bool unet_nat_udp6_input(struct unet *u, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len)
{
    uint8_t up[16];
    if (!unet_map_outbound6(u, dst, up))
        return false;
    struct nat_udp6_flow *f;
    int count = 0;
    for (f = u->udp6_flows; f; f = f->next, count++)
        if (!memcmp(f->guest, src, 16) && f->guest_port == sport)
            break;
    if (!f) {
        if (count >= u->st.udp_max) {
            u->st.udp_refused++;
            return true;
        }
        f = calloc(1, sizeof(*f));
        if (!f)
            return false;
        f->s = hsock_open(HSOCK_INET6, HSOCK_DGRAM, flow_cb, f);
        if (!f->s) {
            free(f);
            return false;   /* no IPv6 on the uplink */
        }
        f->u = u;
        memcpy(f->guest, src, 16);
        f->guest_port = sport;
        f->expire_ms = u->st.udp_expire_ms;
        hsock_want(f->s, HSOCK_EV_READ);
        if (!u->udp6_flows)
            sys_timeout(UDP6_SWEEP_MS, sweep, u);
        f->next = u->udp6_flows;
        u->udp6_flows = f;
        u->stat_udp_flows++;
        u->st.udp_live++;
    }
    uint32_t dns_ms = u->st.udp_expire_ms < UNET_DNS_EXPIRE_MS ? u->st.udp_expire_ms : UNET_DNS_EXPIRE_MS;
    if (dport == 53 && f->expire_ms == u->st.udp_expire_ms)
        f->expire_ms = dns_ms;
    else if (dport != 53)
        f->expire_ms = u->st.udp_expire_ms;
    f->last_ms = sys_now();
    struct hsock_addr to = {.family = HSOCK_INET6, .port = dport};
    memcpy(to.ip6, up, 16);
    if (hsock_sendto(f->s, data, len, &to) < 0)
        u->st.ip6_dropped++;   /* no route, or the uplink's buffer is full */
    return true;
}

void unet_nat_udp6_fini(struct unet *u)
{
    sys_untimeout(sweep, u);
    while (u->udp6_flows)
        flow_free(u->udp6_flows);
}
