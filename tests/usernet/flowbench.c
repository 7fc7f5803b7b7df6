/* A user-mode network stack measured without a guest: crafted guest TCP
 * segments (RFC 793) go into either baremu's -netdev user (net/user/) or
 * libslirp (QEMU's -netdev user, linked directly), the same client code for
 * both, so the two stacks are compared like for like:
 *   cps N         N sequential short connections (SYN, data + FIN, the peer
 *                 closes): connections per second;
 *   concurrent N  N connections held open at once: the heap (mallinfo2) and
 *                 RSS growth of the process running the stack, per flow;
 *   bulk-out MB   one connection, the crafted guest sends MB MiB in MSS-sized
 *                 segments as fast as the stack's window allows; the peer
 *                 reads, checks every byte and reports what arrived;
 *   bulk-in MB    one connection, the peer writes MB MiB; the crafted guest
 *                 ACKs every second segment with a large scaled window, as a
 *                 Linux guest does, and checks every byte in order.
 * The uplink peer is a child process on 127.0.0.1 (10.0.2.2 in the virtual
 * network) that accepts everything, reads, and closes on EOF; its sockets
 * do not count against this process. The bulk modes are in flowbench_bulk.c.
 * FB_IPV6=1 (baremu, cps and concurrent only): the same over IPv6, the guest
 * fec0::5054:ff:fe12:3456 connecting to fec0::2, the peer on [::1] (libslirp
 * would first want neighbour discovery answered, which this guest does not).
 * Usage: usernet-flowbench baremu|slirp cps|concurrent N | bulk-out|bulk-in MB */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "baremu/platform.h"
#include "net/net_host.h"
#include "net/timer.h"
#include "net/user/usernet.h"
#include "tests/usernet/flowbench.h"
#include "tests/usernet/frames.h"

#define MAXC 30000
enum { C_NONE, C_SYN, C_EST, C_FIN, C_RST };
static struct { uint8_t state; uint32_t srv; } conns[MAXC];
int base_port = 10000;
uint16_t peer_port;
bool use_slirp;
static Slirp *slirp;
static struct unet *un;
static struct sink snk;
static uint8_t arp_reply[42];
static bool arp_pending;
static bool bulk_mode;
static bool ipv6;   /* FB_IPV6=1 */

uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Everything the stack sends to the guest lands here. */
static void from_stack(const uint8_t *f, size_t len)
{
    if (len >= 42 && f[12] == 8 && f[13] == 6 && f[21] == 1 &&
        !memcmp(f + 38, (uint32_t[]){ip4("10.0.2.15")}, 4)) {
        /* An ARP request for the guest (libslirp asks): answer it. */
        memcpy(arp_reply, f + 6, 6);
        memcpy(arp_reply + 6, guest_mac, 6);
        arp_reply[12] = 8, arp_reply[13] = 6;
        memcpy(arp_reply + 14, f + 14, 6);
        arp_reply[20] = 0, arp_reply[21] = 2;
        memcpy(arp_reply + 22, guest_mac, 6);
        memcpy(arp_reply + 28, f + 38, 4);
        memcpy(arp_reply + 32, f + 22, 10);
        arp_pending = true;
        return;
    }
    const uint8_t *t;
    if (ipv6) {
        if (len < 74 || f[12] != 0x86 || f[13] != 0xdd || f[20] != 6)
            return;
        t = f + 54;
    } else {
        if (len < 54 || f[12] != 8 || f[13] != 0 || f[23] != 6)
            return;
        if (bulk_mode) {
            bulk_rx(f, len);
            return;
        }
        t = fr_l4(f);
    }
    int i = be16(t + 2) - base_port;
    if (i < 0 || i >= MAXC)
        return;
    uint8_t fl = t[13];
    if (fl & 0x04)
        conns[i].state = C_RST;
    else if ((fl & 0x12) == 0x12 && conns[i].state == C_SYN) {
        conns[i].srv = be32(t + 4) + 1;
        conns[i].state = C_EST;
    } else if ((fl & 0x01) && conns[i].state == C_EST)
        conns[i].state = C_FIN;
}

static bool sink_cb(struct net_port *p, const uint8_t *f, size_t len)
{
    from_stack(f, len);
    return true;
}
static const struct net_port_ops bench_sink_ops = {.receive = sink_cb};

/* libslirp's callbacks: frames out, a clock, no timers needed for IPv4 TCP. */
static ssize_t sl_send(const void *buf, size_t len, void *opaque)
{
    from_stack(buf, len);
    return (ssize_t)len;
}
static void sl_error(const char *msg, void *opaque) { fprintf(stderr, "slirp: %s\n", msg); }
static int64_t sl_clock(void *opaque) { return (int64_t)now_ns(); }
static void *sl_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) { return calloc(1, 1); }
static void sl_timer_free(void *t, void *opaque) { free(t); }
static void sl_timer_mod(void *t, int64_t when, void *opaque) {}
static void sl_reg(int fd, void *opaque) {}
static void sl_notify(void *opaque) {}

