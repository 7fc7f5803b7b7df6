/* Realtek RTL8139 (QEMU -device rtl8139): the 8 KiB receive ring and four
 * transmit slots, through the I/O BAR. Follows the RTL8139C(L) datasheet
 * rev 1.4 (register table in section 6) and Realtek's programming guide. */
#include <string.h>

#include "baremu/platform.h"
#include "drivers/net/nic.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/timer.h"

enum {
    IDR0 = 0x00, MAR0 = 0x08, TSD0 = 0x10, TSAD0 = 0x20, RBSTART = 0x30, CR = 0x37, CAPR = 0x38,
    IMR = 0x3c, ISR = 0x3e, TCR = 0x40, RCR = 0x44, CONFIG1 = 0x52, MSR = 0x58,
};
enum {
    CR_BUFE = 0x01, CR_TE = 0x04, CR_RE = 0x08, CR_RST = 0x10,
    INT_ROK = 0x0001, INT_RER = 0x0002, INT_TOK = 0x0004, INT_TER = 0x0008, INT_RXOVW = 0x0010,
    INT_PUN_LINKCHG = 0x0020, INT_FOVW = 0x0040,
    RCR_AAP = 0x01, RCR_APM = 0x02, RCR_AM = 0x04, RCR_AB = 0x08, RCR_WRAP = 0x80,
    TSD_OWN = 1u << 13, TSD_TOK = 1u << 15,
    MSR_LINKB = 0x04,          /* 1 = link fail (inverted) */
    RX_OK = 0x0001,
};

#define RX_RING_LEN 8192        /* RCR.RBLEN = 00 */
#define RX_ALLOC (RX_RING_LEN + 16 + 2048)  /* WRAP=1: a frame may run past the end */

struct rtl {
    uint16_t io;
    uint8_t *rx, *tx[4];
    uint64_t rx_phys, tx_phys[4];
    unsigned rx_off, tx_next, tx_clean;
    uint8_t rcr;
};

static const struct nic_id rtl_ids[] = {
    {0x10ec, 0x8139, "RTL8139", 0},
    {0, 0, NULL, 0},
};

static int rtl_open(struct nic *n)
{
    struct rtl *r = n->priv;
    int bar = -1;
    for (int i = 0; i < 6; i++)
        if (n->pci->bar[i].size && n->pci->bar[i].is_io) {
            bar = i;
            break;
        }
    if (bar < 0) {
        LOGE("rtl8139", "%s: no I/O BAR", n->name);
        return -1;
    }
    r->io = (uint16_t)n->pci->bar[bar].base;
    outb(r->io + CONFIG1, 0);                 /* power on (LWAKE + LWPTN low) */
    outb(r->io + CR, CR_RST);                 /* software reset, self-clearing */
    for (int t = 0; t < 1000 && (inb(r->io + CR) & CR_RST); t++)
        timer_udelay(10);
    if (inb(r->io + CR) & CR_RST) {
        LOGE("rtl8139", "%s: reset did not complete", n->name);
        return -1;
    }
    for (int i = 0; i < 6; i++)
        n->mac[i] = inb(r->io + IDR0 + i);
    if (!r->rx)
        r->rx = dma_alloc(RX_ALLOC, &r->rx_phys);
    for (int i = 0; i < 4; i++)
        if (!r->tx[i])
            r->tx[i] = dma_alloc(NIC_BUF_SIZE, &r->tx_phys[i]);
    if (!r->rx || !r->tx[3]) {
        LOGE("rtl8139", "%s: no DMA memory", n->name);
        return -1;
    }
    outl(r->io + RBSTART, (uint32_t)r->rx_phys);
    r->rx_off = 0;
    r->tx_next = r->tx_clean = 0;
    outw(r->io + IMR, INT_ROK | INT_RER | INT_TOK | INT_TER | INT_RXOVW | INT_PUN_LINKCHG | INT_FOVW);
    /* All multicast accepted (hash all ones): lwIP's IGMP and passthrough. */
    for (int i = 0; i < 8; i++)
        outb(r->io + MAR0 + i, 0xff);
    outb(r->io + CR, CR_RE | CR_TE);          /* TCR/RCR take effect once enabled */
    r->rcr = RCR_AB | RCR_AM | RCR_APM | RCR_WRAP;
    outl(r->io + RCR, r->rcr | 7u << 8);      /* MXDMA unlimited */
    outl(r->io + TCR, 6u << 8);               /* MXDMA 1024 bytes */
    return 0;
}

