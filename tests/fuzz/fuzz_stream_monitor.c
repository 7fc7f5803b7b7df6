/* libFuzzer harness for the monitor's command interpreter (config/monitor.c)
 * as a peer on "-monitor tcp:..." reaches it: arbitrary lines run against a
 * small network (a hub with two ports, a lone port) and the user-mode
 * network's commands (hostfwd_add/remove; their parser is net/user's). The
 * output is checked to be bounded text; nothing may crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/monitor.h"
#include "net/hub.h"
#include "net/netdev.h"
#include "net/port.h"
#include "net/user/usernet.h"

static struct net_port lone, a;
static size_t out_bytes;

static bool t_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    return true;
}

static const struct net_port_ops ops = {.receive = t_receive};

static void out(void *ctx, const char *text, size_t len)
{
    if (len >= 1024 || memchr(text, 0, len))
        abort();   /* mon_printf promises bounded, NUL-free chunks */
    out_bytes += len;
}

static void setup(void)
{
    monitor_register_builtin();
    unet_register();
    if (net_port_register(&lone, &ops, "test", "lone", NULL) < 0 ||
        net_port_register(&a, &ops, "test", "a", NULL) < 0)
        abort();
    struct net_port *h = net_hub_add_port(0, "ha");
    if (!h || net_port_connect(h, &a) < 0 || !net_hub_add_port(0, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool done;
    if (!done) {
        setup();
        done = true;
    }
    struct monitor m = {.write = out};
    char line[700];
    size_t off = 0;
    while (off < size) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        size_t n = nl ? (size_t)(nl - (data + off)) : size - off;
        size_t c = n < sizeof(line) - 1 ? n : sizeof(line) - 1;
        memcpy(line, data + off, c);
        line[c] = 0;
        monitor_execute(&m, line);
        off += n + 1;
    }
    /* Undo what set_link did so runs stay independent. */
    for (struct net_port *p = net_port_first(); p; p = p->next_all)
        p->link_down = false;
    return 0;
}
