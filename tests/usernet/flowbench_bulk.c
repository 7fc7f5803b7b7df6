/* usernet-flowbench's bulk-throughput mode: one TCP connection (RFC 793,
 * window scaling per RFC 7323) between a crafted guest and the uplink peer,
 * through the stack under test, with no guest CPU in the way.
 *   bulk-out: the guest sends MSS-sized segments as far as the stack's
 *     advertised window allows, processes its ACKs, and retransmits only on
 *     three duplicate ACKs or 300 ms without progress (go-back-N);
 *   bulk-in: the peer writes; the guest ACKs every second in-order segment
 *     (as Linux does outside quick-ACK mode) with a 4 MiB window, scale 7.
 * The payload is a fixed pseudo-random stream (period 65521, a prime, so
 * segments do not repeat in step): whoever receives compares every byte
 * with it, and the count and the first bad offset go into the result, so a
 * figure is only printed for bytes that arrived intact and in order. The
 * guest also checks the IPv4 header and TCP checksums (RFC 791, RFC 793
 * with the pseudo-header) of every frame the stack sends it, drops a frame
 * whose sum is wrong as a NIC or Linux would, and fails the run if any was.
 * Frames cross the same callbacks as the cps mode (to_stack / bulk_rx), so
 * their copies are counted; the guest's own work (building frames, the
 * checksum, comparing bytes) is in the process's CPU time too, equally for
 * both stacks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "tests/usernet/flowbench.h"
#include "tests/usernet/frames.h"

#define PAT_PERIOD 65521u
#define PAT_SLACK  (1u << 20)          /* the longest contiguous read or write */
#define GUEST_WND  (4u << 20)          /* the guest's receive window in bulk-in */
#define GUEST_SHIFT 7                  /* Linux's window scale with such buffers */
#define RTO_NS     300000000ull
#define ACKQ       4096

static int64_t corrupt_off = -1;   /* FB_CORRUPT, see stream() */
static int64_t badsum_frame = -1;  /* FB_BADSUM, see bulk_rx() */
static uint8_t *pat;   /* pat[i] = stream byte i % PAT_PERIOD, PAT_SLACK extra */

static void pat_init(void)
{
    if (pat)
        return;
    if (getenv("FB_CORRUPT"))
        corrupt_off = atoll(getenv("FB_CORRUPT"));
    if (getenv("FB_BADSUM"))
        badsum_frame = atoll(getenv("FB_BADSUM"));
    pat = malloc(PAT_PERIOD + PAT_SLACK);
    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < PAT_PERIOD; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;   /* xorshift32 */
        pat[i] = (uint8_t)(x >> 24);
    }
    for (uint32_t i = PAT_PERIOD; i < PAT_PERIOD + PAT_SLACK; i++)
        pat[i] = pat[i - PAT_PERIOD];
}

static inline const uint8_t *pat_at(uint64_t off) { return pat + off % PAT_PERIOD; }

/* FB_CORRUPT=OFFSET flips that stream byte on the sending side (the frame's
 * checksum still matches): the check on the receiving side must catch it
 * (tests/usernet/bulk.t.sh makes sure it does). */
/* The n stream bytes from off, through buf when the corrupt byte is there. */
static const uint8_t *stream(uint64_t off, size_t n, uint8_t *buf)
{
    if (corrupt_off < 0 || (uint64_t)corrupt_off < off || (uint64_t)corrupt_off >= off + n)
        return pat_at(off);
    memcpy(buf, pat_at(off), n);
    buf[corrupt_off - (int64_t)off] ^= 0x5a;
    return buf;
}

/* What the peer reports through the pipe when its side is done. */
struct bulk_report {
    uint64_t bytes;      /* received (bulk-out) or written (bulk-in) */
    int64_t bad_off;     /* first byte that differed from the stream, or -1 */
    uint64_t t_first, t_last;
    int err;             /* errno of a failed socket call, 0 if none */
};

/* ---- The peer (child process, blocking sockets). ---- */

