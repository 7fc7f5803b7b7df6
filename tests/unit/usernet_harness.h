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
