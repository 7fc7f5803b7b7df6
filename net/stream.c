/* Stream-socket links: QEMU's -netdev stream and -netdev socket,listen=/connect=
 * (QEMU 7.2 net/stream.c, net/socket.c; reconnect= as added in QEMU 8.0).
 * One connection at a time; a server goes back to listening when its peer
 * leaves, a client with reconnect=S retries every S seconds. A malformed
 * length closes the connection with a logged error. Frames are appended to
 * one per-link output buffer and written by a zero-delay timer after the
 * current poll round, so a burst goes out in few send() calls; while the
 * buffer is full the port refuses frames, so port.c queues (bounded) or
 * drops them upstream. While the hub cannot take our frames (no other port
 * ready), the link stops reading, so the peer's sends block as with QEMU. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "net/framing.h"
#include "net/sockets.h"
#include "net/timer.h"

#define OUT_CAP (256u * 1024 + 4 + NET_FRAME_MAX)
#define RESUME_NS 10000000u  /* recheck a paused reader every 10 ms, in case
                              * the port it waits for never calls flush */

struct stream_link {
    struct net_port port;        /* first */
    const char *kind;
    bool server;
    struct hsock_addr addr;
    uint64_t reconnect_ns;
    struct hsock *listener, *conn;
    bool connecting;
    struct net_framer rx;
    uint8_t *out;                /* OUT_CAP bytes */
    size_t out_len, out_off;
    struct net_timer timer;      /* reconnect */
    struct net_timer flush;      /* writes the output buffer after this round */
    struct net_timer resume;     /* rechecks a paused reader (fallback) */
    struct net_port_waiter waiter; /* woken when some port drains */
    bool paused;                 /* not reading: the hub cannot take frames now */
    uint64_t connects, disconnects, bad_frames;
    char peer_str[140];
};

static void conn_cb(struct hsock *s, int ev, void *ctx);

/* Poll interest: read unless paused by backpressure, write while output waits. */
static void update_want(struct stream_link *l)
{
    hsock_want(l->conn, (l->paused ? 0 : HSOCK_EV_READ) |
                        (l->out_off < l->out_len ? HSOCK_EV_WRITE : 0));
}

static void deliver(void *ctx, const uint8_t *frame, size_t len)
{
    struct stream_link *l = ctx;
    net_port_send(&l->port, frame, len);
}

static void start_connect(struct stream_link *l);

/* Ends the current connection; server: listen again; client: maybe retry. */
static void drop_conn(struct stream_link *l, const char *why)
{
    if (!l->conn)
        return;
    char a[140];
    net_addr_str(&l->addr, a, sizeof(a));
    LOGW("net", "%s: %s %s: %s", l->port.id, l->server ? "client of" : "connection to", a, why);
    hsock_close(l->conn);
    l->conn = NULL;
    l->connecting = false;
    l->out_len = l->out_off = 0;
    net_timer_cancel(&l->flush);
    net_timer_cancel(&l->resume);
    net_port_cancel_wait(&l->waiter);
    l->paused = false;
    l->disconnects++;
    l->peer_str[0] = 0;
    net_framer_reset(&l->rx);
    if (l->server) {
        hsock_want(l->listener, HSOCK_EV_READ);
    } else if (l->reconnect_ns) {
        net_timer_arm(&l->timer, plat_now_ns() + l->reconnect_ns);
    }
}

static void connected(struct stream_link *l)
{
    l->connecting = false;
    l->connects++;
    struct hsock_addr pa;
    if (hsock_peer_addr(l->conn, &pa) == 0)
        net_addr_str(&pa, l->peer_str, sizeof(l->peer_str));
    if (l->addr.family != HSOCK_UNIX)
        hsock_setopt(l->conn, HSOCK_OPT_NODELAY, 1);
    update_want(l);
    LOGI("net", "%s: connected to %s", l->port.id, l->peer_str);
    net_port_flush(&l->port);
}

/* Writes out the pending buffer; returns false when the connection failed. */
static bool push_out(struct stream_link *l)
{
    while (l->out_off < l->out_len) {
        ssize_t n = hsock_send(l->conn, l->out + l->out_off, l->out_len - l->out_off);
        if (n == HSOCK_AGAIN) {
            update_want(l);
            return true;
        }
        if (n <= 0) {
            drop_conn(l, "write failed");
            return false;
        }
        l->out_off += (size_t)n;
    }
    l->out_len = l->out_off = 0;
    update_want(l);
    return true;
}

