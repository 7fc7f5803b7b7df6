/* The e1000 (82540EM) model driven the way Linux's e1000 driver drives it:
 * Microwire EEPROM bit-banging and EERD, MDIC PHY reads, RX and TX rings
 * programmed through registers, frames injected from a peer port and the
 * DMA'd bytes, write-backs, interrupts and statistics checked; checksum
 * offload and TSO; set_link; malformed rings and DMA outside RAM. */
#include "check.h"
#include "nic_harness.h"

enum {
    CTRL = 0x0000, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014, MDIC = 0x0020, ICR = 0x00c0,
    ICS = 0x00c8, IMS = 0x00d0, IMC = 0x00d8, RCTL = 0x0100, TCTL = 0x0400, RDBAL = 0x2800,
    RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, TDBAL = 0x3800, TDBAH = 0x3804,
    TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, GPRC = 0x4074, BPRC = 0x4078, GPTC = 0x4080,
    GORCL = 0x4088, GORCH = 0x408c, RNBC = 0x40a0, TPR = 0x40d0, TPT = 0x40d4, TSCTC = 0x40f8,
    RXCSUM = 0x5000, MTA = 0x5200, RAL0 = 0x5400, RAH0 = 0x5404,
};

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

#define RX_RING 0x10000u
#define TX_RING 0x11000u
#define RX_BUFS 0x100000u
#define TX_BUFS 0x200000u

static struct nic_harness H;

static void setup(void)
{
    char err[200];
    nh_init(&H);
    struct nic *n = e1000_create(&H.env, "e1000.0", MAC, NULL, 0, err, sizeof(err));
    nh_attach(&H, n);
}

/* The RX ring of n descriptors with 2 KiB buffers, RDT = n - 1 (all but one
 * given to the hardware, as Linux's e1000_alloc_rx_buffers leaves it). */
static void rx_setup(unsigned n, uint32_t rctl_extra)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t a = RX_BUFS + i * 2048u;
        memcpy(nh_ram(&H, RX_RING + i * 16), &a, 8);
        memset(nh_ram(&H, RX_RING + i * 16 + 8), 0, 8);
    }
    nh_wr32(&H, RDBAL, RX_RING);
    nh_wr32(&H, RDBAH, 0);
    nh_wr32(&H, RDLEN, n * 16);
    nh_wr32(&H, RDH, 0);
    nh_wr32(&H, RDT, n - 1);
    nh_wr32(&H, IMS, 0x9d);  /* RXT0 | TXDW | RXDMT0 | RXSEQ | LSC */
    nh_wr32(&H, RCTL, 0x2 | 0x8000 | rctl_extra);   /* EN | BAM, 2048-byte buffers */
}

static void tx_setup(unsigned n)
{
    memset(nh_ram(&H, TX_RING), 0, n * 16);
    nh_wr32(&H, TDBAL, TX_RING);
    nh_wr32(&H, TDBAH, 0);
    nh_wr32(&H, TDLEN, n * 16);
    nh_wr32(&H, TDH, 0);
    nh_wr32(&H, TDT, 0);
    nh_wr32(&H, TCTL, 0x2 | 0x8 | (0x0f << 4) | (0x40 << 12));  /* EN | PSP | CT | COLD */
}

static void tx_desc(unsigned i, uint64_t addr, uint32_t lower, uint32_t upper)
{
    uint8_t *d = nh_ram(&H, TX_RING + i * 16);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &lower, 4);
    memcpy(d + 12, &upper, 4);
}

TEST(pci_identity)
{
    setup();
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, 0, 4), 0x100e8086);
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, 0x08, 4) >> 8, 0x020000);
    CHECK_EQ_INT(H.dev->devfn, PCI_DEVFN(3, 0));
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, PCI_INTERRUPT_PIN, 1), 1);
    /* STATUS: link up, full duplex, 1000 Mb/s. */
    uint32_t st = nh_rd32(&H, STATUS);
    CHECK((st & 3) == 3);
    CHECK_EQ_INT((st >> 6) & 3, 2);
    /* RAL0/RAH0 hold the MAC from the EEPROM with Address Valid. */
    CHECK_EQ_INT(nh_rd32(&H, RAL0), 0x12005452);
    CHECK_EQ_INT(nh_rd32(&H, RAH0), 0x80005634);
    nh_fini(&H);
}

