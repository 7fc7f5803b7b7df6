/* Unit tests for the network layer: hub flooding and isolation, the stream
 * framing, pcap headers, and QEMU option parsing of each backend type into
 * ports (real sockets on 127.0.0.1, port 0), NIC models and their errors. */
#include "check.h"
#include "config/options.h"
#include "net/framing.h"
#include "net/hub.h"
#include "net/netdev.h"
#include "net/pcap.h"
#include "net/port.h"

struct sink {
    struct net_port port;
    int frames;
    size_t last_len;
    uint8_t last0;
};

static bool sink_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct sink *s = p->opaque;
    s->frames++;
    s->last_len = len;
    s->last0 = f[0];
    return true;
}

static const struct net_port_ops sink_ops = {.receive = sink_receive};

TEST(hub_floods_to_every_other_port)
{
    struct sink s[3];
    memset(s, 0, sizeof(s));
    const char *names[3] = {"s0", "s1", "s2"};
    for (int i = 0; i < 3; i++) {
        CHECK(net_port_register(&s[i].port, &sink_ops, "test", names[i], &s[i]) == 0);
        struct net_port *hp = net_hub_add_port(0, NULL);
        CHECK(hp != NULL);
        CHECK(net_port_connect(&s[i].port, hp) == 0);
    }
    /* A port on another hub sees nothing. */
    struct sink other = {0};
    CHECK(net_port_register(&other.port, &sink_ops, "test", "other", &other) == 0);
    CHECK(net_port_connect(&other.port, net_hub_add_port(1, NULL)) == 0);
    uint8_t f[60] = {7};
    CHECK(net_port_send(&s[1].port, f, sizeof(f)));
    CHECK_EQ_INT(s[0].frames, 1);
    CHECK_EQ_INT(s[1].frames, 0);
    CHECK_EQ_INT(s[2].frames, 1);
    CHECK_EQ_INT(other.frames, 0);
    CHECK_EQ_INT(s[2].last0, 7);
    CHECK(net_port_find("hub0port2") != NULL);
    CHECK_EQ_INT(net_hub_id_of(net_port_find("hub1port0")), 1);
    CHECK_EQ_INT(net_hub_next(-1), 0);
    CHECK_EQ_INT(net_hub_next(0), 1);
    CHECK_EQ_INT(net_hub_next(1), -1);
    for (int i = 0; i < 3; i++)
        net_port_unregister(&s[i].port);
    net_port_unregister(&other.port);
    net_hubs_destroy();
    CHECK(net_port_first() == NULL);
}

struct collected {
    int frames;
    size_t lens[8];
    uint8_t first[8];
};

static void collect(void *ctx, const uint8_t *f, size_t len)
{
    struct collected *c = ctx;
    if (c->frames < 8) {
        c->lens[c->frames] = len;
        c->first[c->frames] = f[0];
    }
    c->frames++;
}

TEST(framing_reassembles_split_frames_and_rejects_bad_lengths)
{
    struct net_framer fr;
    CHECK(net_framer_init(&fr) == 0);
    uint8_t in[] = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 1, 'z'};
    /* Byte by byte: every split point. */
    struct collected c = {0};
    for (size_t i = 0; i < sizeof(in); i++)
        CHECK(net_framer_feed(&fr, in + i, 1, collect, &c) == 0);
    CHECK_EQ_INT(c.frames, 2);   /* the zero-length record is skipped */
    CHECK_EQ_INT(c.lens[0], 3);
    CHECK_EQ_INT(c.first[0], 'a');
    CHECK_EQ_INT(c.lens[1], 1);
    CHECK_EQ_INT(c.first[1], 'z');
    uint8_t hdr[4];
    net_framer_header(hdr, 0x01020304);
    CHECK(hdr[0] == 1 && hdr[1] == 2 && hdr[2] == 3 && hdr[3] == 4);
    uint8_t bad[] = {0, 1, 0, 1};   /* 65537 > NET_FRAME_MAX */
    net_framer_reset(&fr);
    CHECK(net_framer_feed(&fr, bad, sizeof(bad), collect, &c) == -1);
    CHECK_EQ_INT(net_framer_bad_length(&fr), 65537);
    uint8_t max[4] = {0, 1, 0, 0};  /* exactly 65536 is fine */
    net_framer_reset(&fr);
    CHECK(net_framer_feed(&fr, max, sizeof(max), collect, &c) == 0);
    net_framer_free(&fr);
}