static void conn_cb(struct hsock *s, int ev, void *ctx)
{
    struct stream_link *l = ctx;
    if (l->connecting) {
        int e = hsock_error(s);
        if (e) {
            char a[140];
            net_addr_str(&l->addr, a, sizeof(a));
            LOGW("net", "%s: cannot connect to %s: %s", l->port.id, a, hsock_strerror(e));
            hsock_close(l->conn);
            l->conn = NULL;
            l->connecting = false;
            if (l->reconnect_ns)
                net_timer_arm(&l->timer, plat_now_ns() + l->reconnect_ns);
            return;
        }
        if (ev & (HSOCK_EV_WRITE | HSOCK_EV_READ))
            connected(l);
        return;
    }
    if (ev & HSOCK_EV_WRITE) {
        if (!push_out(l))
            return;
        if (l->out_len == 0)
            net_port_flush(&l->port);
    }
    if (ev & (HSOCK_EV_READ | HSOCK_EV_ERROR)) {
        static uint8_t buf[65536];   /* one reader runs at a time */
        /* Bounded work per wakeup, so one busy link cannot starve the others
         * and one read (at most ~1900 minimal frames) always fits the output
         * buffers (~4700) that the flush timers empty after this round. */
        for (int i = 0; i < 2 && l->conn; i++) {
            if (!net_port_can_send(&l->port)) {
                /* Backpressure: leave the bytes in the socket (the peer's
                 * sends then block, as with QEMU) until the hub drains. */
                l->paused = true;
                update_want(l);
                net_port_wait_ready(&l->waiter);
                net_timer_arm(&l->resume, plat_now_ns() + RESUME_NS);
                break;
            }
            ssize_t n = hsock_recv(l->conn, buf, sizeof(buf));
            if (n == HSOCK_AGAIN)
                break;
            if (n == 0) {
                drop_conn(l, "peer closed the connection");
                return;
            }
            if (n < 0) {
                drop_conn(l, hsock_strerror(hsock_error(l->conn)));
                return;
            }
            if (net_framer_feed(&l->rx, buf, (size_t)n, deliver, l) < 0) {
                char why[96];
                l->bad_frames++;
                snprintf(why, sizeof(why), "malformed frame length %u (max %u); closing the link",
                         net_framer_bad_length(&l->rx), NET_FRAME_MAX);
                LOGE("net", "%s: %s", l->port.id, why);
                drop_conn(l, "closed after a protocol error");
                return;
            }
            /* A read shorter than the buffer drained the socket: a second
             * recv() would only see EAGAIN (one in seven of this link's
             * recv calls in a nested iperf3 run), and poll says when more
             * comes. */
            if ((size_t)n < sizeof(buf))
                break;
        }
    }
}

static void listen_cb(struct hsock *s, int ev, void *ctx)
{
    struct stream_link *l = ctx;
    struct hsock_addr pa;
    struct hsock *c = hsock_accept(s, &pa, conn_cb, l);
    if (!c)
        return;
    if (l->conn) {
        /* One peer at a time, as QEMU: later ones wait in the backlog;
         * this one arrived in a race with an earlier accept. */
        hsock_close(c);
        return;
    }
    l->conn = c;
    hsock_want(l->listener, 0);
    connected(l);
}

static void start_connect(struct stream_link *l)
{
    l->conn = hsock_open(l->addr.family, HSOCK_STREAM, conn_cb, l);
    if (!l->conn) {
        LOGE("net", "%s: cannot create a socket", l->port.id);
        if (l->reconnect_ns)
            net_timer_arm(&l->timer, plat_now_ns() + l->reconnect_ns);
        return;
    }
    int r = hsock_connect(l->conn, &l->addr);
    if (r == 0) {
        connected(l);
    } else if (r == 1) {
        l->connecting = true;
        hsock_want(l->conn, HSOCK_EV_WRITE);
    } else {
        char a[140];
        net_addr_str(&l->addr, a, sizeof(a));
        LOGW("net", "%s: cannot connect to %s: %s", l->port.id, a,
             hsock_strerror(hsock_error(l->conn)));
        hsock_close(l->conn);
        l->conn = NULL;
        if (l->reconnect_ns)
            net_timer_arm(&l->timer, plat_now_ns() + l->reconnect_ns);
    }
}

static void reconnect_fire(void *ctx)
{
    struct stream_link *l = ctx;
    if (!l->conn)
        start_connect(l);
}

static void flush_fire(void *ctx)
{
    struct stream_link *l = ctx;
    if (l->conn && !l->connecting && l->out_off < l->out_len && push_out(l) && l->out_len == 0)
        net_port_flush(&l->port);
}

static void resume_fire(void *ctx)
{
    struct stream_link *l = ctx;
    if (!l->conn || !l->paused)
        return;
    if (!net_port_can_send(&l->port)) {
        net_port_wait_ready(&l->waiter);
        net_timer_arm(&l->resume, plat_now_ns() + RESUME_NS);
        return;
    }
    l->paused = false;
    net_port_cancel_wait(&l->waiter);
    net_timer_cancel(&l->resume);
    update_want(l);
}

