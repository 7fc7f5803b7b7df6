/* Crafted guest frames for the user-mode network's tests: Ethernet + IPv4 +
 * UDP/TCP/ICMP with correct checksums (RFC 791, 768, 793, 792), and a sink
 * port that records what the network sends back. Shared by the unit test and
 * the fuzzer's seed logic. */
#ifndef BAREMU_TESTS_USERNET_FRAMES_H
#define BAREMU_TESTS_USERNET_FRAMES_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "net/port.h"

static const uint8_t guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

#define SINK_MAX 256
struct sink {
    struct net_port port;
    int count;
    size_t len[SINK_MAX];
    uint8_t frame[SINK_MAX][1600];
};

static inline bool sink_rx(struct net_port *p, const uint8_t *f, size_t len)
{
    struct sink *s = p->opaque;
    if (s->count < SINK_MAX && len <= 1600) {
        memcpy(s->frame[s->count], f, len);
        s->len[s->count++] = len;
    }
    return true;
}

static const struct net_port_ops sink_ops = {.receive = sink_rx};

static inline uint32_t csum_add(uint32_t sum, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        sum += (uint32_t)(d[n - 1] << 8);
    return sum;
}

static inline uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static inline uint32_t ip4(const char *s)
{
    struct in_addr a;
    inet_pton(AF_INET, s, &a);
    return a.s_addr;   /* network order */
}

/* Builds Ethernet+IPv4 around l4 (whose checksum field is filled for UDP/TCP). */
static inline size_t build_ip(uint8_t *f, uint8_t proto, uint32_t src, uint32_t dst, const uint8_t *l4,
                       size_t l4len)
{
    memcpy(f, gw_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + l4len) >> 8);
    ip[3] = (uint8_t)(20 + l4len);
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    uint16_t c = csum_fold(csum_add(0, ip, 20));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    uint8_t *p = ip + 20;
    memcpy(p, l4, l4len);
    if (proto == 17 || proto == 6) {
        int off = proto == 17 ? 6 : 16;
        p[off] = p[off + 1] = 0;
        uint8_t ph[12];
        memcpy(ph, &src, 4);
        memcpy(ph + 4, &dst, 4);
        ph[8] = 0;
        ph[9] = proto;
        ph[10] = (uint8_t)(l4len >> 8);
        ph[11] = (uint8_t)l4len;
        uint16_t s = csum_fold(csum_add(csum_add(0, ph, 12), p, l4len));
        if (proto == 17 && s == 0)
            s = 0xffff;
        p[off] = (uint8_t)(s >> 8);
        p[off + 1] = (uint8_t)s;
    } else if (proto == 1) {
        p[2] = p[3] = 0;
        uint16_t s = csum_fold(csum_add(0, p, l4len));
        p[2] = (uint8_t)(s >> 8);
        p[3] = (uint8_t)s;
    }
    return 14 + 20 + l4len;
}

static inline size_t build_udp(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                        const void *data, size_t len)
{
    uint8_t u[1500];
    u[0] = (uint8_t)(sport >> 8);
    u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8);
    u[3] = (uint8_t)dport;
    u[4] = (uint8_t)((8 + len) >> 8);
    u[5] = (uint8_t)(8 + len);
    if (len)
        memcpy(u + 8, data, len);
    return build_ip(f, 17, src, dst, u, 8 + len);
}

/* A 20-byte TCP header without checksum, window 65535, at T. */
static inline void tcp_header(uint8_t *t, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                              uint8_t flags)
{
    memset(t, 0, 20);
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    uint32_t s = htonl(seq), a = htonl(ack);
    memcpy(t + 4, &s, 4);
    memcpy(t + 8, &a, 4);
    t[12] = 5 << 4;
    t[13] = flags;
    t[14] = 0xff;
    t[15] = 0xff;
}

static inline size_t build_tcp(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
                        uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t len)
{
    uint8_t t[1500];
    tcp_header(t, sport, dport, seq, ack, flags);
    if (len)
        memcpy(t + 20, data, len);
    return build_ip(f, 6, src, dst, t, 20 + len);
}

/* IPv6 (RFC 8200): an address from text, and Ethernet+IPv6 around l4 with
 * the given hop limit, to dmac; the checksum of ICMPv6 (offset 2), UDP
 * (offset 6) or TCP (offset 16) is filled over the pseudo-header (RFC 4443 2.3, 8200 8.1). */
static inline void ip6(const char *s, uint8_t out[16])
{
    inet_pton(AF_INET6, s, out);
}

static inline uint16_t csum6_ref(const uint8_t *src, const uint8_t *dst, uint8_t nh, const uint8_t *l4,
                                 size_t len)
{
    uint8_t ph[8] = {0, 0, (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, nh};
    return csum_fold(csum_add(csum_add(csum_add(csum_add(0, src, 16), dst, 16), ph, 8), l4, len));
}

static inline size_t build_ip6(uint8_t *f, const uint8_t *dmac, const char *src, const char *dst, uint8_t nh,
                               uint8_t hops, const uint8_t *l4, size_t l4len)
{
    memcpy(f, dmac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x86;
    f[13] = 0xdd;
    uint8_t *ip = f + 14;
    memset(ip, 0, 8);
    ip[0] = 0x60;
    ip[4] = (uint8_t)(l4len >> 8);
    ip[5] = (uint8_t)l4len;
    ip[6] = nh;
    ip[7] = hops;
    ip6(src, ip + 8);
    ip6(dst, ip + 24);
    uint8_t *p = ip + 40;
    memcpy(p, l4, l4len);
    int off = nh == 17 ? 6 : nh == 58 ? 2 : nh == 6 ? 16 : -1;
    if (off >= 0 && l4len >= (size_t)off + 2) {
        p[off] = p[off + 1] = 0;
        uint16_t c = csum6_ref(ip + 8, ip + 24, nh, p, l4len);
        if (nh == 17 && c == 0)
            c = 0xffff;
        p[off] = (uint8_t)(c >> 8);
        p[off + 1] = (uint8_t)c;
    }
    return 14 + 40 + l4len;
}

/* A TCP segment over IPv6 (20-byte header, window 65535) from src to dst,
 * to the gateway's MAC 52:56:00:00:00:02. */
static inline size_t build_tcp6(uint8_t *f, const char *src, uint16_t sport, const char *dst, uint16_t dport,
                                uint32_t seq, uint32_t ack, uint8_t flags, const void *data, size_t len)
{
    static const uint8_t gw6_mac[6] = {0x52, 0x56, 0, 0, 0, 2};
    uint8_t t[1500];
    tcp_header(t, sport, dport, seq, ack, flags);
    if (len)
        memcpy(t + 20, data, len);
    return build_ip6(f, gw6_mac, src, dst, 6, 64, t, 20 + len);
}

/* Accessors for a captured IPv4 frame. */
static inline const uint8_t *fr_ip(const uint8_t *f) { return f + 14; }
static inline const uint8_t *fr_l4(const uint8_t *f) { return f + 14 + (f[14] & 15) * 4; }
static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

#endif