/* Linux's e1000_shift_out_ee_bits / e1000_shift_in_ee_bits. */
static void ee_clock(uint32_t *eecd, int up)
{
    *eecd = up ? (*eecd | 1) : (*eecd & ~1u);
    nh_wr32(&H, EECD, *eecd);
}

static uint16_t ee_read_word(unsigned addr)
{
    uint32_t eecd = nh_rd32(&H, EECD) | 0x40;   /* EE_REQ */
    nh_wr32(&H, EECD, eecd);
    if (!(nh_rd32(&H, EECD) & 0x80))              /* EE_GNT */
        return 0xdead;
    eecd = (eecd & ~0xfu) | 0x2;                   /* CS */
    nh_wr32(&H, EECD, eecd);
    uint32_t out = (0x6u << 6) | addr;             /* start + READ + 6-bit address */
    for (int i = 8; i >= 0; i--) {
        eecd = (out >> i & 1) ? (eecd | 4) : (eecd & ~4u);
        nh_wr32(&H, EECD, eecd);
        ee_clock(&eecd, 1);
        ee_clock(&eecd, 0);
    }
    eecd &= ~4u;
    nh_wr32(&H, EECD, eecd);
    uint16_t data = 0;
    for (int i = 0; i < 16; i++) {
        data = (uint16_t)(data << 1);
        ee_clock(&eecd, 1);
        if (nh_rd32(&H, EECD) & 8)
            data |= 1;
        ee_clock(&eecd, 0);
    }
    nh_wr32(&H, EECD, eecd & ~0x42u);   /* deselect, release */
    return data;
}

TEST(eeprom_microwire_and_eerd)
{
    setup();
    uint16_t sum = 0;
    uint16_t w[64];
    for (unsigned i = 0; i < 64; i++) {
        w[i] = ee_read_word(i);
        sum = (uint16_t)(sum + w[i]);
    }
    CHECK_EQ_INT(sum, 0xbaba);
    CHECK_EQ_INT(w[0], 0x5452);
    CHECK_EQ_INT(w[1], 0x1200);
    CHECK_EQ_INT(w[2], 0x5634);
    CHECK_EQ_INT(w[0x0d], 0x100e);
    CHECK_EQ_INT(w[0x0e], 0x8086);
    /* EERD (iPXE's path): start, address 2, done bit and data in 31:16. */
    nh_wr32(&H, EERD, 1 | 2 << 8);
    uint32_t v = nh_rd32(&H, EERD);
    CHECK(v & 0x10);
    CHECK_EQ_INT(v >> 16, 0x5634);
    nh_fini(&H);
}

static uint32_t mdic(uint32_t op, uint32_t phy, uint32_t r, uint16_t data)
{
    nh_wr32(&H, MDIC, op << 26 | phy << 21 | r << 16 | data);
    return nh_rd32(&H, MDIC);
}

TEST(phy_through_mdic)
{
    setup();
    uint32_t v = mdic(2, 1, 2, 0);
    CHECK(v & (1u << 28));
    CHECK(!(v & (1u << 30)));
    CHECK_EQ_INT(v & 0xffff, 0x0141);
    CHECK_EQ_INT(mdic(2, 1, 3, 0) & 0xfff0, 0x0c20);   /* M88E1011 */
    CHECK(mdic(2, 1, 1, 0) & 0x0004);                  /* link status */
    CHECK(mdic(2, 1, 1, 0) & 0x0020);                  /* autoneg complete */
    /* Another PHY address answers with the error bit, as Linux probes. */
    CHECK(mdic(2, 2, 2, 0) & (1u << 30));
    /* Write and read back an advertisement register; reset self-clears. */
    mdic(1, 1, 4, 0x01e1);
    CHECK_EQ_INT(mdic(2, 1, 4, 0) & 0xffff, 0x01e1);
    mdic(1, 1, 0, 0x8000 | 0x1140);
    CHECK(!(mdic(2, 1, 0, 0) & 0x8000));
    nh_fini(&H);
}

