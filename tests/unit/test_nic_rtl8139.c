/* The RTL8139 model driven as Linux's 8139too (classic ring buffer, four TX
 * slots, 93C46 EEPROM reads through 9346CR) and 8139cp (C+ descriptor
 * rings, TxPoll, checksum offload, large send) drive it, with frames from a
 * peer port, DMA'd bytes, interrupts, set_link and malformed input. */
#include "check.h"
#include "nic_harness.h"

enum {
    IDR0 = 0x00, MAR0 = 0x08, TSD0 = 0x10, TSAD0 = 0x20, RBSTART = 0x30, CR = 0x37, CAPR = 0x38,
    CBR = 0x3a, IMR = 0x3c, ISR = 0x3e, TCR = 0x40, RCR = 0x44, MPC = 0x4c, CFG9346 = 0x50,
    MSR = 0x58, TSAD = 0x60, BMCR = 0x62, BMSR = 0x64, DTCCR = 0x10, TNPDS = 0x20, TPPOLL = 0xd9,
    CPCR = 0xe0, RDSAR = 0xe4,
};

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static struct nic_harness H;

#define RXRING 0x100000u
#define TXBUF 0x200000u
#define CPRX 0x300000u
#define CPTX 0x301000u
#define CPBUF 0x310000u

/* I/O BAR0 like 8139too's port I/O; memory BAR1 at NH_BAR_MEM. */
static uint32_t in(unsigned o, unsigned size) { return nh_in(&H, (uint16_t)(NH_BAR_IO + o), size); }
static void out(unsigned o, uint32_t v, unsigned size) { nh_out(&H, (uint16_t)(NH_BAR_IO + o), v, size); }

static void setup(bool cplus)
{
    char err[200];
    nh_init(&H);
    struct nic *n = rtl8139_create_rev(&H.env, "rtl.0", MAC, NULL, 0, cplus, err, sizeof(err));
    nh_attach(&H, n);
}

/* Linux 8139too's read_eeprom(). */
static uint16_t read_eeprom(unsigned loc, int addr_len)
{
    unsigned cmd = loc | (6u << addr_len);
    out(CFG9346, 0x80, 1);
    out(CFG9346, 0x88, 1);
    for (int i = 4 + addr_len; i >= 0; i--) {
        unsigned dv = (cmd & (1u << i)) ? 0x02 : 0;
        out(CFG9346, 0x88 | dv, 1);
        out(CFG9346, 0x88 | dv | 0x04, 1);
    }
    out(CFG9346, 0x88, 1);
    uint16_t v = 0;
    for (int i = 16; i > 0; i--) {
        out(CFG9346, 0x88 | 0x04, 1);
        v = (uint16_t)(v << 1 | (in(CFG9346, 1) & 1));
        out(CFG9346, 0x88, 1);
    }
    out(CFG9346, 0, 1);
    return v;
}

TEST(identity_and_eeprom)
{
    setup(true);
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, 0, 4), 0x813910ec);
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, PCI_REVISION, 1), 0x20);
    CHECK_EQ_INT(in(TCR, 4) & 0x7cc00000u, 0x74800000u);   /* 8139C+ */
    int addr_len = read_eeprom(0, 8) == 0x8129 ? 8 : 6;
    CHECK_EQ_INT(read_eeprom(0, addr_len), 0x8129);
    for (int i = 0; i < 3; i++) {
        uint16_t w = read_eeprom(7 + (unsigned)i, addr_len);
        CHECK_EQ_INT(w, MAC[2 * i] | MAC[2 * i + 1] << 8);
    }
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(in(IDR0 + (unsigned)i, 1), MAC[i]);
    nh_fini(&H);
    setup(false);
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, PCI_REVISION, 1), 0x10);
    CHECK_EQ_INT(in(TCR, 4) & 0x7cc00000u, 0x74000000u);   /* 8139C */
    nh_fini(&H);
}

/* The map's holes read 0 and keep nothing, and the C+ block exists only on the
 * C+ revision: iPXE's realtek driver writes RxMaxSize (0xDA, RTL8169 only) and
 * CPCR and reads them back to pick the chip type; a model that echoed 0xDA was
 * taken for an RTL8169 and lost at its PHYAR register. */