static struct pollfd pfds[MAXC];
static int npfd;
static int sl_add(int fd, int ev, void *opaque)
{
    short e = 0;
    if (ev & SLIRP_POLL_IN) e |= POLLIN;
    if (ev & SLIRP_POLL_OUT) e |= POLLOUT;
    if (ev & SLIRP_POLL_PRI) e |= POLLPRI;
    pfds[npfd].fd = fd;
    pfds[npfd].events = e;
    pfds[npfd].revents = 0;
    return npfd++;
}
static int sl_get(int idx, void *opaque)
{
    short r = pfds[idx].revents;
    int ev = 0;
    if (r & POLLIN) ev |= SLIRP_POLL_IN;
    if (r & POLLOUT) ev |= SLIRP_POLL_OUT;
    if (r & POLLPRI) ev |= SLIRP_POLL_PRI;
    if (r & POLLERR) ev |= SLIRP_POLL_ERR;
    if (r & POLLHUP) ev |= SLIRP_POLL_HUP;
    return ev;
}

void to_stack(const uint8_t *f, size_t len)
{
    if (use_slirp)
        slirp_input(slirp, f, (int)len);
    else
        net_port_send(&snk.port, f, len);
    if (arp_pending) {
        arp_pending = false;
        to_stack(arp_reply, sizeof(arp_reply));
    }
}

void pump(int timeout_ms)
{
    if (use_slirp) {
        uint32_t to = (uint32_t)timeout_ms;
        npfd = 0;
        slirp_pollfds_fill(slirp, &to, sl_add, NULL);
        int r = poll(pfds, (nfds_t)npfd, (int)to);
        slirp_pollfds_poll(slirp, r < 0, sl_get, NULL);
    } else {
        net_host_poll((uint64_t)timeout_ms * 1000000u);
        net_timers_run(plat_now_ns());
    }
    if (arp_pending) {
        arp_pending = false;
        to_stack(arp_reply, sizeof(arp_reply));
    }
}

/* The uplink peer: accepts, reads, closes on EOF; exits when stdin closes. */
static void peer(int ls, int ctl)
{
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    ev.data.fd = ctl;
    epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &ev);
    static struct epoll_event evs[256];
    static char buf[65536];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ctl)
                _exit(0);
            if (fd == ls) {
                int c;
                while ((c = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    struct epoll_event e2 = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e2);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, sizeof(buf), 0);
            if (r == 0 || (r < 0 && errno != EAGAIN)) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                close(fd);
            }
        }
    }
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

static uint64_t t_est, t_fin;   /* per phase, for the report */
static uint8_t fb[1600];
static void send_seg(int i, uint32_t seq, uint32_t ack, uint8_t flags, const char *d, size_t n)
{
    if (ipv6)
        to_stack(fb, build_tcp6(fb, "fec0::5054:ff:fe12:3456", (uint16_t)(base_port + i), "fec0::2",
                                peer_port, seq, ack, flags, d, n));
    else
        to_stack(fb, build_tcp(fb, ip4("10.0.2.15"), (uint16_t)(base_port + i), ip4("10.0.2.2"),
                               peer_port, seq, ack, flags, d, n));
}

