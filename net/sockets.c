/* Option parsing of the socket backends (stream, socket, dgram), with QEMU
 * 7.2's keys (qapi/net.json NetdevStreamOptions, NetdevDgramOptions,
 * NetdevSocketOptions); the links themselves are in stream.c and dgram.c. */
#include "net/sockets.h"

#include <stdio.h>
#include <string.h>

#include "net/netdev.h"

void net_addr_str(const struct hsock_addr *a, char *buf, size_t len)
{
    if (a->family == HSOCK_UNIX)
        snprintf(buf, len, "unix:%s", a->path);
    else if (a->family == HSOCK_INET)
        snprintf(buf, len, "%u.%u.%u.%u:%u", a->ip >> 24, (a->ip >> 16) & 255, (a->ip >> 8) & 255,
                 a->ip & 255, a->port);
    else
        snprintf(buf, len, "?");
}

int net_inet_addr(const char *s, struct hsock_addr *a, char *err, size_t errlen)
{
    char host[256];
    memset(a, 0, sizeof(*a));
    a->family = HSOCK_INET;
    if (net_parse_host_port(s, host, sizeof(host), &a->port) < 0) {
        snprintf(err, errlen, "'%s' is not HOST:PORT", s);
        return -1;
    }
    if (hsock_resolve(host, &a->ip) < 0) {
        snprintf(err, errlen, "cannot resolve host '%s'", host);
        return -1;
    }
    return 0;
}

int net_addr_keys(struct qopts *o, const char *prefix, struct hsock_addr *a, char *err,
                  size_t errlen)
{
    char k_type[40], k_host[40], k_port[40], k_path[40];
    snprintf(k_type, sizeof(k_type), "%s.type", prefix);
    snprintf(k_host, sizeof(k_host), "%s.host", prefix);
    snprintf(k_port, sizeof(k_port), "%s.port", prefix);
    snprintf(k_path, sizeof(k_path), "%s.path", prefix);
    const char *type = qopts_get(o, k_type);
    if (!type) {
        if (qopts_has(o, k_host) || qopts_has(o, k_port) || qopts_has(o, k_path)) {
            snprintf(err, errlen, "parameter '%s' is missing", k_type);
            return -1;
        }
        return 1;
    }
    memset(a, 0, sizeof(*a));
    if (!strcmp(type, "inet")) {
        const char *host = qopts_get(o, k_host);
        const char *port = qopts_get(o, k_port);
        if (!host || !port) {
            snprintf(err, errlen, "parameter '%s' is missing", !host ? k_host : k_port);
            return -1;
        }
        char hp[300];
        snprintf(hp, sizeof(hp), "%s:%s", host, port);
        if (net_inet_addr(hp, a, err, errlen) < 0)
            return -1;
        return 0;
    }
    if (!strcmp(type, "unix")) {
        const char *path = qopts_get(o, k_path);
        if (!path || !*path) {
            snprintf(err, errlen, "parameter '%s' is missing", k_path);
            return -1;
        }
        if (strlen(path) >= sizeof(a->path)) {
            snprintf(err, errlen, "'%s' is too long for a unix socket path", path);
            return -1;
        }
        a->family = HSOCK_UNIX;
        snprintf(a->path, sizeof(a->path), "%s", path);
        return 0;
    }
    if (!strcmp(type, "fd") || !strcmp(type, "vsock")) {
        snprintf(err, errlen, "%s=%s is not supported by this build", k_type, type);
        return -1;
    }
    snprintf(err, errlen, "invalid value '%s' for '%s' (inet or unix)", type, k_type);
    return -1;
}

