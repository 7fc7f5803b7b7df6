/* A port: the one interface every NIC front end and every network backend
 * shares (QEMU's NetClientState, TinyEMU's EthernetDevice). Two ports are
 * peers; a frame sent on a port is delivered to its peer. A hub is a set of
 * ports that floods each frame to the others. Backpressure: a port that
 * cannot take a frame now gets it queued (bounded, then dropped with a count)
 * and is drained when it calls net_port_flush(). */
#ifndef BAREMU_NET_PORT_H
#define BAREMU_NET_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_FRAME_MAX 65536   /* largest frame a port accepts (TSO-free jumbo limit) */

struct net_port;

struct net_port_ops {
    /* A frame from the peer. Returns true when taken (the buffer is only
     * lent for the call), false when the port can't take it now; the sender
     * then queues it. Never blocks. */
    bool (*receive)(struct net_port *self, const uint8_t *frame, size_t len);
    /* Whether receive would take a frame now; NULL means always. */
    bool (*can_receive)(struct net_port *self);
    /* The link state of this port or its peer changed (set_link). Optional. */
    void (*link_changed)(struct net_port *self);
    /* One line for the monitor's "info network", e.g. "user,net=10.0.2.0/24". Optional. */
    void (*describe)(struct net_port *self, char *buf, size_t len);
    /* For a port that forwards what it receives (a hub port): whether the
     * ports it forwards to can take a frame now. Senders that can wait
     * (stream links) pause reading while their peer says no, as QEMU's
     * socket backends do. Optional. */
    bool (*can_forward)(struct net_port *self);
    /* Frees the port's own state; the port is already unlinked. Optional. */
    void (*destroy)(struct net_port *self);
};

struct net_port_stats {
    uint64_t rx_frames, rx_bytes;   /* delivered to this port */
    uint64_t tx_frames, tx_bytes;   /* sent by this port */
    uint64_t dropped;               /* frames for this port that were dropped */
    uint64_t queued_max;            /* high-water mark of the queue */
};

struct net_frame_queue;

/* An observer of every frame a port sends or is sent (filter-dump). Added
 * after net_port_register with net_port_add_tap; outgoing tells the direction
 * (true: sent by the port, false: sent to it). */
struct net_tap {
    void (*frame)(struct net_tap *t, struct net_port *p, const uint8_t *frame, size_t len,
                  bool outgoing);
    struct net_tap *next;
};

struct net_port {
    const struct net_port_ops *ops;
    char id[64];                 /* the user's id=, or a generated name */
    const char *kind;            /* "user", "stream", "hubport", "e1000" ... */
    struct net_port *peer;
    bool link_down;              /* set_link NAME off */
    struct net_frame_queue *queue; /* frames waiting for this port */
    struct net_port_stats stats;
    void *opaque;                /* the owner's state */
    struct net_port *next_all;   /* registry of every port (info network) */
    struct net_tap *taps;        /* observers (filter-dump), usually none */
};

/* Registers a new port (id must be unique among ports). Returns -1 on a
 * duplicate id. The port structure is owned by the caller (embed it). */
int net_port_register(struct net_port *p, const struct net_port_ops *ops, const char *kind,
                      const char *id, void *opaque);
void net_port_unregister(struct net_port *p);
struct net_port *net_port_find(const char *id);
struct net_port *net_port_first(void);   /* iterate with ->next_all */

/* Makes a and b peers. -1 when either already has a peer. */
int net_port_connect(struct net_port *a, struct net_port *b);

/* Sends a frame from self to its peer. Returns true when delivered or
 * queued, false when dropped (no peer, a link down, queue full). */
bool net_port_send(struct net_port *self, const uint8_t *frame, size_t len);

/* Whether a frame sent by self now would be taken without queueing (true
 * too when it would be dropped anyway: no peer, a link down). A sender that
 * can hold back (a stream link) stops reading while this is false. */
bool net_port_can_send(struct net_port *self);
/* A sender paused by net_port_can_send() waits for the next flush of any
 * port (a port that can receive again calls net_port_flush): wake is called
 * once then; the sender checks again and may wait again. */
struct net_port_waiter {
    void (*wake)(struct net_port_waiter *w);
    struct net_port_waiter *next;
    bool waiting;
};
void net_port_wait_ready(struct net_port_waiter *w);
void net_port_cancel_wait(struct net_port_waiter *w);
/* Whether p would take a frame now: nothing queued and can_receive. */
bool net_port_ready(struct net_port *p);
/* Called by a port that can receive again: delivers its queued frames. */
void net_port_flush(struct net_port *self);

void net_port_set_link(struct net_port *p, bool up);

void net_port_add_tap(struct net_port *p, struct net_tap *t);
void net_port_remove_tap(struct net_port *p, struct net_tap *t);
/* Frames waiting in this port's queue (info network, tests). */
unsigned net_port_queued(const struct net_port *p);

#endif