TEST(rx_frames_dma_interrupt_counters)
{
    setup();
    rx_setup(8, 0);
    CHECK_EQ_INT(H.intx, 0);
    uint8_t f[1514];
    nh_make_frame(f, MAC, sizeof(f), 1);
    CHECK(nh_inject(&H, f, sizeof(f)));
    /* Bytes in the first buffer, FCS appended (Linux strips 4 bytes). */
    CHECK(memcmp(nh_ram(&H, RX_BUFS), f, sizeof(f)) == 0);
    uint32_t crc = nic_crc32(f, sizeof(f));
    CHECK(memcmp(nh_ram(&H, RX_BUFS + sizeof(f)), &crc, 4) == 0);
    uint8_t *d = nh_ram(&H, RX_RING);
    CHECK_EQ_INT(d[8] | d[9] << 8, 1518);
    CHECK_EQ_INT(d[12] & 0x3, 0x3);      /* DD | EOP */
    CHECK_EQ_INT(nh_rd32(&H, RDH), 1);
    CHECK_EQ_INT(H.intx, 1);
    uint32_t icr = nh_rd32(&H, ICR);
    CHECK(icr & 0x80);                   /* RXT0 */
    CHECK_EQ_INT(H.intx, 0);             /* reading ICR deasserts */
    /* A short broadcast is padded to 60 bytes (+ FCS). */
    uint8_t s[42];
    nh_make_frame(s, BCAST, sizeof(s), 2);
    nh_inject(&H, s, sizeof(s));
    d = nh_ram(&H, RX_RING + 16);
    CHECK_EQ_INT(d[8] | d[9] << 8, 64);
    CHECK(memcmp(nh_ram(&H, RX_BUFS + 2048), s, sizeof(s)) == 0);
    CHECK_EQ_INT(nh_ram(&H, RX_BUFS + 2048)[59], 0);
    /* A unicast for another MAC is filtered; promiscuous (UPE) takes it. */
    uint8_t other[6] = {0x52, 0x54, 0, 0, 0, 9};
    nh_make_frame(f, other, 100, 3);
    nh_inject(&H, f, 100);
    CHECK_EQ_INT(nh_rd32(&H, RDH), 2);
    nh_wr32(&H, RCTL, nh_rd32(&H, RCTL) | 0x8);
    nh_inject(&H, f, 100);
    CHECK_EQ_INT(nh_rd32(&H, RDH), 3);
    /* Multicast through the MTA hash (MO = 0: bits 47:36 of the address). */
    uint8_t mc[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};
    uint32_t hsh = ((mc[4] >> 4) | (mc[5] << 4)) & 0xfff;
    nh_wr32(&H, RCTL, nh_rd32(&H, RCTL) & ~0x8u);
    nh_make_frame(f, mc, 80, 4);
    nh_inject(&H, f, 80);
    CHECK_EQ_INT(nh_rd32(&H, RDH), 3);
    nh_wr32(&H, MTA + (hsh >> 5) * 4, 1u << (hsh & 31));
    nh_inject(&H, f, 80);
    CHECK_EQ_INT(nh_rd32(&H, RDH), 4);
    /* Statistics, clear on read. */
    CHECK_EQ_INT(nh_rd32(&H, GPRC), 4);
    CHECK_EQ_INT(nh_rd32(&H, GPRC), 0);
    CHECK_EQ_INT(nh_rd32(&H, BPRC), 1);
    CHECK_EQ_INT(nh_rd32(&H, TPR), 4);
    CHECK_EQ_INT(nh_rd32(&H, GORCL), 1518 + 64 + 104 + 84);
    CHECK_EQ_INT(nh_rd32(&H, GORCH), 0);
    CHECK_EQ_INT(nh_rd32(&H, GORCL), 0);
    nh_fini(&H);
}

TEST(rx_multi_descriptor_frame)
{
    setup();
    rx_setup(8, 3u << 16);   /* BSIZE 256 */
    uint8_t f[600];
    nh_make_frame(f, MAC, sizeof(f), 5);
    nh_inject(&H, f, sizeof(f));
    /* 604 bytes in 256-byte buffers: three descriptors, EOP on the last. */
    CHECK_EQ_INT(nh_rd32(&H, RDH), 3);
    CHECK_EQ_INT(nh_ram(&H, RX_RING + 12)[0], 1);
    CHECK_EQ_INT(nh_ram(&H, RX_RING + 32 + 12)[0] & 3, 3);
    CHECK_EQ_INT(nh_ram(&H, RX_RING + 32 + 8)[0], 604 - 512);
    CHECK(memcmp(nh_ram(&H, RX_BUFS + 2048), f + 256, 256) == 0);
    nh_fini(&H);
}

