/* Unit tests for the user-mode network's IPv6 gateway (net/user/ip6_gateway.c)
 * with crafted guest frames: Router Solicitation -> Router Advertisement with
 * libslirp's options, Neighbor Solicitation -> Advertisement, echo, and the
 * drops (bad checksum, NDP hop limit other than 255, truncation, ipv6=off);
 * ipv4=off,ipv6=on still serves IPv6; DNS over IPv6 through the proxy to a
 * resolver of the test on a random loopback address; TCP over IPv6 to the
 * host's [::1] relayed both ways, its refusals reset, DNS over TCP to
 * fec0::3 to the resolver. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "baremu/platform.h"
#include "net/net_host.h"
#include "net/timer.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"
#include "tests/unit/usernet_harness.h"

static const uint8_t mc_routers[6] = {0x33, 0x33, 0, 0, 0, 2};
static const uint8_t mc_all[6] = {0x33, 0x33, 0, 0, 0, 1};
static const uint8_t router_mac[6] = {0x52, 0x56, 0, 0, 0, 2};
#define GUEST_LL  "fe80::5054:ff:fe12:3456"
#define GUEST_GLB "fec0::5054:ff:fe12:3456"

static struct unet_stats stats(struct unet *u)
{
    struct unet_stats st;
    unet_get_stats(u, &st);
    return st;
}

/* A captured frame is IPv6 with a valid ICMPv6 checksum, from src to dst. */
static bool is_icmp6(int i, uint8_t type, const char *src, const char *dst)
{
    const uint8_t *f = sink.frame[i];
    uint8_t s[16], d[16];
    ip6(src, s);
    ip6(dst, d);
    if (sink.len[i] < 14 + 40 + 4 || f[12] != 0x86 || f[13] != 0xdd || f[14] >> 4 != 6 || f[20] != 58)
        return false;
    size_t plen = be16(f + 18);
    return 14 + 40 + plen == sink.len[i] && f[21] == 255 && !memcmp(f + 22, s, 16) &&
           !memcmp(f + 38, d, 16) && f[54] == type && csum6_ref(s, d, 58, f + 54, plen) == 0;
}

static size_t build_rs(uint8_t *f, const char *src, uint8_t hops)
{
    uint8_t rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    memcpy(rs + 10, guest_mac, 6);
    return build_ip6(f, mc_routers, src, "ff02::2", 58, hops, rs, src[0] == ':' ? 8 : 16);
}

TEST(ip6_rs_gets_ra_with_libslirp_options)
{
    struct unet *u = mk("user,id=r6");
    CHECK(u != NULL);
    if (!u)
        return;
    uint8_t f[200];
    size_t fl = build_rs(f, GUEST_LL, 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, 1);
    if (sink.count != 1) {
        done(u);
        return;
    }
    const uint8_t *r = sink.frame[0];
    CHECK(!memcmp(r, mc_all, 6));
    CHECK(!memcmp(r + 6, router_mac, 6));
    CHECK(is_icmp6(0, 134, "fe80::2", "ff02::1"));
    CHECK_EQ_INT(be16(r + 18), 16 + 8 + 32 + 24);
    const uint8_t *m = r + 54;
    CHECK_EQ_INT(m[1], 0);
    CHECK_EQ_INT(m[4], 64);              /* cur hop limit */
    CHECK_EQ_INT(m[5], 0);               /* M = O = 0 */
    CHECK_EQ_INT(be16(m + 6), 1800);     /* router lifetime */
    CHECK_EQ_INT(be32(m + 8), 0);
    CHECK_EQ_INT(be32(m + 12), 0);
    const uint8_t *o = m + 16;
    CHECK_EQ_INT(o[0], 1);               /* source link-layer */
    CHECK_EQ_INT(o[1], 1);
    CHECK(!memcmp(o + 2, router_mac, 6));
    o += 8;
    uint8_t pfx[16];
    ip6("fec0::", pfx);
    CHECK_EQ_INT(o[0], 3);               /* prefix information */
    CHECK_EQ_INT(o[1], 4);
    CHECK_EQ_INT(o[2], 64);
    CHECK_EQ_INT(o[3], 0xc0);            /* on-link, autonomous */
    CHECK_EQ_INT(be32(o + 4), 86400);
    CHECK_EQ_INT(be32(o + 8), 14400);
    CHECK_EQ_INT(be32(o + 12), 0);
    CHECK(!memcmp(o + 16, pfx, 16));
    o += 32;
    uint8_t dns[16];
    ip6("fec0::3", dns);
    CHECK_EQ_INT(o[0], 25);              /* RDNSS */
    CHECK_EQ_INT(o[1], 3);
    CHECK_EQ_INT(be16(o + 2), 0);
    CHECK_EQ_INT(be32(o + 4), 1200);
    CHECK(!memcmp(o + 8, dns, 16));
    CHECK_EQ_INT((int)stats(u).ip6_ra_sent, 1);
    /* From the unspecified address (no link-layer option): answered too. */
    fl = build_rs(f, "::", 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, 2);
    done(u);

    /* Another prefix and DNS address are announced as configured. */
    u = mk("user,id=r6b,ipv6-net=fd00:1:2::/48,ipv6-dns=fd00:1:2::53");
    CHECK(u != NULL);
    if (!u)
        return;
    fl = build_rs(f, GUEST_LL, 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, 1);
    if (sink.count == 1) {
        ip6("fd00:1:2::", pfx);
        ip6("fd00:1:2::53", dns);
        CHECK_EQ_INT(sink.frame[0][54 + 24 + 2], 48);
        CHECK(!memcmp(sink.frame[0] + 54 + 24 + 16, pfx, 16));
        CHECK(!memcmp(sink.frame[0] + 54 + 56 + 8, dns, 16));
    }
    done(u);
}