static void rtl_close(struct nic *n)
{
    struct rtl *r = n->priv;
    outw(r->io + IMR, 0);
    outb(r->io + CR, 0);
}

static int rtl_transmit(struct nic *n, const uint8_t *frame, size_t len)
{
    struct rtl *r = n->priv;
    unsigned i = r->tx_next;
    if (r->tx_next - r->tx_clean >= 4)
        return -1;
    i %= 4;
    memcpy(r->tx[i], frame, len);
    if (len < 60) {
        memset(r->tx[i] + len, 0, 60 - len);
        len = 60;
    }
    outl(r->io + TSAD0 + 4 * i, (uint32_t)r->tx_phys[i]);
    nic_barrier();
    /* Writing the size with OWN clear starts the DMA (datasheet 6.2, TSD). */
    outl(r->io + TSD0 + 4 * i, (uint32_t)len);
    r->tx_next++;
    return 0;
}

static void rtl_reclaim(struct nic *n)
{
    struct rtl *r = n->priv;
    while (r->tx_clean != r->tx_next && (inl(r->io + TSD0 + 4 * (r->tx_clean % 4)) & TSD_OWN))
        r->tx_clean++;
}

static int rtl_poll(struct nic *n)
{
    struct rtl *r = n->priv;
    int got = 0;
    /* Clear the causes also when polling: a latched RXOVW/FOVW would stay set. */
    uint16_t isr = inw(r->io + ISR);
    if (isr && isr != 0xffff)
        outw(r->io + ISR, isr);
    rtl_reclaim(n);
    /* Receive ring: each frame is a 4-byte header (status, length with CRC)
     * and the frame, the next one dword-aligned (programming guide 3). */
    for (int budget = 64; budget > 0 && !(inb(r->io + CR) & CR_BUFE); budget--) {
        const uint8_t *h = r->rx + r->rx_off;
        uint16_t status = (uint16_t)(h[0] | h[1] << 8), len = (uint16_t)(h[2] | h[3] << 8);
        if (!(status & RX_OK) || len < 18 || len > 1518 + 4) {
            /* A corrupt ring: the guide's answer is to restart the receiver. */
            n->st.rx_errors++;
            LOGW("rtl8139", "%s: bad receive header %#x len %u: receiver reset", n->name, status, len);
            outb(r->io + CR, CR_TE);
            outl(r->io + RBSTART, (uint32_t)r->rx_phys);
            r->rx_off = 0;
            outb(r->io + CR, CR_RE | CR_TE);
            outl(r->io + RCR, r->rcr | 7u << 8);
            break;
        }
        nic_rx(n, h + 4, len - 4u);
        got++;
        r->rx_off = (r->rx_off + len + 4u + 3u) & ~3u;
        r->rx_off %= RX_RING_LEN;
        /* CAPR lags the read pointer by 16 (a quirk every driver mirrors). */
        outw(r->io + CAPR, (uint16_t)(r->rx_off - 16));
    }
    return got;
}

static int rtl_irq(struct nic *n)
{
    struct rtl *r = n->priv;
    uint16_t isr = inw(r->io + ISR);
    if (!isr || isr == 0xffff)
        return 0;
    outw(r->io + ISR, isr);     /* write 1 to clear */
    return 1;
}

static int rtl_link(struct nic *n)
{
    struct rtl *r = n->priv;
    return !(inb(r->io + MSR) & MSR_LINKB);
}

static void rtl_set_promisc(struct nic *n, int on)
{
    struct rtl *r = n->priv;
    r->rcr = on ? r->rcr | RCR_AAP : r->rcr & ~RCR_AAP;
    outl(r->io + RCR, r->rcr | 7u << 8);
}

static const struct nic_ops rtl_ops = {
    .open = rtl_open,
    .close = rtl_close,
    .transmit = rtl_transmit,
    .poll = rtl_poll,
    .reclaim = rtl_reclaim,
    .irq = rtl_irq,
    .link = rtl_link,
    .set_promisc = rtl_set_promisc,
};

const struct nic_driver rtl8139_driver = {"rtl8139", rtl_ids, &rtl_ops, sizeof(struct rtl)};