TEST(register_map_holes_and_chip_type)
{
    setup(true);
    out(0xda, 0x1ffe, 2);
    CHECK_EQ_INT(in(0xda, 2), 0);
    out(0xe0, 0x0003, 2);
    CHECK_EQ_INT(in(0xe0, 2) & 0x3, 0x3);      /* C+: CPCR holds */
    nh_fini(&H);
    setup(false);
    out(0xda, 0x1ffe, 2);
    CHECK_EQ_INT(in(0xda, 2), 0);
    out(0xe0, 0x0003, 2);
    CHECK_EQ_INT(in(0xe0, 2), 0);              /* plain 8139C: no CPCR */
    out(0xe4, 0x12345678, 4);
    CHECK_EQ_INT(in(0xe4, 4), 0);              /* nor RDSAR */
    nh_fini(&H);
}

static void classic_rx_setup(void)
{
    out(CR, 0x10, 1);                          /* reset */
    out(RBSTART, RXRING, 4);
    out(CR, 0x0c, 1);                          /* RE | TE */
    out(RCR, 0x0a | (2u << 11) | 0x80, 4);     /* APM | AB, 32K, WRAP (8139too's RxNoWrap) */
    out(IMR, 0xffff, 2);
}

TEST(classic_rx_ring)
{
    setup(false);
    classic_rx_setup();
    CHECK(in(CR, 1) & 1);                      /* BUFE: empty */
    uint8_t f[1000];
    nh_make_frame(f, MAC, sizeof(f), 1);
    nh_inject(&H, f, sizeof(f));
    uint8_t *r = nh_ram(&H, RXRING);
    uint16_t st = (uint16_t)(r[0] | r[1] << 8), len = (uint16_t)(r[2] | r[3] << 8);
    CHECK_EQ_INT(st & 0x4001, 0x4001);         /* ROK | PAM */
    CHECK_EQ_INT(len, 1004);                   /* with the FCS */
    CHECK(memcmp(r + 4, f, sizeof(f)) == 0);
    uint32_t crc = nic_crc32(f, sizeof(f));
    CHECK(memcmp(r + 4 + 1000, &crc, 4) == 0);
    CHECK_EQ_INT(in(CBR, 2), 1008);
    CHECK_EQ_INT(in(CR, 1) & 1, 0);
    CHECK_EQ_INT(H.intx, 1);
    CHECK(in(ISR, 2) & 1);
    out(ISR, 1, 2);                            /* acknowledged, packet unread: */
    CHECK_EQ_INT(H.intx, 1);                   /* ROK stays (8139too's NAPI) */
    out(CAPR, 1008 - 16, 2);
    out(ISR, 1, 2);
    CHECK_EQ_INT(H.intx, 0);
    /* A broadcast: BAR status bit. Another unicast: filtered out. */
    nh_make_frame(f, BCAST, 64, 2);
    nh_inject(&H, f, 64);
    CHECK_EQ_INT(nh_ram(&H, RXRING + 1008)[1] & 0x20, 0x20);
    CHECK_EQ_INT(in(CBR, 2), 1008 + 68 + 4);
    CHECK_EQ_INT(in(CR, 1) & 1, 0);
    uint8_t other[6] = {2, 2, 2, 2, 2, 2};
    nh_make_frame(f, other, 64, 3);
    nh_inject(&H, f, 64);
    CHECK_EQ_INT(in(CBR, 2), 1080);
    /* The driver consumes both (CAPR = cur_rx - 16): the ring reads empty. */
    out(CAPR, 1080 - 16, 2);
    CHECK(in(CR, 1) & 1);
    /* Multicast through MAR (hash of the top 6 CRC bits). */
    uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    unsigned h = nic_mcast_hash6(mc);
    out(RCR, in(RCR, 4) | 0x04, 4);
    nh_make_frame(f, mc, 64, 4);
    nh_inject(&H, f, 64);
    CHECK_EQ_INT(in(CBR, 2), 1080);
    out(MAR0 + (h >> 3), 1u << (h & 7), 1);
    nh_inject(&H, f, 64);
    CHECK_EQ_INT(in(CBR, 2), 1080 + 72);
    nh_fini(&H);
}