TEST(ip6_bad_rs_dropped)
{
    struct unet *u = mk("user,id=r6c");
    CHECK(u != NULL);
    if (!u)
        return;
    uint8_t f[200];
    size_t fl = build_rs(f, GUEST_LL, 64);           /* RFC 4861 6.1.1: 255 only */
    send_frame(f, fl);
    fl = build_rs(f, GUEST_LL, 255);
    f[54 + 2] ^= 1;                                  /* checksum */
    send_frame(f, fl);
    fl = build_rs(f, GUEST_LL, 255);
    f[19] += 8;                                      /* payload past the frame */
    send_frame(f, fl);
    uint8_t rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 0}; /* option of length 0 */
    fl = build_ip6(f, mc_routers, GUEST_LL, "ff02::2", 58, 255, rs, 16);
    send_frame(f, fl);
    /* From :: with a link-layer option (RFC 4861 6.1.1). */
    uint8_t rs2[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    fl = build_ip6(f, mc_routers, "::", "ff02::2", 58, 255, rs2, 16);
    send_frame(f, fl);
    send_frame(f, 30);                               /* shorter than the header */
    CHECK_EQ_INT(sink.count, 0);
    CHECK_EQ_INT((int)stats(u).ip6_bad, 6);
    CHECK_EQ_INT((int)stats(u).ip6_ra_sent, 0);
    done(u);
}

static size_t build_ns(uint8_t *f, const char *src, const char *dst, const char *target, uint8_t hops)
{
    uint8_t ns[32] = {135};
    ip6(target, ns + 8);
    ns[24] = 1;
    ns[25] = 1;
    memcpy(ns + 26, guest_mac, 6);
    return build_ip6(f, mc_all, src, dst, 58, hops, ns, src[0] == ':' ? 24 : 32);
}

TEST(ip6_ns_gets_na)
{
    struct unet *u = mk("user,id=n6");
    CHECK(u != NULL);
    if (!u)
        return;
    const char *targets[3] = {"fec0::2", "fec0::3", "fe80::2"};
    uint8_t f[200];
    for (int t = 0; t < 3; t++) {
        int before = sink.count;
        char snm[64];
        snprintf(snm, sizeof(snm), "ff02::1:ff00:%d", t == 1 ? 3 : 2);
        size_t fl = build_ns(f, t == 2 ? GUEST_LL : GUEST_GLB, snm, targets[t], 255);
        send_frame(f, fl);
        CHECK_EQ_INT(sink.count, before + 1);
        if (sink.count != before + 1)
            break;
        const uint8_t *r = sink.frame[before];
        CHECK(!memcmp(r, guest_mac, 6));
        uint8_t mac[6] = {0x52, 0x56, 0, 0, 0, t == 1 ? 3 : 2};
        CHECK(!memcmp(r + 6, mac, 6));
        CHECK(is_icmp6(before, 136, targets[t], t == 2 ? GUEST_LL : GUEST_GLB));
        CHECK_EQ_INT(be16(r + 18), 32);
        CHECK_EQ_INT(r[54 + 4], 0xe0);   /* router, solicited, override */
        uint8_t tg[16];
        ip6(targets[t], tg);
        CHECK(!memcmp(r + 54 + 8, tg, 16));
        CHECK_EQ_INT(r[54 + 24], 2);     /* target link-layer */
        CHECK_EQ_INT(r[54 + 25], 1);
        CHECK(!memcmp(r + 54 + 26, mac, 6));
    }
    /* Duplicate address detection of fec0::2 (from ::): to all nodes, not solicited. */
    int before = sink.count;
    size_t fl = build_ns(f, "::", "ff02::1:ff00:2", "fec0::2", 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, before + 1);
    if (sink.count == before + 1) {
        CHECK(is_icmp6(before, 136, "fec0::2", "ff02::1"));
        CHECK(!memcmp(sink.frame[before], mc_all, 6));
        CHECK_EQ_INT(sink.frame[before][54 + 4], 0xa0);
    }
    /* Not ours (the guest's own DAD): silent. */
    fl = build_ns(f, "::", "ff02::1:ff12:3456", GUEST_GLB, 255);
    send_frame(f, fl);
    fl = build_ns(f, GUEST_GLB, "ff02::1:ff00:9", "fec0::9", 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, before + 1);
    CHECK_EQ_INT((int)stats(u).ip6_bad, 0);
    /* Dropped and counted: a forwarded NS (hop limit 254), a bad checksum,
     * a multicast target, :: to a unicast destination. */
    fl = build_ns(f, GUEST_GLB, "ff02::1:ff00:2", "fec0::2", 254);
    send_frame(f, fl);
    fl = build_ns(f, GUEST_GLB, "ff02::1:ff00:2", "fec0::2", 255);
    f[60] ^= 0x10;
    send_frame(f, fl);
    fl = build_ns(f, GUEST_GLB, "ff02::1:ff00:2", "ff02::1", 255);
    send_frame(f, fl);
    fl = build_ns(f, "::", "fec0::2", "fec0::2", 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, before + 1);
    CHECK_EQ_INT((int)stats(u).ip6_bad, 4);
    CHECK_EQ_INT((int)stats(u).ip6_na_sent, 4);
    done(u);
}

