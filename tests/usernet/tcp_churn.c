/* 10,000 short guest TCP connections through the user-mode network to a
 * loopback listener (crafted guest segments; half closed by the guest first,
 * half by the host, so lwIP's TIME_WAIT is exercised), then a check that
 * the heap (mallinfo2) and lwIP's pcb lists are back where they started.
 * Usage: tcp_churn [COUNT]. Prints the figures; exit 0 when they hold. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "baremu/platform.h"
#include "net/net_host.h"
#include "net/timer.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"

static struct sink sink;
static int lsock;
static uint16_t lport;
static int pending_fd = -1;

static void pump_once(void)
{
    net_host_poll(200000u);
    net_timers_run(plat_now_ns());
    /* The host side: accept, read what comes, close when the guest is done
     * or right after the first byte (alternating who closes first). */
    int c = accept4(lsock, NULL, NULL, SOCK_NONBLOCK);
    if (c >= 0)
        pending_fd = c;
}

static int find_seg(uint16_t gport, uint8_t want_flags, uint32_t *seq)
{
    for (int i = 0; i < sink.count; i++) {
        const uint8_t *f = sink.frame[i];
        if (f[12] != 8 || f[23] != 6)
            continue;
        const uint8_t *t = fr_l4(f);
        if (be16(t + 2) == gport && (t[13] & want_flags) == want_flags) {
            *seq = be32(t + 4);
            return i;
        }
    }
    return -1;
}

#define WAIT(cond)                                                    \
    do {                                                              \
        uint64_t end_ = plat_now_ns() + 5000000000ull;                \
        while (!(cond)) {                                             \
            if (plat_now_ns() > end_) {                               \
                fprintf(stderr, "tcp_churn: timeout at %s (conn %d)\n", #cond, i); \
                return -1;                                            \
            }                                                         \
            pump_once();                                              \
        }                                                             \
    } while (0)

static int one_conn(int i)
{
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    uint16_t sp = (uint16_t)(20000 + i % 40000);
    uint8_t f[200];
    uint32_t srv = 0, x;
    sink.count = 0;
    net_port_send(&sink.port, f, build_tcp(f, g, sp, h, lport, 1000, 0, 0x02, NULL, 0));
    WAIT(find_seg(sp, 0x12, &srv) >= 0);
    bool guest_first = i & 1;
    sink.count = 0;
    net_port_send(&sink.port, f, build_tcp(f, g, sp, h, lport, 1001, srv + 1,
                                           guest_first ? 0x19 : 0x18, "x", 1));
    WAIT(pending_fd >= 0);
    char b[8];
    WAIT(recv(pending_fd, b, sizeof(b), 0) == 1);
    if (guest_first)
        WAIT(recv(pending_fd, b, sizeof(b), 0) == 0);
    close(pending_fd);
    pending_fd = -1;
    /* The host's FIN reaches the guest; the guest acknowledges (and sends its
     * own FIN when the host closed first). */
    WAIT(find_seg(sp, 0x01, &x) >= 0);
    uint32_t gseq = guest_first ? 1003 : 1002;
    net_port_send(&sink.port, f, build_tcp(f, g, sp, h, lport, gseq, srv + 2,
                                           guest_first ? 0x10 : 0x11, NULL, 0));
    return 0;
}

static size_t heap_used(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks;
}

static void settle(uint32_t ms)
{
    uint64_t end = plat_now_ns() + (uint64_t)ms * 1000000u;
    while (plat_now_ns() < end)
        pump_once();
}

int main(int argc, char **argv)
{
    int total = argc > 1 ? atoi(argv[1]) : 10000;
    char err[256];
    struct unet *u = unet_create_str("user,id=churn", err, sizeof(err));
    if (!u) {
        fprintf(stderr, "tcp_churn: %s\n", err);
        return 1;
    }
    net_port_register(&sink.port, &sink_ops, "test", "churnsink", &sink);
    net_port_connect(&sink.port, unet_port(u));
    lsock = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (bind(lsock, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lsock, 64) < 0 ||
        getsockname(lsock, (struct sockaddr *)&a, &al) < 0) {
        perror("tcp_churn: listener");
        return 1;
    }
    lport = ntohs(a.sin_port);
    /* Warm up (listener, buffers, lwIP's first allocations), then measure. */
    int warm = 200;
    for (int i = 0; i < warm; i++)
        if (one_conn(i) < 0)
            return 1;
    settle(12000);   /* TIME_WAIT (2 * TCP_MSL) runs out */
    size_t before = heap_used();
    int tw, pcbs_before = unet_tcp_pcb_count(&tw);
    uint64_t t0 = plat_now_ns();
    for (int i = warm; i < warm + total; i++)
        if (one_conn(i) < 0)
            return 1;
    double secs = (double)(plat_now_ns() - t0) / 1e9;
    size_t peak = heap_used();
    int tw_peak;
    unet_tcp_pcb_count(&tw_peak);
    settle(12000);
    size_t after = heap_used();
    int pcbs_after = unet_tcp_pcb_count(&tw);
    printf("tcp_churn: %d connections in %.1fs; heap in use %zu -> %zu (peak %zu), "
           "pcbs %d -> %d (TIME_WAIT peak %d)\n", total, secs, before, after, peak, pcbs_before,
           pcbs_after, tw_peak);
    unet_destroy(u);
    net_port_unregister(&sink.port);
    close(lsock);
    /* "Where it started": within 16 KiB (allocator slack), and no pcbs left. */
    if (after > before + 16384 || pcbs_after > pcbs_before) {
        fprintf(stderr, "tcp_churn: memory or pcbs not returned\n");
        return 1;
    }
    return 0;
}