TEST(pcap_headers)
{
    uint8_t h[PCAP_FILE_HEADER_LEN], r[PCAP_RECORD_HEADER_LEN];
    pcap_file_header(h, 1500);
    uint32_t v;
    memcpy(&v, h, 4);
    CHECK_EQ_INT(v, 0xa1b2c3d4u);
    CHECK(h[4] == 2 && h[5] == 0 && h[6] == 4 && h[7] == 0);   /* little-endian host */
    memcpy(&v, h + 16, 4);
    CHECK_EQ_INT(v, 1500);
    memcpy(&v, h + 20, 4);
    CHECK_EQ_INT(v, 1);
    pcap_record_header(r, 1700000000123456789ull, 60, 1514);
    memcpy(&v, r, 4);
    CHECK_EQ_INT(v, 1700000000u);
    memcpy(&v, r + 4, 4);
    CHECK_EQ_INT(v, 123456);
    memcpy(&v, r + 8, 4);
    CHECK_EQ_INT(v, 60);
    memcpy(&v, r + 12, 4);
    CHECK_EQ_INT(v, 1514);
}

/* Parses argv-style options and runs net_configure; returns its result and
 * leaves the message in err. The network is torn down afterwards. */
static char err[600];
static int configure(const char *const *args, bool keep)
{
    struct options o;
    options_init(&o);
    int n = 0;
    while (args[n])
        n++;
    err[0] = 0;
    int rc = options_parse_argv(&o, n, (char **)args, 0, err, sizeof(err));
    if (rc == 0) {
        net_register_builtin_backends();
        rc = net_configure(&o, err, sizeof(err));
        if (rc == 0 && options_check_used(&o, err, sizeof(err)) < 0)
            rc = 1;   /* something left for another subsystem */
    }
    options_free(&o);
    if (!keep)
        net_shutdown();
    return rc;
}

#define CONFIG_FAILS(want, ...)                                            \
    do {                                                                   \
        const char *args_[] = {__VA_ARGS__, NULL};                         \
        CHECK(configure(args_, false) == -1);                              \
        if (!strstr(err, want)) {                                          \
            CHECK(!"error message lacks the expected text");               \
            fprintf(stderr, "want '%s' in '%s'\n", want, err);             \
        }                                                                  \
    } while (0)

TEST(backend_options_build_ports)
{
    const char *args[] = {
        "-netdev", "stream,id=s0,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=0",
        "-netdev", "socket,id=s1,listen=127.0.0.1:0",
        "-netdev", "dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=0,"
                   "remote.type=inet,remote.host=127.0.0.1,remote.port=9",
        "-netdev", "socket,id=u0,udp=127.0.0.1:9,localaddr=127.0.0.1:0",
        "-netdev", "hubport,id=h0,hubid=3,netdev=s0",
        "-net", "socket,listen=127.0.0.1:0,vlan=2",
        "-net", "socket,listen=127.0.0.1:0,name=legacy",
        NULL};
    CHECK_EQ_INT(configure(args, true), 0);
    if (err[0])
        fprintf(stderr, "unexpected error: %s\n", err);
    CHECK(err[0] == 0);
    struct net_port *s0 = net_port_find("s0"), *h0 = net_port_find("h0");
    CHECK(s0 && h0 && s0->peer == h0);
    CHECK_STR(s0->kind, "stream");
    CHECK_STR(net_port_find("s1")->kind, "socket");
    CHECK_STR(net_port_find("d0")->kind, "dgram");
    CHECK(net_port_find("u0") && !net_port_find("u0")->peer);
    CHECK_EQ_INT(net_hub_id_of(h0), 3);
    CHECK(net_port_find("socket.0") && net_port_find("socket.0")->peer);
    CHECK_EQ_INT(net_hub_id_of(net_port_find("socket.0")->peer), 2);
    CHECK_EQ_INT(net_hub_id_of(net_port_find("legacy")->peer), 0);
    net_shutdown();
    CHECK(net_port_first() == NULL);
}

TEST(backend_option_errors_name_the_option)
{
    CONFIG_FAILS("parameter 'id' is missing", "-netdev", "socket,listen=127.0.0.1:0");
    CONFIG_FAILS("'frob' is not supported", "-netdev", "frob,id=x");
    CONFIG_FAILS("invalid parameter 'colour'", "-netdev", "socket,id=x,listen=127.0.0.1:0,colour=red");
    CONFIG_FAILS("exactly one of", "-netdev", "socket,id=x,listen=127.0.0.1:0,connect=127.0.0.1:1");
    CONFIG_FAILS("not HOST:PORT", "-netdev", "socket,id=x,listen=nope");
    CONFIG_FAILS("not a multicast address", "-netdev", "socket,id=x,mcast=10.0.0.1:5000");
    CONFIG_FAILS("udp= requires localaddr", "-netdev", "socket,id=x,udp=127.0.0.1:9");
    CONFIG_FAILS("'addr.type' is missing", "-netdev", "stream,id=x,server=on");
    CONFIG_FAILS("'addr.port' is missing", "-netdev", "stream,id=x,addr.type=inet,addr.host=127.0.0.1");
    CONFIG_FAILS("invalid value 'tcp'", "-netdev", "stream,id=x,addr.type=tcp");
    CONFIG_FAILS("only valid with server=off", "-netdev",
                 "stream,id=x,server=on,reconnect=1,addr.type=unix,addr.path=/tmp/x");
    CONFIG_FAILS("cannot connect", "-netdev",
                 "stream,id=x,addr.type=unix,addr.path=/nonexistent/baremu.sock");
    CONFIG_FAILS("'remote.type' is missing", "-netdev",
                 "dgram,id=x,local.type=inet,local.host=127.0.0.1,local.port=0");
    CONFIG_FAILS("'local.type' is missing", "-netdev",
                 "dgram,id=x,remote.type=inet,remote.host=127.0.0.1,remote.port=9");
    CONFIG_FAILS("'hubid' is missing", "-netdev", "hubport,id=h");
    CONFIG_FAILS("netdev 'nope' not found", "-netdev", "hubport,id=h,hubid=0,netdev=nope");
    CONFIG_FAILS("duplicate ID 'a'", "-netdev", "socket,id=a,listen=127.0.0.1:0", "-netdev",
                 "socket,id=a,listen=127.0.0.1:0");
    CONFIG_FAILS("cannot listen", "-netdev", "socket,id=a,listen=192.0.2.1:1");
    CONFIG_FAILS("-object filter-dump", "-object", "filter-dump,id=f,netdev=nope,file=/tmp/x.pcap");
    CONFIG_FAILS("parameter 'file' is missing", "-netdev", "socket,id=a,listen=127.0.0.1:0",
                 "-object", "filter-dump,id=f,netdev=a");
    CONFIG_FAILS("'hubport' is only valid with -netdev", "-net", "hubport,hubid=0");
}