TEST(ip6_echo_to_gateway_addresses)
{
    struct unet *u = mk("user,id=e6");
    CHECK(u != NULL);
    if (!u)
        return;
    const char *dst[3] = {"fec0::2", "fec0::3", "fe80::2"};
    uint8_t f[1600];
    for (int t = 0; t < 3; t++) {
        uint8_t e[100] = {128, 0, 0, 0, 0x12, 0x34, 0, (uint8_t)t};
        for (int k = 8; k < 100; k++)
            e[k] = (uint8_t)(k * 3);
        const char *src = t == 2 ? GUEST_LL : GUEST_GLB;
        size_t fl = build_ip6(f, router_mac, src, dst[t], 58, 64, e, sizeof(e));
        int before = sink.count;
        send_frame(f, fl);
        CHECK_EQ_INT(sink.count, before + 1);
        if (sink.count != before + 1)
            break;
        CHECK(is_icmp6(before, 129, dst[t], src));
        CHECK(!memcmp(sink.frame[before], guest_mac, 6));
        CHECK_EQ_INT(sink.len[before], 14 + 40 + sizeof(e));
        CHECK(!memcmp(sink.frame[before] + 54 + 4, e + 4, sizeof(e) - 4));   /* id, seq, data */
    }
    /* A full-sized echo is answered whole. */
    static uint8_t big[1460] = {128};
    int before = sink.count;
    size_t fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::2", 58, 64, big, sizeof(big));
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, before + 1);
    CHECK_EQ_INT((int)stats(u).ip6_echo_sent, 4);
    /* Outside destination (not forwarded, as libslirp), bad checksum: nothing. */
    uint8_t e[16] = {128, 0, 0, 0, 1, 2, 3, 4};
    fl = build_ip6(f, router_mac, GUEST_GLB, "2001:db8::1", 58, 64, e, sizeof(e));
    send_frame(f, fl);
    fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::2", 58, 64, e, sizeof(e));
    f[fl - 1] ^= 0xff;
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, before + 1);
    CHECK_EQ_INT((int)stats(u).ip6_dropped, 1);
    CHECK_EQ_INT((int)stats(u).ip6_bad, 1);
    done(u);
}