void bulk_peer(int ls, int rep, bool in, uint64_t total)
{
    pat_init();
    struct bulk_report r = {.bad_off = -1};
    fcntl(ls, F_SETFL, fcntl(ls, F_GETFL) & ~O_NONBLOCK);
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
        r.err = errno;
        goto out;
    }
    if (!in) {
        static uint8_t buf[1 << 20];
        for (;;) {
            ssize_t n = recv(c, buf, sizeof(buf), 0);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                if (n < 0)
                    r.err = errno;
                break;
            }
            uint64_t t = now_ns();
            if (!r.t_first)
                r.t_first = t;
            r.t_last = t;
            if (r.bad_off < 0 && memcmp(buf, pat_at(r.bytes), (size_t)n)) {
                size_t i = 0;
                while (buf[i] == pat_at(r.bytes)[i])
                    i++;
                r.bad_off = (int64_t)(r.bytes + i);
            }
            r.bytes += (uint64_t)n;
        }
    } else {
        r.t_first = now_ns();
        while (r.bytes < total) {
            size_t n = total - r.bytes > 65536 ? 65536 : (size_t)(total - r.bytes);
            static uint8_t tmp[65536];
            ssize_t w = send(c, stream(r.bytes, n, tmp), n, MSG_NOSIGNAL);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                r.err = w < 0 ? errno : EPIPE;
                break;
            }
            r.bytes += (uint64_t)w;
        }
        r.t_last = now_ns();
        shutdown(c, SHUT_WR);
        char b[256];
        while (recv(c, b, sizeof(b), 0) > 0)   /* until the guest's FIN */
            ;
    }
    close(c);
out:
    if (write(rep, &r, sizeof(r)) != (ssize_t)sizeof(r))
        _exit(1);
    _exit(0);
}

/* ---- The crafted guest. ---- */

enum { B_SYN, B_EST, B_RST };
static struct {
    bool in;
    int state;
    uint32_t iss, irs;
    /* Sending: offsets into the stream (sequence = iss + 1 + offset). */
    uint64_t una, nxt, total;
    uint64_t wnd;            /* the stack's window, scaled */
    int snd_shift;           /* the stack's window scale, if negotiated */
    bool scaled, fin_sent, fin_acked;
    uint32_t dupacks;
    uint64_t last_progress;
    /* Receiving: stream offset of rcv_nxt. */
    uint64_t rcvd;
    int64_t bad_off;
    bool fin_rcvd;
    int unacked_segs;
    /* ACKs owed, sent after the stack's call returns (never re-entered). */
    uint32_t ackq[ACKQ];
    int nackq;
    /* Counters for the report. */
    uint64_t segs_out, segs_in, rexmit, dupseg, ooo, acks_out, acks_in;
    uint64_t frames_in, bad_csum;
} g;

static uint16_t ip_id;
static uint8_t frame[2048];

/* The crafted guest's own work (building its frames, checking and comparing
 * the stack's), in TSC ticks: in a deployment that work is the guest CPU's,
 * not the stack's, so "the stack alone" leaves it out of the process's CPU
 * time. Read around the guest's code only, never around a call into the
 * stack; bulk_rx runs inside the stack's output call, so its ticks are part
 * of the stack's time and are taken out again. The ticks are wall time:
 * were the process preempted inside the guest's code, the guest's share
 * would come out a little too large. */
#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t guest_clock(void) { return __rdtsc(); }
#else
static inline uint64_t guest_clock(void) { return now_ns(); }
#endif
static uint64_t guest_ticks;

/* RFC 1071 sum in memory order (byte-order independent), 32 bits at a time
 * into 64-bit accumulators (no carries to fold until the end; four of them
 * so the adds run in parallel). */
