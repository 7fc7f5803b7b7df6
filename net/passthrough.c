/* Passthrough ports (see passthrough.h). A real NIC with passthrough gets a
 * "switch" in front of it: the NIC's port is peered with the switch's wire
 * side, the uplink (if it was peered with the NIC) is re-peered with the
 * switch's host side, and every passthrough backend is a guest side. The
 * switch delivers like a learning-free IEEE 802.1D bridge with one known
 * local station: frames for the uplink's MAC go only to the uplink, frames
 * for a MAC learned from a guest port go to that guest only, everything else
 * (unknown unicast, multicast, broadcast) floods to every side but the one
 * it came from. The NIC is put in promiscuous mode, since guests have their
 * own MACs. */
#include "net/passthrough.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/qopts.h"
#include "net/netdev.h"
#include "net/port.h"

#define PT_MAX_GUESTS 8
#define PT_MAX_NICS 8

struct pt_switch;

struct pt_guest {
    struct net_port port;        /* the backend port netdev connects to the guest side */
    struct pt_switch *sw;
    uint8_t mac[6];              /* last source MAC seen from this guest */
    int have_mac;
};

struct pt_switch {
    char nic_id[64];
    struct net_port wire;        /* peer: the NIC's port */
    struct net_port host;        /* peer: the uplink's port (when shared) */
    uint8_t host_mac[6];
    int have_host;
    struct pt_guest *guests[PT_MAX_GUESTS];
    int nguests;
};

static const struct passthrough_platform *plat;
static struct pt_switch *switches[PT_MAX_NICS];
static int nswitches;

static int is_group(const uint8_t *dst)
{
    return dst[0] & 1;
}

static void to_guests(struct pt_switch *sw, const struct pt_guest *except, const uint8_t *f, size_t len)
{
    for (int i = 0; i < sw->nguests; i++) {
        struct pt_guest *g = sw->guests[i];
        if (g == except)
            continue;
        if (!is_group(f) && g->have_mac) {
            /* Unicast for another learned guest: skip; unknown: flood. */
            int owner_known = 0;
            for (int k = 0; k < sw->nguests; k++)
                if (sw->guests[k]->have_mac && !memcmp(sw->guests[k]->mac, f, 6))
                    owner_known = 1;
            if (owner_known && memcmp(g->mac, f, 6))
                continue;
        }
        net_port_send(&g->port, f, len);
    }
}

/* From the wire (the NIC). */
static bool wire_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct pt_switch *sw = p->opaque;
    if (len < 14)
        return true;
    if (sw->have_host && (is_group(f) || !memcmp(f, sw->host_mac, 6)))
        net_port_send(&sw->host, f, len);
    if (is_group(f) || !sw->have_host || memcmp(f, sw->host_mac, 6))
        to_guests(sw, NULL, f, len);
    return true;
}

/* From the appliance's uplink. */
static bool host_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct pt_switch *sw = p->opaque;
    if (len < 14)
        return true;
    int local = 0;
    for (int i = 0; i < sw->nguests; i++)
        if (sw->guests[i]->have_mac && !memcmp(sw->guests[i]->mac, f, 6))
            local = 1;
    if (local || is_group(f))
        to_guests(sw, NULL, f, len);
    if (!local)
        net_port_send(&sw->wire, f, len);
    return true;
}

/* From a guest. */
static bool guest_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct pt_guest *g = p->opaque;
    struct pt_switch *sw = g->sw;
    if (len < 14)
        return true;
    if (!is_group(f + 6)) {
        memcpy(g->mac, f + 6, 6);
        g->have_mac = 1;
    }
    int for_host = sw->have_host && !memcmp(f, sw->host_mac, 6);
    int for_guest = 0;
    for (int i = 0; i < sw->nguests; i++)
        if (sw->guests[i] != g && sw->guests[i]->have_mac && !memcmp(sw->guests[i]->mac, f, 6))
            for_guest = 1;
    if (sw->have_host && (for_host || is_group(f)))
        net_port_send(&sw->host, f, len);
    if (!for_host)
        to_guests(sw, g, f, len);
    if (!for_host && !for_guest)
        net_port_send(&sw->wire, f, len);
    return true;
}

