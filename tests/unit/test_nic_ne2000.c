/* The NE2000 models driven as Linux's ne (ISA probe at 0x300: 8390 check,
 * reset port, PROM signature, IRQ autoprobe) and 8390/ne2k-pci drivers do:
 * NS8390_init, packets read from the ring through remote DMA (also across
 * PSTOP), transmit through remote write + TXP, overflow back-pressure, and
 * malformed settings. */
#include "check.h"
#include "nic_harness.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x58};
static struct nic_harness H;
static uint16_t base;

static uint8_t inb(unsigned r) { return (uint8_t)nh_in(&H, (uint16_t)(base + r), 1); }
static void outb(unsigned r, uint8_t v) { nh_out(&H, (uint16_t)(base + r), v, 1); }
static uint16_t inw(unsigned r) { return (uint16_t)nh_in(&H, (uint16_t)(base + r), 2); }
static void outw(unsigned r, uint16_t v) { nh_out(&H, (uint16_t)(base + r), v, 2); }

#define TX_PAGE 0x40
#define RX_START 0x46
#define RX_STOP 0x80

static void setup_isa(void)
{
    char err[200];
    nh_init(&H);
    struct nic *n = ne2k_isa_create(&H.env, "ne.0", MAC, 0x300, 9, err, sizeof(err));
    nh_attach(&H, n);
    base = 0x300;
}

static void setup_pci(void)
{
    char err[200];
    nh_init(&H);
    struct nic *n = ne2k_pci_create(&H.env, "ne.0", MAC, NULL, 0, err, sizeof(err));
    nh_attach(&H, n);
    base = NH_BAR_IO;
}

/* Linux 8390.c NS8390_init(dev, 1) for a word-wide NE2000. */
static void ns8390_init(void)
{
    outb(0, 0x21);                     /* page 0, no DMA, stop */
    outb(0x0e, 0x49);                  /* DCR: word-wide, normal, FIFO 8 */
    outb(0x0a, 0);
    outb(0x0b, 0);
    outb(0x0c, 0x20);                  /* RCR: monitor */
    outb(0x0d, 0x02);                  /* TCR: internal loopback */
    outb(0x04, TX_PAGE);
    outb(0x01, RX_START);
    outb(0x03, RX_STOP - 1);           /* BNRY */
    outb(0x02, RX_STOP);
    outb(0x07, 0xff);
    outb(0x0f, 0);
    outb(0, 0x61);                     /* page 1 */
    for (int i = 0; i < 6; i++)
        outb(1 + (unsigned)i, MAC[i]);
    outb(0x07, RX_START);              /* CURR */
    outb(0, 0x21);
    outb(0x07, 0xff);
    outb(0x0f, 0x3f);                  /* IMR: all but RDC */
    outb(0, 0x22);                     /* start */
    outb(0x0d, 0x00);                  /* TCR normal */
    outb(0x0c, 0x04);                  /* RCR: broadcasts */
}

/* ne_block_input: remote read of count bytes from addr in word mode. */
static void block_input(unsigned addr, uint8_t *buf, unsigned count)
{
    outb(0, 0x22);
    outb(0x0a, (uint8_t)count);
    outb(0x0b, (uint8_t)(count >> 8));
    outb(0x08, (uint8_t)addr);
    outb(0x09, (uint8_t)(addr >> 8));
    outb(0, 0x0a);                     /* remote read, start */
    for (unsigned i = 0; i + 1 < count + 1; i += 2) {
        uint16_t w = inw(0x10);
        buf[i] = (uint8_t)w;
        if (i + 1 < count)
            buf[i + 1] = (uint8_t)(w >> 8);
    }
    outb(0x07, 0x40);                  /* ack RDC */
}

static void block_output(unsigned addr, const uint8_t *buf, unsigned count)
{
    outb(0, 0x22);
    outb(0x07, 0x40);
    outb(0x0a, (uint8_t)count);
    outb(0x0b, (uint8_t)(count >> 8));
    outb(0x08, (uint8_t)addr);
    outb(0x09, (uint8_t)(addr >> 8));
    outb(0, 0x12);                     /* remote write, start */
    for (unsigned i = 0; i < count; i += 2)
        outw(0x10, (uint16_t)(buf[i] | (i + 1 < count ? buf[i + 1] << 8 : 0)));
}