TEST(ip6_off_and_ipv4_off)
{
    uint8_t f[200];
    struct unet *u = mk("user,id=o6,ipv6=off");
    CHECK(u != NULL);
    if (!u)
        return;
    size_t fl = build_rs(f, GUEST_LL, 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, 0);
    CHECK_EQ_INT((int)stats(u).dropped, 1);
    done(u);

    u = mk("user,id=o4,ipv4=off,ipv6=on");
    CHECK(u != NULL);
    if (!u)
        return;
    fl = build_rs(f, GUEST_LL, 255);
    send_frame(f, fl);
    CHECK_EQ_INT(sink.count, 1);
    /* IPv4 is not served: ARP for 10.0.2.2 gets nothing. */
    uint8_t a[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(a + 6, guest_mac, 6);
    a[12] = 8;
    a[13] = 6;
    uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
    memcpy(arp + 8, guest_mac, 6);
    uint32_t sip = ip4("10.0.2.15"), tip = ip4("10.0.2.2");
    memcpy(arp + 14, &sip, 4);
    memcpy(arp + 24, &tip, 4);
    memcpy(a + 14, arp, 28);
    send_frame(a, sizeof(a));
    CHECK_EQ_INT(sink.count, 1);
    done(u);
}

/* Random and mutated IPv6 frames: never a crash (ASan/UBSan build), and a
 * bad checksum never gets an answer. */
TEST(ip6_garbage_survives)
{
    struct unet *u = mk("user,id=g6");
    CHECK(u != NULL);
    if (!u)
        return;
    uint8_t f[1600] = {0};
    unsigned seed = 12345;
    for (int n = 0; n < 3000; n++) {
        size_t fl = build_ns(f, GUEST_GLB, "ff02::1:ff00:2", "fec0::2", 255);
        if (n % 3 == 0)
            fl = build_rs(f, GUEST_LL, 255);
        seed = seed * 1103515245u + 12345u;
        size_t cut = 14 + (seed >> 8) % (fl + 40);
        for (int k = 0; k < 4; k++) {
            seed = seed * 1103515245u + 12345u;
            f[14 + (seed >> 8) % (fl - 14 + 20)] = (uint8_t)(seed >> 24);
        }
        send_frame(f, cut < sizeof(f) ? cut : fl);
    }
    struct unet_stats st = stats(u);
    CHECK(st.ip6_bad + st.ip6_dropped > 1000);
    done(u);
}

/* A query to fec0::3 port 53 reaches the uplink's resolver (this test's
 * socket on a random 127.57.x.y:53, named by BAREMU_RESOLV_CONF) and its
 * answer comes back over IPv6 from fec0::3:53; one to fec0::9:53 (no uplink
 * meaning) does not leave, nor one with a zero UDP checksum (RFC 8200 8.1). */
TEST(ip6_dns_through_proxy)
{
    char ipstr[32], conf[] = "/tmp/usernet-resolv6-XXXXXX";
    srand((unsigned)getpid() + 7);
    snprintf(ipstr, sizeof(ipstr), "127.57.%d.%d", 1 + rand() % 250, 1 + rand() % 250);
    char *saved;
    bool conf_ok = resolv_conf_use(conf, ipstr, &saved);
    CHECK(conf_ok);
    if (!conf_ok)
        return;
    int rs = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, ipstr, &a.sin_addr);
    CHECK_EQ_INT(bind(rs, (struct sockaddr *)&a, sizeof(a)), 0);
    fcntl(rs, F_SETFL, O_NONBLOCK);
    struct unet *u = mk("user,id=d6");
    CHECK(u != NULL);
    if (u) {
        static const uint8_t query[] = {0x43, 0x21, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                        1, 'q', 0, 0, 28, 0, 1};
        uint8_t ud[8 + sizeof(query)] = {0x14, 0xe9, 0, 53, 0, (uint8_t)sizeof(ud)};   /* 5353 -> 53 */
        memcpy(ud + 8, query, sizeof(query));
        uint8_t f[200];
        /* Not forwarded: to another address of the prefix, and a zero checksum. */
        size_t fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::9", 17, 64, ud, sizeof(ud));
        send_frame(f, fl);
        fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::3", 17, 64, ud, sizeof(ud));
        f[54 + 6] = f[54 + 7] = 0;
        send_frame(f, fl);
        fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::3", 17, 64, ud, sizeof(ud));
        send_frame(f, fl);
        uint8_t got[512];
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = -1;
        uint64_t end = plat_now_ns() + 3000000000ull;
        while (n < 0 && plat_now_ns() < end) {
            net_host_poll(2000000u);
            net_timers_run(plat_now_ns());
            n = recvfrom(rs, got, sizeof(got), 0, (struct sockaddr *)&from, &fromlen);
        }
        CHECK_EQ_INT(n, (int)sizeof(query));
        CHECK(n == (ssize_t)sizeof(query) && !memcmp(got, query, sizeof(query)));
        ssize_t again = recvfrom(rs, got + 256, 256, 0, NULL, NULL);
        CHECK(again < 0);   /* only the good query left */
        if (n == (ssize_t)sizeof(query)) {
            static const uint8_t ans[] = {0x43, 0x21, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
                                          1, 'q', 0, 0, 28, 0, 1};
            int before = sink.count;
            sendto(rs, ans, sizeof(ans), 0, (struct sockaddr *)&from, fromlen);
            PUMP_UNTIL(sink.count > before, 3000);
            CHECK_EQ_INT(sink.count, before + 1);
            if (sink.count == before + 1) {
                const uint8_t *r = sink.frame[before];
                uint8_t s6[16], d6[16];
                ip6("fec0::3", s6);
                ip6(GUEST_GLB, d6);
                CHECK(r[12] == 0x86 && r[13] == 0xdd && r[20] == 17);
                CHECK(!memcmp(r, guest_mac, 6));
                CHECK(!memcmp(r + 22, s6, 16) && !memcmp(r + 38, d6, 16));
                CHECK_EQ_INT(be16(r + 54), 53);
                CHECK_EQ_INT(be16(r + 56), 5353);
                CHECK_EQ_INT(be16(r + 58), 8 + (int)sizeof(ans));
                CHECK_EQ_INT(csum6_ref(s6, d6, 17, r + 54, 8 + sizeof(ans)), 0);
                CHECK(!memcmp(r + 62, ans, sizeof(ans)));
            }
        }
        CHECK_EQ_INT((int)stats(u).ip6_bad, 1);
        CHECK_EQ_INT((int)stats(u).ip6_dropped, 1);
        done(u);
    }
    close(rs);
    unlink(conf);
    resolv_conf_restore(saved);
}