static uint64_t sum_mem(const uint8_t *d, size_t n, uint64_t s)
{
    uint64_t s1 = 0, s2 = 0, s3 = 0;
    for (; n >= 16; d += 16, n -= 16) {
        uint32_t w[4];
        memcpy(w, d, 16);
        s += w[0];
        s1 += w[1];
        s2 += w[2];
        s3 += w[3];
    }
    s += (s1 & 0xffffffffu) + (s1 >> 32) + (s2 & 0xffffffffu) + (s2 >> 32) +
         (s3 & 0xffffffffu) + (s3 >> 32);
    for (; n >= 4; d += 4, n -= 4) {
        uint32_t w;
        memcpy(&w, d, 4);
        s += w;
    }
    if (n >= 2) {
        uint16_t w;
        memcpy(&w, d, 2);
        s += w;
        d += 2;
        n -= 2;
    }
    if (n) {
        uint16_t w = 0;
        memcpy(&w, d, 1);
        s += w;
    }
    return s;
}

/* The payload's sum (as sum_mem) and its comparison with the stream in one
 * pass, 16 bytes at a time in four 32-bit lanes (each lane takes its two
 * 16-bit halves: no overflow below 64 KiB); *same is false when any byte
 * differs from ref. One pass over the bytes instead of a sum and a memcmp:
 * the guest's own cost, the same for both stacks. */
typedef uint32_t v4u __attribute__((vector_size(16)));
static uint64_t sum_cmp(const uint8_t *d, const uint8_t *ref, size_t n, uint64_t s, bool *same)
{
    const v4u lo16 = {0xffff, 0xffff, 0xffff, 0xffff};
    v4u a = {0, 0, 0, 0}, b = {0, 0, 0, 0}, diff = {0, 0, 0, 0};
    for (; n >= 32; d += 32, ref += 32, n -= 32) {   /* two sums in flight */
        v4u x, y, r, q;
        memcpy(&x, d, 16);
        memcpy(&y, d + 16, 16);
        memcpy(&r, ref, 16);
        memcpy(&q, ref + 16, 16);
        a += (x & lo16) + (x >> 16);
        b += (y & lo16) + (y >> 16);
        diff |= (x ^ r) | (y ^ q);
    }
    for (; n >= 16; d += 16, ref += 16, n -= 16) {
        v4u x, r;
        memcpy(&x, d, 16);
        memcpy(&r, ref, 16);
        a += (x & lo16) + (x >> 16);
        diff |= x ^ r;
    }
    a += b;
    *same = !(diff[0] | diff[1] | diff[2] | diff[3]) && !memcmp(d, ref, n);
    return sum_mem(d, n, s + a[0] + a[1] + a[2] + a[3]);
}

static uint16_t fold(uint64_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint32_t seq_of(uint64_t off) { return g.iss + 1 + (uint32_t)off; }

static uint32_t cur_ack(void) { return g.irs + 1 + (uint32_t)g.rcvd + g.fin_rcvd; }

/* Sends one segment: n bytes of data, acknowledging ack, with the guest's
 * window (its buffer is never full: data is consumed as it arrives). */
static void send_seg(uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *opt, size_t optlen,
                     const uint8_t *data, size_t n)
{
    uint64_t t_start = guest_clock();
    uint8_t *f = frame;
    memcpy(f, gw_mac, 6);
    memcpy(f + 6, guest_mac, 6);
    f[12] = 0x08, f[13] = 0x00;
    uint8_t *ip = f + 14, *t = ip + 20;
    size_t tl = 20 + optlen + n;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)((20 + tl) >> 8), ip[3] = (uint8_t)(20 + tl);
    ip[4] = (uint8_t)(ip_id >> 8), ip[5] = (uint8_t)ip_id;
    ip_id++;
    ip[6] = 0x40;   /* DF, as Linux */
    ip[8] = 64, ip[9] = 6;
    static uint32_t src, dst;   /* parsed once: this runs per frame */
    if (!src)
        src = ip4("10.0.2.15"), dst = ip4("10.0.2.2");
    memcpy(ip + 12, &src, 4);
    memcpy(ip + 16, &dst, 4);
    uint16_t c = fold(sum_mem(ip, 20, 0));
    memcpy(ip + 10, &c, 2);
    uint16_t sp = htons((uint16_t)base_port), dp = htons(peer_port);
    memcpy(t, &sp, 2);
    memcpy(t + 2, &dp, 2);
    uint32_t s = htonl(seq), a = htonl(ack);
    memcpy(t + 4, &s, 4);
    memcpy(t + 8, &a, 4);
    t[12] = (uint8_t)(((20 + optlen) / 4) << 4);
    t[13] = flags;
    uint32_t w = (flags & 0x02) || !g.scaled ? 65535 : GUEST_WND >> GUEST_SHIFT;
    t[14] = (uint8_t)(w >> 8), t[15] = (uint8_t)w;
    t[16] = t[17] = t[18] = t[19] = 0;
    if (optlen)
        memcpy(t + 20, opt, optlen);
    if (n)
        memcpy(t + 20 + optlen, data, n);
    uint8_t ph[12];
    memcpy(ph, &src, 4);
    memcpy(ph + 4, &dst, 4);
    ph[8] = 0, ph[9] = 6, ph[10] = (uint8_t)(tl >> 8), ph[11] = (uint8_t)tl;
    c = fold(sum_mem(t, tl, sum_mem(ph, 12, 0)));
    memcpy(t + 16, &c, 2);
    if (n)
        g.segs_out++;
    else if (flags == 0x10)
        g.acks_out++;
    guest_ticks += guest_clock() - t_start;
    to_stack(f, 14 + 20 + tl);
}

