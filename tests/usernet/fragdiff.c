/* Overlapping IPv4 fragments (RFC 791 section 3.2) into baremu's -netdev
 * user and into libslirp (linked directly), the same crafted pieces in the
 * same order: the UDP datagram each stack reassembles and sends on to a
 * socket on 127.0.0.1 (10.0.2.2 to the guest) must be the same bytes.
 * Random scenarios from a seed: a datagram of 16..400 bytes (UDP header +
 * data, checksum 0 so changed data stays valid) cut into 2..8 pieces at
 * random 8-byte offsets that cover it, each piece with its own data (a piece
 * over the first 8 bytes carries the real header), the last ones ending at
 * the datagram's end without MF, sent in random order but a piece at offset
 * 0 first; libslirp gets them up to the one that completed baremu's
 * datagram. Counts the scenarios whose result differs from both "first data
 * wins" and "last data wins", so a run shows that the order-dependent
 * trimming was exercised.
 *
 * Why offset 0 first: libslirp 4.7.0 (Debian's, linked here, frames given
 * to slirp_input) crashes in ip_reass (an invalid read through a pointer
 * made of fragment data) once a datagram whose reassembly queue was begun
 * by a piece not at offset 0 completes or takes more pieces (e.g. [8,16)
 * then [0,8)+); with FRAGDIFF_ANYFIRST=1 any piece may come first and those
 * crashes are counted (each libslirp run is a child process).
 * Usage: usernet-fragdiff N SEED; exit 0 when all N are identical. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <slirp/libslirp.h>

#include "baremu/platform.h"
#include "net/net_host.h"
#include "net/timer.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"

#define MAXLEN 400
#define MAXPIECES 8

static Slirp *slirp;
static struct sink snk;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static ssize_t sl_send(const void *buf, size_t len, void *opaque) { return (ssize_t)len; }
static void sl_error(const char *msg, void *opaque) { fprintf(stderr, "slirp: %s\n", msg); }
static int64_t sl_clock(void *opaque) { return (int64_t)now_ns(); }
static void *sl_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) { return calloc(1, 1); }
static void sl_timer_free(void *t, void *opaque) { free(t); }
static void sl_timer_mod(void *t, int64_t when, void *opaque) {}
static void sl_reg(int fd, void *opaque) {}
static void sl_notify(void *opaque) {}

static struct pollfd pfds[256];
static int npfd;
static int sl_add(int fd, int ev, void *opaque)
{
    if (npfd >= 256)
        return -1;
    pfds[npfd].fd = fd;
    pfds[npfd].events = (short)(((ev & SLIRP_POLL_IN) ? POLLIN : 0) | ((ev & SLIRP_POLL_OUT) ? POLLOUT : 0));
    pfds[npfd].revents = 0;
    return npfd++;
}
static int sl_get(int idx, void *opaque)
{
    if (idx < 0)
        return 0;
    short r = pfds[idx].revents;
    return ((r & POLLIN) ? SLIRP_POLL_IN : 0) | ((r & POLLOUT) ? SLIRP_POLL_OUT : 0) |
           ((r & POLLERR) ? SLIRP_POLL_ERR : 0) | ((r & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

static void pump(bool use_slirp)
{
    if (use_slirp) {
        uint32_t to = 1;
        npfd = 0;
        slirp_pollfds_fill(slirp, &to, sl_add, NULL);
        int r = poll(pfds, (nfds_t)npfd, 1);
        slirp_pollfds_poll(slirp, r < 0, sl_get, NULL);
    } else {
        net_host_poll(1000000u);
        net_timers_run(plat_now_ns());
    }
}

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng >> 33) % n;
}

struct piece {
    uint32_t off, len;
    bool more;
    uint8_t data[MAXLEN];
};

/* Sends one piece of datagram id (IP payload [off, off+len)) to a stack. */
static void send_piece(bool use_slirp, uint16_t id, const struct piece *p)
{
    uint8_t f[14 + 20 + MAXLEN];
    memcpy(f, gw_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + p->len) >> 8);
    ip[3] = (uint8_t)(20 + p->len);
    ip[4] = (uint8_t)(id >> 8);
    ip[5] = (uint8_t)id;
    uint16_t fo = (uint16_t)((p->more ? 0x2000 : 0) | (p->off / 8));
    ip[6] = (uint8_t)(fo >> 8);
    ip[7] = (uint8_t)fo;
    ip[8] = 64;
    ip[9] = 17;
    uint32_t src = ip4("10.0.2.15"), dst = ip4("10.0.2.2");
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    uint16_t c = csum_fold(csum_add(0, ip, 20));
    ip[10] = (uint8_t)(c >> 8);
    ip[11] = (uint8_t)c;
    memcpy(ip + 20, p->data, p->len);
    size_t n = 34 + p->len;
    if (n < 60) {   /* Ethernet's minimum frame, as a NIC pads it */
        memset(f + n, 0, 60 - n);
        n = 60;
    }
    if (use_slirp)
        slirp_input(slirp, f, (int)n);
    else
        net_port_send(&snk.port, f, n);
}

