/* guestfwd: guest TCP connections to a virtual server:port are carried to a
 * host-side target instead of the NAT, in QEMU's syntax
 * "[tcp]:[server]:port-TARGET" (QEMU's docs/system/invocation, -netdev user
 * guestfwd=; checks as QEMU 7.2 with libslirp). TARGET is "cmd:COMMAND" (a
 * process per connection, its stdin/stdout the connection, as libslirp's
 * exec forwarding) or the chardev "tcp:HOST:PORT" (here: a connection to
 * HOST:PORT per guest connection, where QEMU opens one chardev at startup).
 * The relay itself is nat_tcp.c's; guestfwd works with restrict=on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/def.h"
#include "net/net_host.h"
#include "net/user/user.h"

struct unet_gfwd {
    ip4_addr_t server;
    uint16_t port;
    bool is_cmd;
    uint32_t target_ip;          /* tcp: host order */
    uint16_t target_port;
    char *cmd;
    struct unet_gfwd *next;
};

/* Copies s up to sep into buf and moves s past it; -1 when sep is missing
 * (QEMU's get_str_sep). */
static int take(char *buf, size_t size, const char **s, char sep)
{
    const char *p = strchr(*s, sep);
    if (!p)
        return -1;
    size_t n = (size_t)(p - *s);
    if (n >= size)
        n = size - 1;
    memcpy(buf, *s, n);
    buf[n] = 0;
    *s = p + 1;
    return 0;
}

int unet_guestfwd_add(struct unet *u, const char *spec, char *err, size_t errlen)
{
    char buf[256];
    const char *p = spec;
    uint32_t server = 0;
    if (take(buf, sizeof(buf), &p, ':') < 0 || (strcmp(buf, "tcp") && buf[0]) ||
        take(buf, sizeof(buf), &p, ':') < 0 || (buf[0] && unet_inet_aton(buf, &server) < 0) ||
        take(buf, sizeof(buf), &p, '-') < 0) {
        snprintf(err, errlen, "Invalid guest forwarding rule '%s'", spec);
        return -1;
    }
    char *end;
    long port = strtol(buf, &end, 10);
    if (*end || port < 1 || port > 65535) {
        snprintf(err, errlen, "Invalid guest forwarding rule '%s'", spec);
        return -1;
    }
    struct unet_gfwd *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->port = (uint16_t)port;
    if (!strncmp(p, "cmd:", 4)) {
        g->is_cmd = true;
        g->cmd = strdup(p + 4);
        if (!g->cmd) {
            free(g);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    } else {
        /* Chardev specs: only the legacy "tcp:host:port" client form. */
        const char *q = p;
        uint32_t ip;
        char *pe;
        long tp = -1;
        if (!strncmp(q, "tcp:", 4)) {
            q += 4;
            const char *colon = strrchr(q, ':');
            if (colon && (size_t)(colon - q) < sizeof(buf)) {
                memcpy(buf, q, (size_t)(colon - q));
                buf[colon - q] = 0;
                tp = strtol(colon + 1, &pe, 10);
                if (*pe || tp < 1 || tp > 65535 || hsock_resolve(buf[0] ? buf : "localhost", &ip) < 0)
                    tp = -1;
            }
        }
        if (tp < 0) {
            snprintf(err, errlen,
                     "Could not open guest forwarding device 'guestfwd.tcp.%ld': '%s' is not a "
                     "chardev this build supports (tcp:HOST:PORT, or cmd:COMMAND)", port, p);
            free(g);
            return -1;
        }
        g->target_ip = ip;
        g->target_port = (uint16_t)tp;
    }
    /* libslirp's default server address is x.x.2.4 of the network; it must
     * be an address of the network other than the host and DNS. */
    uint32_t net = lwip_ntohl(ip4_addr_get_u32(&u->cfg.net)), mask = lwip_ntohl(ip4_addr_get_u32(&u->cfg.mask));
    if (!server)
        server = net | (0x204u & ~mask);
    ip4_addr_set_u32(&g->server, lwip_htonl(server));
    if ((server & mask) != net || ip4_addr_cmp(&g->server, &u->cfg.host) ||
        ip4_addr_cmp(&g->server, &u->cfg.dns)) {
        snprintf(err, errlen, "Conflicting/invalid host:port in guest forwarding rule '%s'", spec);
        free(g->cmd);
        free(g);
        return -1;
    }
    /* Appended: the first rule for an address and port wins. */
    struct unet_gfwd **pp = &u->gfwds;
    while (*pp)
        pp = &(*pp)->next;
    *pp = g;
    return 0;
}

struct unet_gfwd *unet_guestfwd_match(struct unet *u, const ip4_addr_t *dst, uint16_t port)
{
    for (struct unet_gfwd *g = u->gfwds; g; g = g->next)
        if (g->port == port && ip4_addr_cmp(&g->server, dst))
            return g;
    return NULL;
}

bool unet_guestfwd_has_addr(struct unet *u, const ip4_addr_t *ip)
{
    for (struct unet_gfwd *g = u->gfwds; g; g = g->next)
        if (ip4_addr_cmp(&g->server, ip))
            return true;
    return false;
}

struct hsock *unet_guestfwd_open(struct unet_gfwd *g, hsock_cb cb, void *ctx, int *rc)
{
    if (g->is_cmd) {
        struct hsock *s = hsock_spawn(g->cmd, cb, ctx);
        *rc = s ? 0 : -1;
        return s;
    }
    struct hsock *s = hsock_open(HSOCK_INET, HSOCK_STREAM, cb, ctx);
    if (!s) {
        *rc = -1;
        return NULL;
    }
    struct hsock_addr to = {.family = HSOCK_INET, .ip = g->target_ip, .port = g->target_port};
    *rc = hsock_connect(s, &to);
    return s;
}

void unet_guestfwd_fini(struct unet *u)
{
    while (u->gfwds) {
        struct unet_gfwd *g = u->gfwds;
        u->gfwds = g->next;
        free(g->cmd);
        free(g);
    }
}