static int stream_ctor(struct qopts *o, const char *id, struct net_port **out, char *err,
                       size_t errlen)
{
    bool server;
    uint64_t reconnect;
    struct hsock_addr a;
    if (qopts_get_bool(o, "server", false, &server, err, errlen) < 0)
        return -1;
    if (qopts_get_u64(o, "reconnect", 0, false, &reconnect, err, errlen) < 0)
        return -1;
    if (reconnect > 86400) {
        snprintf(err, errlen, "reconnect=%llu is out of range", (unsigned long long)reconnect);
        return -1;
    }
    if (server && qopts_has(o, "reconnect")) {
        snprintf(err, errlen, "'reconnect' is only valid with server=off");
        return -1;
    }
    int r = net_addr_keys(o, "addr", &a, err, errlen);
    if (r < 0)
        return -1;
    if (r > 0) {
        snprintf(err, errlen, "parameter 'addr.type' is missing");
        return -1;
    }
    return net_stream_create(id, "stream", server, &a, reconnect, out, err, errlen);
}

static int socket_ctor(struct qopts *o, const char *id, struct net_port **out, char *err,
                       size_t errlen)
{
    const char *listen = qopts_get(o, "listen"), *conn = qopts_get(o, "connect");
    const char *mcast = qopts_get(o, "mcast"), *udp = qopts_get(o, "udp");
    const char *localaddr = qopts_get(o, "localaddr");
    if (qopts_has(o, "fd")) {
        qopts_get(o, "fd");
        snprintf(err, errlen, "fd= is not supported by this build");
        return -1;
    }
    int n = !!listen + !!conn + !!mcast + !!udp;
    if (n != 1) {
        snprintf(err, errlen, "exactly one of listen=, connect=, mcast= or udp= is required");
        return -1;
    }
    if (localaddr && (listen || conn)) {
        snprintf(err, errlen, "localaddr= is only valid with mcast= or udp=");
        return -1;
    }
    struct hsock_addr a, local;
    if (listen || conn) {
        if (net_inet_addr(listen ? listen : conn, &a, err, errlen) < 0)
            return -1;
        return net_stream_create(id, "socket", listen != NULL, &a, 0, out, err, errlen);
    }
    if (mcast) {
        if (net_inet_addr(mcast, &a, err, errlen) < 0)
            return -1;
        if ((a.ip >> 28) != 0xe) {
            snprintf(err, errlen, "mcast=%s is not a multicast address", mcast);
            return -1;
        }
        uint32_t ifip = 0;
        if (localaddr && hsock_resolve(localaddr, &ifip) < 0) {
            snprintf(err, errlen, "cannot resolve localaddr '%s'", localaddr);
            return -1;
        }
        return net_dgram_create(id, "socket", NULL, &a, ifip, out, err, errlen);
    }
    if (!localaddr) {
        snprintf(err, errlen, "udp= requires localaddr=HOST:PORT");
        return -1;
    }
    if (net_inet_addr(udp, &a, err, errlen) < 0 || net_inet_addr(localaddr, &local, err, errlen) < 0)
        return -1;
    return net_dgram_create(id, "socket", &local, &a, 0, out, err, errlen);
}

static int dgram_ctor(struct qopts *o, const char *id, struct net_port **out, char *err,
                      size_t errlen)
{
    struct hsock_addr remote, local;
    int rr = net_addr_keys(o, "remote", &remote, err, errlen);
    if (rr < 0)
        return -1;
    int lr = net_addr_keys(o, "local", &local, err, errlen);
    if (lr < 0)
        return -1;
    if (rr > 0) {
        snprintf(err, errlen, "parameter 'remote.type' is missing (a receive-only link is not "
                 "supported)");
        return -1;
    }
    bool mc = remote.family == HSOCK_INET && (remote.ip >> 28) == 0xe;
    if (mc) {
        /* QEMU: with a multicast remote, local.host names the interface. */
        return net_dgram_create(id, "dgram", NULL, &remote, lr == 0 ? local.ip : 0, out, err,
                                errlen);
    }
    if (lr > 0) {
        snprintf(err, errlen, "parameter 'local.type' is missing");
        return -1;
    }
    return net_dgram_create(id, "dgram", &local, &remote, 0, out, err, errlen);
}

void net_sockets_register(void)
{
    net_backend_register("stream", stream_ctor);
    net_backend_register("socket", socket_ctor);
    net_backend_register("dgram", dgram_ctor);
}