TEST(rx_ring_full_backpressure_then_refill)
{
    setup();
    rx_setup(8, 0);   /* 7 descriptors for the hardware */
    uint8_t f[100];
    for (int i = 0; i < 9; i++) {
        nh_make_frame(f, MAC, sizeof(f), (uint8_t)i);
        CHECK(nh_inject(&H, f, sizeof(f)));   /* the last two are queued */
    }
    CHECK_EQ_INT(nh_rd32(&H, RDH), 7);
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 2);
    /* The driver consumes and gives back the buffers (RDT write). */
    nh_wr32(&H, RDT, 6);
    CHECK_EQ_INT(nh_rd32(&H, RDH), 1);   /* 7 -> 0 -> 1 */
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 0);
    nh_make_frame(f, MAC, sizeof(f), 8);
    CHECK(memcmp(nh_ram(&H, RX_BUFS + 0 * 2048), f, sizeof(f)) == 0);
    /* RXDMT0 was signalled as the free descriptors ran low. */
    CHECK(nh_rd32(&H, ICR) & 0x10);
    nh_fini(&H);
}

TEST(tx_legacy_descriptors)
{
    setup();
    tx_setup(8);
    nh_wr32(&H, IMS, 0x1);
    uint8_t f[300];
    nh_make_frame(f, BCAST, sizeof(f), 9);
    memcpy(nh_ram(&H, TX_BUFS), f, 100);
    memcpy(nh_ram(&H, TX_BUFS + 0x1000), f + 100, 200);
    /* Two descriptors: the second has EOP | IFCS | RS. */
    tx_desc(0, TX_BUFS, 100 | 0x02u << 24, 0);
    tx_desc(1, TX_BUFS + 0x1000, 200 | 0x0bu << 24, 0);
    nh_wr32(&H, TDT, 2);
    CHECK_EQ_INT(H.nframes, 1);
    CHECK_EQ_INT(H.lens[0], 300);
    CHECK(H.nframes == 1 && memcmp(H.frames[0], f, 300) == 0);
    CHECK_EQ_INT(nh_rd32(&H, TDH), 2);
    CHECK_EQ_INT(nh_ram(&H, TX_RING + 16 + 12)[0] & 1, 1);   /* DD written back */
    CHECK_EQ_INT(nh_ram(&H, TX_RING + 12)[0] & 1, 0);        /* no RS: untouched */
    CHECK_EQ_INT(H.intx, 1);
    CHECK(nh_rd32(&H, ICR) & 1);                              /* TXDW */
    CHECK_EQ_INT(nh_rd32(&H, GPTC), 1);
    CHECK_EQ_INT(nh_rd32(&H, TPT), 1);
    /* Wrap-around of the ring. */
    for (int i = 0; i < 10; i++) {
        unsigned slot = (2 + i) % 8;
        tx_desc(slot, TX_BUFS, 60 | 0x0bu << 24, 0);
        nh_wr32(&H, TDT, (2 + i + 1) % 8);
    }
    CHECK_EQ_INT(H.nframes, 11);
    CHECK_EQ_INT(nh_rd32(&H, TDH), 4);
    nh_free_frames(&H);
    nh_fini(&H);
}

/* A UDP/IPv4 frame with zeroed checksums and the UDP pseudo-header seeded
 * the way Linux does for CHECKSUM_PARTIAL. */
