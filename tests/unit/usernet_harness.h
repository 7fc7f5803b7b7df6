/* The unit tests' hold on one user-mode network: a sink port wired to it
 * (frames.h), the create/destroy pair, frames sent as the guest, and the
 * loop's work run until a condition holds. Shared by test_usernet.c and
 * test_usernet_ip6.c; each includes it once. */
#ifndef BAREMU_TESTS_UNIT_USERNET_HARNESS_H
#define BAREMU_TESTS_UNIT_USERNET_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "baremu/platform.h"
#include "net/net_host.h"
#include "net/timer.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"

static struct sink sink;
static char err[256];

/* A network made from a -netdev user option string, the sink on its port;
 * NULL (the reason in err) if the options are refused. */
static struct unet *mk(const char *opts)
{
    memset(&sink, 0, sizeof(sink));
    struct unet *u = unet_create_str(opts, err, sizeof(err));
    if (!u)
        return NULL;
    static int n;
    char id[32];
    snprintf(id, sizeof(id), "sink%d", n++);
    net_port_register(&sink.port, &sink_ops, "test", id, &sink);
    net_port_connect(&sink.port, unet_port(u));
    return u;
}

static void done(struct unet *u)
{
    unet_destroy(u);
    net_port_unregister(&sink.port);
}

static void send_frame(const uint8_t *f, size_t len)
{
    net_port_send(&sink.port, f, len);
}

/* Writes "nameserver NS" to a new file (conf: a mkstemp template, filled
 * in) and points the DNS proxy at it (BAREMU_RESOLV_CONF); false if the
 * file cannot be made. *saved: what to give resolv_conf_restore. */
static bool resolv_conf_use(char *conf, const char *ns, char **saved)
{
    int fd = mkstemp(conf);
    if (fd < 0)
        return false;
    dprintf(fd, "nameserver %s\n", ns);
    close(fd);
    const char *old = getenv("BAREMU_RESOLV_CONF");
    *saved = old ? strdup(old) : NULL;
    setenv("BAREMU_RESOLV_CONF", conf, 1);
    return true;
}

static void resolv_conf_restore(char *saved)
{
    if (saved) {
        setenv("BAREMU_RESOLV_CONF", saved, 1);
        free(saved);
    } else {
        unsetenv("BAREMU_RESOLV_CONF");
    }
}

/* A DNS resolver for TCP tests: a listener on port 53 of a random
 * loopback address PREFIX.x.y (non-blocking), named by a test resolv.conf
 * (resolv_conf_use). Returns the socket, or -1 with nothing to undo. */
static int resolver_listen(const char *prefix, char *conf, char **saved)
{
    char ipstr[32];
    srand((unsigned)getpid());
    snprintf(ipstr, sizeof(ipstr), "%s.%d.%d", prefix, 1 + rand() % 250, 1 + rand() % 250);
    if (!resolv_conf_use(conf, ipstr, saved))
        return -1;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
    inet_pton(AF_INET, ipstr, &a.sin_addr);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4) < 0) {
        if (ls >= 0)
            close(ls);
        unlink(conf);
        resolv_conf_restore(*saved);
        return -1;
    }
    fcntl(ls, F_SETFL, O_NONBLOCK);
    return ls;
}

static void resolver_close(int ls, char *conf, char *saved)
{
    close(ls);
    unlink(conf);
    resolv_conf_restore(saved);
}

/* Runs the loop until the resolver LS has accepted a connection and read
 * WANT bytes into GOT (or 3 s passed); returns the bytes read, -1 if
 * nothing connected. */
static ssize_t resolver_receive(int ls, uint8_t *got, size_t want)
{
    int c = -1;
    ssize_t n = 0;
    uint64_t end = plat_now_ns() + 3000000000ull;
    while ((c < 0 || n < (ssize_t)want) && plat_now_ns() < end) {
        net_host_poll(2000000u);
        net_timers_run(plat_now_ns());
        if (c < 0 && (c = accept(ls, NULL, NULL)) >= 0)
            fcntl(c, F_SETFL, O_NONBLOCK);
        if (c >= 0) {
            ssize_t r = recv(c, got + n, want - (size_t)n, 0);
            if (r > 0)
                n += r;
        }
    }
    if (c < 0)
        return -1;
    close(c);
    return n;
}

/* Runs the loop's work (sockets, net timers) for up to ms, or until cond. */
#define PUMP_UNTIL(cond, ms)                                                   \
    do {                                                                       \
        uint64_t end_ = plat_now_ns() + (uint64_t)(ms) * 1000000u;             \
        while (!(cond) && plat_now_ns() < end_) {                              \
            net_host_poll(2000000u);                                           \
            net_timers_run(plat_now_ns());                                     \
        }                                                                      \
    } while (0)

#endif
