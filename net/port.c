/* Ports, peers and the bounded frame queue behind backpressure; see port.h.
 * The hot path (peer can receive) copies nothing and allocates nothing; a
 * queued frame is one copy into the port's queue buffer. */
#include "net/port.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"

/* Frames queued for one port before further frames are dropped; QEMU's
 * net queue uses 10000 packets, we bound by bytes too so memory stays small. */
#define QUEUE_MAX_FRAMES 1024
#define QUEUE_MAX_BYTES  (4u << 20)
#define QUEUE_FIRST_CAP  (64u << 10)

/* A port's queue is one buffer of records (4-byte length, the frame, padding
 * to 4), appended at len and consumed from off. It is allocated when the
 * port first falls behind and grows by doubling up to its bound, so queueing
 * a frame costs a copy, not an allocation. Room at the end is made by moving
 * the unconsumed records down, never while they are being delivered. */
struct net_frame_queue {
    uint8_t *buf;
    size_t cap, off, len;
    unsigned frames;
    size_t bytes;                /* frame bytes (without record headers) */
    bool flushing;
    unsigned clears;             /* bumped by queue_clear, seen by a flush */
};

static size_t rec_size(size_t len)
{
    return 4 + ((len + 3) & ~(size_t)3);
}
static struct net_port *all_ports;
static struct net_port_waiter *waiters;

int net_port_register(struct net_port *p, const struct net_port_ops *ops, const char *kind,
                      const char *id, void *opaque)
{
    if (net_port_find(id))
        return -1;
    for (struct net_port *q = all_ports; q; q = q->next_all)
        if (q == p)
            return -1;   /* already registered under another id */
    memset(p, 0, sizeof(*p));
    p->ops = ops;
    p->kind = kind;
    p->opaque = opaque;
    size_t n = strlen(id);
    if (n >= sizeof(p->id))
        n = sizeof(p->id) - 1;
    memcpy(p->id, id, n);
    p->id[n] = 0;
    p->next_all = all_ports;
    all_ports = p;
    return 0;
}

static void queue_clear(struct net_port *p)
{
    if (!p->queue)
        return;
    if (p->queue->flushing) {
        /* Dropped from inside a delivery: forget the frames, keep the buffer. */
        p->queue->off = p->queue->len = 0;
        p->queue->frames = 0;
        p->queue->bytes = 0;
        p->queue->clears++;
        return;
    }
    free(p->queue->buf);
    free(p->queue);
    p->queue = NULL;
}

void net_port_unregister(struct net_port *p)
{
    for (struct net_port **pp = &all_ports; *pp; pp = &(*pp)->next_all) {
        if (*pp == p) {
            *pp = p->next_all;
            break;
        }
    }
    if (p->peer) {
        p->peer->peer = NULL;
        p->peer = NULL;
    }
    queue_clear(p);
}

struct net_port *net_port_find(const char *id)
{
    for (struct net_port *p = all_ports; p; p = p->next_all)
        if (strcmp(p->id, id) == 0)
            return p;
    return NULL;
}

struct net_port *net_port_first(void)
{
    return all_ports;
}

int net_port_connect(struct net_port *a, struct net_port *b)
{
    if (a == b || a->peer || b->peer)
        return -1;
    a->peer = b;
    b->peer = a;
    return 0;
}

static bool can_receive(struct net_port *p)
{
    return !p->ops->can_receive || p->ops->can_receive(p);
}

/* Copies a frame onto the destination's queue, or returns false (drop)
 * when the queue is at its bound. */
static bool enqueue(struct net_port *dst, const uint8_t *frame, size_t len)
{
    if (!dst->queue) {
        dst->queue = calloc(1, sizeof(*dst->queue));
        if (!dst->queue)
            return false;
    }
    struct net_frame_queue *q = dst->queue;
    if (q->frames >= QUEUE_MAX_FRAMES || q->bytes + len > QUEUE_MAX_BYTES)
        return false;
    size_t need = rec_size(len);
    if (q->len + need > q->cap && !q->flushing) {
        if (q->off) {
            memmove(q->buf, q->buf + q->off, q->len - q->off);
            q->len -= q->off;
            q->off = 0;
        }
        size_t cap = q->cap ? q->cap : QUEUE_FIRST_CAP;
        while (cap < q->len + need)
            cap *= 2;
        if (cap != q->cap) {
            uint8_t *nb = realloc(q->buf, cap);
            if (!nb)
                return false;
            q->buf = nb;
            q->cap = cap;
        }
    }
    if (q->len + need > q->cap)
        return false;   /* only while flushing: the buffer cannot move now */
    uint32_t l32 = (uint32_t)len;
    memcpy(q->buf + q->len, &l32, 4);
    memcpy(q->buf + q->len + 4, frame, len);
    q->len += need;
    q->frames++;
    q->bytes += len;
    if (q->frames > dst->stats.queued_max)
        dst->stats.queued_max = q->frames;
    return true;
}

