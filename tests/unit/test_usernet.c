/* Unit tests for the user-mode network (net/user/) with crafted guest frames:
 * option defaults and refusals, ARP, DHCP, ICMP echo, TFTP with options, TCP
 * and UDP NAT to loopback listeners, restrict=on and hostfwd. Uplink traffic
 * goes to 127.0.0.1 only. */
#include <arpa/inet.h>
#include <errno.h>
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
/* lwIP's pcb list, to see how much a connection holds (the C library's
 * htons & co. stay: lwIP must not define its own). */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/user/user.h"   /* unet_icmp_error's rules, checked directly */

/* The last captured frame of IP protocol proto (or -1). */
static int find_ip(uint8_t proto, int from)
{
    for (int i = from; i < sink.count; i++)
        if (sink.frame[i][12] == 8 && sink.frame[i][13] == 0 && sink.frame[i][14 + 9] == proto)
            return i;
    return -1;
}

TEST(options_defaults_and_refusals)
{
    struct unet *u = unet_create_str("user,id=o1", err, sizeof(err));
    CHECK(u != NULL);
    unet_destroy(u);
    CHECK(!unet_create_str("user,id=o2,dns=10.0.2.2", err, sizeof(err)));
    CHECK_STR(err, "DNS must be different from host");
    CHECK(!unet_create_str("user,id=o3,host=10.0.3.2", err, sizeof(err)));
    CHECK_STR(err, "Host doesn't belong to network");
    CHECK(!unet_create_str("user,id=o4,ipv4=off,ipv6=off", err, sizeof(err)));
    CHECK_STR(err, "IPv4 and IPv6 disabled");
    CHECK(!unet_create_str("user,id=o5,net=10.0.2.0/33", err, sizeof(err)));
    CHECK(!unet_create_str("user,id=o6,dhcpstart=192.168.1.9", err, sizeof(err)));
    CHECK_STR(err, "DHCP doesn't belong to network");
    CHECK(!unet_create_str("user,id=o7,hostfwd=tcp::x-:22", err, sizeof(err)));
    CHECK(!unet_create_str("user,id=o8,bogus=1", err, sizeof(err)));
    u = unet_create_str("user,id=o9,net=192.168.76.0/24,host=192.168.76.1,dns=192.168.76.9,"
                        "dhcpstart=192.168.76.100,restrict=on", err, sizeof(err));
    CHECK(u != NULL);
    unet_destroy(u);
}