static void waiter_wake(struct net_port_waiter *w)
{
    resume_fire((char *)w - offsetof(struct stream_link, waiter));
}

static bool link_can_receive(struct net_port *p)
{
    struct stream_link *l = p->opaque;
    /* Unconnected: take (and discard) frames rather than queue stale ones. */
    return !l->conn || l->connecting || l->out_len - l->out_off + 4 + 1514 <= OUT_CAP;
}

static bool link_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct stream_link *l = p->opaque;
    if (!l->conn || l->connecting) {
        p->stats.dropped++;   /* no peer connected: QEMU drops these too */
        return true;
    }
    if (l->out_len + 4 + len > OUT_CAP && l->out_off) {
        memmove(l->out, l->out + l->out_off, l->out_len - l->out_off);
        l->out_len -= l->out_off;
        l->out_off = 0;
    }
    if (l->out_len + 4 + len > OUT_CAP)
        return false;
    net_framer_header(l->out + l->out_len, (uint32_t)len);
    memcpy(l->out + l->out_len + 4, frame, len);
    l->out_len += len + 4;
    if (!l->flush.armed)
        net_timer_arm(&l->flush, 0);
    return true;   /* taken: written after this round, or when writable */
}

static void link_describe(struct net_port *p, char *buf, size_t len)
{
    struct stream_link *l = p->opaque;
    char a[140];
    net_addr_str(&l->addr, a, sizeof(a));
    snprintf(buf, len, "%s,%s=%s,%s%s connects=%llu disconnects=%llu bad=%llu", l->kind,
             l->server ? "listen" : "connect", a,
             l->conn && !l->connecting ? "connected to " : "not connected",
             l->conn && !l->connecting ? l->peer_str : "", (unsigned long long)l->connects,
             (unsigned long long)l->disconnects, (unsigned long long)l->bad_frames);
}

static void link_destroy(struct net_port *p)
{
    struct stream_link *l = p->opaque;
    net_timer_cancel(&l->timer);
    net_timer_cancel(&l->flush);
    net_timer_cancel(&l->resume);
    net_port_cancel_wait(&l->waiter);
    hsock_close(l->conn);
    hsock_close(l->listener);
    net_framer_free(&l->rx);
    free(l->out);
    free(l);
}

static const struct net_port_ops link_ops = {
    .receive = link_receive,
    .can_receive = link_can_receive,
    .describe = link_describe,
    .destroy = link_destroy,
};

int net_stream_create(const char *id, const char *kind, bool server, const struct hsock_addr *a,
                      uint64_t reconnect_s, struct net_port **out, char *err, size_t errlen)
{
    struct stream_link *l = calloc(1, sizeof(*l));
    if (!l || net_framer_init(&l->rx) < 0 || !(l->out = malloc(OUT_CAP))) {
        if (l) {
            net_framer_free(&l->rx);
            free(l);
        }
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->kind = kind;
    l->server = server;
    l->addr = *a;
    l->reconnect_ns = reconnect_s * 1000000000ull;
    net_timer_init(&l->timer, reconnect_fire, l);
    net_timer_init(&l->flush, flush_fire, l);
    net_timer_init(&l->resume, resume_fire, l);
    l->waiter.wake = waiter_wake;
    snprintf(l->port.id, sizeof(l->port.id), "%s", id);   /* for log lines before registration */
    char as[140];
    net_addr_str(a, as, sizeof(as));
    if (server) {
        l->listener = hsock_open(a->family, HSOCK_STREAM, listen_cb, l);
        if (!l->listener || hsock_bind(l->listener, a) < 0 || hsock_listen(l->listener, 1) < 0) {
            snprintf(err, errlen, "cannot listen on %s: %s", as,
                     l->listener ? hsock_strerror(hsock_error(l->listener)) : "no socket");
            goto fail;
        }
        hsock_want(l->listener, HSOCK_EV_READ);
    } else {
        start_connect(l);
        /* Without reconnect=, a peer that is not there is a configuration
         * error, as in QEMU; with it, we keep trying. */
        if (!l->conn && !reconnect_s) {
            snprintf(err, errlen, "cannot connect to %s", as);
            goto fail;
        }
    }
    if (net_port_register(&l->port, &link_ops, kind, id, l) < 0) {
        snprintf(err, errlen, "duplicate ID '%s'", id);
        goto fail;
    }
    *out = &l->port;
    return 0;
fail:
    net_timer_cancel(&l->timer);
    net_timer_cancel(&l->flush);
    net_timer_cancel(&l->resume);
    net_port_cancel_wait(&l->waiter);
    hsock_close(l->conn);
    hsock_close(l->listener);
    net_framer_free(&l->rx);
    free(l->out);
    free(l);
    return -1;
}