/* PSH only on the last segment of a burst, as Linux sets it (the end of a
 * write, or of a TSO/GSO super-packet). */
static void send_data(uint64_t off, size_t n, bool push)
{
    uint8_t tmp[1460];
    send_seg(push ? 0x18 : 0x10, seq_of(off), cur_ack(), NULL, 0, stream(off, n, tmp), n);
}

static void owe_ack(void)
{
    if (g.nackq == ACKQ)
        g.ackq[ACKQ - 1] = cur_ack();   /* more than a queue's worth: the last covers them */
    else
        g.ackq[g.nackq++] = cur_ack();
    g.unacked_segs = 0;
}

/* Sends the ACKs owed, one per two segments as they came; each may make the
 * stack send more (and owe more), so the queue is read as it grows. */
static void flush_acks(void)
{
    for (int i = 0; i < g.nackq; i++) {
        uint32_t seq = g.fin_sent ? seq_of(g.total) + 1 : seq_of(g.nxt);
        send_seg(0x10, seq, g.ackq[i], NULL, 0, NULL, 0);
    }
    g.nackq = 0;
}

static void guest_rx(const uint8_t *f, size_t len);

void bulk_rx(const uint8_t *f, size_t len)
{
    uint64_t t_start = guest_clock();
    guest_rx(f, len);
    guest_ticks += guest_clock() - t_start;
}

/* The guest's receive path: checks one frame from the stack, takes its
 * data and ACK, and queues the ACKs it owes (sent by flush_acks). */
