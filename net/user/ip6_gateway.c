/* The IPv6 side of a user-mode network, as libslirp serves it (our code;
 * lwIP's IPv6 only terminates TCP): the gateway's Neighbor Discovery (RFC 4861: Neighbor Advertisements
 * for the host, DNS and link-local router addresses, Router Advertisements on
 * a Router Solicitation and every 200-600 s, with the prefix information,
 * source link-layer and RDNSS options, RFC 8106), ICMPv6 echo to those
 * addresses (RFC 4443 4.1/4.2), UDP to the DNS address's port 53 handed
 * to the DNS proxy (dns_proxy.c), other UDP to the IPv6 NAT (nat_udp6.c),
 * TCP to lwIP's dual stack and the TCP relay (netif.c, nat_tcp.c). Every guest packet is checked first
 * (lengths, RFC 4443 2.3 / RFC 8200 8.1 checksums over the pseudo-header,
 * NDP's hop limit 255 and option lengths, RFC 4861 6.1.1/7.1.1); a bad one is
 * dropped and counted. Addresses and MACs follow libslirp: the router is
 * fe80::2, each virtual address answers from 52:56 followed by its last four
 * bytes. */
#include <string.h>

#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net/user/user.h"

#define ETH_HLEN  14
#define IP6_HLEN  40
#define NH_TCP    6
#define NH_UDP    17
#define NH_ICMP6  58
#define UNET_MTU6 1500

/* libslirp's router configuration (its ip6_icmp.h, RFC 4861 6.2.1 names). */
#define RA_HOP_LIMIT     64
#define RA_LIFETIME_S    1800u     /* 3 * MaxRtrAdvInterval (600 s) */
#define RA_MIN_MS        200000u   /* MinRtrAdvInterval: MaxRtrAdvInterval / 3 */
#define RA_MAX_MS        600000u
#define PREFIX_VALID_S   86400u
#define PREFIX_PREF_S    14400u
/* RFC 8106 5.1: at most 2 * MaxRtrAdvInterval. libslirp writes 1200000
 * here (its interval in ms taken as seconds); the RA repeats well inside
 * 1200 s, so the guest's entry never lapses. */
#define RDNSS_LIFETIME_S 1200u

static const uint8_t router_ll[16] = {0xfe, 0x80, [15] = 2};
static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};

static uint8_t out[ETH_HLEN + IP6_HLEN + UNET_MTU6];

static bool is_zero(const uint8_t *a)
{
    static const uint8_t z[16];
    return !memcmp(a, z, 16);
}

/* Whether a and b agree on their first bits bits (libslirp's in6_equal_net)
 * and, with mach, on the bits after them (in6_equal_mach). */
static bool same_bits(const uint8_t *a, const uint8_t *b, int bits, bool mach)
{
    for (int i = 0; i < 128; i++) {
        bool in_prefix = i < bits;
        if (in_prefix == mach)
            continue;
        if (((a[i / 8] ^ b[i / 8]) >> (7 - i % 8)) & 1)
            return false;
    }
    return true;
}

/* libslirp's in6_equal_router/in6_equal_dns: the address in the virtual
 * prefix or in fe80::/64 with the host's (DNS's) interface bits. */
static bool is_addr_of(const struct unet *u, const uint8_t *a, const uint8_t *which)
{
    const struct unet_config *c = &u->cfg;
    return (same_bits(a, c->ip6_prefix, c->ip6_prefixlen, false) &&
            same_bits(a, which, c->ip6_prefixlen, true)) ||
           (same_bits(a, router_ll, 64, false) && same_bits(a, which, 64, true));
}

bool unet_ip6_is_dns(const struct unet *u, const uint8_t *a)
{
    return is_addr_of(u, a, u->cfg.ip6_dns);
}

/* The addresses the gateway answers for. fe80::2 is always one: the RA
 * comes from it (libslirp answers it only when ipv6-host ends in ::2). */
static bool is_ours(const struct unet *u, const uint8_t *a)
{
    return !memcmp(a, router_ll, 16) || is_addr_of(u, a, u->cfg.ip6_host) ||
           is_addr_of(u, a, u->cfg.ip6_dns);
}

static uint32_t sum16(uint32_t s, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        s += (uint32_t)(d[n - 1] << 8);
    return s;
}

/* The Internet checksum of an upper-layer message with the IPv6
 * pseudo-header (RFC 8200 8.1): 0 over a message whose checksum is right. */
static uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t nh, const uint8_t *l4, size_t len)
{
    uint32_t s = sum16(sum16(0, src, 16), dst, 16);
    s += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + nh;
    s = sum16(s, l4, len);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void learn(struct unet *u, const uint8_t *ip, const uint8_t *mac)
{
    if (mac[0] & 1 || is_zero(ip) || ip[0] == 0xff)
        return;
    memcpy(u->guest_mac, mac, 6);
    for (unsigned i = 0; i < UNET_GUESTS; i++)
        if (!memcmp(u->guests6[i].ip, ip, 16)) {
            memcpy(u->guests6[i].mac, mac, 6);
            return;
        }
    memcpy(u->guests6[u->guest6_next].ip, ip, 16);
    memcpy(u->guests6[u->guest6_next].mac, mac, 6);
    u->guest6_next = (u->guest6_next + 1) % UNET_GUESTS;
}

/* The destination MAC: RFC 2464 7 for multicast, the table, else the last
 * guest seen. */
static void dest_mac(struct unet *u, const uint8_t *ip, uint8_t *mac)
{
    if (ip[0] == 0xff) {
        mac[0] = mac[1] = 0x33;
        memcpy(mac + 2, ip + 12, 4);
        return;
    }
    for (unsigned i = 0; i < UNET_GUESTS; i++)
        if (!memcmp(u->guests6[i].ip, ip, 16)) {
            memcpy(mac, u->guests6[i].mac, 6);
            return;
        }
    memcpy(mac, u->guest_mac, 6);
}

/* libslirp's in6_compute_ethaddr: 52:56 and the address's last four bytes. */
static void our_mac(const uint8_t *ip, uint8_t *mac)
{
    mac[0] = 0x52;
    mac[1] = 0x56;
    memcpy(mac + 2, ip + 12, 4);
}

/* Sends the plen bytes of payload already at out + 54 from src to dst
 * (hop limit 255, as libslirp's ip6_output), filling the checksum at
 * csum_off of the payload. */
static void send6(struct unet *u, const uint8_t *src, const uint8_t *dst, uint8_t nh, size_t plen,
                  size_t csum_off)
{
    uint8_t *ip = out + ETH_HLEN, *l4 = ip + IP6_HLEN;
    dest_mac(u, dst, out);
    our_mac(src, out + 6);
    out[12] = 0x86;
    out[13] = 0xdd;
    memset(ip, 0, 8);
    ip[0] = 0x60;
    ip[4] = (uint8_t)(plen >> 8);
    ip[5] = (uint8_t)plen;
    ip[6] = nh;
    ip[7] = 255;
    memcpy(ip + 8, src, 16);
    memcpy(ip + 24, dst, 16);
    l4[csum_off] = l4[csum_off + 1] = 0;
    uint16_t c = csum6(src, dst, nh, l4, plen);
    if (nh == NH_UDP && c == 0)
        c = 0xffff;   /* RFC 768: 0 means none, not allowed in IPv6 */
    l4[csum_off] = (uint8_t)(c >> 8);
    l4[csum_off + 1] = (uint8_t)c;
    net_port_send(&u->port, out, ETH_HLEN + IP6_HLEN + plen);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* RFC 4861 4.2, with libslirp's values, to all nodes from fe80::2. */
static void send_ra(struct unet *u)
{
    uint8_t *m = out + ETH_HLEN + IP6_HLEN;
    memset(m, 0, 16 + 8 + 32 + 24);
    m[0] = 134;
    m[4] = RA_HOP_LIMIT;               /* M = O = 0: addresses by SLAAC only */
    m[6] = (uint8_t)(RA_LIFETIME_S >> 8);
    m[7] = (uint8_t)RA_LIFETIME_S;
    /* reachable time, retrans timer: 0 = unspecified */
    uint8_t *o = m + 16;
    o[0] = 1;                          /* source link-layer address */
    o[1] = 1;
    our_mac(router_ll, o + 2);
    o += 8;
    o[0] = 3;                          /* prefix information */
    o[1] = 4;
    o[2] = (uint8_t)u->cfg.ip6_prefixlen;
    o[3] = 0xc0;                       /* on-link, autonomous */
    put32(o + 4, PREFIX_VALID_S);
    put32(o + 8, PREFIX_PREF_S);
    memcpy(o + 16, u->cfg.ip6_prefix, 16);
    o += 32;
    /* RDNSS (RFC 8106 5.1). libslirp sends it only when the host has an
     * IPv6 resolver; the proxy here reaches the uplink's resolver whatever
     * its family, so always. */
    o[0] = 25;
    o[1] = 3;
    put32(o + 4, RDNSS_LIFETIME_S);
    memcpy(o + 8, u->cfg.ip6_dns, 16);
    send6(u, router_ll, all_nodes, NH_ICMP6, 16 + 8 + 32 + 24, 2);
    u->st.ip6_ra_sent++;
}

static uint32_t ra_interval(struct unet *u)
{
    /* xorshift32: the spread only keeps networks started together apart. */
    uint32_t x = u->ra_rand ? u->ra_rand : (sys_now() ^ (uint32_t)(uintptr_t)u) | 1;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    u->ra_rand = x;
    return RA_MIN_MS + x % (RA_MAX_MS - RA_MIN_MS);
}

static void ra_timer(void *arg)
{
    struct unet *u = arg;
    send_ra(u);
    sys_timeout(ra_interval(u), ra_timer, u);
}

void unet_ip6_start(struct unet *u)
{
    if (!u->cfg.ipv6)
        return;
    sys_timeout(ra_interval(u), ra_timer, u);
    u->ra_armed = true;
}

void unet_ip6_stop(struct unet *u)
{
    if (u->ra_armed)
        sys_untimeout(ra_timer, u);
    u->ra_armed = false;
}

/* The options of an NDP message (RFC 4861 4.6): false when one has length
 * 0 or runs past the end; *slla: whether a source link-layer option is in. */
static bool options_ok(const uint8_t *o, size_t len, bool *slla)
{
    *slla = false;
    while (len) {
        if (len < 2 || o[1] == 0 || (size_t)o[1] * 8 > len)
            return false;
        if (o[0] == 1)
            *slla = true;
        len -= (size_t)o[1] * 8;
        o += (size_t)o[1] * 8;
    }
    return true;
}

/* RFC 4861 7.2.4: the answer to a solicitation for one of our addresses. */
static void send_na(struct unet *u, const uint8_t *ns_src, const uint8_t *target)
{
    uint8_t dst[16];
    memcpy(dst, is_zero(ns_src) ? all_nodes : ns_src, 16);
    uint8_t *m = out + ETH_HLEN + IP6_HLEN;
    memset(m, 0, 32);
    m[0] = 136;
    m[4] = 0x80 | 0x20 | (dst[0] != 0xff ? 0x40 : 0);   /* router, override, solicited */
    memcpy(m + 8, target, 16);
    m[24] = 2;                         /* target link-layer address */
    m[25] = 1;
    our_mac(target, m + 26);
    send6(u, target, dst, NH_ICMP6, 32, 2);
    u->st.ip6_na_sent++;
}

static void icmp6_input(struct unet *u, const uint8_t *f, const uint8_t *ip, const uint8_t *m, size_t len)
{
    const uint8_t *src = ip + 8, *dst = ip + 24;
    uint8_t hops = ip[7];
    if (len < 4 || csum6(src, dst, NH_ICMP6, m, len) != 0) {
        u->st.ip6_bad++;
        return;
    }
    uint8_t type = m[0], code = m[1];
    bool slla;
    switch (type) {
    case 128:   /* echo request (RFC 4443 4.1) */
        if (len < 8) {
            u->st.ip6_bad++;
            return;
        }
        if (!is_ours(u, dst) || src[0] == 0xff || is_zero(src)) {
            u->st.ip6_dropped++;   /* outside echo: libslirp does not forward it either */
            return;
        }
        learn(u, src, f + 6);
        memmove(out + ETH_HLEN + IP6_HLEN, m, len);
        out[ETH_HLEN + IP6_HLEN] = 129;
        {
            uint8_t s[16], d[16];
            memcpy(s, dst, 16);
            memcpy(d, src, 16);
            send6(u, s, d, NH_ICMP6, len, 2);
        }
        u->st.ip6_echo_sent++;
        return;
    case 133:   /* router solicitation (RFC 4861 6.1.1) */
        if (hops != 255 || code || len < 8 || !options_ok(m + 8, len - 8, &slla) ||
            (is_zero(src) && slla)) {
            u->st.ip6_bad++;
            return;
        }
        learn(u, src, f + 6);
        send_ra(u);
        return;
    case 135: { /* neighbor solicitation (RFC 4861 7.1.1) */
        const uint8_t *target = m + 8;
        static const uint8_t snm[13] = {0xff, 0x02, [11] = 1, [12] = 0xff};
        if (hops != 255 || code || len < 24 || target[0] == 0xff ||
            !options_ok(m + 24, len - 24, &slla) ||
            (is_zero(src) && (memcmp(dst, snm, 13) || slla))) {
            u->st.ip6_bad++;
            return;
        }
        learn(u, src, f + 6);
        if (is_ours(u, target)) {
            uint8_t s[16], t[16];
            memcpy(s, src, 16);
            memcpy(t, target, 16);
            send_na(u, s, t);
        }
        return;
    }
    case 136:   /* neighbor advertisement (RFC 4861 7.1.2) */
        if (hops != 255 || code || len < 24 || m[8] == 0xff || !options_ok(m + 24, len - 24, &slla) ||
            (dst[0] == 0xff && (m[4] & 0x40))) {
            u->st.ip6_bad++;
            return;
        }
        learn(u, src, f + 6);
        return;
    default:    /* errors, RA and redirects from a guest, MLD: nothing to do */
        u->st.ip6_dropped++;
        return;
    }
}

static void udp6_input(struct unet *u, const uint8_t *f, const uint8_t *ip, const uint8_t *d, size_t len)
{
    const uint8_t *src = ip + 8, *dst = ip + 24;
    size_t ulen = len >= 8 ? (size_t)(d[4] << 8 | d[5]) : 0;
    /* RFC 8200 8.1: a zero checksum is not allowed over IPv6. */
    if (len < 8 || ulen < 8 || ulen > len || (d[6] == 0 && d[7] == 0) ||
        csum6(src, dst, NH_UDP, d, ulen) != 0) {
        u->st.ip6_bad++;
        return;
    }
    uint16_t sport = (uint16_t)(d[0] << 8 | d[1]), dport = (uint16_t)(d[2] << 8 | d[3]);
    if (dport == 53 && unet_ip6_is_dns(u, dst) && !is_zero(src) && src[0] != 0xff) {
        learn(u, src, f + 6);
        unet_dns6_query(u, src, sport, d + 8, ulen - 8);
        return;
    }
    if (!is_zero(src) && src[0] != 0xff) {
        learn(u, src, f + 6);
        if (unet_nat_udp6_input(u, src, sport, dst, dport, d + 8, ulen - 8))
            return;
    }
    u->st.ip6_dropped++;
}

/* TCP over IPv6 is carried as over IPv4 (netif.c feeds lwIP's dual stack,
 * nat_tcp.c relays to an AF_INET6 uplink socket): a refused connection or
 * a segment without one gets lwIP's reset (RFC 793 3.4), counted in
 * ip6_tcp_reset by the output path. */
static void tcp6_input(struct unet *u, const uint8_t *f, const uint8_t *ip, const uint8_t *t, size_t len)
{
    const uint8_t *src = ip + 8, *dst = ip + 24;
    size_t off = len >= 20 ? (size_t)(t[12] >> 4) * 4 : 0;
    if (len < 20 || off < 20 || off > len || csum6(src, dst, NH_TCP, t, len) != 0) {
        u->st.ip6_bad++;
        return;
    }
    /* Not to or from one host (lwIP drops mapped addresses itself). */
    if (is_zero(src) || src[0] == 0xff || dst[0] == 0xff || is_zero(dst)) {
        u->st.ip6_dropped++;
        return;
    }
    learn(u, src, f + 6);
    ip_addr_t s6, d6;
    unet_ip6_to_addr(u, src, &s6);
    unet_ip6_to_addr(u, dst, &d6);
    unet_tcp_input(u, f, ETH_HLEN + IP6_HLEN + len, &s6, &d6, t);
}

void unet_ip6_macs(struct unet *u, const uint8_t *src, const uint8_t *dst, uint8_t *smac, uint8_t *dmac)
{
    our_mac(src, smac);
    dest_mac(u, dst, dmac);
}

void unet_ip6_input(struct unet *u, const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + ETH_HLEN;
    if (len < ETH_HLEN + IP6_HLEN || (ip[0] >> 4) != 6) {
        u->st.ip6_bad++;
        return;
    }
    size_t plen = (size_t)(ip[4] << 8 | ip[5]);
    if (ETH_HLEN + IP6_HLEN + plen > len || ip[7] == 0 || ip[8] == 0xff) {
        u->st.ip6_bad++;   /* truncated, hop limit exhausted, multicast source */
        return;
    }
    /* No extension headers are followed (libslirp neither): MLD reports
     * (hop-by-hop first), fragments and the rest are not served. */
    if (ip[6] == NH_ICMP6)
        icmp6_input(u, f, ip, ip + IP6_HLEN, plen);
    else if (ip[6] == NH_UDP)
        udp6_input(u, f, ip, ip + IP6_HLEN, plen);
    else if (ip[6] == NH_TCP)
        tcp6_input(u, f, ip, ip + IP6_HLEN, plen);
    else
        u->st.ip6_dropped++;
}

void unet_ip6_udp_to_guest(struct unet *u, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                           uint16_t dport, const void *data, size_t len)
{
    if (len > UNET_MTU6 - IP6_HLEN - 8) {
        u->st.ip6_dropped++;   /* would need IPv6 fragments: not made */
        return;
    }
    uint8_t *d = out + ETH_HLEN + IP6_HLEN;
    memmove(d + 8, data, len);
    d[0] = (uint8_t)(sport >> 8);
    d[1] = (uint8_t)sport;
    d[2] = (uint8_t)(dport >> 8);
    d[3] = (uint8_t)dport;
    d[4] = (uint8_t)((len + 8) >> 8);
    d[5] = (uint8_t)(len + 8);
    uint8_t s[16], t[16];
    memcpy(s, src, 16);
    memcpy(t, dst, 16);
    send6(u, s, t, NH_UDP, len + 8, 6);
}