static bool wait_state(int i, int want, uint64_t deadline)
{
    while (conns[i].state != want) {
        if (conns[i].state == C_RST || now_ns() > deadline)
            return false;
        pump(getenv("FB_PUMP_MS") ? atoi(getenv("FB_PUMP_MS")) : 5);
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *modes[] = {"cps", "concurrent", "bulk-out", "bulk-in"};
    int mode = -1;
    for (int i = 0; argc == 4 && i < 4; i++)
        if (!strcmp(argv[2], modes[i]))
            mode = i;
    if (argc != 4 || (strcmp(argv[1], "baremu") && strcmp(argv[1], "slirp")) || mode < 0) {
        fprintf(stderr, "usage: %s baremu|slirp cps|concurrent N | bulk-out|bulk-in MiB\n", argv[0]);
        return 2;
    }
    use_slirp = !strcmp(argv[1], "slirp");
    bool cps = mode == 0;
    bulk_mode = mode >= 2;
    bool bulk_in = mode == 3;
    ipv6 = getenv("FB_IPV6") && atoi(getenv("FB_IPV6"));
    if (ipv6 && (use_slirp || bulk_mode)) {
        fprintf(stderr, "FB_IPV6=1: baremu's cps and concurrent modes only\n");
        return 2;
    }
    int n = atoi(argv[3]);
    if (n < 1 || n > (bulk_mode ? 100000 : MAXC - 1))
        return 2;
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    signal(SIGPIPE, SIG_IGN);

    int ls = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    struct sockaddr *sa = ipv6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
    socklen_t al = ipv6 ? sizeof(a6) : sizeof(a);
    if (bind(ls, sa, al) < 0 || listen(ls, 4096) < 0 || getsockname(ls, sa, &al) < 0)
        return 1;
    peer_port = ntohs(ipv6 ? a6.sin6_port : a.sin_port);
    int ctl[2], rep[2];
    if (pipe(ctl) < 0 || pipe(rep) < 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        close(ctl[1]);
        close(rep[0]);
        if (bulk_mode)
            bulk_peer(ls, rep[1], bulk_in, (uint64_t)n << 20);
        peer(ls, ctl[0]);
    }
    close(ctl[0]);
    close(rep[1]);
    close(ls);

    long rss0 = rss_kb();
    size_t heap0 = mallinfo2().uordblks;
    if (use_slirp) {
        SlirpConfig cfg = {.version = 1, .in_enabled = true};
        inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
        inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
        inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
        inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
        inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
        static const SlirpCb cb = {.send_packet = sl_send, .guest_error = sl_error,
                                   .clock_get_ns = sl_clock, .timer_new = sl_timer_new,
                                   .timer_free = sl_timer_free, .timer_mod = sl_timer_mod,
                                   .register_poll_fd = sl_reg, .unregister_poll_fd = sl_reg,
                                   .notify = sl_notify};
        slirp = slirp_new(&cfg, &cb, NULL);
    } else {
        char err[256];
        un = unet_create_str("user,id=fb", err, sizeof(err));
        if (!un) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        net_port_register(&snk.port, &bench_sink_ops, "bench", "fbsink", &snk);
        net_port_connect(&snk.port, unet_port(un));
    }
    /* The guest announces itself (libslirp learns its MAC from ARP). */
    uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    memcpy(arp + 6, guest_mac, 6);
    arp[12] = 8, arp[13] = 6, arp[15] = 1, arp[16] = 8, arp[18] = 6, arp[19] = 4, arp[21] = 1;
    memcpy(arp + 22, guest_mac, 6);
    memcpy(arp + 28, (uint32_t[]){ip4("10.0.2.15")}, 4);
    memcpy(arp + 38, (uint32_t[]){ip4("10.0.2.2")}, 4);
    to_stack(arp, sizeof(arp));
    pump(1);
    long rss1 = rss_kb();
    size_t heap1 = mallinfo2().uordblks;

    if (bulk_mode) {
        int rc = bulk_run(argv[1], bulk_in, (uint64_t)n << 20, rep[0]);
        close(ctl[1]);
        kill(child, SIGTERM);   /* it has reported (or failed): do not wait on it */
        waitpid(child, NULL, 0);
        return rc;
    }

    uint64_t t0 = now_ns();
    int done = 0;
    if (cps) {
        for (int i = 0; i < n; i++) {
            int k = i % 20000;   /* ports are reused after TIME_WAIT-free reset below */
            conns[k].state = C_SYN;
            uint64_t p0 = now_ns();
            send_seg(k, 1000, 0, 0x02, NULL, 0);
            if (!wait_state(k, C_EST, now_ns() + 5000000000ull))
                break;
            t_est += now_ns() - p0;
            send_seg(k, 1001, conns[k].srv, 0x19, "x", 1);   /* data + FIN */
            if (!wait_state(k, C_FIN, now_ns() + 5000000000ull))
                break;
            t_fin += now_ns() - p0;
            send_seg(k, 1003, conns[k].srv + 1, 0x10, NULL, 0);
            done++;
        }
    } else {
        const int batch = 200;
        for (int s = 0; s < n; s += batch) {
            int e = s + batch < n ? s + batch : n;
            for (int i = s; i < e; i++) {
                conns[i].state = C_SYN;
                send_seg(i, 1000, 0, 0x02, NULL, 0);
            }
            for (int i = s; i < e; i++) {
                if (!wait_state(i, C_EST, now_ns() + 10000000000ull))
                    goto out;
                send_seg(i, 1001, conns[i].srv, 0x10, NULL, 0);
                done++;
            }
        }
        for (int k = 0; k < 20; k++)
            pump(5);
    }
out:;
    double secs = (double)(now_ns() - t0) / 1e9;
    long rss2 = rss_kb();
    size_t heap2 = mallinfo2().uordblks;
    if (cps)
        printf("%s%s cps: %d connections in %.2f s = %.0f conn/s (mean SYN->SYN-ACK %.0f us, "
               "SYN->FIN back %.0f us)\n", argv[1], ipv6 ? " ipv6" : "", done, secs, done / secs,
               done ? t_est / 1e3 / done : 0.0, done ? t_fin / 1e3 / done : 0.0);
    else
        printf("%s%s concurrent: %d flows open; heap +%zu KiB (%.0f B/flow), RSS +%ld KiB "
               "(%.0f B/flow); stack at start heap %zu KiB RSS %ld KiB\n",
               argv[1], ipv6 ? " ipv6" : "", done, (heap2 - heap1) / 1024, done ? (double)(heap2 - heap1) / done : 0.0,
               rss2 - rss1, done ? (rss2 - rss1) * 1024.0 / done : 0.0, (heap1 - heap0) / 1024,
               rss1 - rss0);
    close(ctl[1]);
    waitpid(child, NULL, 0);
    return done == n ? 0 : 1;
}
