/* Intel 8254x/8257x/I21x/I22x gigabit Ethernet with legacy descriptors: one
 * ring each way. Follows the PCI/PCI-X Family of Gigabit Ethernet Controllers
 * Software Developer's Manual (8254x SDM, rev 4.0) and the 82574 datasheet
 * (rev 3.4); the I210/I225 entries follow their datasheets' queue-enable rules. */
#include <string.h>

#include "baremu/platform.h"
#include "drivers/net/nic.h"
#include "kernel/mm.h"
#include "kernel/timer.h"

/* Registers (8254x SDM table 13-2). */
enum {
    CTRL = 0x0000, STATUS = 0x0008, EERD = 0x0014, CTRL_EXT = 0x0018,
    ICR = 0x00c0, ITR = 0x00c4, IMS = 0x00d0, IMC = 0x00d8,
    RCTL = 0x0100, TCTL = 0x0400, TIPG = 0x0410,
    RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, RXDCTL = 0x2828,
    TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, TXDCTL = 0x3828,
    MTA = 0x5200, RAL0 = 0x5400, RAH0 = 0x5404,
    MPC = 0x4010,   /* missed packets (statistics, clear on read) */
};
enum {
    CTRL_ASDE = 1u << 5, CTRL_SLU = 1u << 6, CTRL_RST = 1u << 26, CTRL_PHY_RST = 1u << 31,
    STATUS_LU = 1u << 1,
    ICR_TXDW = 1u << 0, ICR_LSC = 1u << 2, ICR_RXDMT0 = 1u << 4, ICR_RXO = 1u << 6, ICR_RXT0 = 1u << 7,
    RCTL_EN = 1u << 1, RCTL_UPE = 1u << 3, RCTL_MPE = 1u << 4, RCTL_BAM = 1u << 15, RCTL_SECRC = 1u << 26,
    TCTL_EN = 1u << 1, TCTL_PSP = 1u << 3,
    XDCTL_ENABLE = 1u << 25,
    RAH_AV = 1u << 31,
};

#define RX_RING 64
#define TX_RING 64

/* Legacy receive descriptor (8254x SDM 3.2.3) and transmit descriptor (3.3.3). */
struct rx_desc {
    uint64_t addr;
    uint16_t length, csum;
    uint8_t status, errors;
    uint16_t special;
};
struct tx_desc {
    uint64_t addr;
    uint16_t length;
    uint8_t cso, cmd, status, css;
    uint16_t special;
};
enum { RXD_DD = 1, RXD_EOP = 2, TXD_EOP = 1, TXD_IFCS = 2, TXD_RS = 8, TXD_DD = 1 };

struct intel {
    volatile void *regs;
    volatile struct rx_desc *rx;
    volatile struct tx_desc *tx;
    uint8_t *rxbuf, *txbuf;
    uint64_t rx_phys, tx_phys, rxbuf_phys, txbuf_phys;
    unsigned rx_next, tx_next, tx_clean;
    uint32_t rctl;
};

static const struct nic_id intel_ids[] = {
    {0x8086, 0x100e, "82540EM", 0},                     /* QEMU -device e1000 */
    {0x8086, 0x100f, "82545EM", NIC_Q_UNTESTED},
    {0x8086, 0x10d3, "82574L", NIC_Q_PCIE},             /* QEMU -device e1000e */
    {0x8086, 0x1533, "I210", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x1539, "I211", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x157b, "I210 (flashless)", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x15f2, "I225-LM", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x15f3, "I225-V", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x125b, "I226-LM", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0x8086, 0x125c, "I226-V", NIC_Q_PCIE | NIC_Q_QUEUE_ENABLE | NIC_Q_NO_ASDE | NIC_Q_UNTESTED},
    {0, 0, NULL, 0},
};

#define R(n, off) nic_rd32(((struct intel *)(n)->priv)->regs, off)
#define W(n, off, v) nic_wr32(((struct intel *)(n)->priv)->regs, off, v)

/* The MAC from receive address 0, which the chip loads from its NVM at reset
 * (8254x SDM 13.4.62); an EEPROM read (EERD, 13.4.4) when it is not valid. */
static void read_mac(struct nic *n)
{
    uint32_t lo = R(n, RAL0), hi = R(n, RAH0);
    if ((hi & RAH_AV) && (lo || (hi & 0xffff))) {
        for (int i = 0; i < 4; i++)
            n->mac[i] = (uint8_t)(lo >> (8 * i));
        n->mac[4] = (uint8_t)hi;
        n->mac[5] = (uint8_t)(hi >> 8);
        return;
    }
    for (int w = 0; w < 3; w++) {
        W(n, EERD, (uint32_t)w << 8 | 1);   /* START, address in bits 15:8 */
        uint32_t v = 0;
        for (int t = 0; t < 1000 && !((v = R(n, EERD)) & 0x10); t++)
            timer_udelay(5);
        n->mac[2 * w] = (uint8_t)(v >> 16);
        n->mac[2 * w + 1] = (uint8_t)(v >> 24);
    }
}