/* The IPv6 UDP NAT (nat_udp6.c): a datagram to fec0::2 reaches the test's
 * socket on [::1] from an uplink socket, the answer comes back from
 * fec0::2 to the guest's address and port; with restrict=on nothing leaves. */
TEST(ip6_udp_nat_to_host_loopback)
{
    for (int restricted = 0; restricted < 2; restricted++) {
        int hs = socket(AF_INET6, SOCK_DGRAM, 0);
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
        CHECK_EQ_INT(bind(hs, (struct sockaddr *)&a, sizeof(a)), 0);
        socklen_t al = sizeof(a);
        getsockname(hs, (struct sockaddr *)&a, &al);
        uint16_t port = ntohs(a.sin6_port);
        fcntl(hs, F_SETFL, O_NONBLOCK);
        struct unet *u = mk(restricted ? "user,id=u6r,restrict=on" : "user,id=u6");
        CHECK(u != NULL);
        if (!u) {
            close(hs);
            return;
        }
        uint8_t ud[8 + 5] = {0x9c, 0x40, (uint8_t)(port >> 8), (uint8_t)port, 0, 13};   /* 40000 -> port */
        memcpy(ud + 8, "hello", 5);
        uint8_t f[200];
        size_t fl = build_ip6(f, router_mac, GUEST_GLB, "fec0::2", 17, 64, ud, sizeof(ud));
        send_frame(f, fl);
        uint8_t got[64];
        struct sockaddr_in6 from;
        socklen_t fromlen = sizeof(from);
        ssize_t n = -1;
        uint64_t end = plat_now_ns() + (restricted ? 500000000ull : 3000000000ull);
        while (n < 0 && plat_now_ns() < end) {
            net_host_poll(2000000u);
            net_timers_run(plat_now_ns());
            n = recvfrom(hs, got, sizeof(got), 0, (struct sockaddr *)&from, &fromlen);
        }
        if (restricted) {
            CHECK(n < 0);
            CHECK_EQ_INT((int)stats(u).ip6_dropped, 1);
        } else {
            CHECK_EQ_INT(n, 5);
            CHECK(n == 5 && !memcmp(got, "hello", 5));
            CHECK_EQ_INT(stats(u).udp_live, 1);
        }
        if (n == 5) {
            int before = sink.count;
            sendto(hs, "world!", 6, 0, (struct sockaddr *)&from, fromlen);
            PUMP_UNTIL(sink.count > before, 3000);
            CHECK_EQ_INT(sink.count, before + 1);
            if (sink.count == before + 1) {
                const uint8_t *r = sink.frame[before];
                uint8_t s6[16], d6[16];
                ip6("fec0::2", s6);
                ip6(GUEST_GLB, d6);
                CHECK(r[12] == 0x86 && r[13] == 0xdd && r[20] == 17);
                CHECK(!memcmp(r + 22, s6, 16) && !memcmp(r + 38, d6, 16));
                CHECK_EQ_INT(be16(r + 54), port);
                CHECK_EQ_INT(be16(r + 56), 40000);
                CHECK_EQ_INT(csum6_ref(s6, d6, 17, r + 54, 14), 0);
                CHECK(!memcmp(r + 62, "world!", 6));
            }
        }
        done(u);
        close(hs);
    }
}

/* The last frame from index `from` on that is TCP over IPv6 to the guest's
 * port gport, with a right checksum, from src; -1 if none. */
static int find_tcp6(uint16_t gport, int from, const char *src)
{
    uint8_t s6[16], d6[16];
    ip6(src, s6);
    ip6(GUEST_GLB, d6);
    for (int i = sink.count - 1; i >= from; i--) {
        const uint8_t *r = sink.frame[i];
        if (sink.len[i] >= 74 && r[12] == 0x86 && r[13] == 0xdd && r[20] == 6 && be16(r + 56) == gport &&
            !memcmp(r + 22, s6, 16) && !memcmp(r + 38, d6, 16) &&
            csum6_ref(s6, d6, 6, r + 54, be16(r + 18)) == 0)
            return i;
    }
    return -1;
}

/* A listening TCP socket on [::1] (port in *port), or -1. */
static int loopback6_listener(uint16_t *port, bool listening)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    socklen_t al = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || (listening && listen(s, 4) != 0) ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    *port = ntohs(a.sin6_port);
    fcntl(s, F_SETFL, O_NONBLOCK);
    return s;
}