TEST(arp_for_host_and_dns)
{
    struct unet *u = mk("user,id=a1");
    CHECK(u != NULL);
    if (!u)
        return;
    const char *targets[2] = {"10.0.2.2", "10.0.2.3"};
    for (int t = 0; t < 2; t++) {
        uint8_t f[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        memcpy(f + 6, guest_mac, 6);
        f[12] = 8;
        f[13] = 6;
        uint8_t a[28] = {0, 1, 8, 0, 6, 4, 0, 1};
        memcpy(a + 8, guest_mac, 6);
        uint32_t sip = ip4("10.0.2.15"), tip = ip4(targets[t]);
        memcpy(a + 14, &sip, 4);
        memcpy(a + 24, &tip, 4);
        memcpy(f + 14, a, 28);
        int before = sink.count;
        send_frame(f, sizeof(f));
        CHECK_EQ_INT(sink.count, before + 1);
        if (sink.count != before + 1)
            break;
        const uint8_t *r = sink.frame[before];
        CHECK(!memcmp(r, guest_mac, 6));
        CHECK_EQ_INT(be16(r + 20), 2);
        CHECK(!memcmp(r + 28, &tip, 4));
        CHECK_EQ_INT(r + 22 - r, 22);
        CHECK_EQ_INT(r[22 + 5], t == 0 ? 2 : 3);   /* 52:55:0a:00:02:0X */
    }
    done(u);
}

static size_t dhcp_msg(uint8_t *m, int type, uint32_t req_ip)
{
    memset(m, 0, 300);
    m[0] = 1;
    m[1] = 1;
    m[2] = 6;
    m[4] = 0x12;
    m[5] = 0x34;
    memcpy(m + 28, guest_mac, 6);
    m[236] = 99;
    m[237] = 130;
    m[238] = 83;
    m[239] = 99;
    size_t o = 240;
    m[o++] = 53;
    m[o++] = 1;
    m[o++] = (uint8_t)type;
    if (req_ip) {
        m[o++] = 50;
        m[o++] = 4;
        memcpy(m + o, &req_ip, 4);
        o += 4;
    }
    m[o++] = 255;
    return 300;
}

static const uint8_t *dhcp_opt(const uint8_t *m, size_t len, uint8_t code, int *olen)
{
    for (size_t i = 240; i + 1 < len && m[i] != 255;) {
        if (m[i] == 0) {
            i++;
            continue;
        }
        if (m[i] == code) {
            *olen = m[i + 1];
            return m + i + 2;
        }
        i += 2u + m[i + 1];
    }
    return NULL;
}

TEST(dhcp_discover_offer_request_ack)
{
    struct unet *u = mk("user,id=d1,hostname=guesty,domainname=example.test,dnssearch=a.test,"
                        "bootfile=pxelinux.0,tftp-server-name=tftp.test");
    CHECK(u != NULL);
    if (!u)
        return;
    uint8_t m[300], f[1600];
    for (int step = 0; step < 2; step++) {
        size_t n = dhcp_msg(m, step == 0 ? 1 : 3, step ? ip4("10.0.2.15") : 0);
        size_t fl = build_udp(f, 0, 68, 0xffffffffu, 67, m, n);
        int before = sink.count;
        send_frame(f, fl);
        int i = find_ip(17, before);
        CHECK(i >= 0);
        if (i < 0)
            break;
        const uint8_t *r = sink.frame[i];
        const uint8_t *d = fr_l4(r) + 8;
        size_t dl = be16(fr_l4(r) + 4) - 8u;
        CHECK_EQ_INT(be16(fr_l4(r) + 2), 68);
        CHECK_EQ_INT(d[0], 2);
        CHECK(!memcmp(d + 16, (uint32_t[]){ip4("10.0.2.15")}, 4));
        CHECK(!memcmp(d + 20, (uint32_t[]){ip4("10.0.2.2")}, 4));
        CHECK_STR((const char *)d + 108, "pxelinux.0");
        int ol = 0;
        const uint8_t *o = dhcp_opt(d, dl, 53, &ol);
        CHECK(o && ol == 1 && o[0] == (step == 0 ? 2 : 5));
        o = dhcp_opt(d, dl, 1, &ol);
        CHECK(o && ol == 4 && !memcmp(o, (uint32_t[]){ip4("255.255.255.0")}, 4));
        o = dhcp_opt(d, dl, 3, &ol);
        CHECK(o && ol == 4 && !memcmp(o, (uint32_t[]){ip4("10.0.2.2")}, 4));
        o = dhcp_opt(d, dl, 6, &ol);
        CHECK(o && ol == 4 && !memcmp(o, (uint32_t[]){ip4("10.0.2.3")}, 4));
        o = dhcp_opt(d, dl, 54, &ol);
        CHECK(o && ol == 4);
        CHECK(dhcp_opt(d, dl, 51, &ol) && ol == 4);
        o = dhcp_opt(d, dl, 12, &ol);
        CHECK(o && ol == 6 && !memcmp(o, "guesty", 6));
        o = dhcp_opt(d, dl, 15, &ol);
        CHECK(o && ol == 12);
        o = dhcp_opt(d, dl, 66, &ol);
        CHECK(o && ol == 9);
        o = dhcp_opt(d, dl, 67, &ol);
        CHECK(o && ol == 10);
        o = dhcp_opt(d, dl, 119, &ol);
        CHECK(o && ol == 8 && o[0] == 1 && o[1] == 'a' && o[2] == 4 && o[7] == 0);
    }
    /* A second client gets the next address. */
    uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
    size_t n = dhcp_msg(m, 1, 0);
    memcpy(m + 28, mac2, 6);
    size_t fl = build_udp(f, 0, 68, 0xffffffffu, 67, m, n);
    int before = sink.count;
    send_frame(f, fl);
    int i = find_ip(17, before);
    CHECK(i >= 0 && !memcmp(fr_l4(sink.frame[i]) + 8 + 16, (uint32_t[]){ip4("10.0.2.16")}, 4));
    /* Another client asking for 10.0.2.15 is refused (NAK). */
    n = dhcp_msg(m, 3, ip4("10.0.2.15"));
    memcpy(m + 28, mac2, 6);
    fl = build_udp(f, 0, 68, 0xffffffffu, 67, m, n);
    before = sink.count;
    send_frame(f, fl);
    i = find_ip(17, before);
    int ol = 0;
    const uint8_t *d = i >= 0 ? fr_l4(sink.frame[i]) + 8 : NULL;
    CHECK(d && dhcp_opt(d, 300, 53, &ol) && dhcp_opt(d, 300, 53, &ol)[0] == 6);
    done(u);
}

TEST(icmp_echo_host_and_dns)
{
    struct unet *u = mk("user,id=i1");
    CHECK(u != NULL);
    if (!u)
        return;
    const char *dst[2] = {"10.0.2.2", "10.0.2.3"};
    for (int t = 0; t < 2; t++) {
        uint8_t e[64] = {8, 0, 0, 0, 0x12, 0x34, 0, 1};
        for (int k = 8; k < 64; k++)
            e[k] = (uint8_t)k;
        uint8_t f[200];
        size_t fl = build_ip(f, 1, ip4("10.0.2.15"), ip4(dst[t]), e, sizeof(e));
        int before = sink.count;
        send_frame(f, fl);
        int i = find_ip(1, before);
        CHECK(i >= 0);
        if (i < 0)
            break;
        const uint8_t *r = sink.frame[i];
        CHECK_EQ_INT(fr_l4(r)[0], 0);   /* echo reply */
        CHECK(!memcmp(fr_ip(r) + 12, (uint32_t[]){ip4(dst[t])}, 4));
        CHECK(!memcmp(fr_l4(r) + 8, e + 8, 56));
        CHECK(!memcmp(r, guest_mac, 6));
    }
    done(u);
}

TEST(tftp_rrq_blksize_tsize)
{
    char dir[] = "/tmp/unet-tftp-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[300];
    snprintf(path, sizeof(path), "%s/file.bin", dir);
    FILE *fp = fopen(path, "wb");
    static uint8_t content[5000];
    for (size_t k = 0; k < sizeof(content); k++)
        content[k] = (uint8_t)(k * 7 + 3);
    fwrite(content, 1, sizeof(content), fp);
    fclose(fp);
    char opts[400];
    snprintf(opts, sizeof(opts), "user,id=t1,tftp=%s", dir);
    struct unet *u = mk(opts);
    CHECK(u != NULL);
    if (!u)
        return;
    static const char rrq[] = "\0\1file.bin\0octet\0blksize\0001024\0tsize\0000";
    uint8_t f[1600];
    size_t fl = build_udp(f, ip4("10.0.2.15"), 2000, ip4("10.0.2.2"), 69, rrq, sizeof(rrq));
    int before = sink.count;
    send_frame(f, fl);
    int i = find_ip(17, before);
    CHECK(i >= 0);
    if (i < 0) {
        done(u);
        return;
    }
    const uint8_t *l4 = fr_l4(sink.frame[i]);
    uint16_t xport = be16(l4);
    CHECK(xport != 69);
    CHECK_EQ_INT(be16(l4 + 8), 6);   /* OACK */
    const char *oack = (const char *)l4 + 10;
    CHECK_STR(oack, "blksize");
    CHECK_STR(oack + 8, "1024");
    CHECK_STR(oack + 13, "tsize");
    CHECK_STR(oack + 19, "5000");
    static uint8_t got[8000];
    size_t gotn = 0;
    for (uint16_t blk = 0; blk < 10; blk++) {
        uint8_t ack[4] = {0, 4, (uint8_t)(blk >> 8), (uint8_t)blk};
        fl = build_udp(f, ip4("10.0.2.15"), 2000, ip4("10.0.2.2"), xport, ack, 4);
        before = sink.count;
        send_frame(f, fl);
        i = find_ip(17, before);
        if (i < 0)
            break;
        l4 = fr_l4(sink.frame[i]);
        size_t dl = be16(l4 + 4) - 8u;
        CHECK_EQ_INT(be16(l4 + 8), 3);
        CHECK_EQ_INT(be16(l4 + 10), blk + 1);
        memcpy(got + gotn, l4 + 12, dl - 4);
        gotn += dl - 4;
        if (dl - 4 < 1024) {
            uint8_t last[4] = {0, 4, (uint8_t)((blk + 1) >> 8), (uint8_t)(blk + 1)};
            fl = build_udp(f, ip4("10.0.2.15"), 2000, ip4("10.0.2.2"), xport, last, 4);
            send_frame(f, fl);
            break;
        }
    }
    CHECK_EQ_INT(gotn, sizeof(content));
    CHECK(!memcmp(got, content, sizeof(content)));
    /* ".." and absolute paths are refused with "Access violation" (code 2). */
    static const char bad1[] = "\0\1../etc/passwd\0octet\0";
    static const char bad2[] = "\0\1/etc/passwd\0octet\0";
    const char *bads[2] = {bad1, bad2};
    size_t badl[2] = {sizeof(bad1) - 1, sizeof(bad2) - 1};
    for (int b = 0; b < 2; b++) {
        fl = build_udp(f, ip4("10.0.2.15"), 2001, ip4("10.0.2.2"), 69, bads[b], badl[b]);
        before = sink.count;
        send_frame(f, fl);
        i = find_ip(17, before);
        CHECK(i >= 0 && be16(fr_l4(sink.frame[i]) + 8) == 5 && be16(fr_l4(sink.frame[i]) + 10) == 2);
    }
    /* A missing file: code 1. */
    static const char miss[] = "\0\1nope\0octet\0";
    fl = build_udp(f, ip4("10.0.2.15"), 2002, ip4("10.0.2.2"), 69, miss, sizeof(miss) - 1);
    before = sink.count;
    send_frame(f, fl);
    i = find_ip(17, before);
    CHECK(i >= 0 && be16(fr_l4(sink.frame[i]) + 10) == 1);
    done(u);
    unlink(path);
    rmdir(dir);
}

static int loopback_listener(int type, uint16_t *port)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(s, (struct sockaddr *)&a, sizeof(a));
    if (type == SOCK_STREAM)
        listen(s, 4);
    socklen_t al = sizeof(a);
    getsockname(s, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    return s;
}

/* A loopback port of the given socket type that nobody listens on, then a
 * user network made with the options fmt (its one %u: that port). */
static struct unet *mk_on_free_port(int type, const char *fmt, uint16_t *port)
{
    close(loopback_listener(type, port));
    char opts[128];
    snprintf(opts, sizeof(opts), fmt, *port);
    return mk(opts);
}

/* The segment the network sent last to the guest on TCP port gport, or -1. */
static int find_tcp(uint16_t gport, int from)
{
    for (int i = sink.count - 1; i >= from; i--)
        if (sink.frame[i][12] == 8 && sink.frame[i][23] == 6 && be16(fr_l4(sink.frame[i]) + 2) == gport)
            return i;
    return -1;
}

/* The guest (10.0.2.15:gport) opens a TCP connection to 10.0.2.2:port
 * (initial sequence 1000): SYN, the network's SYN-ACK (held until the
 * uplink connect completes, libslirp's order), ACK. Returns the network's
 * next sequence number in *srv; false if no SYN-ACK came. */
static bool tcp_open(uint16_t gport, uint16_t port, uint32_t *srv)
{
    uint8_t f[128];
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    int before = sink.count;
    send_frame(f, build_tcp(f, g, gport, h, port, 1000, 0, 0x02, NULL, 0));
    PUMP_UNTIL(find_tcp(gport, before) >= 0, 3000);
    int i = find_tcp(gport, before);
    CHECK(i >= 0);
    if (i < 0)
        return false;
    const uint8_t *t = fr_l4(sink.frame[i]);
    CHECK_EQ_INT(t[13] & 0x12, 0x12);   /* SYN-ACK */
    CHECK_EQ_INT(be32(t + 8), 1001);
    *srv = be32(t + 4) + 1;
    send_frame(f, build_tcp(f, g, gport, h, port, 1001, *srv, 0x10, NULL, 0));
    return true;
}

/* The loopback listener's connection from the network, accepted while the
 * network runs; -1 after 3 s without one. */
static int accept_pumped(int ls)
{
    int c = -1;
    uint64_t end = plat_now_ns() + 3000000000ull;
    while (c < 0 && plat_now_ns() < end) {
        net_host_poll(2000000u);
        net_timers_run(plat_now_ns());
        struct timeval tv = {0, 1000};
        setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        c = accept(ls, NULL, NULL);
    }
    return c;
}

/* A network (opts), a loopback listener (*ls on *port) and the guest's TCP
 * connection from gport to it (tcp_open); NULL, with both closed, if a step
 * failed. */
static struct unet *tcp_fixture(const char *opts, uint16_t gport, int *ls, uint16_t *port,
                                uint32_t *srv)
{
    struct unet *u = mk(opts);
    CHECK(u != NULL);
    if (!u)
        return NULL;
    *ls = loopback_listener(SOCK_STREAM, port);
    if (!tcp_open(gport, *port, srv)) {
        close(*ls);
        done(u);
        return NULL;
    }
    return u;
}

TEST(tcp_nat_to_host_loopback)
{
    uint16_t port;
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2"), srv;
    int ls;
    struct unet *u = tcp_fixture("user,id=n1", 40000, &ls, &port, &srv);
    if (!u)
        return;
    uint8_t f[1600];
    int before;
    size_t fl = build_tcp(f, g, 40000, h, port, 1001, srv, 0x18, "hello", 5);
    send_frame(f, fl);
    int c = accept_pumped(ls);
    uint64_t end;
    CHECK(c >= 0);
    char buf[16] = {0};
    ssize_t n = 0;
    if (c >= 0) {
        struct timeval tv = {0, 1000};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        end = plat_now_ns() + 3000000000ull;
        while (n <= 0 && plat_now_ns() < end) {
            net_host_poll(2000000u);
            net_timers_run(plat_now_ns());
            n = recv(c, buf, sizeof(buf), 0);
        }
        CHECK_EQ_INT(n, 5);
        CHECK_STR(buf, "hello");
        /* Host -> guest, then the host closes: data then FIN reach the guest. */
        CHECK_EQ_INT(send(c, "world!", 6, 0), 6);
        shutdown(c, SHUT_WR);
        before = sink.count;
        bool got_data = false, got_fin = false;
        end = plat_now_ns() + 3000000000ull;
        while (!(got_data && got_fin) && plat_now_ns() < end) {
            net_host_poll(2000000u);
            net_timers_run(plat_now_ns());
            for (; before < sink.count; before++) {
                const uint8_t *r = sink.frame[before];
                if (r[23] != 6 || be16(fr_l4(r) + 2) != 40000)
                    continue;
                const uint8_t *tt = fr_l4(r);
                size_t hl = (size_t)(tt[12] >> 4) * 4;
                size_t dl = be16(fr_ip(r) + 2) - 20u - hl;
                if (dl == 6 && !memcmp(tt + hl, "world!", 6))
                    got_data = true;
                if (tt[13] & 0x01)
                    got_fin = true;
            }
        }
        CHECK(got_data);
        CHECK(got_fin);
        close(c);
    }
    close(ls);
    done(u);
}

/* Pure ACKs to the guest on port gport among the sink's frames from `from`;
 * *last: the acknowledgment number of the last one. */
static int count_pure_acks(uint16_t gport, int from, uint32_t *last)
{
    int n = 0;
    for (int i = from; i < sink.count; i++) {
        const uint8_t *r = sink.frame[i];
        if (r[12] != 8 || r[23] != 6 || be16(fr_l4(r) + 2) != gport)
            continue;
        const uint8_t *t = fr_l4(r);
        if (t[13] == 0x10 && be16(fr_ip(r) + 2) == 20u + (t[12] >> 4) * 4u) {
            n++;
            *last = be32(t + 8);
        }
    }
    return n;
}

/* ack_merge.c: in-order segments get one cumulative ACK after a moment
 * (lwIP made one per two), or at once when 32 KiB more are acknowledged; a
 * duplicate ACK for each out-of-order segment reaches the guest (its fast
 * retransmit counts them). */
TEST(tcp_acks_merged)
{
    uint16_t port;
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2"), srv;
    int ls;
    struct unet *u = tcp_fixture("user,id=n1m", 40001, &ls, &port, &srv);
    if (!u)
        return;
    uint8_t f[1600], data[1000];
    memset(data, 'd', sizeof(data));
    size_t fl;
    /* Eight in-order segments: nothing at once, then one ACK of all 8000
     * bytes. */
    int before = sink.count;
    for (uint32_t k = 0; k < 8; k++) {
        fl = build_tcp(f, g, 40001, h, port, 1001 + k * 1000, srv, 0x10, data, sizeof(data));
        send_frame(f, fl);
    }
    uint32_t last = 0;
    CHECK_EQ_INT(count_pure_acks(40001, before, &last), 0);
    PUMP_UNTIL(count_pure_acks(40001, before, &last) >= 1, 3000);
    CHECK_EQ_INT(count_pure_acks(40001, before, &last), 1);
    CHECK_EQ_INT(last, 9001);
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK(st.tcp_acks_merged >= 3);
    /* Forty segments at once: an ACK leaves as soon as 32 KiB more are
     * acknowledged, before any timer runs, and the rest follows. */
    before = sink.count;
    for (uint32_t k = 0; k < 40; k++) {
        fl = build_tcp(f, g, 40001, h, port, 9001 + k * 1000, srv, 0x10, data, sizeof(data));
        send_frame(f, fl);
    }
    CHECK_EQ_INT(count_pure_acks(40001, before, &last), 1);
    CHECK(last - 9001 >= 32 * 1024 && last - 9001 <= 38 * 1000);
    PUMP_UNTIL(count_pure_acks(40001, before, &last) >= 2 && last == 49001, 3000);
    CHECK_EQ_INT(last, 49001);
    /* Two segments past a hole: two duplicate ACKs of 49001, not one. */
    before = sink.count;
    for (uint32_t k = 1; k < 3; k++) {
        fl = build_tcp(f, g, 40001, h, port, 49001 + k * 1000, srv, 0x10, data, sizeof(data));
        send_frame(f, fl);
    }
    PUMP_UNTIL(count_pure_acks(40001, before, &last) >= 2, 3000);
    CHECK_EQ_INT(count_pure_acks(40001, before, &last), 2);
    CHECK_EQ_INT(last, 49001);
    /* The hole filled: one ACK of everything (lwIP's delayed ACK, from its
     * timer). */
    before = sink.count;
    fl = build_tcp(f, g, 40001, h, port, 49001, srv, 0x10, data, sizeof(data));
    send_frame(f, fl);
    PUMP_UNTIL(count_pure_acks(40001, before, &last) >= 1, 3000);
    CHECK_EQ_INT(count_pure_acks(40001, before, &last), 1);
    CHECK_EQ_INT(last, 52001);
    close(ls);
    done(u);
}

/* The host's segments to guest port gport from sink frame *from on: returns
 * the sequence number of the next one carrying len bytes (advancing *from
 * past it), or 0 if none came within ms. */
static uint32_t next_data_to_guest(uint16_t gport, int *from, size_t len, int ms)
{
    uint64_t end = plat_now_ns() + (uint64_t)ms * 1000000u;
    do {
        for (; *from < sink.count; (*from)++) {
            const uint8_t *r = sink.frame[*from];
            if (r[12] != 8 || r[23] != 6 || be16(fr_l4(r) + 2) != gport)
                continue;
            const uint8_t *t = fr_l4(r);
            if (be16(fr_ip(r) + 2) - 20u - (size_t)(t[12] >> 4) * 4u == len) {
                (*from)++;
                return be32(t + 4);
            }
        }
        net_host_poll(2000000u);
        net_timers_run(plat_now_ns());
    } while (plat_now_ns() < end);
    return 0;
}

/* A segment the guest never acknowledges (its NIC's ring was full, say) is
 * sent again by lwIP's retransmission timer within a second on a running
 * connection: lwIP's timeout settles at three ticks of its slow timer there,
 * 1.5 s with lwIP's default 250 ms timer, a stall that every loss not
 * repaired by fast retransmit cost (lwIP has no SACK). */
TEST(tcp_lost_segment_to_guest_resent_soon)
{
    uint16_t port;
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2"), srv;
    int ls;
    struct unet *u = tcp_fixture("user,id=n1r", 40002, &ls, &port, &srv);
    if (!u)
        return;
    int c = accept_pumped(ls);
    CHECK(c >= 0);
    if (c >= 0) {
        /* Twelve round trips, each acknowledged at once: lwIP times one
         * segment per round trip, and its timeout settles. */
        uint8_t f[128];
        int from = sink.count;
        for (int k = 0; k < 12; k++) {
            CHECK_EQ_INT(send(c, "p", 1, 0), 1);
            uint32_t seq = next_data_to_guest(40002, &from, 1, 3000);
            CHECK_EQ_INT(seq, srv);
            srv = seq + 1;
            send_frame(f, build_tcp(f, g, 40002, h, port, 1001, srv, 0x10, NULL, 0));
        }
        /* Then one the guest takes and says nothing about. */
        CHECK_EQ_INT(send(c, "lost", 4, 0), 4);
        CHECK_EQ_INT(next_data_to_guest(40002, &from, 4, 3000), srv);
        CHECK_EQ_INT(next_data_to_guest(40002, &from, 4, 1000), srv);
        close(c);
    }
    close(ls);
    done(u);
}

TEST(udp_nat_to_host_loopback)
{
    struct unet *u = mk("user,id=n2");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int us = loopback_listener(SOCK_DGRAM, &port);
    struct timeval tv = {0, 1000};
    setsockopt(us, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint8_t f[1600];
    size_t fl = build_udp(f, ip4("10.0.2.15"), 5555, ip4("10.0.2.2"), port, "ping!", 5);
    send_frame(f, fl);
    char buf[16] = {0};
    struct sockaddr_in from;
    socklen_t fromlen = sizeof(from);
    ssize_t n = -1;
    uint64_t end = plat_now_ns() + 3000000000ull;
    while (n < 0 && plat_now_ns() < end) {
        net_host_poll(1000000u);
        n = recvfrom(us, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
    }
    CHECK_EQ_INT(n, 5);
    CHECK_STR(buf, "ping!");
    if (n == 5) {
        sendto(us, "pong", 4, 0, (struct sockaddr *)&from, fromlen);
        int before = sink.count;
        PUMP_UNTIL(find_ip(17, before) >= 0, 3000);
        int i = find_ip(17, before);
        CHECK(i >= 0);
        if (i >= 0) {
            const uint8_t *r = sink.frame[i];
            CHECK(!memcmp(fr_ip(r) + 12, (uint32_t[]){ip4("10.0.2.2")}, 4));
            CHECK_EQ_INT(be16(fr_l4(r)), port);
            CHECK_EQ_INT(be16(fr_l4(r) + 2), 5555);
            CHECK(!memcmp(fr_l4(r) + 8, "pong", 4));
        }
    }
    close(us);
    done(u);
}

/* IPv4 fragments (net/user/ip_reass.c and lwIP's ip4_frag). A whole guest
 * datagram is built in `dg` (Ethernet + IPv4 + payload, checksums right),
 * then sent as fragments of it. */
static uint8_t dg[14 + 65535 + 64];   /* room to read a fragment past the end */

static size_t build_big_udp(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, const uint8_t *data,
                            size_t len)
{
    static uint8_t l4[65535];
    l4[0] = (uint8_t)(sport >> 8);
    l4[1] = (uint8_t)sport;
    l4[2] = (uint8_t)(dport >> 8);
    l4[3] = (uint8_t)dport;
    l4[4] = (uint8_t)((8 + len) >> 8);
    l4[5] = (uint8_t)(8 + len);
    memcpy(l4 + 8, data, len);
    return build_ip(dg, 17, src, dst, l4, 8 + len);
}

/* Sends bytes [off, off+len) of dg's IP payload as a fragment with the given
 * id (MF when more), the header's checksum right unless bad_csum. */
static void send_frag(uint16_t id, size_t off, size_t len, bool more, bool bad_csum)
{
    static uint8_t f[1600];
    memcpy(f, dg, 34);
    uint8_t *ip = f + 14;
    ip[2] = (uint8_t)((20 + len) >> 8);
    ip[3] = (uint8_t)(20 + len);
    ip[4] = (uint8_t)(id >> 8);
    ip[5] = (uint8_t)id;
    uint16_t fo = (uint16_t)((more ? 0x2000 : 0) | (off / 8));
    ip[6] = (uint8_t)(fo >> 8);
    ip[7] = (uint8_t)fo;
    ip[10] = ip[11] = 0;
    uint16_t c = csum_fold(csum_add(0, ip, 20));
    if (bad_csum)
        c ^= 0x0101;
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    memcpy(f + 34, dg + 34 + off, len);
    send_frame(f, 34 + len);
}

/* The whole datagram's fragments in the order given (indexes of 1480-byte
 * pieces, as a Linux guest cuts for MTU 1500). */
static void send_frags(uint16_t id, size_t iplen, const int *order, int n)
{
    for (int k = 0; k < n; k++) {
        size_t off = (size_t)order[k] * 1480, len = iplen - 20 - off > 1480 ? 1480 : iplen - 20 - off;
        send_frag(id, off, len, off + len < iplen - 20, false);
    }
}

/* Reassembles what the network sent to the guest from src with protocol
 * proto since frame `from` into out (the IP payload): its length, or -1 when
 * a fragment is missing, too long for the link, or has a bad header
 * checksum. *nfrags: frames it came in. */
static long collect(int from, uint8_t proto, uint32_t src, uint8_t *out, int *nfrags)
{
    static uint8_t have[65536];
    memset(have, 0, sizeof(have));
    long total = -1;
    *nfrags = 0;
    for (int i = from; i < sink.count; i++) {
        const uint8_t *f = sink.frame[i], *ip = fr_ip(f);
        if (f[12] != 8 || f[13] != 0 || ip[9] != proto || memcmp(ip + 12, &src, 4))
            continue;
        if (sink.len[i] > 1514 || csum_fold(csum_add(0, ip, 20)) != 0)
            return -1;
        size_t len = be16(ip + 2) - 20u, off = (size_t)(be16(ip + 6) & 0x1fff) * 8;
        bool more = ip[6] & 0x20;
        if (off + len > 65535)
            return -1;
        memcpy(out + off, ip + 20, len);
        memset(have + off, 1, len);
        if (!more)
            total = (long)(off + len);
        (*nfrags)++;
    }
    for (long k = 0; k < total; k++)
        if (!have[k])
            return -1;
    return total;
}

static uint8_t frag_data[65507], frag_got[65536];

TEST(udp_fragments_both_ways)
{
    struct unet *u = mk("user,id=fr1");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int us = loopback_listener(SOCK_DGRAM, &port);
    int rb = 1 << 20;
    setsockopt(us, SOL_SOCKET, SO_RCVBUF, &rb, sizeof(rb));
    struct timeval tv = {0, 1000};
    setsockopt(us, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    uint32_t x = 777;
    for (size_t i = 0; i < sizeof(frag_data); i++) {
        x = x * 1103515245u + 12345u;
        frag_data[i] = (uint8_t)(x >> 16);
    }
    /* In order, out of order (last, first, middle), and the largest UDP
     * datagram (65507 bytes, 45 fragments) last to first. */
    static const int in_order[3] = {0, 1, 2}, shuffled[3] = {2, 0, 1};
    int reverse[45];
    for (int k = 0; k < 45; k++)
        reverse[k] = 44 - k;
    struct { size_t size; const int *order; int n; } cases[3] = {
        {4000, in_order, 3}, {4000, shuffled, 3}, {65507, reverse, 45}};
    struct sockaddr_in from;
    socklen_t fromlen = sizeof(from);
    for (int c = 0; c < 3; c++) {
        frag_data[0] = (uint8_t)c;
        size_t fl = build_big_udp(ip4("10.0.2.15"), 5600, ip4("10.0.2.2"), port, frag_data, cases[c].size);
        send_frags((uint16_t)(100 + c), fl - 14, cases[c].order, cases[c].n);
        ssize_t n = -1;
        uint64_t end = plat_now_ns() + 3000000000ull;
        while (n < 0 && plat_now_ns() < end) {
            net_host_poll(1000000u);
            n = recvfrom(us, frag_got, sizeof(frag_got), 0, (struct sockaddr *)&from, &fromlen);
        }
        CHECK_EQ_INT(n, (long)cases[c].size);
        CHECK(n == (ssize_t)cases[c].size && !memcmp(frag_got, frag_data, cases[c].size));
    }
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK_EQ_INT((int)st.frag_total, 3);
    CHECK_EQ_INT(st.frag_live, 0);
    CHECK_EQ_INT((int)st.frag_bad, 0);

    /* Replies above the MTU come back as fragments that reassemble to the
     * datagram, with a right UDP checksum: 4000 bytes and the largest. */
    static const size_t reply[2] = {4000, 65507};
    for (int c = 0; c < 2; c++) {
        frag_data[1] = (uint8_t)(0x40 + c);
        sink.count = 0;
        sendto(us, frag_data, reply[c], 0, (struct sockaddr *)&from, fromlen);
        int want = (int)((reply[c] + 8 + 1479) / 1480), nf = 0;
        long got = -1;
        uint64_t end = plat_now_ns() + 3000000000ull;
        while (got < 0 && plat_now_ns() < end) {
            net_host_poll(1000000u);
            net_timers_run(plat_now_ns());
            got = collect(0, 17, ip4("10.0.2.2"), frag_got, &nf);
        }
        CHECK_EQ_INT(got, (long)reply[c] + 8);
        CHECK_EQ_INT(nf, want);
        if (got == (long)reply[c] + 8) {
            CHECK_EQ_INT(be16(frag_got), port);
            CHECK_EQ_INT(be16(frag_got + 2), 5600);
            CHECK_EQ_INT(be16(frag_got + 4), (int)reply[c] + 8);
            CHECK(!memcmp(frag_got + 8, frag_data, reply[c]));
            uint8_t ph[12];
            uint32_t s = ip4("10.0.2.2"), d = ip4("10.0.2.15");
            memcpy(ph, &s, 4);
            memcpy(ph + 4, &d, 4);
            ph[8] = 0;
            ph[9] = 17;
            ph[10] = (uint8_t)(got >> 8);
            ph[11] = (uint8_t)got;
            CHECK_EQ_INT(csum_fold(csum_add(csum_add(0, ph, 12), frag_got, (size_t)got)), 0);
        }
    }
    close(us);
    done(u);
}

TEST(icmp_echo_fragmented_to_host)
{
    struct unet *u = mk("user,id=fr2");
    CHECK(u != NULL);
    if (!u)
        return;
    /* ping -s 3000 and ping -s 65507 (the largest echo) to the host address. */
    static const size_t sizes[2] = {3008, 65515};
    static uint8_t icmp[65515];
    for (int c = 0; c < 2; c++) {
        memset(icmp, 0, 8);
        icmp[0] = 8;
        icmp[4] = 0x43;
        icmp[5] = (uint8_t)c;
        for (size_t k = 8; k < sizes[c]; k++)
            icmp[k] = (uint8_t)(k * 7 + c);
        size_t fl = build_ip(dg, 1, ip4("10.0.2.15"), ip4("10.0.2.2"), icmp, sizes[c]);
        int order[45];
        int n = (int)((sizes[c] + 1479) / 1480);
        for (int k = 0; k < n; k++)
            order[k] = k;
        sink.count = 0;
        send_frags((uint16_t)(200 + c), fl - 14, order, n);
        int nf = 0;
        long got = collect(0, 1, ip4("10.0.2.2"), frag_got, &nf);
        CHECK_EQ_INT(got, (long)sizes[c]);
        CHECK_EQ_INT(nf, n);
        if (got == (long)sizes[c]) {
            CHECK_EQ_INT(frag_got[0], 0);   /* echo reply */
            CHECK_EQ_INT(csum_fold(csum_add(0, frag_got, (size_t)got)), 0);
            CHECK(!memcmp(frag_got + 4, icmp + 4, sizes[c] - 4));
        }
    }
    done(u);
}

/* A UDP hostfwd both ways above the MTU: the host's 4000-byte datagram
 * reaches the guest in fragments; the guest's fragmented 4000-byte answer
 * goes whole into lwIP's hostfwd pcb (the reassembled path into lwIP) and
 * back to the host. */
TEST(hostfwd_udp_fragments)
{
    uint16_t hport;
    struct unet *u = mk_on_free_port(SOCK_DGRAM, "user,id=fr4,hostfwd=udp:127.0.0.1:%u-:7000", &hport);
    CHECK(u != NULL);
    if (!u)
        return;
    /* The guest's MAC is learnt from any frame first. */
    uint8_t f[200];
    send_frame(f, build_udp(f, ip4("10.0.2.15"), 7000, ip4("10.0.2.2"), 9, "x", 1));
    int c = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {0, 1000};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hport),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (size_t i = 0; i < 4000; i++)
        frag_data[i] = (uint8_t)(i * 13 + 1);
    sink.count = 0;
    CHECK_EQ_INT(sendto(c, frag_data, 4000, 0, (struct sockaddr *)&a, sizeof(a)), 4000);
    int nf = 0;
    long got = -1;
    PUMP_UNTIL((got = collect(0, 17, ip4("10.0.2.2"), frag_got, &nf)) >= 0, 3000);
    CHECK_EQ_INT(got, 4008);
    CHECK_EQ_INT(nf, 3);
    if (got == 4008) {
        CHECK_EQ_INT(be16(frag_got + 2), 7000);
        CHECK(!memcmp(frag_got + 8, frag_data, 4000));
        uint16_t from_port = be16(frag_got);
        for (size_t i = 0; i < 4000; i++)
            frag_data[i] = (uint8_t)(i * 7 + 3);
        size_t fl = build_big_udp(ip4("10.0.2.15"), 7000, ip4("10.0.2.2"), from_port, frag_data, 4000);
        static const int order[3] = {1, 2, 0};
        send_frags(300, fl - 14, order, 3);
        ssize_t n = -1;
        uint64_t end = plat_now_ns() + 3000000000ull;
        while (n < 0 && plat_now_ns() < end) {
            net_host_poll(1000000u);
            n = recv(c, frag_got, sizeof(frag_got), 0);
        }
        CHECK_EQ_INT(n, 4000);
        CHECK(n == 4000 && !memcmp(frag_got, frag_data, 4000));
    }
    close(c);
    done(u);
}

TEST(fragments_bad_dropped_and_counted)
{
    struct unet *u = mk("user,id=fr3");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int us = loopback_listener(SOCK_DGRAM, &port);
    struct timeval tv = {0, 1000};
    setsockopt(us, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    memset(frag_data, 0x5a, 4000);
    size_t fl = build_big_udp(ip4("10.0.2.15"), 5700, ip4("10.0.2.2"), port, frag_data, 4000);
    size_t iplen = fl - 14;   /* payload 4008: 1480 + 1480 + 1048 */
    struct unet_stats st;
#define STATS_ARE(live, bad, total)                                            \
    do {                                                                       \
        unet_get_stats(u, &st);                                                \
        CHECK_EQ_INT(st.frag_live, live);                                      \
        CHECK_EQ_INT((int)st.frag_bad, bad);                                   \
        CHECK_EQ_INT((int)st.frag_total, total);                               \
    } while (0)
    /* An overlap is no error (libslirp trims it, see the overlap test):
     * the second piece starts 8 bytes into the first, a piece waiting for
     * the rest. */
    send_frag(1, 0, 1480, true, false);
    send_frag(1, 1472, 1480, true, false);
    STATS_ARE(1, 0, 0);
    /* A middle fragment whose length is no multiple of 8. */
    send_frag(2, 0, 1476, true, false);
    STATS_ARE(1, 1, 0);
    /* Past the largest datagram; a bad header checksum. */
    send_frag(3, 65512, 8, false, false);
    STATS_ARE(1, 2, 0);
    send_frag(4, 0, 1480, true, true);
    STATS_ARE(1, 3, 0);
    /* A second last fragment ending elsewhere. */
    send_frag(5, 2960, 1048, false, false);
    send_frag(5, 1480, 1000, false, false);
    STATS_ARE(1, 4, 0);
    /* An identical duplicate is ignored: the datagram still arrives whole. */
    send_frag(6, 0, 1480, true, false);
    send_frag(6, 0, 1480, true, false);
    send_frag(6, 2960, iplen - 20 - 2960, false, false);
    send_frag(6, 2960, iplen - 20 - 2960, false, false);
    send_frag(6, 1480, 1480, true, false);
    STATS_ARE(1, 4, 1);
    ssize_t n = -1;
    uint64_t end = plat_now_ns() + 3000000000ull;
    while (n < 0 && plat_now_ns() < end) {
        net_host_poll(1000000u);
        n = recv(us, frag_got, sizeof(frag_got), 0);
    }
    CHECK_EQ_INT(n, 4000);
    n = recv(us, frag_got, sizeof(frag_got), 0);
    CHECK_EQ_INT(n, -1);   /* nothing of the broken ones */
    /* id 1's rest: its overlapping pieces make the datagram. */
    send_frag(1, 2952, 1056, false, false);
    STATS_ARE(0, 4, 2);
    n = -1;
    end = plat_now_ns() + 3000000000ull;
    while (n < 0 && plat_now_ns() < end) {
        net_host_poll(1000000u);
        n = recv(us, frag_got, sizeof(frag_got), 0);
    }
    CHECK_EQ_INT(n, 4000);

    /* At most 2 in progress: a third evicts the oldest (id 7), which never
     * completes. */
    unet_set_frag_limits(u, 2, 0, 0);
    send_frag(7, 0, 1480, true, false);
    send_frag(8, 0, 1480, true, false);
    unet_get_stats(u, &st);
    CHECK_EQ_INT(st.frag_live, 2);
    CHECK_EQ_INT((int)st.frag_refused, 0);
    send_frag(9, 0, 1480, true, false);
    unet_get_stats(u, &st);
    CHECK_EQ_INT(st.frag_live, 2);
    CHECK_EQ_INT((int)st.frag_refused, 1);
    send_frag(7, 1480, 1480, true, false);    /* evicts 8; 7 is new again */
    send_frag(7, 2960, iplen - 20 - 2960, false, false);
    send_frag(9, 1480, 1480, true, false);
    send_frag(9, 2960, iplen - 20 - 2960, false, false);
    STATS_ARE(1, 4, 3);                        /* 9 whole, 7 waits for its first */
    char desc[512];
    unet_port(u)->ops->describe(unet_port(u), desc, sizeof(desc));
    CHECK(strstr(desc, "frag 1/2 (whole 3, bad 4, expired 0, refused 2) icmperr 0 (limited 0)") != NULL);
    /* What never completes expires (shortened from 30 s). */
    unet_set_frag_limits(u, 0, 0, 200);
    PUMP_UNTIL((unet_get_stats(u, &st), st.frag_live == 0), 5000);
    CHECK_EQ_INT(st.frag_live, 0);
    CHECK_EQ_INT((int)st.frag_expired, 1);
#undef STATS_ARE
    close(us);
    done(u);
}

/* Overlapping fragments are trimmed as libslirp's ip_reass (4.4BSD) does:
 * a fragment's front gives way to the kept fragment that starts at or
 * before it; from there on its data replaces what it covers, and kept
 * fragments further on are cut to begin after it. A 32-byte UDP datagram
 * (8-byte header, 24 bytes of data) to a loopback socket, its blocks of 8
 * bytes sent in two orders; the socket gets what libslirp would deliver. */
static void send_piece(uint16_t id, size_t off, const char *bytes, size_t len, bool more)
{
    memcpy(dg + 34 + off, bytes, len);
    send_frag(id, off, len, more, false);
}

static ssize_t recv_wait(int s, void *buf, size_t len)
{
    ssize_t n = -1;
    uint64_t end = plat_now_ns() + 3000000000ull;
    while (n < 0 && plat_now_ns() < end) {
        net_host_poll(1000000u);
        n = recv(s, buf, len, 0);
    }
    return n;
}

TEST(fragments_overlap_trimmed_as_libslirp)
{
    struct unet *u = mk("user,id=fr4");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int us = loopback_listener(SOCK_DGRAM, &port);
    struct timeval tv = {0, 1000};
    setsockopt(us, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    build_big_udp(ip4("10.0.2.15"), 5710, ip4("10.0.2.2"), port, (const uint8_t *)"........................", 24);
    uint8_t hdr[8];
    memcpy(hdr, dg + 34, 8);
    hdr[6] = hdr[7] = 0;   /* no UDP checksum: the pieces below change the data */
    char got[64];

    /* [0,8) header, [8,16) b, then [0,24) X c: its first block gives way
     * to the header, its c replaces b; [24,32) d last. */
    send_piece(1, 0, (const char *)hdr, 8, true);
    send_piece(1, 8, "bbbbbbbb", 8, true);
    send_piece(1, 0, "XXXXXXXXcccccccccccccccc", 24, true);
    send_piece(1, 24, "dddddddd", 8, false);
    ssize_t n = recv_wait(us, got, sizeof(got));
    CHECK_EQ_INT(n, 24);
    if (n == 24)
        CHECK(!memcmp(got, "ccccccccccccccccdddddddd", 24));

    /* [16,32) e last, then [8,24) f: f replaces e's front, e now begins at
     * 24; then the header. A fragment wholly inside a kept one ([8,16) g
     * inside f) is dropped. */
    send_piece(2, 16, "eeeeeeeeeeeeeeee", 16, false);
    send_piece(2, 8, "ffffffffffffffff", 16, true);
    send_piece(2, 8, "gggggggg", 8, true);
    send_piece(2, 0, (const char *)hdr, 8, true);
    n = recv_wait(us, got, sizeof(got));
    CHECK_EQ_INT(n, 24);
    if (n == 24)
        CHECK(!memcmp(got, "ffffffffffffffffeeeeeeee", 24));

    /* The same pieces first to last: each front gives way to the one
     * before it. */
    send_piece(3, 0, (const char *)hdr, 8, true);
    send_piece(3, 8, "ffffffffffffffff", 16, true);
    send_piece(3, 16, "eeeeeeeeeeeeeeee", 16, false);
    n = recv_wait(us, got, sizeof(got));
    CHECK_EQ_INT(n, 24);
    if (n == 24)
        CHECK(!memcmp(got, "ffffffffffffffffeeeeeeee", 24));
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK_EQ_INT((int)st.frag_total, 3);
    CHECK_EQ_INT((int)st.frag_bad, 0);
    CHECK_EQ_INT(st.frag_live, 0);
    close(us);
    done(u);
}

/* A UDP port that was free a moment ago (nobody listens on it). */
static uint16_t closed_udp_port(void)
{
    uint16_t port;
    int s = loopback_listener(SOCK_DGRAM, &port);
    close(s);
    return port;
}

/* The ICMP messages the network sent the guest since frame `from`. */
static int count_icmp(int from)
{
    int n = 0;
    for (int i = from; (i = find_ip(1, i)) >= 0; i++)
        n++;
    return n;
}

/* UDP to a closed port: the uplink's port unreachable comes back to the
 * guest as ICMP type 3 code 3 from the address it sent to, quoting its IP
 * header, UDP header and data (RFC 792, RFC 1812 4.3.2.3), as libslirp's
 * sorecvfrom does, so `nc -u` or a resolver fails at once. */
TEST(udp_closed_port_gets_port_unreachable)
{
    struct unet *u = mk("user,id=ie1");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port = closed_udp_port();
    uint8_t f[1600];
    size_t fl = build_udp(f, ip4("10.0.2.15"), 5800, ip4("10.0.2.2"), port, "hello?", 6);
    int before = sink.count;
    send_frame(f, fl);
    PUMP_UNTIL(find_ip(1, before) >= 0, 3000);
    int i = find_ip(1, before);
    CHECK(i >= 0);
    if (i >= 0) {
        const uint8_t *r = sink.frame[i], *ip = fr_ip(r), *ic = fr_l4(r);
        size_t iclen = be16(ip + 2) - 20u;
        CHECK(!memcmp(ip + 12, (uint32_t[]){ip4("10.0.2.2")}, 4));   /* from where it went */
        CHECK(!memcmp(ip + 16, (uint32_t[]){ip4("10.0.2.15")}, 4));
        CHECK_EQ_INT(ip[8], 255);
        CHECK_EQ_INT(csum_fold(csum_add(0, ip, 20)), 0);
        CHECK_EQ_INT(ic[0], 3);
        CHECK_EQ_INT(ic[1], 3);
        CHECK_EQ_INT(be32(ic + 4), 0);
        CHECK_EQ_INT(csum_fold(csum_add(0, ic, iclen)), 0);
        /* The guest's IP header + UDP header + its 6 bytes, unchanged. */
        CHECK_EQ_INT((int)iclen, 8 + 20 + 8 + 6);
        CHECK(!memcmp(ic + 8, f + 14, 20 + 8 + 6));
    }
    CHECK_EQ_INT(count_icmp(before), 1);
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK_EQ_INT((int)st.icmperr_sent, 1);
    CHECK_EQ_INT((int)st.icmperr_limited, 0);
    /* A flow that got its error still works: a listener on another port
     * gets the next datagram of the same guest port. */
    uint16_t lport;
    int us = loopback_listener(SOCK_DGRAM, &lport);
    struct timeval tv = {0, 1000};
    setsockopt(us, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    send_frame(f, build_udp(f, ip4("10.0.2.15"), 5800, ip4("10.0.2.2"), lport, "again", 5));
    char buf[16] = {0};
    CHECK_EQ_INT(recv_wait(us, buf, sizeof(buf)), 5);
    CHECK_STR(buf, "again");
    close(us);
    done(u);
}

/* The rate limit (RFC 1812 4.3.2.8): with a burst of 2 and no refill,
 * four datagrams to closed ports get two errors, two are counted held back;
 * a new token gives one more. */
TEST(icmp_errors_rate_limited)
{
    struct unet *u = mk("user,id=ie2");
    CHECK(u != NULL);
    if (!u)
        return;
    unet_set_icmp_error_limit(u, 2, UINT32_MAX);
    uint16_t port = closed_udp_port();
    uint8_t f[1600];
    int before = sink.count;
    struct unet_stats st;
    for (int k = 0; k < 4; k++)
        send_frame(f, build_udp(f, ip4("10.0.2.15"), (uint16_t)(5810 + k), ip4("10.0.2.2"), port, "x", 1));
    PUMP_UNTIL((unet_get_stats(u, &st), st.icmperr_sent + st.icmperr_limited >= 4), 3000);
    CHECK_EQ_INT((int)st.icmperr_sent, 2);
    CHECK_EQ_INT((int)st.icmperr_limited, 2);
    CHECK_EQ_INT(count_icmp(before), 2);
    unet_set_icmp_error_limit(u, 1, 0);
    send_frame(f, build_udp(f, ip4("10.0.2.15"), 5820, ip4("10.0.2.2"), port, "y", 1));
    PUMP_UNTIL((unet_get_stats(u, &st), st.icmperr_sent + st.icmperr_limited >= 5), 3000);
    CHECK_EQ_INT((int)st.icmperr_sent, 3);
    CHECK_EQ_INT(count_icmp(before), 3);
    char desc[512];
    unet_port(u)->ops->describe(unet_port(u), desc, sizeof(desc));
    CHECK(strstr(desc, "icmperr 3 (limited 2)") != NULL);
    done(u);
}

/* RFC 1122 3.2.2's "never": no ICMP error about an ICMP error (nor an
 * unknown ICMP type), a broadcast or multicast destination, a fragment
 * other than the first, or a source that is not one host; an echo request
 * may get one. Checked on unet_icmp_error with crafted originals. */
TEST(icmp_error_never_about_errors_broadcasts_fragments)
{
    struct unet *u = mk("user,id=ie3");
    CHECK(u != NULL);
    if (!u)
        return;
    ip4_addr_t from;
    ip4_addr_set_u32(&from, ip4("10.0.2.2"));
    uint8_t f[200], l4[8] = {0};
    int before = sink.count;
#define ORIG(proto, src, dst, type)                                            \
    (l4[0] = (type), build_ip(f, (proto), ip4(src), ip4(dst), l4, 8), f + 14)
    /* An ICMP destination unreachable, time exceeded, unknown type 40. */
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(1, "10.0.2.15", "10.0.2.2", 3), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(1, "10.0.2.15", "10.0.2.2", 11), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(1, "10.0.2.15", "10.0.2.2", 40), 28, NULL, 0));
    /* Broadcast and multicast destinations; sources 0.0.0.0, broadcast. */
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(17, "10.0.2.15", "255.255.255.255", 0), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(17, "10.0.2.15", "10.0.2.255", 0), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(17, "10.0.2.15", "224.0.0.251", 0), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(17, "0.0.0.0", "10.0.2.2", 0), 28, NULL, 0));
    CHECK(!unet_icmp_error(u, 3, 3, &from, ORIG(17, "10.0.2.255", "10.0.2.2", 0), 28, NULL, 0));
    /* A later fragment (offset 8). */
    (void)ORIG(17, "10.0.2.15", "10.0.2.2", 0);
    f[14 + 7] = 1;
    CHECK(!unet_icmp_error(u, 3, 3, &from, f + 14, 28, NULL, 0));
    CHECK_EQ_INT(count_icmp(before), 0);
    /* An echo request, and the first fragment of a UDP datagram, may. */
    CHECK(unet_icmp_error(u, 3, 1, &from, ORIG(1, "10.0.2.15", "10.0.2.2", 8), 28, NULL, 0));
    (void)ORIG(17, "10.0.2.15", "10.0.2.2", 0);
    f[14 + 6] = 0x20;   /* MF, offset 0 */
    CHECK(unet_icmp_error(u, 3, 3, &from, f + 14, 28, NULL, 0));
    CHECK_EQ_INT(count_icmp(before), 2);
    /* The quote stops at 548 bytes (a 576-byte ICMP datagram). */
    static uint8_t big[1400];
    (void)ORIG(17, "10.0.2.15", "10.0.2.2", 0);
    CHECK(unet_icmp_error(u, 3, 3, &from, f + 14, 28, big, sizeof(big)));
    int i = find_ip(1, sink.count - 1);
    CHECK(i >= 0);
    if (i >= 0)
        CHECK_EQ_INT(be16(fr_ip(sink.frame[i]) + 2), 576);
#undef ORIG
    done(u);
}

TEST(restrict_on_resets_outbound_tcp)
{
    struct unet *u = mk("user,id=r1,restrict=on");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int ls = loopback_listener(SOCK_STREAM, &port);
    uint8_t f[200];
    size_t fl = build_tcp(f, ip4("10.0.2.15"), 40001, ip4("10.0.2.2"), port, 5, 0, 0x02, NULL, 0);
    int before = sink.count;
    send_frame(f, fl);
    int i = find_tcp(40001, before);
    CHECK(i >= 0 && (fr_l4(sink.frame[i])[13] & 0x04));   /* RST */
    close(ls);
    done(u);
}

/* A connect the uplink refuses is a reset to the guest's SYN (RST+ACK of
 * its sequence + 1, never a SYN-ACK): the guest sees "connection refused",
 * as with libslirp, which connects before it answers the SYN. */
TEST(tcp_refused_uplink_resets_syn)
{
    struct unet *u = mk("user,id=rf1");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int probe = loopback_listener(SOCK_STREAM, &port);   /* a port nobody listens on */
    close(probe);
    uint8_t f[200];
    int before = sink.count;
    send_frame(f, build_tcp(f, ip4("10.0.2.15"), 40002, ip4("10.0.2.2"), port, 77, 0, 0x02, NULL, 0));
    PUMP_UNTIL(find_tcp(40002, before) >= 0, 3000);
    int i = find_tcp(40002, before);
    CHECK(i >= 0);
    if (i >= 0) {
        const uint8_t *t = fr_l4(sink.frame[i]);
        CHECK_EQ_INT(t[13] & 0x16, 0x14);   /* RST+ACK, no SYN */
        CHECK_EQ_INT(be32(t + 8), 78);
    }
    CHECK_EQ_INT(unet_tcp_pcb_count(NULL), 0);
    done(u);
}

/* Bounded tables: with room for one TCP connection and one UDP flow, the
 * second connection is reset and the second flow dropped, and both are
 * counted; the counts go back down when the first ones end. */
TEST(tables_are_bounded_and_counted)
{
    struct unet *u = mk("user,id=lim1");
    CHECK(u != NULL);
    if (!u)
        return;
    unet_set_limits(u, 1, 0, 1, 0, 0);
    uint16_t port;
    int ls = loopback_listener(SOCK_STREAM, &port);
    uint8_t f[200];
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    send_frame(f, build_tcp(f, g, 42000, h, port, 100, 0, 0x02, NULL, 0));
    PUMP_UNTIL(find_tcp(42000, 0) >= 0, 3000);
    int i = find_tcp(42000, 0);
    CHECK(i >= 0 && (fr_l4(sink.frame[i])[13] & 0x12) == 0x12);   /* SYN-ACK */
    int before = sink.count;
    send_frame(f, build_tcp(f, g, 42001, h, port, 200, 0, 0x02, NULL, 0));
    PUMP_UNTIL(find_tcp(42001, before) >= 0, 3000);
    i = find_tcp(42001, before);
    CHECK(i >= 0 && (fr_l4(sink.frame[i])[13] & 0x16) == 0x14);   /* RST+ACK */
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK_EQ_INT(st.tcp_live, 1);
    CHECK_EQ_INT((int)st.tcp_refused, 1);
    CHECK_EQ_INT(st.tcp_max, 1);

    uint16_t uport;
    int us = loopback_listener(SOCK_DGRAM, &uport);
    send_frame(f, build_udp(f, g, 6000, h, uport, "a", 1));
    send_frame(f, build_udp(f, g, 6001, h, uport, "b", 1));
    unet_get_stats(u, &st);
    CHECK_EQ_INT(st.udp_live, 1);
    CHECK_EQ_INT((int)st.udp_refused, 1);
    char desc[512];
    unet_port(u)->ops->describe(unet_port(u), desc, sizeof(desc));
    CHECK(strstr(desc, "tcp 1/1") != NULL);
    CHECK(strstr(desc, "udp 1/1") != NULL);
    /* The guest resets its half-open connection (before its ACK): the held
     * relay goes at once and the table has room again. */
    send_frame(f, build_tcp(f, g, 42000, h, port, 101, 0, 0x04, NULL, 0));
    PUMP_UNTIL((unet_get_stats(u, &st), st.tcp_live == 0), 3000);
    CHECK_EQ_INT(st.tcp_live, 0);
    close(us);
    close(ls);
    done(u);
}

/* DNS over TCP (for truncated answers, RFC 7766): a connection to the DNS
 * address reaches the uplink's resolver on port 53 and carries the
 * length-prefixed query. The resolver is a listener of this test on a
 * random loopback address, named by BAREMU_RESOLV_CONF. */
TEST(dns_over_tcp_reaches_resolver)
{
    char conf[] = "/tmp/usernet-resolv-XXXXXX", *saved;
    int ls = resolver_listen("127.55", conf, &saved);
    CHECK(ls >= 0);
    if (ls < 0)
        return;
    struct unet *u = mk("user,id=dt1");
    CHECK(u != NULL);
    if (u) {
        uint8_t f[200];
        uint32_t g = ip4("10.0.2.15"), d = ip4("10.0.2.3");
        send_frame(f, build_tcp(f, g, 43000, d, 53, 10, 0, 0x02, NULL, 0));
        PUMP_UNTIL(find_tcp(43000, 0) >= 0, 3000);
        int i = find_tcp(43000, 0);
        CHECK(i >= 0 && (fr_l4(sink.frame[i])[13] & 0x12) == 0x12);
        if (i >= 0) {
            uint32_t srv = be32(fr_l4(sink.frame[i]) + 4) + 1;
            static const uint8_t q[] = {0, 17, 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1};
            send_frame(f, build_tcp(f, g, 43000, d, 53, 11, srv, 0x10, NULL, 0));
            send_frame(f, build_tcp(f, g, 43000, d, 53, 11, srv, 0x18, q, sizeof(q)));
            uint8_t got[64];
            ssize_t n = resolver_receive(ls, got, sizeof(q));
            CHECK_EQ_INT(n, (int)sizeof(q));
            CHECK(n == (ssize_t)sizeof(q) && !memcmp(got, q, sizeof(q)));
        }
        done(u);
    }
    resolver_close(ls, conf, saved);
}

/* The DNS proxy's resolver does not answer on port 53 (a random loopback
 * address nobody listens on): the guest's query gets port unreachable from
 * the DNS address, quoting its IP and UDP headers, and the query's slot is
 * given back at once (not after the 10 s expiry). */
TEST(dns_to_dead_resolver_gets_port_unreachable)
{
    char ipstr[32], conf[] = "/tmp/usernet-resolv-XXXXXX";
    srand((unsigned)getpid() + 1);
    snprintf(ipstr, sizeof(ipstr), "127.56.%d.%d", 1 + rand() % 250, 1 + rand() % 250);
    char *saved;
    bool conf_ok = resolv_conf_use(conf, ipstr, &saved);
    CHECK(conf_ok);
    if (!conf_ok)
        return;
    struct unet *u = mk("user,id=dn1");
    CHECK(u != NULL);
    if (u) {
        static const uint8_t query[] = {0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                                        1, 'x', 0, 0, 1, 0, 1};
        uint8_t f[200];
        size_t fl = build_udp(f, ip4("10.0.2.15"), 5353, ip4("10.0.2.3"), 53, query, sizeof(query));
        int before = sink.count;
        send_frame(f, fl);
        PUMP_UNTIL(find_ip(1, before) >= 0, 3000);
        int i = find_ip(1, before);
        CHECK(i >= 0);
        if (i >= 0) {
            const uint8_t *ip = fr_ip(sink.frame[i]), *ic = fr_l4(sink.frame[i]);
            CHECK(!memcmp(ip + 12, (uint32_t[]){ip4("10.0.2.3")}, 4));
            CHECK_EQ_INT(ic[0], 3);
            CHECK_EQ_INT(ic[1], 3);
            CHECK(!memcmp(ic + 8, f + 14, 28));
            CHECK_EQ_INT(csum_fold(csum_add(0, ic, be16(ip + 2) - 20u)), 0);
        }
        struct unet_stats st;
        unet_get_stats(u, &st);
        CHECK_EQ_INT(st.dns_live, 0);
        done(u);
    }
    unlink(conf);
    resolv_conf_restore(saved);
}

/* UDP flow expiry: an idle flow gives its uplink socket back. */
TEST(udp_flow_expires)
{
    struct unet *u = mk("user,id=ux1");
    CHECK(u != NULL);
    if (!u)
        return;
    unet_set_udp_expiry(u, 300);
    uint16_t port;
    int us = loopback_listener(SOCK_DGRAM, &port);
    uint8_t f[200];
    send_frame(f, build_udp(f, ip4("10.0.2.15"), 6100, ip4("10.0.2.2"), port, "x", 1));
    struct unet_stats st;
    unet_get_stats(u, &st);
    CHECK_EQ_INT(st.udp_live, 1);
    PUMP_UNTIL((unet_get_stats(u, &st), st.udp_live == 0), 5000);
    CHECK_EQ_INT(st.udp_live, 0);
    close(us);
    done(u);
}

TEST(hostfwd_reaches_guest)
{
    uint16_t hport;
    struct unet *u = mk_on_free_port(SOCK_STREAM, "user,id=h1,hostfwd=tcp:127.0.0.1:%u-:22", &hport);
    CHECK(u != NULL);
    if (!u)
        return;
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(hport),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK_EQ_INT(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
    int before = sink.count;
    PUMP_UNTIL(find_ip(6, before) >= 0, 3000);
    int i = find_ip(6, before);
    CHECK(i >= 0);
    if (i >= 0) {
        const uint8_t *r = sink.frame[i];
        CHECK(!memcmp(fr_ip(r) + 16, (uint32_t[]){ip4("10.0.2.15")}, 4));
        CHECK(!memcmp(fr_ip(r) + 12, (uint32_t[]){ip4("10.0.2.2")}, 4));
        CHECK_EQ_INT(be16(fr_l4(r) + 2), 22);
        CHECK_EQ_INT(fr_l4(r)[13] & 0x12, 0x02);   /* SYN */
    }
    close(c);
    char e2[128], opts[64];
    snprintf(opts, sizeof(opts), "tcp:127.0.0.1:%u", hport);
    CHECK_EQ_INT(unet_hostfwd_remove(u, opts, e2, sizeof(e2)), 0);
    CHECK(unet_hostfwd_remove(u, opts, e2, sizeof(e2)) < 0);
    done(u);
}

/* Guest -> host bulk data with a host that stops reading: lwIP's window must
 * close (the relay holds at most a window of data), and every byte must
 * arrive in order once the host reads again. */
TEST(tcp_guest_to_host_backpressure)
{
    struct unet *u = mk("user,id=bp1");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int small = 8192;
    setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    bind(ls, (struct sockaddr *)&a, sizeof(a));
    listen(ls, 4);
    getsockname(ls, (struct sockaddr *)&a, &al);
    port = ntohs(a.sin_port);
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    static uint8_t f[1600], seg[1400];
    send_frame(f, build_tcp(f, g, 41000, h, port, 0, 0, 0x02, NULL, 0));
    PUMP_UNTIL(find_tcp(41000, 0) >= 0, 3000);
    int i = find_tcp(41000, 0);
    CHECK(i >= 0);
    if (i < 0) {
        close(ls);
        done(u);
        return;
    }
    uint32_t srv = be32(fr_l4(sink.frame[i]) + 4) + 1;
    send_frame(f, build_tcp(f, g, 41000, h, port, 1, srv, 0x10, NULL, 0));
    const uint32_t total = 12u << 20;   /* more than the kernel buffers on loopback (4 MiB wmem max) */
    uint32_t sent = 0, acked = 0, wnd = 65535, got = 0;
    int c = -1;
    bool reading = false, stalled = false, order_ok = true;
    uint64_t last_progress = plat_now_ns(), end = plat_now_ns() + 60000000000ull;
    while (got < total && plat_now_ns() < end) {
        while (sent < total && sent - acked + sizeof(seg) <= wnd) {
            for (size_t k = 0; k < sizeof(seg); k++)
                seg[k] = (uint8_t)((sent + k) % 251);
            uint32_t n = total - sent < sizeof(seg) ? total - sent : (uint32_t)sizeof(seg);
            send_frame(f, build_tcp(f, g, 41000, h, port, 1 + sent, srv, 0x10, seg, n));
            sent += n;
        }
        net_host_poll(reading ? 1000000u : 0);
        net_timers_run(plat_now_ns());
        for (int k = 0; k < sink.count; k++) {
            const uint8_t *t = fr_l4(sink.frame[k]);
            if (sink.frame[k][23] != 6 || be16(t + 2) != 41000 || !(t[13] & 0x10))
                continue;
            uint32_t ack = be32(t + 8) - 1;
            if ((int32_t)(ack - acked) > 0) {
                acked = ack;
                last_progress = plat_now_ns();
            }
            wnd = be16(t + 14);
        }
        sink.count = 0;
        if (c < 0) {
            struct timeval tv = {0, 1000};
            setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
            c = accept(ls, NULL, NULL);
            if (c >= 0)
                setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        }
        if (!reading && plat_now_ns() - last_progress > 500000000ull) {
            stalled = acked < total;   /* the window closed: backpressure reached the guest */
            reading = true;
        }
        if (reading && c >= 0) {
            static uint8_t buf[65536];
            ssize_t n = recv(c, buf, sizeof(buf), 0);
            for (ssize_t k = 0; k < n; k++)
                if (buf[k] != (uint8_t)((got + (uint32_t)k) % 251))
                    order_ok = false;
            if (n > 0)
                got += (uint32_t)n;
        }
    }
    CHECK(stalled);
    CHECK_EQ_INT(got, total);
    CHECK(order_ok);
    if (c >= 0)
        close(c);
    close(ls);
    done(u);
}

/* The guest's side of an uplink->guest transfer in the test below: takes the
 * frames the network sent on guest port gp, checks their IPv4 and TCP
 * checksums, and appends in-order payload (checked against the pattern
 * byte i = i % 251) to *got; *fin once the FIN follows the data. */
struct h2g {
    uint16_t gp;
    uint32_t srv;          /* the network's first data sequence number */
    uint64_t got;
    bool fin, order_ok;
    int bad_csum;
};

static void h2g_take(struct h2g *x)
{
    for (int k = 0; k < sink.count; k++) {
        const uint8_t *fr = sink.frame[k];
        if (fr[12] != 8 || fr[13] != 0 || fr[23] != 6 || be16(fr_l4(fr) + 2) != x->gp)
            continue;
        const uint8_t *ip = fr_ip(fr), *t = fr_l4(fr);
        size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2), hl = (size_t)(t[12] >> 4) * 4;
        uint8_t ph[12];
        memcpy(ph, ip + 12, 8);
        ph[8] = 0, ph[9] = 6, ph[10] = (uint8_t)((tot - ihl) >> 8), ph[11] = (uint8_t)(tot - ihl);
        if (csum_fold(csum_add(0, ip, ihl)) || csum_fold(csum_add(csum_add(0, ph, 12), t, tot - ihl))) {
            x->bad_csum++;
            continue;
        }
        uint32_t off = be32(t + 4) - x->srv;
        size_t dl = tot - ihl - hl;
        if (dl && off == (uint32_t)x->got) {
            for (size_t i = 0; i < dl; i++)
                if (t[hl + i] != (uint8_t)((x->got + i) % 251))
                    x->order_ok = false;
            x->got += dl;
        }
        if ((t[13] & 0x01) && off + dl == (uint32_t)x->got)
            x->fin = true;
    }
    sink.count = 0;
}

/* Bytes lwIP holds for the connection from guest port gp (unsent + unacked:
 * its send buffer's size less what is free), or -1 without a pcb. */
static long lwip_queued(uint16_t gp)
{
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (p->remote_port == gp)
            return (long)TCP_SND_BUF - (long)p->snd_buf;
    return -1;
}

/* Uplink -> guest backpressure and who owns the buffered bytes. The host
 * writes far more than lwIP's send buffer while the guest acknowledges
 * nothing: the relay must stop reading the uplink (the host's writes
 * stall) with lwIP's send buffer filled, and not beyond it. Then (first
 * connection) the host closes with all that still unacknowledged, the guest
 * acknowledges slowly (each round of the loop), and every byte arrives in
 * order with valid checksums, then the FIN; (second connection) the guest
 * resets with the send buffer full: the relay and its uplink socket go (the
 * host sees the close), no pcb is left, nothing leaks (ASan). */
TEST(tcp_host_to_guest_backpressure)
{
    struct unet *u = mk("user,id=bp2");
    CHECK(u != NULL);
    if (!u)
        return;
    uint16_t port;
    int ls = loopback_listener(SOCK_STREAM, &port);
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    static uint8_t f[1600], chunk[65536];
    int tw, active0 = unet_tcp_pcb_count(&tw);
    active0 -= tw;
    for (int round = 0; round < 2; round++) {
        struct h2g x = {.gp = (uint16_t)(42000 + round), .order_ok = true};
        sink.count = 0;
        send_frame(f, build_tcp(f, g, x.gp, h, port, 0, 0, 0x02, NULL, 0));
        PUMP_UNTIL(find_tcp(x.gp, 0) >= 0, 3000);
        int i = find_tcp(x.gp, 0);
        CHECK(i >= 0);
        if (i < 0)
            break;
        x.srv = be32(fr_l4(sink.frame[i]) + 4) + 1;
        sink.count = 0;
        send_frame(f, build_tcp(f, g, x.gp, h, port, 1, x.srv, 0x10, NULL, 0));
        int c = -1;
        struct timeval tv = {0, 1000};
        setsockopt(ls, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        for (uint64_t end = plat_now_ns() + 3000000000ull; c < 0 && plat_now_ns() < end;) {
            net_host_poll(1000000u);
            net_timers_run(plat_now_ns());
            c = accept(ls, NULL, NULL);
        }
        CHECK(c >= 0);
        if (c < 0)
            break;
        fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK);
        /* Phase 1: the guest takes what comes but acknowledges nothing. */
        uint64_t written = 0, last = plat_now_ns(), end = last + 20000000000ull;
        long queued = -1;
        while (plat_now_ns() - last < 300000000ull && written < (64u << 20) && plat_now_ns() < end) {
            for (size_t k = 0; k < sizeof(chunk); k++)
                chunk[k] = (uint8_t)((written + k) % 251);
            ssize_t n = send(c, chunk, sizeof(chunk), MSG_NOSIGNAL);
            if (n > 0) {
                written += (uint64_t)n;
                last = plat_now_ns();
            }
            net_host_poll(n > 0 ? 0 : 1000000u);
            net_timers_run(plat_now_ns());
            h2g_take(&x);
            queued = lwip_queued(x.gp);
        }
        CHECK(written < (64u << 20));   /* the host's writes stalled: nobody read further */
        CHECK(queued > TCP_SND_BUF / 2 && queued <= TCP_SND_BUF);
        CHECK(x.got <= 65535);          /* the guest's window */
        CHECK_EQ_INT(x.bad_csum, 0);
        if (round == 1) {
            /* The guest resets with lwIP's send buffer full. */
            send_frame(f, build_tcp(f, g, x.gp, h, port, 1, 0, 0x04, NULL, 0));
            ssize_t r = 1;
            for (uint64_t e2 = plat_now_ns() + 3000000000ull; r != 0 && plat_now_ns() < e2;) {
                net_host_poll(1000000u);
                net_timers_run(plat_now_ns());
                r = recv(c, chunk, sizeof(chunk), 0);
                if (r < 0 && errno != EAGAIN)
                    r = 0;   /* reset by the closed uplink socket: closed too */
            }
            CHECK_EQ_INT(r, 0);   /* the relay closed its uplink socket */
            CHECK_EQ_INT(lwip_queued(x.gp), -1);
            close(c);
            break;
        }
        /* Phase 2: the host closes with data unacknowledged; the guest
         * acknowledges each round until the FIN. */
        close(c);
        for (end = plat_now_ns() + 30000000000ull; !x.fin && plat_now_ns() < end;) {
            send_frame(f, build_tcp(f, g, x.gp, h, port, 1, x.srv + (uint32_t)x.got + x.fin, 0x10,
                                    NULL, 0));
            net_host_poll(1000000u);
            net_timers_run(plat_now_ns());
            h2g_take(&x);
        }
        CHECK(x.fin);
        CHECK_EQ_INT(x.got, written);
        CHECK(x.order_ok);
        CHECK_EQ_INT(x.bad_csum, 0);
        /* The guest acknowledges the FIN and closes its side. */
        send_frame(f, build_tcp(f, g, x.gp, h, port, 1, x.srv + (uint32_t)x.got + 1, 0x11, NULL, 0));
        PUMP_UNTIL(lwip_queued(x.gp) < 0, 3000);
        CHECK_EQ_INT(lwip_queued(x.gp), -1);
    }
    int active = unet_tcp_pcb_count(&tw) - tw;
    CHECK_EQ_INT(active, active0);
    close(ls);
    done(u);
}

/* net/lwip/chksum.c (lwIP's LWIP_CHKSUM) against RFC 1071 two bytes at a
 * time, for every length 0..300 at every start alignment 0..7, and a
 * full-size frame of 0xff bytes (the carry path). */
unsigned short baremu_lwip_chksum(const void *dataptr, int len);
unsigned short baremu_lwip_chksum_copy(void *dst, const void *src, unsigned short len);
TEST(lwip_checksum_matches_rfc1071)
{
    static uint8_t buf[2048];
    int copy_bad = 0;
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    int bad = 0;
    for (int align = 0; align < 8; align++)
        for (int len = 0; len <= 300; len++) {
            const uint8_t *d = buf + align;
            uint32_t ref = 0;   /* network order, as RFC 1071 writes it */
            for (int i = 0; i + 1 < len; i += 2)
                ref += (uint32_t)(d[i] << 8 | d[i + 1]);
            if (len & 1)
                ref += (uint32_t)(d[len - 1] << 8);
            while (ref >> 16)
                ref = (ref & 0xffff) + (ref >> 16);
            /* lwIP's contract: the sum of native 16-bit loads (memory order). */
            if (baremu_lwip_chksum(d, len) != htons((uint16_t)ref))
                bad++;
            /* The fused copy (LWIP_CHKSUM_COPY): same sum, every byte copied,
             * nothing written past the end, at any destination alignment. */
            static uint8_t dst[2048 + 16];
            memset(dst, 0xa5, sizeof(dst));
            uint8_t *q = dst + 8 + (align * 3) % 8;
            if (baremu_lwip_chksum_copy(q, d, (unsigned short)len) != htons((uint16_t)ref) ||
                memcmp(q, d, (size_t)len) || q[len] != 0xa5 || q[-1] != 0xa5)
                copy_bad++;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(copy_bad, 0);
    memset(buf, 0xff, 1514);
    CHECK_EQ_INT(baremu_lwip_chksum(buf, 1514), 0xffff);
    static uint8_t big[65535 + 8];
    memset(big, 0xff, sizeof(big));
    static uint8_t bigdst[65535];
    /* The largest copies, all ones: the lanes' worst case for overflow. */
    CHECK_EQ_INT(baremu_lwip_chksum_copy(bigdst, big + 1, 65534), 0xffff);
    CHECK_EQ_INT(baremu_lwip_chksum_copy(bigdst, big + 1, 65535), 0x00ff);   /* odd: the last byte pairs with a zero */
    CHECK(!memcmp(bigdst, big + 1, 65535));
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    CHECK_EQ_INT(baremu_lwip_chksum_copy(bigdst, big + 3, 65535), baremu_lwip_chksum(big + 3, 65535));
    CHECK_EQ_INT(baremu_lwip_chksum_copy(bigdst, big, 65534), baremu_lwip_chksum(big, 65534));
    memset(buf, 0, 1514);
    CHECK_EQ_INT(baremu_lwip_chksum(buf, 1514), 0);
}