static size_t make_udp(uint8_t *f, size_t payload, bool seed)
{
    memset(f, 0, 42);
    memcpy(f, BCAST, 6);
    memcpy(f + 6, MAC, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    size_t tot = 20 + 8 + payload;
    f[16] = (uint8_t)(tot >> 8);
    f[17] = (uint8_t)tot;
    f[22] = 64;
    f[23] = 17;
    uint8_t ips[8] = {10, 0, 2, 15, 10, 0, 2, 2};
    memcpy(f + 26, ips, 8);
    f[34] = 0x12, f[35] = 0x34, f[36] = 0x00, f[37] = 0x35;
    f[38] = (uint8_t)((8 + payload) >> 8);
    f[39] = (uint8_t)(8 + payload);
    for (size_t i = 0; i < payload; i++)
        f[42 + i] = (uint8_t)(i * 13);
    if (seed) {
        uint32_t s = nic_csum_add(0, f + 26, 8) + 17 + (uint32_t)(8 + payload);
        uint16_t ps = (uint16_t)~nic_csum_fold(s);
        f[40] = (uint8_t)(ps >> 8);
        f[41] = (uint8_t)ps;
    }
    return 42 + payload;
}

static bool ip_ok(const uint8_t *f) { return nic_csum_fold(nic_csum_add(0, f + 14, 20)) == 0; }
static bool l4_ok(const uint8_t *f, size_t len, uint8_t proto)
{
    size_t l4 = len - 34;
    uint32_t s = nic_csum_add(0, f + 26, 8) + proto + (uint32_t)l4;
    return nic_csum_fold(nic_csum_add(s, f + 34, l4)) == 0;
}

TEST(tx_checksum_offload_context)
{
    setup();
    tx_setup(8);
    uint8_t f[200];
    size_t len = make_udp(f, 150, true);
    memcpy(nh_ram(&H, TX_BUFS), f, len);
    /* Context: IPCSS 14, IPCSO 24, IPCSE 33, TUCSS 34, TUCSO 40, TUCSE 0. */
    uint8_t *c = nh_ram(&H, TX_RING);
    c[0] = 14, c[1] = 24, c[2] = 33, c[3] = 0, c[4] = 34, c[5] = 40, c[6] = 0, c[7] = 0;
    uint32_t lower = 0x20u << 24 | 0x02u << 24;   /* DEXT | TUCMD.IP, DTYP 0 */
    memcpy(c + 8, &lower, 4);
    memset(c + 12, 0, 4);
    /* Data: DTYP 1, DCMD EOP | IFCS | RS | DEXT, POPTS IXSM | TXSM. */
    tx_desc(1, TX_BUFS, (uint32_t)len | 1u << 20 | 0x2bu << 24, 0x03u << 8);
    nh_wr32(&H, TDT, 2);
    CHECK_EQ_INT(H.nframes, 1);
    CHECK(H.nframes == 1 && ip_ok(H.frames[0]));
    CHECK(H.nframes == 1 && l4_ok(H.frames[0], len, 17));
    CHECK(H.nframes == 1 && memcmp(H.frames[0] + 42, f + 42, 150) == 0);
    nh_free_frames(&H);
    nh_fini(&H);
}

TEST(tx_tso_segments)
{
    setup();
    tx_setup(8);
    /* Ethernet + IPv4 + TCP (20) header, 3000 bytes of payload, MSS 1000. */
    uint8_t f[54 + 3000];
    memset(f, 0, 54);
    memcpy(f, BCAST, 6);
    memcpy(f + 6, MAC, 6);
    f[12] = 0x08;
    f[14] = 0x45;
    f[18] = 0x12, f[19] = 0x34;   /* IP ID */
    f[22] = 64;
    f[23] = 6;
    uint8_t ips[8] = {10, 0, 2, 15, 10, 0, 2, 2};
    memcpy(f + 26, ips, 8);
    f[34] = 0x80, f[35] = 0x00, f[36] = 0x00, f[37] = 0x50;
    f[38] = 0x10, f[39] = 0x00, f[40] = 0x00, f[41] = 0x00;   /* seq 0x10000000 */
    f[46] = 0x50;                  /* data offset 5 */
    f[47] = 0x18 | 0x01;           /* ACK | PSH | FIN */
    f[48] = 0xff, f[49] = 0xff;
    for (int i = 0; i < 3000; i++)
        f[54 + i] = (uint8_t)(i * 3 + 1);
    /* Linux: tot_len 0, IP checksum 0, TCP checksum = pseudo header without length. */
    uint32_t ps = nic_csum_add(0, f + 26, 8) + 6;
    uint16_t pv = (uint16_t)~nic_csum_fold(ps);
    f[50] = (uint8_t)(pv >> 8);
    f[51] = (uint8_t)pv;
    memcpy(nh_ram(&H, TX_BUFS), f, sizeof(f));
    uint8_t *c = nh_ram(&H, TX_RING);
    c[0] = 14, c[1] = 24, c[2] = 33, c[3] = 0, c[4] = 34, c[5] = 50, c[6] = 0, c[7] = 0;
    uint32_t lower = 3000u | (0x20u | 0x04 | 0x02 | 0x01) << 24;   /* DEXT TSE IP TCP */
    memcpy(c + 8, &lower, 4);
    c[12] = 0;
    c[13] = 54;                    /* HDRLEN */
    c[14] = 1000 & 0xff, c[15] = 1000 >> 8;   /* MSS */
    /* Header and payload in two data descriptors. */
    tx_desc(1, TX_BUFS, 54u | 1u << 20 | 0x26u << 24, 0x03u << 8);
    tx_desc(2, TX_BUFS + 54, 3000u | 1u << 20 | 0x2fu << 24, 0x03u << 8);
    nh_wr32(&H, TDT, 3);
    CHECK_EQ_INT(H.nframes, 3);
    for (int i = 0; i < H.nframes && i < 3; i++) {
        const uint8_t *g = H.frames[i];
        CHECK_EQ_INT(H.lens[i], 1054);
        CHECK_EQ_INT(g[16] << 8 | g[17], 1040);           /* total length */
        CHECK_EQ_INT(g[18] << 8 | g[19], 0x1234 + i);     /* IP ID increments */
        CHECK(ip_ok(g));
        CHECK(l4_ok(g, 1054, 6));
        uint32_t seq = (uint32_t)g[38] << 24 | g[39] << 16 | g[40] << 8 | g[41];
        CHECK_EQ_INT(seq, 0x10000000u + 1000u * (unsigned)i);
        CHECK_EQ_INT(g[47], i == 2 ? 0x19 : 0x10);        /* PSH/FIN on the last only */
        CHECK(memcmp(g + 54, f + 54 + 1000 * i, 1000) == 0);
    }
    CHECK_EQ_INT(nh_rd32(&H, TSCTC), 1);
    CHECK_EQ_INT(nh_rd32(&H, GPTC), 3);
    nh_free_frames(&H);
    nh_fini(&H);
}

TEST(rx_checksum_offload)
{
    setup();
    rx_setup(8, 0);
    nh_wr32(&H, RXCSUM, 0x300);   /* IPOFL | TUOFL */
    uint8_t f[200];
    memcpy(f, BCAST, 6);
    size_t len = make_udp(f, 100, false);
    uint16_t ic = nic_csum_fold(nic_csum_add(0, f + 14, 20));
    f[24] = (uint8_t)(ic >> 8), f[25] = (uint8_t)ic;
    uint32_t s = nic_csum_add(0, f + 26, 8) + 17 + 108;
    uint16_t uc = nic_csum_fold(nic_csum_add(s, f + 34, 108));
    f[40] = (uint8_t)(uc >> 8), f[41] = (uint8_t)uc;
    nh_inject(&H, f, len);
    uint8_t *d = nh_ram(&H, RX_RING);
    CHECK_EQ_INT(d[12], 0x63);   /* DD EOP IPCS TCPCS */
    CHECK_EQ_INT(d[13], 0);
    f[60] ^= 1;                  /* corrupt the payload */
    nh_inject(&H, f, len);
    d = nh_ram(&H, RX_RING + 16);
    CHECK_EQ_INT(d[13], 0x20);   /* TCPE */
    nh_fini(&H);
}

TEST(set_link_seen_by_driver)
{
    setup();
    rx_setup(8, 0);
    nh_rd32(&H, ICR);
    net_port_set_link(&H.nic->port, false);
    CHECK_EQ_INT(nh_rd32(&H, STATUS) & 2, 0);
    CHECK_EQ_INT(mdic(2, 1, 1, 0) & 4, 0);
    CHECK_EQ_INT(H.intx, 1);
    CHECK(nh_rd32(&H, ICR) & 4);   /* LSC */
    /* While down nothing is received. */
    uint8_t f[64];
    nh_make_frame(f, MAC, sizeof(f), 1);
    nh_inject(&H, f, sizeof(f));
    CHECK_EQ_INT(nh_rd32(&H, RDH), 0);
    net_port_set_link(&H.nic->port, true);
    CHECK_EQ_INT(nh_rd32(&H, STATUS) & 2, 2);
    CHECK(nh_rd32(&H, ICR) & 4);
    /* The peer's link going down is seen as well. */
    net_port_set_link(&H.peer, false);
    CHECK_EQ_INT(nh_rd32(&H, STATUS) & 2, 0);
    net_port_set_link(&H.peer, true);
    nh_fini(&H);
}

TEST(malformed_rings_are_dropped_with_counters)
{
    setup();
    rx_setup(8, 0);
    uint8_t f[100];
    nh_make_frame(f, MAC, sizeof(f), 1);
    /* RDH beyond the ring. */
    nh_wr32(&H, RDH, 40);
    CHECK(nh_inject(&H, f, sizeof(f)));
    CHECK(H.nic->bad_desc >= 1);
    CHECK_EQ_INT(net_port_queued(&H.nic->port), 0);
    /* The ring outside RAM. */
    nh_wr32(&H, RDH, 0);
    nh_wr32(&H, RDBAL, 0xfff00000u);
    nh_inject(&H, f, sizeof(f));
    CHECK(H.nic->bad_dma >= 1);
    /* A buffer address outside RAM. */
    nh_wr32(&H, RDBAL, RX_RING);
    nh_wr32(&H, RDH, 0);
    uint64_t bad = 0xfffffff000ull;
    memcpy(nh_ram(&H, RX_RING), &bad, 8);
    uint64_t before = H.nic->bad_dma;
    nh_inject(&H, f, sizeof(f));
    CHECK(H.nic->bad_dma > before);
    /* TX: a buffer outside RAM, a zero-length ring, a huge length. */
    tx_setup(8);
    tx_desc(0, 0xfffffff000ull, 100 | 0x0bu << 24, 0);
    tx_desc(1, TX_BUFS, 0xffff | 0x0bu << 24, 0);
    tx_desc(2, TX_BUFS, 0xffff | 0x02u << 24, 0);   /* no EOP: chain too long */
    tx_desc(3, TX_BUFS, 0xffff | 0x0bu << 24, 0);
    nh_wr32(&H, TDT, 4);
    CHECK_EQ_INT(nh_rd32(&H, TDH), 4);
    CHECK_EQ_INT(H.nframes, 1);          /* only the 65535-byte frame went out */
    CHECK(H.nframes < 1 || H.lens[0] == 0xffff);
    nh_wr32(&H, TDLEN, 0);
    nh_wr32(&H, TDT, 5);
    CHECK_EQ_INT(H.nframes, 1);
    /* 64-bit ring addresses above RAM. */
    nh_wr32(&H, TDLEN, 128);
    nh_wr32(&H, TDBAH, 0x10);
    nh_wr32(&H, TDT, 6);
    CHECK(H.nic->bad_dma >= 3);
    nh_free_frames(&H);
    nh_fini(&H);
}

TEST(ctrl_reset_restores_defaults)
{
    setup();
    rx_setup(8, 0);
    nh_wr32(&H, RAL0, 0x11223344);
    nh_wr32(&H, CTRL, nh_rd32(&H, CTRL) | (1u << 26));
    CHECK_EQ_INT(nh_rd32(&H, CTRL) & (1u << 26), 0);
    CHECK_EQ_INT(nh_rd32(&H, RCTL), 0);
    CHECK_EQ_INT(nh_rd32(&H, IMS), 0);
    CHECK_EQ_INT(nh_rd32(&H, RAL0), 0x12005452);
    /* I/O BAR: IOADDR/IODATA reach the same registers. */
    nh_out(&H, NH_BAR_IO, RAL0, 4);
    CHECK_EQ_INT(nh_in(&H, NH_BAR_IO + 4, 4), 0x12005452);
    nh_out(&H, NH_BAR_IO, ICS, 4);
    nh_wr32(&H, IMS, 0x8);
    nh_out(&H, NH_BAR_IO + 4, 0x8, 4);
    CHECK_EQ_INT(H.intx, 1);
    nh_wr32(&H, IMC, 0xffffffff);
    CHECK_EQ_INT(H.intx, 0);
    nh_fini(&H);
}
