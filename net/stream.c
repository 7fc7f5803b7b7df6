/* Stream-socket links: QEMU's -netdev stream and -netdev socket,listen=/connect=
 * (QEMU 7.2 net/stream.c, net/socket.c; reconnect= as added in QEMU 8.0).
 * One connection at a time; a server goes back to listening when its peer
 * leaves, a client with reconnect=S retries every S seconds. A malformed
 * length closes the connection with a logged error. Frames the link cannot
 * write now wait in one per-link buffer; while it is full the port refuses
 * frames, so port.c queues (bounded) or drops them upstream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "net/framing.h"
#include "net/sockets.h"
#include "net/timer.h"

struct stream_link {
    struct net_port port;        /* first */
    const char *kind;
    bool server;
    struct hsock_addr addr;
    uint64_t reconnect_ns;
    struct hsock *listener, *conn;
    bool connecting;
    struct net_framer rx;
    uint8_t *out;                /* 4 + NET_FRAME_MAX bytes */
    size_t out_len, out_off;
    struct net_timer timer;
    uint64_t connects, disconnects, bad_frames;
    char peer_str[140];
};

static void conn_cb(struct hsock *s, int ev, void *ctx);

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
    hsock_want(l->conn, HSOCK_EV_READ);
    LOGI("net", "%s: connected to %s", l->port.id, l->peer_str);
    net_port_flush(&l->port);
}

/* Writes out the pending buffer; returns false when the connection failed. */
static bool push_out(struct stream_link *l)
{
    while (l->out_off < l->out_len) {
        ssize_t n = hsock_send(l->conn, l->out + l->out_off, l->out_len - l->out_off);
        if (n == HSOCK_AGAIN) {
            hsock_want(l->conn, HSOCK_EV_READ | HSOCK_EV_WRITE);
            return true;
        }
        if (n <= 0) {
            drop_conn(l, "write failed");
            return false;
        }
        l->out_off += (size_t)n;
    }
    l->out_len = l->out_off = 0;
    hsock_want(l->conn, HSOCK_EV_READ);
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
        uint8_t buf[16384];
        /* Bounded work per wakeup so one busy link cannot starve the others. */
        for (int i = 0; i < 16 && l->conn; i++) {
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

static bool link_can_receive(struct net_port *p)
{
    struct stream_link *l = p->opaque;
    /* Unconnected: take (and discard) frames rather than queue stale ones. */
    return !l->conn || l->connecting || l->out_len == 0;
}

static bool link_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct stream_link *l = p->opaque;
    if (!l->conn || l->connecting) {
        p->stats.dropped++;   /* no peer connected: QEMU drops these too */
        return true;
    }
    if (l->out_len)
        return false;
    net_framer_header(l->out, (uint32_t)len);
    memcpy(l->out + 4, frame, len);
    l->out_len = len + 4;
    l->out_off = 0;
    push_out(l);
    return true;   /* taken: written, or buffered for the next writable event */
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
    if (!l || net_framer_init(&l->rx) < 0 || !(l->out = malloc(4 + NET_FRAME_MAX))) {
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
    hsock_close(l->conn);
    hsock_close(l->listener);
    net_framer_free(&l->rx);
    free(l->out);
    free(l);
    return -1;
}