/* TCP over IPv6 to the host address: a SYN to [fec0::2]:P, with a listener
 * of the test on [::1]:P, gets SYN/ACK from fec0::2 (MAC 52:56:0:0:0:2)
 * once the uplink connected; data both ways; the host's FIN reaches the
 * guest, the guest's reaches the host (EOF), and the relay is freed;
 * nothing but TCP is sent (lwIP's own ND/MLD stay silent). */
TEST(ip6_tcp_to_host_loopback)
{
    uint16_t port;
    int ls = loopback6_listener(&port, true);
    CHECK(ls >= 0);
    if (ls < 0)
        return;
    struct unet *u = mk("user,id=t6c");
    CHECK(u != NULL);
    if (!u) {
        close(ls);
        return;
    }
    uint8_t f[1600];
    size_t fl = build_tcp6(f, GUEST_GLB, 40000, "fec0::2", port, 1000, 0, 0x02, NULL, 0);
    send_frame(f, fl);
    PUMP_UNTIL(find_tcp6(40000, 0, "fec0::2") >= 0, 3000);
    int i = find_tcp6(40000, 0, "fec0::2");
    CHECK(i >= 0);
    int c = -1;
    if (i >= 0) {
        const uint8_t *r = sink.frame[i], *t = r + 54;
        CHECK(!memcmp(r + 6, router_mac, 6));
        CHECK(!memcmp(r, guest_mac, 6));
        CHECK_EQ_INT(be16(t), port);
        CHECK_EQ_INT(t[13] & 0x17, 0x12);           /* SYN, ACK */
        CHECK_EQ_INT(be32(t + 8), 1001);
        uint32_t srv = be32(t + 4) + 1;
        fl = build_tcp6(f, GUEST_GLB, 40000, "fec0::2", port, 1001, srv, 0x10, NULL, 0);
        send_frame(f, fl);
        fl = build_tcp6(f, GUEST_GLB, 40000, "fec0::2", port, 1001, srv, 0x18, "hello", 5);
        send_frame(f, fl);
        uint64_t end = plat_now_ns() + 3000000000ull;
        while (c < 0 && plat_now_ns() < end) {
            net_host_poll(2000000u);
            net_timers_run(plat_now_ns());
            c = accept(ls, NULL, NULL);
        }
        CHECK(c >= 0);
        CHECK_EQ_INT(stats(u).tcp_live, 1);
        if (c >= 0) {
            fcntl(c, F_SETFL, O_NONBLOCK);
            char buf[16] = {0};
            ssize_t n = -1;
            end = plat_now_ns() + 3000000000ull;
            while (n <= 0 && plat_now_ns() < end) {
                net_host_poll(2000000u);
                net_timers_run(plat_now_ns());
                n = recv(c, buf, sizeof(buf), 0);
            }
            CHECK_EQ_INT(n, 5);
            CHECK_STR(buf, "hello");
            CHECK_EQ_INT(send(c, "world!", 6, 0), 6);
            shutdown(c, SHUT_WR);
            int next = sink.count;
            bool got_data = false, got_fin = false;
            uint32_t fin_seq = 0;
            end = plat_now_ns() + 3000000000ull;
            while (!(got_data && got_fin) && plat_now_ns() < end) {
                net_host_poll(2000000u);
                net_timers_run(plat_now_ns());
                for (; next < sink.count; next++) {
                    if (find_tcp6(40000, next, "fec0::2") != next)
                        continue;
                    const uint8_t *tt = sink.frame[next] + 54;
                    size_t hl = (size_t)(tt[12] >> 4) * 4, dl = be16(sink.frame[next] + 18) - hl;
                    if (dl == 6 && !memcmp(tt + hl, "world!", 6) && be32(tt + 4) == srv)
                        got_data = true;
                    if (tt[13] & 0x01) {
                        got_fin = true;
                        fin_seq = be32(tt + 4) + (uint32_t)dl;
                    }
                }
            }
            CHECK(got_data);
            CHECK(got_fin);
            CHECK_EQ_INT(fin_seq, srv + 6);
            /* The guest acknowledges all and closes: EOF on the host. */
            fl = build_tcp6(f, GUEST_GLB, 40000, "fec0::2", port, 1006, fin_seq + 1, 0x11, NULL, 0);
            send_frame(f, fl);
            n = -1;
            end = plat_now_ns() + 3000000000ull;
            while (n < 0 && plat_now_ns() < end) {
                net_host_poll(2000000u);
                net_timers_run(plat_now_ns());
                n = recv(c, buf, sizeof(buf), 0);
            }
            CHECK_EQ_INT(n, 0);
            PUMP_UNTIL(stats(u).tcp_live == 0, 3000);
            CHECK_EQ_INT(stats(u).tcp_live, 0);
            close(c);
        }
    }
    /* lwIP's IPv6 says nothing of its own (no neighbour solicitation for
     * the guest, MLD report, router solicitation, DAD), also after its
     * 1-second ND timer ran: every frame sent was TCP. */
    PUMP_UNTIL(false, 1500);
    int other = 0;
    for (int k = 0; k < sink.count; k++)
        if (sink.len[k] < 54 || sink.frame[k][12] != 0x86 || sink.frame[k][13] != 0xdd || sink.frame[k][20] != 6)
            other++;
    CHECK_EQ_INT(other, 0);
    CHECK_EQ_INT((int)stats(u).ip6_tcp_reset, 0);
    done(u);
    close(ls);
}