TEST(classic_rx_full_ring_backpressure)
{
    setup(false);
    out(CR, 0x10, 1);
    out(RBSTART, RXRING, 4);
    out(CR, 0x0c, 1);
    out(RCR, 0x0a, 4);                         /* 8K ring, WRAP=0 */
    uint8_t f[1500];
    int sent = 0;
    for (int i = 0; i < 8; i++) {
        nh_make_frame(f, MAC, sizeof(f), (uint8_t)i);
        nh_inject(&H, f, sizeof(f));
        sent++;
    }
    /* 8 KiB holds five 1508-byte slots; the rest wait in the port queue. */
    CHECK_EQ_INT(in(CBR, 2), 5 * 1508);
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 3);
    /* ROK stays set while the ring holds unread packets (8139too's poll
     * re-runs only on an RX bit); acknowledged on an empty ring, it clears. */
    out(ISR, 0xffff, 2);
    CHECK(in(ISR, 2) & 0x0001);
    /* Reading two packets makes room; the queue drains and the ring wraps. */
    out(CAPR, 2 * 1508 - 16, 2);
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 1);
    /* Packet 6 straddles the end: header at 7540, data wraps to the start. */
    uint8_t *r = nh_ram(&H, RXRING);
    nh_make_frame(f, MAC, sizeof(f), 5);
    CHECK(memcmp(r + 7544, f, 8192 - 7544) == 0);
    CHECK(memcmp(r, f + (8192 - 7544), 100) == 0);
    (void)sent;
    nh_fini(&H);
}

TEST(classic_tx_slots)
{
    setup(false);
    classic_rx_setup();
    uint8_t f[600];
    for (int i = 0; i < 6; i++) {
        int slot = i % 4;
        nh_make_frame(f, BCAST, sizeof(f), (uint8_t)i);
        memcpy(nh_ram(&H, TXBUF + (unsigned)slot * 0x800), f, sizeof(f));
        out(TSAD0 + 4u * (unsigned)slot, TXBUF + (unsigned)slot * 0x800, 4);
        out(TSD0 + 4u * (unsigned)slot, sizeof(f) | (8u << 16), 4);   /* OWN = 0: send */
        uint32_t tsd = in(TSD0 + 4u * (unsigned)slot, 4);
        CHECK_EQ_INT(tsd & 0xa000, 0xa000);    /* TOK | OWN */
    }
    CHECK_EQ_INT(H.nframes, 6);
    nh_make_frame(f, BCAST, sizeof(f), 5);
    CHECK(H.nframes == 6 && H.lens[5] == 600 && memcmp(H.frames[5], f, 600) == 0);
    CHECK(in(ISR, 2) & 4);                     /* TOK */
    CHECK_EQ_INT(in(TSAD, 2) & 0xf00f, 0xf00f);
    /* A length over the 1792-byte FIFO aborts with TER, no crash. */
    out(TSD0, 0x1fff, 4);
    CHECK(in(TSD0, 4) & (1u << 30));
    CHECK(in(ISR, 2) & 8);
    CHECK_EQ_INT(H.nframes, 6);
    /* A buffer outside RAM. */
    out(TSAD0 + 4, 0xfff00000u, 4);
    out(TSD0 + 4, 100, 4);
    CHECK(H.nic->bad_dma >= 1);
    nh_free_frames(&H);
    nh_fini(&H);
}

/* ---- C+ mode (8139cp) ---- */

static void cp_desc(uint32_t ring, unsigned i, uint32_t o1, uint32_t o2, uint64_t addr)
{
    uint8_t *d = nh_ram(&H, ring + i * 16);
    memcpy(d, &o1, 4);
    memcpy(d + 4, &o2, 4);
    memcpy(d + 8, &addr, 8);
}

static uint32_t cp_opts1(uint32_t ring, unsigned i)
{
    uint32_t v;
    memcpy(&v, nh_ram(&H, ring + i * 16), 4);
    return v;
}

static void cp_setup(unsigned nrx)
{
    nh_wr8(&H, CR, 0x10);
    nh_wr16(&H, CPCR, 0x0008 | 0x0020 | 0x0002 | 0x0001);   /* MulRW RxChkSum RxOn TxOn */
    for (unsigned i = 0; i < nrx; i++)
        cp_desc(CPRX, i, (1u << 31) | (i == nrx - 1 ? 1u << 30 : 0) | 1536, 0, CPBUF + i * 2048);
    nh_wr32(&H, RDSAR, CPRX);
    nh_wr32(&H, RDSAR + 4, 0);
    memset(nh_ram(&H, CPTX), 0, 64 * 16);
    nh_wr32(&H, TNPDS, CPTX);
    nh_wr32(&H, TNPDS + 4, 0);
    nh_wr8(&H, CR, 0x0c);
    nh_wr32(&H, RCR, 0x0a | (7u << 8));
    nh_wr16(&H, IMR, 0x01ff);
}