TEST(isa_linux_ne_probe)
{
    setup_isa();
    /* ne_probe1: the register at the base is not 0xff; the 8390 check. */
    uint8_t reg0 = inb(0);
    CHECK(reg0 != 0xff);
    outb(0, 0x61);
    (void)inb(0x0d);
    outb(0x0d, 0xff);
    outb(0, 0x20);
    (void)inb(0x0d);
    CHECK_EQ_INT(inb(0x0d), 0);
    /* Reset through the reset port, acknowledged in ISR. */
    outb(0x1f, inb(0x1f));
    CHECK(inb(0x07) & 0x80);
    outb(0x07, 0xff);
    /* The station address PROM, byte-wide (DCR 0x48). */
    outb(0, 0x21);
    outb(0x0e, 0x48);
    outb(0x0a, 32);
    outb(0x0b, 0);
    outb(0x08, 0);
    outb(0x09, 0);
    outb(0, 0x0a);
    uint8_t prom[32];
    for (int i = 0; i < 32; i++)
        prom[i] = inb(0x10);
    for (int i = 0; i < 6; i++) {
        CHECK_EQ_INT(prom[2 * i], MAC[i]);
        CHECK_EQ_INT(prom[2 * i + 1], MAC[i]);
    }
    /* ne.c undoubles (SA_prom[i] = SA_prom[2i]) and wants 0x57 at 14 and 15. */
    CHECK_EQ_INT(prom[28], 0x57);
    CHECK_EQ_INT(prom[30], 0x57);
    CHECK(inb(0x07) & 0x40);           /* RDC after 32 bytes */
    /* IRQ autoprobe: zero-length remote read with RDC unmasked. */
    outb(0x07, 0xff);
    outb(0x0f, 0x50);
    outb(0x0a, 0);
    outb(0x0b, 0);
    outb(0, 0x0a);
    CHECK_EQ_INT(H.isa_irq[9], 1);
    outb(0x07, 0xff);
    CHECK_EQ_INT(H.isa_irq[9], 0);
    nh_fini(&H);
}

static void rx_tx_exercise(void)
{
    ns8390_init();
    uint8_t f[1100], b[1200];
    static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    /* 30 frames: the 58-page ring wraps several times; the driver reads
     * each as 8390.c's ei_receive does. */
    for (int k = 0; k < 30; k++) {
        size_t len = nh_make_frame(f, (k & 1) ? bc : MAC, 200 + (size_t)k * 29, (uint8_t)k);
        CHECK(nh_inject(&H, f, len));
        CHECK(inb(0x07) & 0x01);       /* PRX */
        outb(0, 0x62);
        uint8_t curr = inb(0x07);
        outb(0, 0x22);
        uint8_t bnry = inb(0x03);
        uint8_t this_frame = (uint8_t)(bnry + 1 >= RX_STOP ? RX_START : bnry + 1);
        CHECK(this_frame != curr);
        uint8_t hdr[4];
        block_input((unsigned)this_frame << 8, hdr, 4);
        unsigned count = (unsigned)(hdr[2] | hdr[3] << 8);
        CHECK_EQ_INT(hdr[0] & 1, 1);
        CHECK_EQ_INT(count, len + 4);
        CHECK_EQ_INT(hdr[1], curr);
        block_input(((unsigned)this_frame << 8) + 4, b, (unsigned)len);
        CHECK(memcmp(b, f, len) == 0);
        uint8_t next = hdr[1];
        outb(0x03, (uint8_t)(next == RX_START ? RX_STOP - 1 : next - 1));
        outb(0x07, 0x01);              /* ei_receive acknowledges after reading */
        CHECK_EQ_INT(inb(0x07) & 0x01, 0);
    }
    CHECK_EQ_INT(H.intx || H.isa_irq[9], 0);
    /* Transmit: copy to the TX page, TBCR, TXP. */
    nh_make_frame(f, bc, 600, 77);
    block_output(TX_PAGE << 8, f, 600);
    CHECK(inb(0x07) & 0x40);
    outb(0x05, 600 & 0xff);
    outb(0x06, 600 >> 8);
    outb(0x04, TX_PAGE);
    outb(0, 0x26);                     /* TXP */
    CHECK_EQ_INT(H.nframes, 1);
    CHECK(H.nframes == 1 && H.lens[0] == 600 && memcmp(H.frames[0], f, 600) == 0);
    CHECK(inb(0x07) & 0x02);           /* PTX */
    CHECK_EQ_INT(inb(0x04) & 1, 1);    /* TSR PTX */
    nh_free_frames(&H);
}