/* What a stack delivers to the socket: its length, or -1 after 3 s. */
static struct unet *un;
static int completer;   /* baremu: the index in order of the piece that completed the datagram */

static ssize_t run(bool use_slirp, int us, uint16_t id, struct piece *ps, const int *order, int n,
                   uint8_t *out)
{
    static uint8_t junk[MAXLEN];
    while (recv(us, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
        ;   /* nothing of an earlier scenario may count */
    completer = -1;
    for (int k = 0; k < n; k++) {
        struct unet_stats a, b;
        if (!use_slirp)
            unet_get_stats(un, &a);
        send_piece(use_slirp, id, &ps[order[k]]);
        if (!use_slirp && (unet_get_stats(un, &b), b.frag_total != a.frag_total) && completer < 0)
            completer = k;
    }
    uint64_t end = now_ns() + 3000000000ull;
    for (;;) {
        pump(use_slirp);
        ssize_t r = recv(us, out, MAXLEN, MSG_DONTWAIT);
        if (r >= 0 || now_ns() > end)
            return r;
    }
}

/* libslirp runs each scenario in a child process of its own: some
 * fragment orders crash libslirp 4.7.0 (see the file comment), and the
 * crash is a result to count, not the end of the run. */
static ssize_t run_slirp(int us, uint16_t id, struct piece *ps, const int *order, int n, uint8_t *out,
                         bool *crashed)
{
    int pfd[2];
    *crashed = false;
    if (pipe(pfd) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
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
        slirp = slirp_new(&cfg, &cb, NULL);
        ssize_t r = slirp ? run(true, us, id, ps, order, n, out) : -1;
        if (write(pfd[1], &r, sizeof(r)) != sizeof(r) || (r > 0 && write(pfd[1], out, (size_t)r) != r))
            _exit(3);
        _exit(0);
    }
    close(pfd[1]);
    ssize_t r = -1;
    if (pid < 0 || read(pfd[0], &r, sizeof(r)) != sizeof(r))
        r = -1;
    else if (r > 0 && read(pfd[0], out, (size_t)r) != r)
        r = -1;
    close(pfd[0]);
    int st = 0;
    if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFSIGNALED(st)) {
        *crashed = true;
        r = -1;
    }
    return r;
}

static bool sink_rx_ignore(struct net_port *p, const uint8_t *f, size_t len) { return true; }
static const struct net_port_ops ignore_ops = {.receive = sink_rx_ignore};

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: usernet-fragdiff N SEED\n");
        return 2;
    }
    int count = atoi(argv[1]);
    /* FRAGDIFF_ANYFIRST: any piece may come first (libslirp 4.7.0 then
     * crashes in many scenarios, see the file comment). */
    bool first0 = getenv("FRAGDIFF_ANYFIRST") == NULL;
    rng = strtoull(argv[2], NULL, 0) * 2654435761u + 1;

    int us = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (us < 0 || bind(us, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(us, (struct sockaddr *)&a, &al) < 0) {
        perror("socket");
        return 2;
    }
    uint16_t port = ntohs(a.sin_port);

    char err[256];
    un = unet_create_str("user,id=fd", err, sizeof(err));
    if (!un) {
        fprintf(stderr, "cannot create baremu's stack: %s\n", err);
        return 2;
    }
    net_port_register(&snk.port, &ignore_ops, "fragdiff", "fdsink", &snk);
    net_port_connect(&snk.port, unet_port(un));

    int same = 0, order_dependent = 0, crashes = 0;
    static struct piece ps[MAXPIECES];
    static uint8_t want_first[MAXLEN], want_last[MAXLEN], got_s[MAXLEN], got_b[MAXLEN];
    for (int t = 0; t < count; t++) {
        uint32_t total = 16 + rnd(MAXLEN - 16 + 1);
        uint16_t sport = (uint16_t)(40000 + t % 16), id = (uint16_t)(1000 + t);
        uint8_t hdr[8] = {(uint8_t)(sport >> 8), (uint8_t)sport, (uint8_t)(port >> 8), (uint8_t)port,
                          (uint8_t)(total >> 8), (uint8_t)total, 0, 0};
        int n = 2 + (int)rnd(MAXPIECES - 1);
        uint32_t nblk = (total + 7) / 8;
        /* Random pieces, then the blocks nobody covered handed to a piece
         * ending there: together they cover every block. */
        bool covered[MAXLEN / 8 + 1] = {false};
        for (int k = 0; k < n; k++) {
            uint32_t b0 = rnd(nblk), b1 = b0 + 1 + rnd(nblk - b0);
            if (k == 0)
                b0 = 0;   /* something over the header */
            if (k == 1)
                b1 = nblk; /* a last piece */
            ps[k].off = b0 * 8;
            ps[k].len = (b1 == nblk ? total : b1 * 8) - b0 * 8;
            for (uint32_t b = b0; b < b1; b++)
                covered[b] = true;
        }
        for (uint32_t b = 0; b < nblk && n < MAXPIECES; b++)
            if (!covered[b]) {
                uint32_t e = b;
                while (e < nblk && !covered[e])
                    covered[e++] = true;
                ps[n].off = b * 8;
                ps[n].len = (e == nblk ? total : e * 8) - b * 8;
                n++;
            }
        bool all = true;
        for (uint32_t b = 0; b < nblk; b++)
            all = all && covered[b];
        for (int k = 0; k < n; k++)
            all = all && ps[k].len < total;   /* [0, total) is no fragment but a datagram */
        if (!all) {
            t--;   /* too many holes for the pieces left: draw again */
            continue;
        }
        for (int k = 0; k < n; k++) {
            ps[k].more = ps[k].off + ps[k].len < total;
            uint8_t tag = (uint8_t)('A' + k);
            for (uint32_t i = 0; i < ps[k].len; i++)
                ps[k].data[i] = (uint8_t)(tag + 32 * (i % 2));
            if (ps[k].off == 0)
                memcpy(ps[k].data, hdr, ps[k].len < 8 ? ps[k].len : 8);
        }
        int order[MAXPIECES];
        for (int k = 0; k < n; k++)
            order[k] = k;
        const char *fixed = getenv("FRAGDIFF_PIECES");   /* "total:off-end,off-end,..." in order */
        if (fixed) {
            total = (uint32_t)strtoul(fixed, (char **)&fixed, 10);
            hdr[4] = (uint8_t)(total >> 8);
            hdr[5] = (uint8_t)total;
            n = 0;
            while (*fixed++ && n < MAXPIECES) {
                ps[n].off = (uint32_t)strtoul(fixed, (char **)&fixed, 10);
                ps[n].len = (uint32_t)strtoul(fixed + 1, (char **)&fixed, 10) - ps[n].off;
                ps[n].more = ps[n].off + ps[n].len < total;
                for (uint32_t i = 0; i < ps[n].len; i++)
                    ps[n].data[i] = (uint8_t)('A' + n + 32 * (i % 2));
                if (ps[n].off == 0)
                    memcpy(ps[n].data, hdr, 8);
                order[n] = n;
                n++;
            }
        }
        for (int k = n - 1; k > 0 && !fixed; k--) {
            int j = (int)rnd((uint32_t)k + 1), x = order[k];
            order[k] = order[j];
            order[j] = x;
        }
        if (first0 && !fixed)
            for (int k = 0; k < n; k++)
                if (ps[order[k]].off == 0) {   /* an offset-0 piece first (piece A or another) */
                    int x = order[k];
                    memmove(order + 1, order, (size_t)k * sizeof(order[0]));
                    order[0] = x;
                    break;
                }
        /* The two naive results, for the "order dependent" count. */
        bool have[MAXLEN] = {false};
        for (int k = 0; k < n; k++) {
            const struct piece *p = &ps[order[k]];
            for (uint32_t i = 0; i < p->len; i++) {
                if (!have[p->off + i])
                    want_first[p->off + i] = p->data[i];
                have[p->off + i] = true;
                want_last[p->off + i] = p->data[i];
            }
        }
        if (getenv("FRAGDIFF_VERBOSE")) {
            printf("scenario %d, %u bytes:", t, total);
            for (int k = 0; k < n; k++)
                printf(" [%u,%u)%s", ps[order[k]].off, ps[order[k]].off + ps[order[k]].len,
                       ps[order[k]].more ? "+" : "");
            printf("\n");
            fflush(stdout);
        }
        ssize_t nb = run(false, us, id, ps, order, n, got_b);
        bool crashed;
        /* libslirp gets the pieces up to the one that completed baremu's
         * datagram: a piece after it starts a new reassembly, and a queue
         * begun by a piece not at offset 0 is what crashes libslirp. */
        ssize_t ns = run_slirp(us, id, ps, order, completer >= 0 ? completer + 1 : n, got_s, &crashed);
        bool ok = !crashed && ns == nb && (ns < 0 || !memcmp(got_s, got_b, (size_t)ns));
        crashes += crashed;
        if (ok)
            same++;
        else {
            printf("scenario %d differs: libslirp %zd bytes%s, baremu %zd; pieces in order:", t, ns,
                   crashed ? " (crashed)" : "", nb);
            for (int k = 0; k < n; k++)
                printf(" %c[%u,%u)%s", 'A' + order[k], ps[order[k]].off, ps[order[k]].off + ps[order[k]].len,
                       ps[order[k]].more ? "+" : "");
            printf("\n  libslirp: %.*s\n  baremu:   %.*s\n", ns > 0 ? (int)ns : 0, (const char *)got_s,
                   nb > 0 ? (int)nb : 0, (const char *)got_b);
        }
        if (ok && ns == (ssize_t)total - 8 && memcmp(got_s, want_first + 8, (size_t)ns) &&
            memcmp(got_s, want_last + 8, (size_t)ns))
            order_dependent++;
    }
    printf("fragdiff: %d/%d scenarios identical to libslirp %s, %d of them neither first- nor "
           "last-data-wins; libslirp crashed in %d\n", same, count, SLIRP_VERSION_STRING, order_dependent,
           crashes);
    unet_destroy(un);
    close(us);
    return same == count ? 0 : 1;
}