TEST(cplus_rx_descriptors)
{
    setup(true);
    cp_setup(4);
    uint8_t f[1200];
    for (int i = 0; i < 5; i++) {
        nh_make_frame(f, MAC, sizeof(f), (uint8_t)i);
        nh_inject(&H, f, sizeof(f));
    }
    for (unsigned i = 0; i < 4; i++) {
        uint32_t o1 = cp_opts1(CPRX, i);
        CHECK_EQ_INT(o1 >> 31, 0);                         /* returned to the driver */
        CHECK_EQ_INT((o1 >> 28) & 3, 3);                   /* FirstFrag | LastFrag */
        CHECK_EQ_INT(o1 & 0x1fff, 1204);                   /* with the FCS */
        nh_make_frame(f, MAC, sizeof(f), (uint8_t)i);
        CHECK(memcmp(nh_ram(&H, CPBUF + i * 2048), f, sizeof(f)) == 0);
    }
    CHECK_EQ_INT(cp_opts1(CPRX, 3) >> 30 & 1, 1);          /* RingEnd kept */
    CHECK_EQ_INT(H.intx, 1);
    uint16_t isr = (uint16_t)nh_rd16(&H, ISR);
    CHECK(isr & 0x01);                                     /* RxOK */
    CHECK(isr & 0x10);                                     /* RX descriptors ran out */
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 1);
    /* The driver gives descriptor 0 back: the queued frame lands there. */
    cp_desc(CPRX, 0, (1u << 31) | 1536, 0, CPBUF);
    nh_wr16(&H, ISR, 0xffff);
    nh_wr16(&H, IMR, 0x01ff);   /* 8139cp re-enables interrupts after polling */
    nh_wr8(&H, CR, 0x0c);       /* any RE write retries the queue */
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 0);
    nh_make_frame(f, MAC, sizeof(f), 4);
    CHECK(memcmp(nh_ram(&H, CPBUF), f, sizeof(f)) == 0);
    nh_fini(&H);
}

TEST(cplus_tx_gather_checksum_tso_vlan)
{
    setup(true);
    cp_setup(4);
    /* A UDP/IPv4 frame in two fragments with IPCS | UDPCS. */
    uint8_t f[300];
    memset(f, 0, sizeof(f));
    memcpy(f, BCAST, 6);
    memcpy(f + 6, MAC, 6);
    f[12] = 0x08, f[14] = 0x45, f[16] = 0x01, f[17] = 0x1e;   /* tot 286 */
    f[22] = 64, f[23] = 17;
    f[26] = 10, f[27] = 0, f[28] = 2, f[29] = 15, f[30] = 10, f[31] = 0, f[32] = 2, f[33] = 2;
    f[34] = 0x04, f[35] = 0xd2, f[36] = 0x00, f[37] = 0x35, f[38] = 0x01, f[39] = 0x0a;
    for (int i = 42; i < 300; i++)
        f[i] = (uint8_t)i;
    memcpy(nh_ram(&H, CPBUF), f, 100);
    memcpy(nh_ram(&H, CPBUF + 0x1000), f + 100, 200);
    cp_desc(CPTX, 0, (1u << 31) | (1u << 29) | (1u << 18) | (1u << 17) | 100, 0, CPBUF);
    cp_desc(CPTX, 1, (1u << 31) | (1u << 28) | (1u << 18) | (1u << 17) | 200, 0, CPBUF + 0x1000);
    nh_wr8(&H, TPPOLL, 0x40);
    CHECK_EQ_INT(H.nframes, 1);
    if (H.nframes == 1) {
        const uint8_t *g = H.frames[0];
        CHECK_EQ_INT(H.lens[0], 300);
        CHECK_EQ_INT(nic_csum_fold(nic_csum_add(0, g + 14, 20)), 0);
        uint32_t s = nic_csum_add(0, g + 26, 8) + 17 + 266;
        CHECK_EQ_INT(nic_csum_fold(nic_csum_add(s, g + 34, 266)), 0);
        CHECK(memcmp(g + 42, f + 42, 258) == 0);
    }
    CHECK_EQ_INT(cp_opts1(CPTX, 0) >> 31, 0);
    CHECK_EQ_INT(cp_opts1(CPTX, 1) >> 31, 0);
    CHECK(nh_rd16(&H, ISR) & 0x04);
    /* Large send: TCP with 2500 bytes, MSS 1000 -> three segments. */
    static uint8_t t[54 + 2500];
    memset(t, 0, 54);
    memcpy(t, BCAST, 6);
    t[12] = 0x08, t[14] = 0x45, t[22] = 64, t[23] = 6;
    t[16] = (uint8_t)((40 + 2500) >> 8), t[17] = (uint8_t)(40 + 2500);
    t[46] = 0x50, t[47] = 0x19;
    for (int i = 54; i < (int)sizeof(t); i++)
        t[i] = (uint8_t)(i * 5);
    memcpy(nh_ram(&H, CPBUF), t, sizeof(t));
    cp_desc(CPTX, 2, (1u << 31) | (3u << 28) | (1u << 27) | (1000u << 16) | (uint32_t)sizeof(t), 0, CPBUF);
    nh_wr8(&H, TPPOLL, 0x40);
    CHECK_EQ_INT(H.nframes, 4);
    for (int i = 1; i < H.nframes && i < 4; i++) {
        const uint8_t *g = H.frames[i];
        size_t pl = i < 3 ? 1000 : 500;
        CHECK_EQ_INT(H.lens[i], 54 + pl);
        CHECK_EQ_INT(nic_csum_fold(nic_csum_add(0, g + 14, 20)), 0);
        uint32_t s = nic_csum_add(0, g + 26, 8) + 6 + (uint32_t)(20 + pl);
        CHECK_EQ_INT(nic_csum_fold(nic_csum_add(s, g + 34, 20 + pl)), 0);
        CHECK_EQ_INT(g[47], i == 3 ? 0x19 : 0x10);
        CHECK(memcmp(g + 54, t + 54 + 1000 * (i - 1), pl) == 0);
    }
    /* VLAN insertion: tag 5 stored byte-swapped in opts2. */
    memcpy(nh_ram(&H, CPBUF), f, 60);
    cp_desc(CPTX, 3, (1u << 31) | (3u << 28) | 60, (1u << 17) | 0x0500, CPBUF);
    nh_wr8(&H, TPPOLL, 0x40);
    CHECK_EQ_INT(H.nframes, 5);
    if (H.nframes == 5) {
        CHECK_EQ_INT(H.lens[4], 64);
        CHECK_EQ_INT(H.frames[4][12] << 8 | H.frames[4][13], 0x8100);
        CHECK_EQ_INT(H.frames[4][14] << 8 | H.frames[4][15], 5);
        CHECK_EQ_INT(H.frames[4][16], 0x08);
    }
    /* Tally counters dump. */
    nh_wr32(&H, DTCCR + 4, 0);
    nh_wr32(&H, DTCCR, 0x320000 | 0x8);
    CHECK_EQ_INT(nh_rd32(&H, DTCCR) & 8, 0);
    uint64_t txok;
    memcpy(&txok, nh_ram(&H, 0x320000), 8);
    CHECK_EQ_INT(txok, 5);
    nh_free_frames(&H);
    nh_fini(&H);
}