/* Refusals over IPv6, each the reset of a closed port (RFC 793 3.4) from
 * the address and port the guest went to: restrict=on (the host's listener
 * sees no connection), a closed port on [::1] (the uplink's connect is
 * refused), an address of the prefix that is not the host (nothing is
 * tried), an ACK without a connection (RST with its acknowledgment as
 * sequence number); a RST gets nothing, a bad checksum is counted. The same
 * SYN to the listener without restrict=on is answered (SYN/ACK). */
/* Pure ACKs to the guest from src on port gport among the sink's frames
 * from `from`; *last: the acknowledgment number of the last one. */
static int count_pure_acks6(uint16_t gport, int from, const char *src, uint32_t *last)
{
    int n = 0;
    for (int i = from; i < sink.count; i++) {
        if (find_tcp6(gport, i, src) != i)
            continue;
        const uint8_t *t = sink.frame[i] + 54;
        if (t[13] == 0x10 && be16(sink.frame[i] + 18) == (t[12] >> 4) * 4u) {
            n++;
            *last = be32(t + 8);
        }
    }
    return n;
}

/* ack_merge.c over IPv6: eight in-order segments get one ACK of all. */
TEST(ip6_tcp_acks_merged)
{
    uint16_t port;
    int ls = loopback6_listener(&port, true);
    CHECK(ls >= 0);
    if (ls < 0)
        return;
    struct unet *u = mk("user,id=t6m");
    CHECK(u != NULL);
    if (!u) {
        close(ls);
        return;
    }
    uint8_t f[1600], data[1000];
    memset(data, 'd', sizeof(data));
    size_t fl = build_tcp6(f, GUEST_GLB, 40002, "fec0::2", port, 1000, 0, 0x02, NULL, 0);
    send_frame(f, fl);
    PUMP_UNTIL(find_tcp6(40002, 0, "fec0::2") >= 0, 3000);
    int i = find_tcp6(40002, 0, "fec0::2");
    CHECK(i >= 0);
    if (i >= 0) {
        uint32_t srv = be32(sink.frame[i] + 54 + 4) + 1;
        fl = build_tcp6(f, GUEST_GLB, 40002, "fec0::2", port, 1001, srv, 0x10, NULL, 0);
        send_frame(f, fl);
        int before = sink.count;
        for (uint32_t k = 0; k < 8; k++) {
            fl = build_tcp6(f, GUEST_GLB, 40002, "fec0::2", port, 1001 + k * 1000, srv, 0x10, data,
                            sizeof(data));
            send_frame(f, fl);
        }
        uint32_t last = 0;
        CHECK_EQ_INT(count_pure_acks6(40002, before, "fec0::2", &last), 0);
        PUMP_UNTIL(count_pure_acks6(40002, before, "fec0::2", &last) >= 1, 3000);
        CHECK_EQ_INT(count_pure_acks6(40002, before, "fec0::2", &last), 1);
        CHECK_EQ_INT(last, 9001);
    }
    close(ls);
    done(u);
}

