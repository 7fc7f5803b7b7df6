/* libFuzzer harness for everything a stream peer's bytes reach after the
 * socket: the framing (net/framing.c), the port layer with its bounded
 * queues (net/port.c), hub flooding (net/hub.c) and a filter-dump tap
 * (net/filter_dump.c, net/pcap.c). The input is cut into chunks; a control
 * byte before each chunk sets which receiving ports are ready (backpressure)
 * and may take a link down. Checks: every delivered frame is in bounds, no
 * queue exceeds its bound, and everything queued drains once all are ready. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/filter_dump.h"
#include "net/framing.h"
#include "net/hub.h"
#include "net/port.h"

#define NPORTS 3

static struct net_framer framer;
static struct net_port ports[NPORTS];   /* ports[0] is the peer's link */
static bool ready[NPORTS];
volatile uint8_t checksum;

static bool t_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    int i = (int)(p - ports);
    if (!ready[i])
        return false;
    if (len == 0 || len > NET_FRAME_MAX)
        abort();
    uint8_t s = 0;
    for (size_t k = 0; k < len; k++)
        s ^= frame[k];
    checksum ^= s;
    return true;
}

static bool t_can_receive(struct net_port *p)
{
    return ready[p - ports];
}

static const struct net_port_ops ops = {.receive = t_receive, .can_receive = t_can_receive};

static void setup(void)
{
    static const char *const ids[NPORTS] = {"peer", "x", "y"};
    if (net_framer_init(&framer) < 0)
        abort();
    for (int i = 0; i < NPORTS; i++) {
        if (net_port_register(&ports[i], &ops, "test", ids[i], NULL) < 0)
            abort();
        struct net_port *h = net_hub_add_port(0, NULL);
        if (!h || net_port_connect(h, &ports[i]) < 0)
            abort();
        ready[i] = true;
    }
    char err[200];
    if (net_filter_dump_option("filter-dump,id=d0,netdev=peer,file=/dev/null,maxlen=100", err,
                               sizeof(err)) != 0)
        abort();
}

static void deliver(void *ctx, const uint8_t *frame, size_t len)
{
    if (len == 0 || len > NET_FRAME_MAX)
        abort();
    net_port_send(&ports[0], frame, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool done;
    if (!done) {
        setup();
        done = true;
    }
    net_framer_reset(&framer);
    size_t off = 0;
    while (off + 2 <= size) {
        uint8_t ctl = data[off], chunk = data[off + 1];
        off += 2;
        for (int i = 1; i < NPORTS; i++) {
            bool was = ready[i];
            ready[i] = (ctl >> i) & 1;
            if (ready[i] && !was)
                net_port_flush(&ports[i]);
        }
        net_port_set_link(&ports[1], !(ctl & 0x80));
        size_t n = size - off < (size_t)chunk + 1 ? size - off : (size_t)chunk + 1;
        if (net_framer_feed(&framer, data + off, n, deliver, NULL) < 0)
            net_framer_reset(&framer);   /* the link would be closed; a new peer starts afresh */
        off += n;
        for (struct net_port *p = net_port_first(); p; p = p->next_all)
            if (net_port_queued(p) > 1024)
                abort();
    }
    net_port_set_link(&ports[1], true);
    for (int i = 1; i < NPORTS; i++) {
        ready[i] = true;
        net_port_flush(&ports[i]);
    }
    for (struct net_port *p = net_port_first(); p; p = p->next_all)
        if (net_port_queued(p) != 0)
            abort();
    return 0;
}