TEST(cplus_malformed_rings)
{
    setup(true);
    cp_setup(4);
    /* Every descriptor owned by the NIC, none with RingEnd, zero-size
     * buffers: bounded work, no crash. */
    for (unsigned i = 0; i < 64; i++)
        cp_desc(CPRX, i, 1u << 31, 0, CPBUF);
    uint8_t f[200];
    nh_make_frame(f, MAC, sizeof(f), 1);
    nh_inject(&H, f, sizeof(f));
    CHECK(H.nic->bad_desc >= 1);
    /* TX ring outside RAM, TX buffers outside RAM, an endless owned ring. */
    for (unsigned i = 0; i < 64; i++)
        cp_desc(CPTX, i, (1u << 31) | (1u << 29) | 100, 0, 0xfffff00000ull);
    nh_wr8(&H, TPPOLL, 0x40);
    CHECK(H.nic->bad_dma >= 1);
    CHECK_EQ_INT(H.nframes, 0);
    nh_wr32(&H, TNPDS, 0xfffff000u);
    nh_wr8(&H, TPPOLL, 0x40);
    nh_wr32(&H, RDSAR, 0xfffff000u);
    nh_inject(&H, f, sizeof(f));
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 0);
    nh_fini(&H);
}

TEST(set_link_seen_by_driver)
{
    setup(true);
    cp_setup(4);
    CHECK(nh_rd16(&H, BMSR) & 4);
    CHECK_EQ_INT(nh_rd8(&H, MSR) & 4, 0);
    net_port_set_link(&H.peer, false);
    CHECK_EQ_INT(nh_rd16(&H, BMSR) & 4, 0);
    CHECK_EQ_INT(nh_rd8(&H, MSR) & 4, 4);
    CHECK(nh_rd16(&H, ISR) & 0x20);
    CHECK_EQ_INT(H.intx, 1);
    nh_wr16(&H, ISR, 0x20);
    net_port_set_link(&H.peer, true);
    CHECK(nh_rd16(&H, BMSR) & 4);
    CHECK(nh_rd16(&H, ISR) & 0x20);
    nh_fini(&H);
}