TEST(isa_rx_ring_and_tx)
{
    setup_isa();
    rx_tx_exercise();
    nh_fini(&H);
}

TEST(pci_identity_rx_tx)
{
    setup_pci();
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, 0, 4), 0x802910ec);
    CHECK_EQ_INT(pci_config_read(H.pci, H.dev->devfn, PCI_INTERRUPT_PIN, 1), 1);
    outb(0, 0x22);
    CHECK_EQ_INT(inb(0x0a), 0x50);     /* RTL8029 'P' 'C' */
    CHECK_EQ_INT(inb(0x0b), 0x43);
    /* ne2k-pci reads the PROM with byte reads in word mode (DCR 0x49): each
     * read moves a word, so the six reads give the MAC, not doubled bytes. */
    outb(0, 0x21);
    outb(0x0e, 0x49);
    outb(0x08, 0);
    outb(0x09, 0);
    outb(0x0a, 32);
    outb(0x0b, 0);
    outb(0, 0x0a);                     /* remote read, start */
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(inb(0x10), MAC[i]);
    rx_tx_exercise();
    /* An interrupt through INTA. */
    uint8_t f[100];
    nh_make_frame(f, MAC, sizeof(f), 1);
    nh_inject(&H, f, sizeof(f));
    CHECK_EQ_INT(H.intx, 1);
    nh_fini(&H);
}

TEST(ring_full_backpressure_and_bad_settings)
{
    setup_pci();
    ns8390_init();
    uint8_t f[1500];
    /* 58 pages = 14848 bytes: 9 frames of 6 pages fit with the guard. */
    int n = 0;
    for (int k = 0; k < 14; k++) {
        nh_make_frame(f, MAC, sizeof(f), (uint8_t)k);
        nh_inject(&H, f, sizeof(f));
        n++;
    }
    unsigned queued = net_port_queued(&H.nic->port);
    CHECK(queued >= 4);
    /* PRX acknowledged with packets unread stays set: 8390.c reads 10 per
     * interrupt and must be called again (nothing else would raise it). */
    outb(0x07, 0x01);
    CHECK(inb(0x07) & 0x01);
    /* The driver frees everything: BNRY just behind CURR. */
    outb(0, 0x62);
    uint8_t curr = inb(0x07);
    outb(0, 0x22);
    outb(0x03, (uint8_t)(curr == RX_START ? RX_STOP - 1 : curr - 1));
    CHECK(net_port_queued(&H.nic->port) < queued);
    /* Transmit from outside the buffer RAM or too long: dropped, counted. */
    outb(0x04, 0x00);
    outb(0x05, 0x00);
    outb(0x06, 0x08);
    outb(0, 0x26);
    CHECK(inb(0x07) & 0x08);           /* TXE */
    CHECK(H.nic->bad_desc >= 1);
    CHECK_EQ_INT(H.nframes, 0);
    /* A ring outside the RAM: received frames are dropped, not stored. */
    outb(0, 0x21);
    outb(0x01, 0x10);
    outb(0x02, 0xff);
    outb(0, 0x22);
    uint64_t before = H.nic->bad_desc;
    nh_inject(&H, f, 100);
    CHECK(H.nic->bad_desc > before);
    /* Remote DMA beyond the RAM reads 0xff and ignores writes. */
    outb(0x0a, 4);
    outb(0x0b, 0);
    outb(0x08, 0x00);
    outb(0x09, 0xf0);
    outb(0, 0x12);
    outw(0x10, 0x1234);
    outw(0x10, 0x5678);
    (void)n;
    nh_fini(&H);
}
