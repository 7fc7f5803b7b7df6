/* The netdev registry and QEMU's network options mapped onto ports and hubs;
 * see netdev.h for the mapping (it follows QEMU 7.2's qemu-options.hx). */
#include "net/netdev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/options.h"
#include "net/filter_dump.h"
#include "net/hub.h"
#include "net/sockets.h"

#define MAX_TYPES 16

struct backend_type {
    char name[24];
    net_backend_ctor ctor;
};
struct nic_model {
    char name[32];
    net_nic_ctor ctor;
};

static struct backend_type backends[MAX_TYPES];
static int backend_count;
static struct nic_model nic_models[MAX_TYPES];
static int nic_model_count;
static char default_model[32];
static unsigned mac_counter;
static unsigned nic_counter;

/* QEMU's NIC driver names (qemu-system-x86_64 -device help, "Network
 * devices"): a -device with one of these is the network layer's, and a model
 * not implemented yet is a clear error rather than an "unused option". */
static const char *const known_nic_models[] = {
    "e1000", "e1000-82544gc", "e1000-82545em", "e1000e", "rtl8139", "ne2k_pci", "ne2k_isa",
    "pcnet", "virtio-net-pci", "virtio-net", "i82550", "i82551", "i82557a", "i82557b",
    "i82557c", "i82558a", "i82558b", "i82559a", "i82559b", "i82559c", "i82559er", "i82562",
    "i82801", "vmxnet3", "tulip", "usb-net", NULL,
};

int net_backend_register(const char *type, net_backend_ctor ctor)
{
    for (int i = 0; i < backend_count; i++)
        if (!strcmp(backends[i].name, type)) {
            backends[i].ctor = ctor;   /* re-registration replaces (tests) */
            return 0;
        }
    if (backend_count == MAX_TYPES || strlen(type) >= sizeof(backends[0].name))
        return -1;
    snprintf(backends[backend_count].name, sizeof(backends[0].name), "%s", type);
    backends[backend_count++].ctor = ctor;
    return 0;
}

static net_backend_ctor backend_find(const char *type)
{
    for (int i = 0; i < backend_count; i++)
        if (!strcmp(backends[i].name, type))
            return backends[i].ctor;
    return NULL;
}

bool net_backend_known(const char *type)
{
    return backend_find(type) != NULL;
}

int net_nic_register_model(const char *model, net_nic_ctor ctor)
{
    for (int i = 0; i < nic_model_count; i++)
        if (!strcmp(nic_models[i].name, model)) {
            nic_models[i].ctor = ctor;
            return 0;
        }
    if (nic_model_count == MAX_TYPES || strlen(model) >= sizeof(nic_models[0].name))
        return -1;
    snprintf(nic_models[nic_model_count].name, sizeof(nic_models[0].name), "%s", model);
    nic_models[nic_model_count++].ctor = ctor;
    return 0;
}

static net_nic_ctor nic_find(const char *model)
{
    for (int i = 0; i < nic_model_count; i++)
        if (!strcmp(nic_models[i].name, model))
            return nic_models[i].ctor;
    return NULL;
}

static bool nic_model_known(const char *model)
{
    if (nic_find(model))
        return true;
    for (int i = 0; known_nic_models[i]; i++)
        if (!strcmp(known_nic_models[i], model))
            return true;
    return false;
}

void net_nic_set_default_model(const char *model)
{
    snprintf(default_model, sizeof(default_model), "%s", model ? model : "");
}

int net_nic_attach(struct net_port *nic, const struct net_nic_conf *c)
{
    if (!c->peer)
        return 0;
    return net_port_connect(nic, c->peer);
}

int net_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &tail) != 6)
        return -1;
    if (strlen(s) != 17)
        return -1;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return 0;
}

void net_next_default_mac(uint8_t mac[6])
{
    /* QEMU (net/net.c qemu_macaddr_default_if_unset): 52:54:00:12:34:56 + index. */
    static const uint8_t base[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    memcpy(mac, base, 6);
    mac[5] = (uint8_t)(0x56 + mac_counter);
    mac[4] = (uint8_t)(0x34 + ((0x56 + mac_counter) >> 8));
    mac_counter++;
}

int net_parse_host_port(const char *s, char *host, size_t hostlen, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= hostlen)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = 0;
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || p > 65535)
        return -1;
    *port = (uint16_t)p;
    return 0;
}