static void guest_rx(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = be16(ip + 2);
    if (tot > len - 14 || tot < ihl + 20)
        return;
    const uint8_t *t = ip + ihl;
    if (be16(t + 2) != base_port || be16(t) != peer_port)
        return;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    if (doff < 20 || ihl + doff > tot)
        return;
    /* FB_BADSUM=K: the K-th frame from the stack (from 0) gets its last
     * byte (payload, or the header of a bare ACK) changed after the stack
     * summed it, as a copy that disagrees with its sum would leave it: the
     * checksum check below must catch it (bulk.t.sh). */
    static uint8_t tampered[2048];
    if ((int64_t)g.frames_in++ == badsum_frame && len <= sizeof(tampered)) {
        memcpy(tampered, f, len);
        tampered[14 + tot - 1] ^= 0x01;
        ip = tampered + 14;
        t = ip + ihl;
    }
    const uint8_t *d = t + doff;
    size_t n = tot - ihl - doff;
    uint8_t fl = t[13];
    uint32_t seq = be32(t + 4), ack = be32(t + 8);
    /* Checksums: the IPv4 header, then TCP over the pseudo-header (source,
     * destination, protocol, TCP length) and the whole segment; the payload
     * of an in-order segment is compared with the stream in the same pass
     * (doff is a multiple of 4, so the payload's 16-bit pairs line up). */
    uint8_t ph[12];
    memcpy(ph, ip + 12, 8);
    ph[8] = 0, ph[9] = 6, ph[10] = (uint8_t)((tot - ihl) >> 8), ph[11] = (uint8_t)(tot - ihl);
    bool in_order = g.state == B_EST && seq == g.irs + 1 + (uint32_t)g.rcvd, same = false;
    uint64_t ts = sum_mem(t, doff, sum_mem(ph, 12, 0));
    ts = in_order ? sum_cmp(d, pat_at(g.rcvd), n, ts, &same) : sum_mem(d, n, ts);
    if (fold(sum_mem(ip, ihl, 0)) != 0 || fold(ts) != 0) {
        g.bad_csum++;
        return;   /* dropped, as a guest drops it: the stack must send it again */
    }
    uint32_t win = be16(t + 14);
    static int dbg = -1;
    if (dbg < 0)
        dbg = getenv("FB_DEBUG") != NULL;
    if (dbg)
        fprintf(stderr, "rx flags %02x seq %u ack %u win %u len %zu (una %llu nxt %llu)\n", fl,
                seq - g.irs, ack - g.iss, win, n, (unsigned long long)g.una,
                (unsigned long long)g.nxt);
    if (fl & 0x04) {
        g.state = B_RST;
        return;
    }
    if (g.state == B_SYN) {
        if ((fl & 0x12) != 0x12 || ack != g.iss + 1)
            return;
        g.irs = seq;
        for (const uint8_t *o = t + 20; o < d;) {   /* options: window scale */
            if (*o == 0)
                break;
            if (*o == 1) {
                o++;
                continue;
            }
            if (o + 1 >= d || o[1] < 2 || o + o[1] > d)
                break;
            if (o[0] == 3 && o[1] == 3) {
                g.scaled = true;
                g.snd_shift = o[2] > 14 ? 14 : o[2];
            }
            o += o[1];
        }
        g.wnd = win;   /* never scaled in a SYN (RFC 7323 2.2) */
        g.state = B_EST;
        g.last_progress = now_ns();
        owe_ack();
        return;
    }
    if (g.state != B_EST)
        return;
    if (n)
        g.segs_in++;
    else
        g.acks_in++;
    if (fl & 0x10) {
        uint64_t w = (uint64_t)win << g.snd_shift;
        int32_t adv = (int32_t)(ack - seq_of(g.una));
        if (adv > 0 && g.una + (uint64_t)adv <= (g.fin_sent ? g.total + 1 : g.nxt)) {
            g.una += (uint64_t)adv;
            if (g.fin_sent && g.una == g.total + 1) {
                g.fin_acked = true;
                g.una = g.total;
            }
            g.dupacks = 0;
            g.last_progress = now_ns();
        } else if (adv == 0 && !n && !(fl & 0x03) && w == g.wnd && g.nxt > g.una) {
            g.dupacks++;
        } else if (adv == 0 && w != g.wnd) {
            g.last_progress = now_ns();   /* a window update */
        }
        g.wnd = w;
    }
    uint32_t rcv_nxt = g.irs + 1 + (uint32_t)g.rcvd;
    if (n || (fl & 0x01)) {
        if (g.fin_rcvd) {
            owe_ack();   /* the FIN again: our ACK was lost */
            return;
        }
        if (seq != rcv_nxt) {
            if ((int32_t)(seq - rcv_nxt) < 0)
                g.dupseg++;
            else
                g.ooo++;
            owe_ack();   /* out of order or a retransmission: ACK what we have */
            return;
        }
        if (n) {
            if (g.bad_off < 0 && !same) {
                size_t i = 0;
                while (d[i] == pat_at(g.rcvd)[i])
                    i++;
                g.bad_off = (int64_t)(g.rcvd + i);
            }
            g.rcvd += n;
            if (++g.unacked_segs >= 2)
                owe_ack();
        }
        if (fl & 0x01) {
            g.fin_rcvd = true;
            owe_ack();
        }
    }
}

