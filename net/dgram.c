/* Datagram links: QEMU's -netdev dgram and -netdev socket,udp=/mcast=
 * (QEMU 7.2 net/dgram.c, net/socket.c): one Ethernet frame per datagram, sent
 * to the remote address (a peer or a multicast group), received from anyone.
 * On a multicast group our own datagrams loop back to us; they are
 * recognised by a hash ring of recently sent frames and not re-injected
 * (which would echo every frame back into the hub). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "net/sockets.h"

#define ECHO_RING 64

struct dgram_link {
    struct net_port port;        /* first */
    const char *kind;
    struct hsock *sock;
    struct hsock_addr local, remote;
    bool has_local, mcast;
    uint8_t *buf;                /* NET_FRAME_MAX bytes */
    uint64_t sent_hash[ECHO_RING];
    unsigned sent_pos;
    uint64_t send_errors, echoes;
};

static uint64_t frame_hash(const uint8_t *f, size_t len)
{
    /* FNV-1a over the frame and its length. */
    uint64_t h = 1469598103934665603ull ^ len;
    for (size_t i = 0; i < len; i++) {
        h ^= f[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void sock_cb(struct hsock *s, int ev, void *ctx)
{
    struct dgram_link *l = ctx;
    for (int i = 0; i < 64; i++) {
        struct hsock_addr from;
        ssize_t n = hsock_recvfrom(s, l->buf, NET_FRAME_MAX, &from);
        if (n == HSOCK_AGAIN)
            return;
        if (n < 0) {
            /* ICMP port unreachable from a peer not up yet: harmless. */
            LOGD("net", "%s: receive error: %s", l->port.id, hsock_strerror(hsock_error(s)));
            return;
        }
        if (n == 0)
            continue;
        if (l->mcast) {
            uint64_t h = frame_hash(l->buf, (size_t)n);
            bool echo = false;
            for (unsigned k = 0; k < ECHO_RING; k++)
                if (l->sent_hash[k] == h) {
                    l->sent_hash[k] = 0;
                    echo = true;
                    break;
                }
            if (echo) {
                l->echoes++;
                continue;
            }
        }
        net_port_send(&l->port, l->buf, (size_t)n);
    }
}

static bool link_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct dgram_link *l = p->opaque;
    if (l->mcast) {
        l->sent_hash[l->sent_pos] = frame_hash(frame, len);
        l->sent_pos = (l->sent_pos + 1) % ECHO_RING;
    }
    ssize_t n = hsock_sendto(l->sock, frame, len, &l->remote);
    if (n == HSOCK_AGAIN)
        return false;   /* the socket buffer is full: queue upstream */
    if (n < 0) {
        /* Datagrams are unreliable by nature: count, don't tear down. */
        l->send_errors++;
        p->stats.dropped++;
    }
    return true;
}

static void link_describe(struct net_port *p, char *buf, size_t len)
{
    struct dgram_link *l = p->opaque;
    char r[140], lo[140];
    net_addr_str(&l->remote, r, sizeof(r));
    struct hsock_addr la;
    if (hsock_local_addr(l->sock, &la) == 0)
        net_addr_str(&la, lo, sizeof(lo));
    else
        snprintf(lo, sizeof(lo), "?");
    snprintf(buf, len, "%s,%s=%s,local=%s send_errors=%llu", l->kind, l->mcast ? "mcast" : "remote",
             r, lo, (unsigned long long)l->send_errors);
}

static void link_destroy(struct net_port *p)
{
    struct dgram_link *l = p->opaque;
    hsock_close(l->sock);
    free(l->buf);
    free(l);
}

static const struct net_port_ops link_ops = {
    .receive = link_receive,
    .describe = link_describe,
    .destroy = link_destroy,
};

static bool is_multicast(const struct hsock_addr *a)
{
    return a->family == HSOCK_INET && (a->ip >> 28) == 0xe;
}

int net_dgram_create(const char *id, const char *kind, const struct hsock_addr *local,
                     const struct hsock_addr *remote, uint32_t mcast_if, struct net_port **out,
                     char *err, size_t errlen)
{
    if (local && local->family != remote->family) {
        snprintf(err, errlen, "local and remote addresses must be of the same type");
        return -1;
    }
    struct dgram_link *l = calloc(1, sizeof(*l));
    if (!l || !(l->buf = malloc(NET_FRAME_MAX))) {
        free(l);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->kind = kind;
    l->remote = *remote;
    l->mcast = is_multicast(remote);
    char rs[140];
    net_addr_str(remote, rs, sizeof(rs));
    l->sock = hsock_open(remote->family, HSOCK_DGRAM, sock_cb, l);
    if (!l->sock) {
        snprintf(err, errlen, "cannot create a socket");
        goto fail;
    }
    if (l->mcast) {
        /* As QEMU: bind the group's port on the group address, join on the
         * given interface, loop back so several peers on one host meet. */
        struct hsock_addr b = *remote;
        if (hsock_bind(l->sock, &b) < 0) {
            snprintf(err, errlen, "cannot bind %s", rs);
            goto fail;
        }
        if (hsock_join_multicast(l->sock, remote->ip, mcast_if) < 0) {
            snprintf(err, errlen, "cannot join multicast group %s", rs);
            goto fail;
        }
        hsock_setopt(l->sock, HSOCK_OPT_MCAST_LOOP, 1);
        hsock_setopt(l->sock, HSOCK_OPT_MCAST_TTL, 1);
    } else if (local) {
        if (hsock_bind(l->sock, local) < 0) {
            char ls[140];
            net_addr_str(local, ls, sizeof(ls));
            snprintf(err, errlen, "cannot bind %s", ls);
            goto fail;
        }
    }
    hsock_want(l->sock, HSOCK_EV_READ);
    if (net_port_register(&l->port, &link_ops, kind, id, l) < 0) {
        snprintf(err, errlen, "duplicate ID '%s'", id);
        goto fail;
    }
    *out = &l->port;
    return 0;
fail:
    hsock_close(l->sock);
    free(l->buf);
    free(l);
    return -1;
}