static int hubport_ctor(struct qopts *o, const char *id, struct net_port **out, char *err,
                        size_t errlen)
{
    uint64_t hubid;
    if (!qopts_has(o, "hubid")) {
        snprintf(err, errlen, "parameter 'hubid' is missing");
        return -1;
    }
    if (qopts_get_u64(o, "hubid", 0, false, &hubid, err, errlen) < 0)
        return -1;
    if (hubid > 0x7fffffff) {
        snprintf(err, errlen, "hubid %llu out of range", (unsigned long long)hubid);
        return -1;
    }
    const char *nd = qopts_get(o, "netdev");
    struct net_port *peer = NULL;
    if (nd) {
        peer = net_port_find(nd);
        if (!peer) {
            snprintf(err, errlen, "netdev '%s' not found", nd);
            return -1;
        }
        if (peer->peer) {
            snprintf(err, errlen, "netdev '%s' is already in use", nd);
            return -1;
        }
    }
    struct net_port *p = net_hub_add_port((int)hubid, id);
    if (!p) {
        snprintf(err, errlen, "duplicate ID '%s'", id);
        return -1;
    }
    if (peer)
        net_port_connect(p, peer);
    *out = p;
    return 0;
}

void net_register_builtin_backends(void)
{
    net_backend_register("hubport", hubport_ctor);
    net_sockets_register();
}

/* Runs a backend constructor for option text str; type_key is "type" for
 * -netdev/-net, the implied first word. On success the backend's port. */
static struct net_port *make_backend(struct qopts *o, const char *what, const char *type,
                                     const char *id, char *err, size_t errlen)
{
    char msg[400] = "";
    net_backend_ctor ctor = backend_find(type);
    if (!ctor) {
        snprintf(err, errlen, "%s: network backend '%s' is not supported by this build", what, type);
        return NULL;
    }
    struct net_port *p = NULL;
    if (ctor(o, id, &p, msg, sizeof(msg)) < 0) {
        /* A misspelt key is often the cause: name any key left unread. */
        char extra[200];
        if (qopts_check_unused(o, extra, sizeof(extra)) < 0)
            snprintf(err, errlen, "%s: %s (also: %s)", what, msg, extra);
        else
            snprintf(err, errlen, "%s: %s", what, msg);
        return NULL;
    }
    return p;
}

static bool valid_id(const char *id)
{
    /* QEMU ids: a letter, then letters, digits, '-', '.', '_'. */
    if (!id || !((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == '_'))
            return false;
    return strlen(id) < 60;
}

static int finish(struct qopts *o, const char *what, char *err, size_t errlen)
{
    char msg[300];
    if (qopts_check_unused(o, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "%s: %s", what, msg);
        return -1;
    }
    return 0;
}

static int do_netdev(const char *arg, bool hubports, char *err, size_t errlen)
{
    struct qopts o;
    char what[300], msg[300];
    snprintf(what, sizeof(what), "-netdev %.200s", arg);
    if (qopts_parse(&o, "netdev", arg, "type", msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-netdev: %s", msg);
        return -1;
    }
    int rc = -1;
    const char *type = qopts_get(&o, "type");
    const char *id = qopts_get(&o, "id");
    if (!type) {
        snprintf(err, errlen, "%s: parameter 'type' is missing", what);
    } else if ((strcmp(type, "hubport") == 0) != hubports) {
        rc = 0;   /* the other pass */
    } else if (!id) {
        snprintf(err, errlen, "%s: parameter 'id' is missing", what);
    } else if (!valid_id(id)) {
        snprintf(err, errlen, "%s: invalid id '%s'", what, id);
    } else if (net_port_find(id)) {
        snprintf(err, errlen, "%s: duplicate ID '%s'", what, id);
    } else if (make_backend(&o, what, type, id, err, errlen)) {
        rc = finish(&o, what, err, errlen);
    }
    qopts_free(&o);
    return rc;
}

/* Creates a NIC of model for the given peer, with the MAC from mac_str. */
static int make_nic(const char *what, const char *model, const char *mac_str, const char *id,
                    struct net_port *peer, struct qopts *props, char *err, size_t errlen)
{
    if (!model || !*model)
        model = default_model;
    if (!*model) {
        snprintf(err, errlen, "%s: no NIC can be added: this machine has no network card "
                 "models (-machine none, or the PC machine is not built yet)", what);
        return -1;
    }
    if (!strcmp(model, "help") || !strcmp(model, "?")) {
        snprintf(err, errlen, "%s: available NIC models:%s", what, nic_model_count ? "" : " none");
        for (int i = 0; i < nic_model_count; i++) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " %s", nic_models[i].name);
        }
        return -1;
    }
    net_nic_ctor ctor = nic_find(model);
    if (!ctor) {
        snprintf(err, errlen, "%s: NIC model '%s' is not implemented in this build", what, model);
        return -1;
    }
    struct net_nic_conf c = {.model = model, .peer = peer, .props = props};
    if (mac_str) {
        if (net_parse_mac(mac_str, c.mac) < 0) {
            snprintf(err, errlen, "%s: invalid MAC address '%s'", what, mac_str);
            return -1;
        }
    } else {
        net_next_default_mac(c.mac);
    }
    char name[64];
    if (!id) {
        snprintf(name, sizeof(name), "%s.%u", model, nic_counter);
        id = name;
    }
    nic_counter++;
    c.id = id;
    if (net_port_find(id)) {
        snprintf(err, errlen, "%s: duplicate ID '%s'", what, id);
        return -1;
    }
    char msg[300] = "";
    if (ctor(&c, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "%s: %s", what, msg);
        return -1;
    }
    return 0;
}