bool net_port_send(struct net_port *self, const uint8_t *frame, size_t len)
{
    struct net_port *dst = self->peer;
    if (self->link_down || !dst || len == 0 || len > NET_FRAME_MAX) {
        self->stats.dropped++;
        return false;
    }
    self->stats.tx_frames++;
    self->stats.tx_bytes += len;
    for (struct net_tap *t = self->taps; t; t = t->next)
        t->frame(t, self, frame, len, true);
    for (struct net_tap *t = dst->taps; t; t = t->next)
        t->frame(t, dst, frame, len, false);
    if (dst->link_down) {
        dst->stats.dropped++;
        return false;
    }
    /* Keep order: while frames wait, new ones queue behind them. */
    bool queued_before = dst->queue && dst->queue->frames;
    if (!queued_before && can_receive(dst) && dst->ops->receive(dst, frame, len)) {
        dst->stats.rx_frames++;
        dst->stats.rx_bytes += len;
        return true;
    }
    if (enqueue(dst, frame, len))
        return true;
    dst->stats.dropped++;
    return false;
}

bool net_port_ready(struct net_port *p)
{
    return !(p->queue && p->queue->frames) && can_receive(p);
}

bool net_port_can_send(struct net_port *self)
{
    struct net_port *dst = self->peer;
    if (!dst || self->link_down || dst->link_down)
        return true;
    if (dst->ops->can_forward)
        return dst->ops->can_forward(dst);
    return net_port_ready(dst);
}

void net_port_wait_ready(struct net_port_waiter *w)
{
    if (w->waiting)
        return;
    w->waiting = true;
    w->next = waiters;
    waiters = w;
}

void net_port_cancel_wait(struct net_port_waiter *w)
{
    if (!w->waiting)
        return;
    for (struct net_port_waiter **pp = &waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            break;
        }
    w->waiting = false;
}

/* Some port can take frames again: let every paused sender look. */
static void wake_waiters(void)
{
    struct net_port_waiter *w = waiters;
    waiters = NULL;
    while (w) {
        struct net_port_waiter *n = w->next;
        w->waiting = false;
        w->wake(w);   /* may wait again (re-added to the new list) */
        w = n;
    }
}

void net_port_flush(struct net_port *self)
{
    struct net_frame_queue *q = self->queue;
    if (!q) {
        if (waiters)
            wake_waiters();
        return;
    }
    if (q->flushing)
        return;   /* a delivery below asked again: the outer loop goes on */
    q->flushing = true;
    while (q->frames && can_receive(self)) {
        uint32_t len;
        unsigned clears = q->clears;
        memcpy(&len, q->buf + q->off, 4);
        if (!self->ops->receive(self, q->buf + q->off + 4, len))
            break;
        if (q->clears != clears)
            continue;   /* cleared during the delivery (set_link off): start afresh */
        self->stats.rx_frames++;
        self->stats.rx_bytes += len;
        q->off += rec_size(len);
        q->frames--;
        q->bytes -= len;
    }
    if (!q->frames)
        q->off = q->len = 0;
    q->flushing = false;
    if (!q->frames && waiters)
        wake_waiters();
}

void net_port_set_link(struct net_port *p, bool up)
{
    p->link_down = !up;
    if (!up)
        queue_clear(p);
    if (p->ops->link_changed)
        p->ops->link_changed(p);
    if (p->peer && p->peer->ops->link_changed)
        p->peer->ops->link_changed(p->peer);
}

void net_port_add_tap(struct net_port *p, struct net_tap *t)
{
    t->next = p->taps;
    p->taps = t;
}

void net_port_remove_tap(struct net_port *p, struct net_tap *t)
{
    for (struct net_tap **pp = &p->taps; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            return;
        }
}

unsigned net_port_queued(const struct net_port *p)
{
    return p->queue ? p->queue->frames : 0;
}