TEST(ip6_tcp_refusals_reset)
{
    uint16_t port, closed;
    int ls = loopback6_listener(&port, true), cs = loopback6_listener(&closed, false);
    CHECK(ls >= 0 && cs >= 0);
    uint8_t f[1600];
    for (int restricted = 1; restricted >= 0 && ls >= 0 && cs >= 0; restricted--) {
        struct unet *u = mk(restricted ? "user,id=t6r,restrict=on" : "user,id=t6n");
        CHECK(u != NULL);
        if (!u)
            break;
        struct { uint16_t gport; const char *dst; uint16_t dport; } cases[3] = {
            {41000, "fec0::2", port}, {41001, "fec0::2", closed}, {41002, "fec0::99", 80}};
        /* restrict=on: the listener's port; else the other two. */
        for (int k = restricted ? 0 : 1; k < (restricted ? 1 : 3); k++) {
            int before = sink.count;
            size_t fl = build_tcp6(f, GUEST_GLB, cases[k].gport, cases[k].dst, cases[k].dport,
                                   0x11223344, 0, 0x02, NULL, 0);
            send_frame(f, fl);
            PUMP_UNTIL(find_tcp6(cases[k].gport, before, cases[k].dst) >= 0, 3000);
            int i = find_tcp6(cases[k].gport, before, cases[k].dst);
            CHECK(i >= 0);
            if (i >= 0) {
                const uint8_t *t = sink.frame[i] + 54;
                CHECK_EQ_INT(be16(t), cases[k].dport);
                CHECK_EQ_INT(t[13] & 0x17, 0x14);   /* RST, ACK */
                CHECK_EQ_INT(be32(t + 8), 0x11223345);
            }
        }
        if (restricted) {
            PUMP_UNTIL(false, 200);
            int c = accept(ls, NULL, NULL);
            CHECK(c < 0);
            if (c >= 0)
                close(c);
            CHECK_EQ_INT((int)stats(u).ip6_tcp_reset, 1);
            CHECK_EQ_INT(stats(u).tcp_live, 0);
            done(u);
            continue;
        }
        /* Without restrict=on the same SYN to the listener is answered: the
         * reset above was restrict=on's. */
        int before = sink.count;
        size_t fl = build_tcp6(f, GUEST_GLB, 41006, "fec0::2", port, 0x11223344, 0, 0x02, NULL, 0);
        send_frame(f, fl);
        PUMP_UNTIL(find_tcp6(41006, before, "fec0::2") >= 0, 3000);
        int i = find_tcp6(41006, before, "fec0::2");
        CHECK(i >= 0 && (sink.frame[i][54 + 13] & 0x17) == 0x12);
        fl = build_tcp6(f, GUEST_GLB, 41006, "fec0::2", port, 0x11223345, 0, 0x04, NULL, 0);
        send_frame(f, fl);   /* the guest gives up: RST, nothing answers it */
        PUMP_UNTIL(stats(u).tcp_live == 0, 3000);
        before = sink.count;
        fl = build_tcp6(f, GUEST_GLB, 41003, "fec0::2", port, 5, 0x55667788, 0x10, NULL, 0);
        send_frame(f, fl);
        i = find_tcp6(41003, before, "fec0::2");
        CHECK(i >= 0);
        if (i >= 0) {
            CHECK_EQ_INT(be32(sink.frame[i] + 54 + 4), 0x55667788);
            CHECK_EQ_INT(sink.frame[i][54 + 13] & 0x07, 0x04);   /* lwIP's RST carries ACK too */
        }
        before = sink.count;
        fl = build_tcp6(f, GUEST_GLB, 41004, "fec0::2", port, 5, 0, 0x04, NULL, 0);
        send_frame(f, fl);
        fl = build_tcp6(f, GUEST_GLB, 41005, "fec0::2", port, 5, 0, 0x02, NULL, 0);
        f[54 + 17] ^= 1;                           /* bad checksum */
        send_frame(f, fl);
        PUMP_UNTIL(false, 100);
        CHECK_EQ_INT(sink.count, before);
        CHECK_EQ_INT((int)stats(u).ip6_tcp_reset, 3);
        CHECK_EQ_INT((int)stats(u).ip6_bad, 1);
        CHECK_EQ_INT(stats(u).tcp_live, 0);
        done(u);
    }
    if (ls >= 0)
        close(ls);
    if (cs >= 0)
        close(cs);
}

/* DNS over TCP over IPv6: a connection to fec0::3:53 reaches the uplink's
 * resolver (the test's listener on a random 127.56.x.y:53 through
 * BAREMU_RESOLV_CONF; an IPv4 resolver, as the UDP proxy uses), the query
 * arrives whole. */
TEST(ip6_dns_over_tcp_reaches_resolver)
{
    char conf[] = "/tmp/usernet-resolv-XXXXXX", *saved;
    int ls = resolver_listen("127.56", conf, &saved);
    CHECK(ls >= 0);
    if (ls < 0)
        return;
    struct unet *u = mk("user,id=dt6");
    CHECK(u != NULL);
    if (u) {
        uint8_t f[200];
        send_frame(f, build_tcp6(f, GUEST_GLB, 43000, "fec0::3", 53, 10, 0, 0x02, NULL, 0));
        PUMP_UNTIL(find_tcp6(43000, 0, "fec0::3") >= 0, 3000);
        int i = find_tcp6(43000, 0, "fec0::3");
        CHECK(i >= 0 && (sink.frame[i][54 + 13] & 0x17) == 0x12);
        if (i >= 0) {
            uint32_t srv = be32(sink.frame[i] + 54 + 4) + 1;
            static const uint8_t q[] = {0, 17, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1};
            send_frame(f, build_tcp6(f, GUEST_GLB, 43000, "fec0::3", 53, 11, srv, 0x10, NULL, 0));
            send_frame(f, build_tcp6(f, GUEST_GLB, 43000, "fec0::3", 53, 11, srv, 0x18, q, sizeof(q)));
            uint8_t got[64];
            ssize_t n = resolver_receive(ls, got, sizeof(q));
            CHECK_EQ_INT(n, (int)sizeof(q));
            CHECK(n == (ssize_t)sizeof(q) && !memcmp(got, q, sizeof(q)));
        }
        done(u);
    }
    resolver_close(ls, conf, saved);
}