static void pt_describe(struct net_port *p, char *buf, size_t len)
{
    struct pt_guest *g = p->opaque;
    snprintf(buf, len, "passthrough ifname=%s", g->sw->nic_id);
}

static const struct net_port_ops wire_ops = {.receive = wire_receive};
static const struct net_port_ops host_ops = {.receive = host_receive};
static const struct net_port_ops guest_ops = {.receive = guest_receive, .describe = pt_describe};

static struct pt_switch *switch_for(const char *nic_id, char *err, size_t errlen)
{
    for (int i = 0; i < nswitches; i++)
        if (!strcmp(switches[i]->nic_id, nic_id))
            return switches[i];
    struct net_port *nic = net_port_find(nic_id);
    if (!nic || nswitches == PT_MAX_NICS) {
        snprintf(err, errlen, "no real NIC port '%s'", nic_id);
        return NULL;
    }
    struct pt_switch *sw = calloc(1, sizeof(*sw));
    if (!sw) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(sw->nic_id, sizeof(sw->nic_id), "%s", nic_id);
    char id[80];
    snprintf(id, sizeof(id), "pt-wire-%s", nic_id);
    net_port_register(&sw->wire, &wire_ops, "passthrough", id, sw);
    snprintf(id, sizeof(id), "pt-host-%s", nic_id);
    net_port_register(&sw->host, &host_ops, "passthrough", id, sw);
    /* Insert the switch between the NIC and its uplink: the peers are
     * re-paired by hand (port.h has no disconnect; both ends are ours to
     * rewire and no frame is in flight during configuration). */
    struct net_port *up = nic->peer;
    if (up) {
        nic->peer = NULL;
        up->peer = NULL;
        net_port_connect(&sw->host, up);
        /* The uplink uses the NIC's own MAC. */
        sw->have_host = plat && plat->mac_of && plat->mac_of(nic_id, sw->host_mac) == 0;
    }
    net_port_connect(&sw->wire, nic);
    switches[nswitches++] = sw;
    if (plat && plat->set_promisc)
        plat->set_promisc(nic_id, 1);
    return sw;
}

static int pt_ctor_common(const char *key, struct qopts *o, const char *id, struct net_port **out, char *err,
                          size_t errlen)
{
    const char *name = qopts_get(o, key);
    if (!name) {
        snprintf(err, errlen, "parameter '%s' is missing (a real NIC: eth0, or its MAC)", key);
        return -1;
    }
    /* QEMU's tap keys that mean nothing here are accepted and ignored. */
    qopts_get(o, "script");
    qopts_get(o, "downscript");
    qopts_get(o, "vhost");
    const char *nic_id = plat && plat->resolve ? plat->resolve(name) : name;
    if (!nic_id) {
        snprintf(err, errlen, "%s=%s: no such real NIC", key, name);
        return -1;
    }
    struct pt_switch *sw = switch_for(nic_id, err, errlen);
    if (!sw)
        return -1;
    if (sw->nguests == PT_MAX_GUESTS) {
        snprintf(err, errlen, "too many passthrough ports on %s", nic_id);
        return -1;
    }
    struct pt_guest *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->sw = sw;
    if (net_port_register(&g->port, &guest_ops, "passthrough", id, g) < 0) {
        free(g);
        snprintf(err, errlen, "duplicate ID '%s'", id);
        return -1;
    }
    sw->guests[sw->nguests++] = g;
    LOGI("net", "%s: passthrough to %s%s", id, nic_id, sw->have_host ? " (shared with the uplink)" : "");
    *out = &g->port;
    return 0;
}

static int tap_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen)
{
    return pt_ctor_common("ifname", o, id, out, err, errlen);
}

static int bridge_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen)
{
    qopts_get(o, "helper");
    return pt_ctor_common("br", o, id, out, err, errlen);
}

void passthrough_register_backends(const struct passthrough_platform *p)
{
    plat = p;
    net_backend_register("tap", tap_ctor);
    net_backend_register("bridge", bridge_ctor);
}