/* CPU seconds of this process, user + system; the system part alone in *sys. */
static double cpu_s(double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    *sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + *sys;
}

static bool report_ready(int fd, struct bulk_report *r)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0)
        return false;
    return read(fd, r, sizeof(*r)) == (ssize_t)sizeof(*r);
}

/* Returns 0 when every byte arrived intact, 1 otherwise (with the reason). */
int bulk_run(const char *stack, bool in, uint64_t total, int rep)
{
    pat_init();
    memset(&g, 0, sizeof(g));
    g.in = in;
    g.total = in ? 0 : total;
    g.bad_off = -1;
    g.iss = 0x1000;
    uint64_t deadline = now_ns() + (60 + total / (1 << 20)) * 1000000000ull;
    const char *mode = in ? "bulk-in" : "bulk-out";

    /* Handshake: MSS 1460, window scale 7 (no SACK, no timestamps). */
    static const uint8_t synopt[8] = {2, 4, 1460 >> 8, 1460 & 255, 1, 3, 3, GUEST_SHIFT};
    uint64_t t_syn = now_ns();
    while (g.state == B_SYN && now_ns() < deadline) {
        send_seg(0x02, g.iss, 0, synopt, sizeof(synopt), NULL, 0);
        for (uint64_t t = now_ns(); g.state == B_SYN && now_ns() - t < 1000000000ull;)
            pump(1);
    }
    if (g.state != B_EST) {
        fprintf(stderr, "%s %s: FAIL: no SYN-ACK from the stack\n", stack, mode);
        return 1;
    }
    flush_acks();   /* the handshake's ACK */
    uint64_t t0 = now_ns();
    double sys0, sys1;
    double c0 = cpu_s(&sys0);
    uint64_t ticks0 = guest_clock(), guest0 = guest_ticks;
    struct bulk_report r = {0};
    bool have_report = false;
    uint64_t t_done = 0;

    while (now_ns() < deadline && g.state == B_EST) {
        if (!in) {
            /* Fill the window with full segments (less only at the end, or
             * when the whole window is smaller than a segment and idle). */
            while (g.nxt < g.total && g.state == B_EST) {
                uint64_t room = g.una + g.wnd > g.nxt ? g.una + g.wnd - g.nxt : 0;
                size_t nseg = g.total - g.nxt < 1460 ? (size_t)(g.total - g.nxt) : 1460;
                if (room < nseg) {
                    if (g.nxt > g.una || room == 0)
                        break;
                    nseg = (size_t)room;
                }
                g.nxt += nseg;   /* first: the stack may ACK it within the call */
                bool last = g.nxt == g.total || g.una + g.wnd < g.nxt + 1460;
                send_data(g.nxt - nseg, nseg, last);
            }
            if (g.una == g.total && g.nxt == g.total && !g.fin_sent) {
                g.fin_sent = true;
                g.last_progress = now_ns();
                send_seg(0x11, seq_of(g.total), cur_ack(), NULL, 0, NULL, 0);
            }
            if (g.dupacks >= 3 && g.nxt > g.una) {   /* fast retransmit */
                size_t nseg = g.nxt - g.una < 1460 ? (size_t)(g.nxt - g.una) : 1460;
                send_data(g.una, nseg, true);
                g.rexmit++;
                g.dupacks = 0;
            }
            bool waiting = g.nxt > g.una || (g.fin_sent && !g.fin_acked) ||
                           (g.nxt < g.total && g.wnd == 0);
            if (waiting && now_ns() - g.last_progress > RTO_NS) {
                g.rexmit++;
                g.last_progress = now_ns();
                if (g.fin_sent && !g.fin_acked)
                    send_seg(0x11, seq_of(g.total), cur_ack(), NULL, 0, NULL, 0);
                else if (g.nxt > g.una)
                    g.nxt = g.una;             /* go back N */
                else {
                    g.nxt += 1;                /* zero-window probe */
                    send_data(g.nxt - 1, 1, true);
                }
            }
        }
        flush_acks();
        bool idle = in || (g.nxt >= g.total || g.una + g.wnd <= g.nxt);
        pump(idle ? 1 : 0);
        flush_acks();
        if (!have_report && report_ready(rep, &r)) {
            have_report = true;
            if (!in)
                t_done = r.t_last;
        }
        if (in && g.fin_rcvd && !t_done) {
            t_done = now_ns();
            if (!g.fin_sent) {   /* our side closes too */
                g.fin_sent = true;
                send_seg(0x11, seq_of(0), cur_ack(), NULL, 0, NULL, 0);
            }
        }
        if (have_report && (!in || t_done))
            break;
    }
    double cpu = cpu_s(&sys1) - c0;
    double ticks_per_s = (double)(guest_clock() - ticks0) / ((double)(now_ns() - t0) / 1e9);
    double guest_s = (double)(guest_ticks - guest0) / ticks_per_s;
    /* Where the process's CPU time, coarser than the TSC, comes out no
     * larger than the guest's share (a very short run), there is no
     * stack-alone figure: 0 is printed. */
    double stack_s = cpu - guest_s;
    /* Let the stacks finish their closes (not timed). */
    for (int i = 0; i < 20; i++) {
        pump(1);
        flush_acks();
    }
    if (!have_report) {
        for (uint64_t t = now_ns(); !have_report && now_ns() - t < 5000000000ull;) {
            pump(1);
            flush_acks();
            have_report = report_ready(rep, &r);
        }
    }

    uint64_t got = in ? g.rcvd : r.bytes;
    int64_t bad = in ? g.bad_off : r.bad_off;
    const char *why = NULL;
    if (g.bad_csum)
        why = "frames with a bad IPv4 or TCP checksum";
    else if (g.state == B_RST)
        why = "the stack reset the connection";
    else if (!have_report)
        why = "the peer did not report (timeout)";
    else if (r.err)
        why = strerror(r.err);
    else if (bad >= 0)
        why = "payload differs from what was sent";
    else if (got != total || (in && r.bytes != total))
        why = "byte count differs";
    else if (!t_done)
        why = "timeout";
    double secs = t_done > t0 ? (double)(t_done - t0) / 1e9 : 0;
    if (why) {
        fprintf(stderr, "%s %s: FAIL: %s: sent %llu B, peer %s %llu B, guest got %llu B in order, "
                "first bad byte %lld; segments out %llu in %llu, retransmits %llu, "
                "bad checksums %llu\n", stack, mode,
                why, (unsigned long long)(in ? r.bytes : g.una), in ? "wrote" : "got",
                (unsigned long long)r.bytes, (unsigned long long)g.rcvd, (long long)bad,
                (unsigned long long)g.segs_out, (unsigned long long)g.segs_in,
                (unsigned long long)g.rexmit, (unsigned long long)g.bad_csum);
        return 1;
    }
    double mbit = (double)got * 8 / 1e6 / secs;
    printf("%s %s: %llu MiB in %.2f s = %.0f Mbit/s; CPU %.2f s (%.0f Mbit per CPU-second; "
           "%.2f s of it in the kernel; the crafted guest's own work %.2f s, leaving "
           "%.0f Mbit per CPU-second of the stack alone); "
           "window scale %s; segments out %llu in %llu, ACKs out %llu in %llu, retransmits %llu, "
           "dup %llu, out-of-order %llu; all bytes and checksums checked (SYN-ACK after %.0f us)\n",
           stack, mode, (unsigned long long)(total >> 20), secs, mbit, cpu, (double)got * 8 / 1e6 / cpu,
           sys1 - sys0, guest_s, stack_s > 0 ? (double)got * 8 / 1e6 / stack_s : 0.0,
           g.scaled ? "on" : "off", (unsigned long long)g.segs_out, (unsigned long long)g.segs_in,
           (unsigned long long)g.acks_out, (unsigned long long)g.acks_in,
           (unsigned long long)g.rexmit, (unsigned long long)g.dupseg, (unsigned long long)g.ooo,
           (double)(t0 - t_syn) / 1e3);
    return 0;
}