TEST(nic_options_without_models_are_clear_errors)
{
    net_nic_set_default_model(NULL);
    CONFIG_FAILS("-device e1000,netdev=n0: NIC model 'e1000' is not implemented", "-netdev",
                 "socket,id=n0,listen=127.0.0.1:0", "-device", "e1000,netdev=n0");
    CONFIG_FAILS("-nic socket", "-nic", "socket,listen=127.0.0.1:0");
    CONFIG_FAILS("NIC model 'rtl8139' is not implemented", "-net", "nic,model=rtl8139");
    CONFIG_FAILS("no NIC can be added", "-net", "nic");
    /* A -device that is not a NIC is left for the machine. */
    const char *dev[] = {"-device", "isa-debug-exit,iobase=0xf4", NULL};
    CHECK_EQ_INT(configure(dev, false), 1);
    CHECK(strstr(err, "-device") != NULL);
}

static struct sink nics[4];
static int nic_count;
static uint8_t nic_macs[4][6];

static int fake_nic(const struct net_nic_conf *c, char *e, size_t elen)
{
    struct sink *s = &nics[nic_count];
    memcpy(nic_macs[nic_count], c->mac, 6);
    nic_count++;
    if (net_port_register(&s->port, &sink_ops, c->model, c->id, s) < 0) {
        snprintf(e, elen, "duplicate");
        return -1;
    }
    return net_nic_attach(&s->port, c);
}

TEST(nic_models_plug_in_with_default_macs)
{
    net_nic_register_model("e1000", fake_nic);
    net_nic_set_default_model("e1000");
    nic_count = 0;
    memset(nics, 0, sizeof(nics));
    const char *args[] = {
        "-netdev", "socket,id=n0,listen=127.0.0.1:0",
        "-device", "e1000,netdev=n0,id=nic0",
        "-net", "nic,macaddr=52:54:00:aa:bb:cc",
        "-net", "socket,listen=127.0.0.1:0",
        "-nic", "socket,listen=127.0.0.1:0,model=e1000",
        NULL};
    CHECK_EQ_INT(configure(args, true), 0);
    if (err[0])
        fprintf(stderr, "unexpected error: %s\n", err);
    CHECK(err[0] == 0);
    CHECK_EQ_INT(nic_count, 3);
    CHECK(net_port_find("nic0") && net_port_find("nic0")->peer == net_port_find("n0"));
    static const uint8_t m0[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    static const uint8_t m1[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
    static const uint8_t m2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
    /* As QEMU: -net nic and -nic NICs (board init) get default MACs before -device. */
    CHECK(memcmp(nic_macs[0], m1, 6) == 0);
    CHECK(memcmp(nic_macs[1], m0, 6) == 0);
    CHECK(memcmp(nic_macs[2], m2, 6) == 0);
    /* -net nic sits on hub 0 with the -net socket backend. */
    CHECK_EQ_INT(net_hub_id_of(nics[0].port.peer), 0);
    CHECK(net_port_find("__org.qemu.nic0") && net_port_find("__org.qemu.nic0")->peer == &nics[1].port);
    for (int i = 0; i < nic_count; i++)
        net_port_unregister(&nics[i].port);
    net_shutdown();
    CHECK_EQ_INT(configure((const char *[]){"-device", "e1000,netdev=n0,mac=zz", "-netdev",
                                            "socket,id=n0,listen=127.0.0.1:0", NULL}, false), -1);
    CHECK(strstr(err, "invalid MAC address 'zz'") != NULL);
    net_nic_set_default_model(NULL);
}