static int vlan_of(struct qopts *o, uint64_t *vlan, char *err, size_t errlen)
{
    if (qopts_get_u64(o, "vlan", 0, false, vlan, err, errlen) < 0)
        return -1;
    if (*vlan > 0x7fffffff) {
        snprintf(err, errlen, "vlan out of range");
        return -1;
    }
    return 0;
}

static int do_net(const char *arg, char *err, size_t errlen)
{
    struct qopts o;
    char what[300], msg[300];
    snprintf(what, sizeof(what), "-net %.200s", arg);
    if (qopts_parse(&o, "net", arg, "type", msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-net: %s", msg);
        return -1;
    }
    int rc = -1;
    uint64_t vlan = 0;
    const char *type = qopts_get(&o, "type");
    if (!type) {
        snprintf(err, errlen, "%s: parameter 'type' is missing", what);
        goto out;
    }
    if (vlan_of(&o, &vlan, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "%s: %s", what, msg);
        goto out;
    }
    bool has_vlan = qopts_has(&o, "vlan");
    if (!strcmp(type, "none")) {
        rc = finish(&o, what, err, errlen);
        goto out;
    }
    if (!strcmp(type, "nic")) {
        const char *nd = qopts_get(&o, "netdev");
        struct net_port *peer = NULL;
        if (nd) {
            if (has_vlan) {
                snprintf(err, errlen, "%s: 'netdev' and 'vlan' cannot both be given", what);
                goto out;
            }
            peer = net_port_find(nd);
            if (!peer) {
                snprintf(err, errlen, "%s: netdev '%s' not found", what, nd);
                goto out;
            }
            if (peer->peer) {
                snprintf(err, errlen, "%s: netdev '%s' is already in use", what, nd);
                goto out;
            }
        }
        const char *model = qopts_get(&o, "model");
        const char *mac = qopts_get(&o, "macaddr");
        const char *name = qopts_get(&o, "name");
        if (finish(&o, what, err, errlen) < 0)
            goto out;
        /* Check the model before creating a hub port for it. */
        if (model && *model && strcmp(model, "help") && strcmp(model, "?") && !nic_find(model)) {
            snprintf(err, errlen, "%s: NIC model '%s' is not implemented in this build", what, model);
            goto out;
        }
        if (!peer && !(model && (!strcmp(model, "help") || !strcmp(model, "?")))) {
            if (!*default_model && !(model && *model)) {
                snprintf(err, errlen, "%s: no NIC can be added: this machine has no network card "
                         "models (-machine none, or the PC machine is not built yet)", what);
                goto out;
            }
            peer = net_hub_add_port((int)vlan, NULL);
            if (!peer) {
                snprintf(err, errlen, "%s: cannot add a hub port", what);
                goto out;
            }
        }
        rc = make_nic(what, model, mac, name, peer, NULL, err, errlen);
        goto out;
    }
    if (!strcmp(type, "hubport")) {
        snprintf(err, errlen, "%s: 'hubport' is only valid with -netdev", what);
        goto out;
    }
    const char *name = qopts_get(&o, "name");
    char gen[64];
    if (!name) {
        for (int i = 0;; i++) {
            snprintf(gen, sizeof(gen), "%s.%d", type, i);
            if (!net_port_find(gen))
                break;
        }
        name = gen;
    } else if (net_port_find(name)) {
        snprintf(err, errlen, "%s: duplicate ID '%s'", what, name);
        goto out;
    }
    struct net_port *b = make_backend(&o, what, type, name, err, errlen);
    if (!b)
        goto out;
    if (finish(&o, what, err, errlen) < 0)
        goto out;
    struct net_port *hp = net_hub_add_port((int)vlan, NULL);
    if (!hp) {
        snprintf(err, errlen, "%s: cannot add a hub port", what);
        goto out;
    }
    net_port_connect(hp, b);
    rc = 0;
out:
    qopts_free(&o);
    return rc;
}

static unsigned nic_option_counter;

static int do_nic(const char *arg, char *err, size_t errlen)
{
    struct qopts o;
    char what[300], msg[300];
    snprintf(what, sizeof(what), "-nic %.200s", arg);
    if (qopts_parse(&o, "nic", arg, "type", msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-nic: %s", msg);
        return -1;
    }
    int rc = -1;
    const char *type = qopts_get(&o, "type");
    const char *model = qopts_get(&o, "model");
    const char *mac = qopts_get(&o, "mac");
    if (!type)
        type = "user";   /* QEMU: "-nic" alone means -nic user */
    if (!strcmp(type, "none")) {
        rc = finish(&o, what, err, errlen);
        goto out;
    }
    if (!model || !*model)
        model = default_model;
    if (!*model) {
        snprintf(err, errlen, "%s: no NIC can be added: this machine has no network card "
                 "models (-machine none, or the PC machine is not built yet)", what);
        goto out;
    }
    if (!nic_find(model) && strcmp(model, "help") && strcmp(model, "?")) {
        snprintf(err, errlen, "%s: NIC model '%s' is not implemented in this build", what, model);
        goto out;
    }
    /* QEMU names the backend of the Kth -nic "__org.qemu.nicK". */
    char id[64];
    snprintf(id, sizeof(id), "__org.qemu.nic%u", nic_option_counter++);
    struct net_port *b = make_backend(&o, what, type, id, err, errlen);
    if (!b)
        goto out;
    if (finish(&o, what, err, errlen) < 0)
        goto out;
    rc = make_nic(what, model, mac, NULL, b, NULL, err, errlen);
out:
    qopts_free(&o);
    return rc;
}

static int do_device(struct option_item *it, char *err, size_t errlen)
{
    struct qopts o;
    char msg[300], what[300];
    if (qopts_parse(&o, "device", it->arg, "driver", msg, sizeof(msg)) < 0)
        return 1;   /* not ours to judge: the machine's parser reports it */
    const char *driver = qopts_get(&o, "driver");
    if (!driver || !nic_model_known(driver)) {
        qopts_free(&o);
        return 1;
    }
    it->used = true;
    snprintf(what, sizeof(what), "-device %.200s", it->arg);
    int rc = -1;
    const char *nd = qopts_get(&o, "netdev");
    const char *mac = qopts_get(&o, "mac");
    const char *id = qopts_get(&o, "id");
    struct net_port *peer = NULL;
    if (!nic_find(driver)) {
        snprintf(err, errlen, "%s: NIC model '%s' is not implemented in this build", what, driver);
        goto out;
    }
    if (nd) {
        peer = net_port_find(nd);
        if (!peer) {
            snprintf(err, errlen, "%s: Property '%s.netdev' can't find value '%s'", what, driver, nd);
            goto out;
        }
        if (peer->peer) {
            snprintf(err, errlen, "%s: netdev '%s' is already in use", what, nd);
            goto out;
        }
    }
    rc = make_nic(what, driver, mac, id, peer, &o, err, errlen);
    if (rc == 0)
        rc = finish(&o, what, err, errlen);
out:
    qopts_free(&o);
    return rc;
}

int net_configure(struct options *opts, char *err, size_t errlen)
{
    int cur;
    const struct option_item *it;
    /* Backends first, then hub ports (they may name a backend with netdev=),
     * then the legacy and NIC options, then the filters on the result. */
    for (int pass = 0; pass < 2; pass++) {
        cur = 0;
        while ((it = options_next(opts, "netdev", &cur)))
            if (do_netdev(it->arg, pass == 1, err, errlen) < 0)
                return -1;
    }
    cur = 0;
    while ((it = options_next(opts, "net", &cur)))
        if (do_net(it->arg, err, errlen) < 0)
            return -1;
    cur = 0;
    while ((it = options_next(opts, "nic", &cur)))
        if (do_nic(it->arg, err, errlen) < 0)
            return -1;
    for (int i = 0; i < opts->count; i++)
        if (!strcmp(opts->items[i].def->name, "device"))
            if (do_device(&opts->items[i], err, errlen) < 0)
                return -1;
    for (int i = 0; i < opts->count; i++) {
        struct option_item *oi = &opts->items[i];
        if (strcmp(oi->def->name, "object"))
            continue;
        int r = net_filter_dump_option(oi->arg, err, errlen);
        if (r < 0)
            return -1;
        if (r == 0)
            oi->used = true;
    }
    return 0;
}

void net_shutdown(void)
{
    net_filter_dumps_close();
    /* Backends first (they own their port), then the hubs. */
    for (;;) {
        struct net_port *p = net_port_first();
        while (p && (net_hub_id_of(p) >= 0 || !p->ops->destroy))
            p = p->next_all;
        if (!p)
            break;
        net_port_unregister(p);
        p->ops->destroy(p);
    }
    net_hubs_destroy();
}
