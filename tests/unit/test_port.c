/* Unit tests for net/port.c: delivery, backpressure queueing, bounded drops,
 * flush order and link state. */
#include "check.h"
#include "net/port.h"

struct sink {
    struct net_port port;
    bool accept;
    int frames;
    uint8_t last[2];
};

static bool sink_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct sink *s = p->opaque;
    if (!s->accept)
        return false;
    s->frames++;
    s->last[0] = f[0];
    s->last[1] = len > 1 ? f[1] : 0;
    return true;
}

static bool sink_can(struct net_port *p)
{
    return ((struct sink *)p->opaque)->accept;
}

static const struct net_port_ops sink_ops = {.receive = sink_receive, .can_receive = sink_can};

TEST(send_queue_flush_in_order)
{
    struct sink a = {.accept = true}, b = {.accept = false};
    CHECK(net_port_register(&a.port, &sink_ops, "test", "a", &a) == 0);
    CHECK(net_port_register(&b.port, &sink_ops, "test", "b", &b) == 0);
    CHECK(net_port_register(&b.port, &sink_ops, "test", "a", &b) < 0);
    CHECK(net_port_register(&b.port, &sink_ops, "test", "b2", &b) < 0);
    CHECK(net_port_connect(&a.port, &b.port) == 0);
    uint8_t f1[60] = {1}, f2[60] = {2};
    CHECK(net_port_send(&a.port, f1, sizeof(f1)));
    CHECK(net_port_send(&a.port, f2, sizeof(f2)));
    CHECK_EQ_INT(b.frames, 0);
    b.accept = true;
    /* A new frame must not overtake the queued ones. */
    uint8_t f3[60] = {3};
    CHECK(net_port_send(&a.port, f3, sizeof(f3)));
    CHECK_EQ_INT(b.frames, 0);
    net_port_flush(&b.port);
    CHECK_EQ_INT(b.frames, 3);
    CHECK_EQ_INT(b.last[0], 3);
    CHECK_EQ_INT(b.port.stats.rx_frames, 3);
    net_port_unregister(&a.port);
    net_port_unregister(&b.port);
    CHECK(net_port_find("a") == NULL);
}

TEST(queue_is_bounded_and_counts_drops)
{
    struct sink a = {.accept = true}, b = {.accept = false};
    net_port_register(&a.port, &sink_ops, "test", "qa", &a);
    net_port_register(&b.port, &sink_ops, "test", "qb", &b);
    net_port_connect(&a.port, &b.port);
    uint8_t f[1500] = {0};
    int ok = 0;
    for (int i = 0; i < 5000; i++)
        ok += net_port_send(&a.port, f, sizeof(f));
    CHECK(ok < 5000);
    CHECK_EQ_INT(b.port.stats.dropped, 5000 - ok);
    net_port_unregister(&a.port);
    net_port_unregister(&b.port);
}

TEST(link_down_drops)
{
    struct sink a = {.accept = true}, b = {.accept = true};
    net_port_register(&a.port, &sink_ops, "test", "la", &a);
    net_port_register(&b.port, &sink_ops, "test", "lb", &b);
    net_port_connect(&a.port, &b.port);
    uint8_t f[64] = {7};
    net_port_set_link(&b.port, false);
    CHECK(!net_port_send(&a.port, f, sizeof(f)));
    CHECK_EQ_INT(b.frames, 0);
    net_port_set_link(&b.port, true);
    CHECK(net_port_send(&a.port, f, sizeof(f)));
    CHECK_EQ_INT(b.frames, 1);
    CHECK(!net_port_send(&a.port, f, 0));
    net_port_unregister(&a.port);
    net_port_unregister(&b.port);
}