static int intel_open(struct nic *n)
{
    struct intel *e = n->priv;
    e->regs = pci_map_bar(n->pci, 0);
    if (!e->regs) {
        LOGE("intel", "%s: BAR0 is not a mappable memory BAR", n->name);
        return -1;
    }
    /* Global reset (8254x SDM 14.5): mask interrupts first, then RST, which
     * self-clears; the firmware's UEFI driver may have left DMA running. */
    W(n, IMC, 0xffffffff);
    W(n, RCTL, 0);
    W(n, TCTL, 0);
    (void)R(n, STATUS);
    timer_udelay(1000);
    W(n, CTRL, R(n, CTRL) | CTRL_RST);
    timer_udelay(1000);
    for (int t = 0; t < 100 && (R(n, CTRL) & CTRL_RST); t++)
        timer_udelay(100);
    if (R(n, CTRL) & CTRL_RST) {
        LOGE("intel", "%s: reset did not complete", n->name);
        return -1;
    }
    W(n, IMC, 0xffffffff);
    (void)R(n, ICR);
    /* Link: set link up; auto speed detection on the 8254x (14.3). */
    uint32_t ctrl = (R(n, CTRL) | CTRL_SLU) & ~CTRL_PHY_RST;
    if (!(n->id->quirks & NIC_Q_NO_ASDE))
        ctrl |= CTRL_ASDE;
    W(n, CTRL, ctrl);
    read_mac(n);

    e->rx = dma_alloc(RX_RING * sizeof(struct rx_desc), &e->rx_phys);
    e->tx = dma_alloc(TX_RING * sizeof(struct tx_desc), &e->tx_phys);
    if (!e->rxbuf)
        e->rxbuf = dma_alloc(RX_RING * NIC_BUF_SIZE, &e->rxbuf_phys);
    if (!e->txbuf)
        e->txbuf = dma_alloc(TX_RING * NIC_BUF_SIZE, &e->txbuf_phys);
    if (!e->rx || !e->tx || !e->rxbuf || !e->txbuf) {
        LOGE("intel", "%s: no DMA memory for the rings", n->name);
        return -1;
    }
    /* Multicast table cleared; receive address 0 = our MAC, valid (14.4). */
    for (int i = 0; i < 128; i++)
        W(n, MTA + 4 * i, 0);
    W(n, RAL0, (uint32_t)n->mac[0] | (uint32_t)n->mac[1] << 8 | (uint32_t)n->mac[2] << 16 |
                   (uint32_t)n->mac[3] << 24);
    W(n, RAH0, (uint32_t)n->mac[4] | (uint32_t)n->mac[5] << 8 | RAH_AV);

    /* Receive ring (14.4): every descriptor owns a 2 KiB buffer; the tail
     * points one behind the head so the ring is full but never "empty". */
    for (unsigned i = 0; i < RX_RING; i++) {
        e->rx[i].addr = e->rxbuf_phys + (uint64_t)i * NIC_BUF_SIZE;
        e->rx[i].status = 0;
    }
    W(n, RDBAL, (uint32_t)e->rx_phys);
    W(n, RDBAH, (uint32_t)(e->rx_phys >> 32));
    W(n, RDLEN, RX_RING * sizeof(struct rx_desc));
    W(n, RDH, 0);
    W(n, RDT, RX_RING - 1);
    e->rx_next = 0;
    if (n->id->quirks & NIC_Q_QUEUE_ENABLE)   /* I210 datasheet 7.1.4.4: queue 0 is off after reset */
        W(n, RXDCTL, R(n, RXDCTL) | XDCTL_ENABLE);
    /* Broadcast accepted, CRC stripped, 2048-byte buffers (BSIZE 00). */
    e->rctl = RCTL_EN | RCTL_BAM | RCTL_SECRC;
    W(n, RCTL, e->rctl);

    /* Transmit ring (14.5): pad short packets, collision threshold 15,
     * full-duplex collision distance 0x3f; IPG per table 13-77 (copper). */
    memset((void *)e->tx, 0, TX_RING * sizeof(struct tx_desc));
    for (unsigned i = 0; i < TX_RING; i++)
        e->tx[i].status = TXD_DD;
    W(n, TDBAL, (uint32_t)e->tx_phys);
    W(n, TDBAH, (uint32_t)(e->tx_phys >> 32));
    W(n, TDLEN, TX_RING * sizeof(struct tx_desc));
    W(n, TDH, 0);
    W(n, TDT, 0);
    e->tx_next = e->tx_clean = 0;
    if (n->id->quirks & NIC_Q_QUEUE_ENABLE)
        W(n, TXDCTL, R(n, TXDCTL) | XDCTL_ENABLE);
    W(n, TIPG, 10 | 8u << 10 | 6u << 20);
    W(n, TCTL, TCTL_EN | TCTL_PSP | 0x0fu << 4 | 0x3fu << 12);

    /* Interrupts: receive timer, overrun, link change, descriptors low (13.4.20). */
    W(n, ITR, 0);
    W(n, IMS, ICR_RXT0 | ICR_RXO | ICR_LSC | ICR_RXDMT0 | ICR_TXDW);
    return 0;
}

