/* The flooding hub; see hub.h. Follows QEMU's documented hub semantics
 * (qemu-options.hx, -netdev hubport): every frame received on a hub port is
 * forwarded to all other ports of that hub. Delivery to a slow peer is queued
 * or dropped per destination by port.c, so one stalled link never blocks
 * the others; a sender waits only when no other port can take a frame. */
#include "net/hub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hub_port {
    struct net_port port;        /* first: a net_port * is a hub_port * */
    struct net_hub *hub;
    struct hub_port *next;
};

struct net_hub {
    int id;
    int next_index;
    struct hub_port *ports;
    struct net_hub *next;
};

static struct net_hub *hubs;

static struct net_hub *hub_get(int id)
{
    struct net_hub **pp = &hubs;
    for (; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id)
            return *pp;
    struct net_hub *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->id = id;
    *pp = h;   /* append: info network lists hubs in creation order */
    return h;
}

static bool hubport_receive(struct net_port *self, const uint8_t *frame, size_t len)
{
    struct hub_port *in = (struct hub_port *)self;
    for (struct hub_port *out = in->hub->ports; out; out = out->next)
        if (out != in)
            net_port_send(&out->port, frame, len);
    return true;
}

/* QEMU's hub (net/hub.c) accepts a frame when any other port's peer can
 * take it; the others queue or drop per destination. With no live port to
 * forward to, frames are dropped, so the sender need not wait either. */
static bool hubport_can_forward(struct net_port *self)
{
    struct hub_port *in = (struct hub_port *)self;
    bool live = false;
    for (struct hub_port *out = in->hub->ports; out; out = out->next) {
        struct net_port *dst = out->port.peer;
        if (out == in || !dst || out->port.link_down || dst->link_down)
            continue;
        if (net_port_ready(dst))
            return true;
        live = true;
    }
    return !live;
}

static void hubport_describe(struct net_port *self, char *buf, size_t len)
{
    snprintf(buf, len, "hubport,hubid=%d", ((struct hub_port *)self)->hub->id);
}

static const struct net_port_ops hubport_ops = {
    .receive = hubport_receive,
    .can_forward = hubport_can_forward,
    .describe = hubport_describe,
};

struct net_port *net_hub_add_port(int hubid, const char *id)
{
    struct net_hub *h = hub_get(hubid);
    if (!h)
        return NULL;
    char name[64];
    if (!id) {
        snprintf(name, sizeof(name), "hub%dport%d", hubid, h->next_index);
        id = name;
    }
    struct hub_port *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    if (net_port_register(&p->port, &hubport_ops, "hubport", id, p) < 0) {
        free(p);
        return NULL;
    }
    h->next_index++;
    p->hub = h;
    struct hub_port **pp = &h->ports;
    while (*pp)
        pp = &(*pp)->next;
    *pp = p;
    return &p->port;
}

int net_hub_id_of(const struct net_port *p)
{
    if (p->ops != &hubport_ops)
        return -1;
    return ((const struct hub_port *)p)->hub->id;
}

int net_hub_next(int prev)
{
    struct net_hub *h = hubs;
    if (prev >= 0) {
        while (h && h->id != prev)
            h = h->next;
        h = h ? h->next : NULL;
    }
    return h ? h->id : -1;
}

struct net_port *net_hub_next_port(int hubid, struct net_port *prev)
{
    if (prev)
        return ((struct hub_port *)prev)->next ? &((struct hub_port *)prev)->next->port : NULL;
    for (struct net_hub *h = hubs; h; h = h->next)
        if (h->id == hubid)
            return h->ports ? &h->ports->port : NULL;
    return NULL;
}

void net_hubs_destroy(void)
{
    while (hubs) {
        struct net_hub *h = hubs;
        hubs = h->next;
        while (h->ports) {
            struct hub_port *p = h->ports;
            h->ports = p->next;
            net_port_unregister(&p->port);
            free(p);
        }
        free(h);
    }
}
