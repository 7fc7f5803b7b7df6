/* The port side shared by the hosted TAP and AF_PACKET stand-ins (see
 * hostnic.h): frames from the peer are written to the descriptor, frames read
 * from it go to the peer; the hosted loop reports readability (net_host.h). */
#include "drivers/hosted/hostnic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baremu/platform.h"
#include "boot/posix/loop.h"
#include "net/netdev.h"

struct hostnic {
    struct net_port port;
    struct hsock *h;
    int fd;
    char desc[96];
    uint8_t buf[NET_FRAME_MAX];
};

static bool hn_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct hostnic *h = p->opaque;
    /* Non-blocking: a full device queue drops the frame, as a wire would. */
    if (write(h->fd, frame, len) != (ssize_t)len)
        p->stats.dropped++;
    return true;
}

static void hn_describe(struct net_port *p, char *buf, size_t len)
{
    struct hostnic *h = p->opaque;
    snprintf(buf, len, "%s", h->desc);
}

static void hn_destroy(struct net_port *p)
{
    struct hostnic *h = p->opaque;
    hsock_close(h->h);   /* a wrapped descriptor stays open: close it here */
    close(h->fd);
    free(h);
}

static const struct net_port_ops hn_ops = {
    .receive = hn_receive,
    .describe = hn_describe,
    .destroy = hn_destroy,
};

static void hn_readable(struct hsock *s, int ev, void *ctx)
{
    struct hostnic *h = ctx;
    /* A bounded batch per wakeup keeps the loop fair to other sockets. */
    for (int i = 0; i < 64; i++) {
        ssize_t n = hsock_recv(s, h->buf, sizeof(h->buf));
        if (n == HSOCK_AGAIN)
            return;
        if (n <= 0) {
            if (n < 0)
                LOGW("net", "%s: read failed: %s", h->port.id, hsock_strerror(hsock_error(s)));
            hsock_want(s, 0);
            return;
        }
        if (n >= 14)
            net_port_send(&h->port, h->buf, (size_t)n);
    }
}

int hostnic_create(int fd, const char *id, const char *kind, const char *desc, struct net_port **out,
                   char *err, size_t errlen)
{
    struct hostnic *h = calloc(1, sizeof(*h));
    if (!h) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->fd = fd;
    snprintf(h->desc, sizeof(h->desc), "%s", desc);
    h->h = hsock_wrap_fd(fd, hn_readable, h);
    if (!h->h || net_port_register(&h->port, &hn_ops, kind, id, h) < 0) {
        if (h->h)
            hsock_close(h->h);
        close(fd);
        free(h);
        snprintf(err, errlen, "duplicate ID '%s'", id);
        return -1;
    }
    hsock_want(h->h, HSOCK_EV_READ);
    *out = &h->port;
    return 0;
}

void hostnic_register_backends(void)
{
    net_backend_register("tap", hostnic_tap_ctor);
    net_backend_register("bridge", hostnic_packet_ctor);
}