static void intel_close(struct nic *n)
{
    W(n, IMC, 0xffffffff);
    W(n, RCTL, 0);
    W(n, TCTL, 0);
}

static int intel_transmit(struct nic *n, const uint8_t *frame, size_t len)
{
    struct intel *e = n->priv;
    unsigned i = e->tx_next, nx = (i + 1) % TX_RING;
    if (nx == e->tx_clean)
        return -1;                  /* ring full: one slot stays empty (TDT != TDH) */
    uint8_t *buf = e->txbuf + (size_t)i * NIC_BUF_SIZE;
    memcpy(buf, frame, len);
    if (len < 60) {
        memset(buf + len, 0, 60 - len);
        len = 60;
    }
    volatile struct tx_desc *d = &e->tx[i];
    d->addr = e->txbuf_phys + (uint64_t)i * NIC_BUF_SIZE;
    d->length = (uint16_t)len;
    d->cso = d->css = 0;
    d->special = 0;
    d->status = 0;
    d->cmd = TXD_EOP | TXD_IFCS | TXD_RS;
    e->tx_next = nx;
    nic_barrier();
    W(n, TDT, nx);                  /* 3.3.1: the chip sends up to the tail */
    return 0;
}

/* Transmit: descriptors the chip reported done (DD with RS, 3.3.3.2). */
static void intel_reclaim(struct nic *n)
{
    struct intel *e = n->priv;
    while (e->tx_clean != e->tx_next && (e->tx[e->tx_clean].status & TXD_DD))
        e->tx_clean = (e->tx_clean + 1) % TX_RING;
}

static int intel_poll(struct nic *n)
{
    struct intel *e = n->priv;
    int got = 0, done = -1;
    intel_reclaim(n);
    /* Receive (3.2.3): DD set means the buffer holds a frame. Frames longer
     * than a buffer (never, with LPE off) or with errors are dropped. */
    for (int budget = RX_RING; budget > 0; budget--) {
        volatile struct rx_desc *d = &e->rx[e->rx_next];
        uint8_t st = d->status;
        if (!(st & RXD_DD))
            break;
        nic_barrier();
        uint16_t len = d->length;
        if ((st & RXD_EOP) && !d->errors && len >= 14 && len <= NIC_BUF_SIZE) {
            nic_rx(n, e->rxbuf + (size_t)e->rx_next * NIC_BUF_SIZE, len);
            got++;
        } else {
            n->st.rx_errors++;
        }
        d->status = 0;
        done = e->rx_next;
        e->rx_next = (e->rx_next + 1) % RX_RING;
    }
    /* Give the buffers back with one tail write per batch (3.2.6: the tail
     * may be advanced over several descriptors at once); every register
     * access is a device exit when the NIC is emulated. */
    if (done >= 0) {
        nic_barrier();
        W(n, RDT, (uint32_t)done);
    }
    n->st.rx_dropped += R(n, MPC);
    return got;
}

static int intel_irq(struct nic *n)
{
    /* Reading ICR acknowledges every cause (8254x SDM 13.4.17); 0 means the
     * shared line was someone else's. */
    return R(n, ICR) != 0;
}

static int intel_link(struct nic *n)
{
    return (R(n, STATUS) & STATUS_LU) != 0;
}

static void intel_set_promisc(struct nic *n, int on)
{
    struct intel *e = n->priv;
    e->rctl = on ? e->rctl | RCTL_UPE | RCTL_MPE : e->rctl & ~(RCTL_UPE | RCTL_MPE);
    W(n, RCTL, e->rctl);
}

static const struct nic_ops intel_ops = {
    .open = intel_open,
    .close = intel_close,
    .transmit = intel_transmit,
    .poll = intel_poll,
    .reclaim = intel_reclaim,
    .irq = intel_irq,
    .link = intel_link,
    .set_promisc = intel_set_promisc,
};

const struct nic_driver intel_driver = {"intel", intel_ids, &intel_ops, sizeof(struct intel)};
