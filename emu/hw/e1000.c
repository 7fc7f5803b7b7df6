/* Intel 82540EM Gigabit Ethernet controller (PCI 8086:100E), following the
 * PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's
 * Manual (8254x SDM, rev 4.0): register map (13), Microwire EEPROM through
 * EECD (5.3) and EERD (13.4.4), the MDI interface to the M88E1011 PHY
 * (13.4.7, 8.24), receive (3.2) and transmit (3.3) descriptor rings, TCP/IP
 * context descriptors, checksum offload and TCP segmentation (3.3.5-3.3.7),
 * interrupts (13.4.17-21) and statistics (13.7). Behaviour the guest drivers
 * rely on was checked against QEMU's e1000 model (facts only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "emu/hw/eeprom93.h"
#include "emu/hw/nic.h"
#include "emu/hw/pci.h"
#include "emu/io.h"
#include "emu/memory.h"

/* Register offsets (SDM table 13-2), in bytes. */
enum {
    CTRL = 0x0000, STATUS = 0x0008, EECD = 0x0010, EERD = 0x0014, CTRL_EXT = 0x0018,
    MDIC = 0x0020, FCAL = 0x0028, FCAH = 0x002c, FCT = 0x0030, VET = 0x0038,
    ICR = 0x00c0, ITR = 0x00c4, ICS = 0x00c8, IMS = 0x00d0, IMC = 0x00d8,
    RCTL = 0x0100, FCTTV = 0x0170, TXCW = 0x0178, RXCW = 0x0180, TCTL = 0x0400, TIPG = 0x0410,
    LEDCTL = 0x0e00, PBA = 0x1000, FCRTL = 0x2160, FCRTH = 0x2168,
    RDBAL = 0x2800, RDBAH = 0x2804, RDLEN = 0x2808, RDH = 0x2810, RDT = 0x2818, RDTR = 0x2820,
    RXDCTL = 0x2828, RADV = 0x282c, RSRPD = 0x2c00,
    TDBAL = 0x3800, TDBAH = 0x3804, TDLEN = 0x3808, TDH = 0x3810, TDT = 0x3818, TIDV = 0x3820,
    TXDCTL = 0x3828, TADV = 0x382c,
    STATS = 0x4000, STATS_END = 0x4100,
    RXCSUM = 0x5000, MTA = 0x5200, RA = 0x5400, VFTA = 0x5600, WUC = 0x5800, MANC = 0x5820,
};
#define REG_SPACE 0x20000u   /* BAR0: 128 KiB */
#define NREGS (0x5a00 / 4)   /* registers kept in an array up to the wakeup block */

/* Statistics (13.7), as word indexes from STATS. */
enum {
    S_CRCERRS = 0x00, S_MPC = 0x04, S_COLC = 0x1c, S_RNBC = 0x28, S_RUC = 0x29, S_ROC = 0x2b,
    S_GPRC = 0x1d, S_BPRC = 0x1e, S_MPRC = 0x1f, S_GPTC = 0x20, S_GORCL = 0x22, S_GORCH = 0x23,
    S_GOTCL = 0x24, S_GOTCH = 0x25, S_TORL = 0x30, S_TORH = 0x31, S_TOTL = 0x32, S_TOTH = 0x33,
    S_TPR = 0x34, S_TPT = 0x35, S_MPTC = 0x3c, S_BPTC = 0x3d, S_TSCTC = 0x3e, S_TSCTFC = 0x3f,
    S_PRC64 = 0x17, S_PTC64 = 0x36,
};

/* Interrupt causes (13.4.17). */
#define ICR_TXDW   0x00000001u
#define ICR_TXQE   0x00000002u
#define ICR_LSC    0x00000004u
#define ICR_RXSEQ  0x00000008u
#define ICR_RXDMT0 0x00000010u
#define ICR_RXO    0x00000040u
#define ICR_RXT0   0x00000080u
#define ICR_MDAC   0x00000200u
#define ICR_TXD_LOW 0x00008000u
#define ICR_SRPD   0x00010000u
#define ICR_VALID  0x0001f6dfu

#define CTRL_LRST  (1u << 3)
#define CTRL_SLU   (1u << 6)
#define CTRL_RST   (1u << 26)
#define CTRL_VME   (1u << 30)
#define CTRL_PHY_RST (1u << 31)

#define STATUS_FD  0x1u
#define STATUS_LU  0x2u
#define STATUS_SPEED_1000 0x80u
#define STATUS_ASDV 0x300u     /* auto-speed detection value: 1000 */
#define STATUS_MTXCKOK 0x400u

#define EECD_SK 0x1u
#define EECD_CS 0x2u
#define EECD_DI 0x4u
#define EECD_DO 0x8u
#define EECD_REQ 0x40u
#define EECD_GNT 0x80u
#define EECD_PRES 0x100u

#define EERD_START 0x1u
#define EERD_DONE 0x10u

#define MDIC_OP_WRITE (1u << 26)
#define MDIC_OP_READ (2u << 26)
#define MDIC_READY (1u << 28)
#define MDIC_INT (1u << 29)
#define MDIC_ERROR (1u << 30)

#define RCTL_EN   (1u << 1)
#define RCTL_SBP  (1u << 2)
#define RCTL_UPE  (1u << 3)
#define RCTL_MPE  (1u << 4)
#define RCTL_LPE  (1u << 5)
#define RCTL_BAM  (1u << 15)
#define RCTL_BSEX (1u << 25)
#define RCTL_SECRC (1u << 26)

#define TCTL_EN   (1u << 1)

#define RXCSUM_IPOFL (1u << 8)
#define RXCSUM_TUOFL (1u << 9)

/* Descriptor bits (3.2.3, 3.3.3 and 3.3.7). */
#define RXS_DD 0x01
#define RXS_EOP 0x02
#define RXS_IXSM 0x04
#define RXS_TCPCS 0x20
#define RXS_IPCS 0x40
#define RXE_TCPE 0x20
#define RXE_IPE 0x40

#define TXD_EOP 0x01
#define TXD_IFCS 0x02
#define TXD_IC 0x04
#define TXD_TSE 0x04   /* in the DCMD of extended descriptors */
#define TXD_RS 0x08
#define TXD_DEXT 0x20
#define TXD_VLE 0x40
#define TXS_DD 0x01
#define POPTS_IXSM 0x01
#define POPTS_TXSM 0x02
#define TUCMD_TCP 0x01
#define TUCMD_IP 0x02

/* PHY registers (M88E1011 as the 82540EM carries it; IEEE 802.3 clause 22). */
enum {
    PHY_CTRL = 0, PHY_STATUS = 1, PHY_ID1 = 2, PHY_ID2 = 3, PHY_AUTONEG_ADV = 4, PHY_LP_ABILITY = 5,
    PHY_AUTONEG_EXP = 6, PHY_1000T_CTRL = 9, PHY_1000T_STATUS = 10, PHY_EXT_STATUS = 15,
    M88_SPEC_CTRL = 16, M88_SPEC_STATUS = 17, M88_EXT_SPEC_CTRL = 20, M88_RX_ERR = 21,
};
#define MII_CR_RESET 0x8000
#define MII_CR_RESTART_AN 0x0200
#define MII_SR_LINK 0x0004
#define MII_SR_AN_COMPLETE 0x0020

#define EEPROM_WORDS EEPROM93_WORDS
#define TX_BUF_MAX (NET_FRAME_MAX + 256)
#define RX_BUF_MAX (NET_FRAME_MAX + ETH_MIN_FRAME + ETH_FCS_LEN)

struct tx_context {
    uint8_t ipcss, ipcso, tucss, tucso;
    uint16_t ipcse, tucse;
    uint32_t paylen;
    uint8_t tucmd, hdr_len;
    uint16_t mss;
};

struct e1000 {
    struct nic nic;
    struct pci_device pci;
    const struct nic_env *envp;
    struct nic_env env;
    uint8_t mac[6];
    uint32_t regs[NREGS];
    uint16_t phy[32];
    uint32_t io_addr;            /* IOADDR of the I/O BAR window */
    struct eeprom93 ee;          /* the Microwire EEPROM behind EECD (5.3.1) */
    uint32_t eecd_pins;          /* last SK/CS/DI written */
    uint64_t stats[64];          /* 64-bit accumulators of the statistics block */
    /* transmit */
    struct tx_context ctx;       /* last offload context (3.3.6) */
    uint8_t tx_buf[TX_BUF_MAX];
    size_t tx_len;
    bool tx_tse;                 /* the packet being gathered uses TSO */
    uint8_t tx_popts;
    bool tx_legacy_ic;
    uint8_t tx_cso, tx_css;
    uint32_t tx_seg_sent;        /* TSO: payload bytes already sent */
    uint16_t tx_ip_id;
    bool tx_overflow;
    uint8_t seg[TX_BUF_MAX];     /* TSO: one segment being built */
    /* receive */
    uint8_t rx_buf[RX_BUF_MAX];
};

static void update_irq(struct e1000 *s);

/* ---- helpers ---- */

static inline uint32_t reg(struct e1000 *s, uint32_t off) { return s->regs[off >> 2]; }
static inline void set_reg(struct e1000 *s, uint32_t off, uint32_t v) { s->regs[off >> 2] = v; }

static void stat_add(struct e1000 *s, int idx, uint64_t v)
{
    s->stats[idx] += v;
}

static bool link_up(struct e1000 *s)
{
    struct net_port *p = &s->nic.port;
    return !p->link_down && !(p->peer && p->peer->link_down);
}

static void set_ics(struct e1000 *s, uint32_t cause)
{
    set_reg(s, ICR, reg(s, ICR) | cause);
    update_irq(s);
}

static void update_irq(struct e1000 *s)
{
    pci_set_irq(&s->pci, (reg(s, ICR) & reg(s, IMS)) != 0);
}

static uint64_t ring_base(struct e1000 *s, uint32_t lo)
{
    return (uint64_t)reg(s, lo + 4) << 32 | (reg(s, lo) & ~0xfu);
}

/* Descriptors in a ring, 0 when RDLEN/TDLEN is unusable. */
static uint32_t ring_size(struct e1000 *s, uint32_t len_reg)
{
    return (reg(s, len_reg) & 0xfff80u) / 16;
}

/* ---- EEPROM and PHY ---- */

static void eeprom_init(struct e1000 *s)
{
    uint16_t *e = s->ee.data;
    memset(e, 0xff, sizeof(s->ee.data));
    for (int i = 0; i < 3; i++)
        e[i] = (uint16_t)(s->mac[2 * i] | s->mac[2 * i + 1] << 8);
    e[3] = 0x0000;        /* compatibility: no special options */
    e[4] = 0xffff;        /* LED settings: use the defaults */
    e[5] = 0x0000;
    e[6] = e[7] = 0x0000;
    e[8] = 0x3000;        /* PBA number */
    e[9] = 0x1000;
    e[0x0a] = 0x6403;     /* initialization control 1: load subsystem IDs, FD, ... */
    e[0x0b] = 0x100e;     /* subsystem ID */
    e[0x0c] = 0x8086;     /* subsystem vendor ID */
    e[0x0d] = 0x100e;     /* device ID */
    e[0x0e] = 0x8086;     /* vendor ID */
    e[0x0f] = 0x3040;     /* initialization control 2: pause capabilities */
    e[0x24] = 0x0008;     /* initialization control 3 (port A): no APM wake-up */
    uint16_t sum = 0;
    for (int i = 0; i < EEPROM_WORDS - 1; i++)
        sum = (uint16_t)(sum + e[i]);
    /* The words 0x00..0x3F add up to 0xBABA (5.6.13). */
    e[EEPROM_WORDS - 1] = (uint16_t)(0xbaba - sum);
}

static void phy_reset(struct e1000 *s)
{
    memset(s->phy, 0, sizeof(s->phy));
    s->phy[PHY_CTRL] = 0x1140;            /* AN enable, full duplex, 1000 Mb/s */
    s->phy[PHY_ID1] = 0x0141;             /* Marvell OUI */
    s->phy[PHY_ID2] = 0x0c20;             /* 88E1011, as on the 82540EM */
    s->phy[PHY_AUTONEG_ADV] = 0x0de1;
    s->phy[PHY_LP_ABILITY] = 0x45e0;
    s->phy[PHY_AUTONEG_EXP] = 0x0001;
    s->phy[PHY_1000T_CTRL] = 0x0e00;
    s->phy[PHY_1000T_STATUS] = 0x3c00;
    s->phy[PHY_EXT_STATUS] = 0x3000;
    s->phy[M88_SPEC_CTRL] = 0x0360;
    s->phy[M88_EXT_SPEC_CTRL] = 0x0d60;
}

/* The link-dependent bits of STATUS and of the PHY. */
static void update_link_bits(struct e1000 *s)
{
    bool up = link_up(s);
    uint32_t st = reg(s, STATUS) & ~(STATUS_LU);
    s->phy[PHY_STATUS] = up ? 0x796d : 0x7949;
    s->phy[M88_SPEC_STATUS] = up ? 0xac00 : 0x0000;  /* 1000/full, resolved, link */
    if (up)
        st |= STATUS_LU;
    set_reg(s, STATUS, st);
}

static uint32_t eecd_read(struct e1000 *s)
{
    uint32_t v = s->eecd_pins & (EECD_SK | EECD_CS | EECD_DI);
    v |= EECD_PRES;
    if (reg(s, EECD) & EECD_REQ)
        v |= EECD_REQ | EECD_GNT;
    if (eeprom93_do(&s->ee))
        v |= EECD_DO;
    return v;
}

static void eecd_write(struct e1000 *s, uint32_t v)
{
    s->eecd_pins = v;
    set_reg(s, EECD, v & EECD_REQ);
    eeprom93_write(&s->ee, v & EECD_CS, v & EECD_SK, v & EECD_DI);
}

static void mdic_write(struct e1000 *s, uint32_t v)
{
    uint32_t phy_addr = (v >> 21) & 0x1f, r = (v >> 16) & 0x1f;
    uint32_t data = v & 0xffff;
    uint32_t res = v & ~(MDIC_READY | MDIC_ERROR);
    if (phy_addr != 1) {
        res |= MDIC_ERROR;
    } else if ((v & (3u << 26)) == MDIC_OP_READ) {
        res = (res & ~0xffffu) | s->phy[r];
    } else if ((v & (3u << 26)) == MDIC_OP_WRITE) {
        switch (r) {
        case PHY_CTRL:
            if (data & MII_CR_RESET) {
                phy_reset(s);
                update_link_bits(s);
            } else {
                s->phy[PHY_CTRL] = (uint16_t)(data & ~(MII_CR_RESET | MII_CR_RESTART_AN));
            }
            /* Auto-negotiation completes at once with the emulated partner. */
            if (data & MII_CR_RESTART_AN)
                update_link_bits(s);
            break;
        case PHY_STATUS: case PHY_ID1: case PHY_ID2: case PHY_LP_ABILITY: case PHY_AUTONEG_EXP:
        case PHY_1000T_STATUS: case PHY_EXT_STATUS: case M88_SPEC_STATUS:
            break;   /* read-only */
        default:
            s->phy[r] = (uint16_t)data;
        }
    } else {
        res |= MDIC_ERROR;
    }
    res |= MDIC_READY;
    set_reg(s, MDIC, res);
    if (v & MDIC_INT)
        set_ics(s, ICR_MDAC);
}

/* ---- receive (3.2) ---- */

static uint32_t rx_buf_size(struct e1000 *s)
{
    uint32_t rctl = reg(s, RCTL);
    uint32_t bsize = (rctl >> 16) & 3;
    if (rctl & RCTL_BSEX)
        return bsize == 1 ? 16384 : bsize == 2 ? 8192 : bsize == 3 ? 4096 : 2048;
    return bsize == 0 ? 2048 : bsize == 1 ? 1024 : bsize == 2 ? 512 : 256;
}

static uint32_t rx_free_descs(struct e1000 *s)
{
    uint32_t n = ring_size(s, RDLEN);
    uint32_t h = reg(s, RDH), t = reg(s, RDT);
    if (!n || h >= n || t >= n)
        return 0;
    return t >= h ? t - h : n - h + t;
}

static bool rx_filter(struct e1000 *s, const uint8_t *f)
{
    uint32_t rctl = reg(s, RCTL);
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if (!memcmp(f, bcast, 6))
        return (rctl & RCTL_BAM) || (rctl & RCTL_MPE);
    if (f[0] & 1) {
        if (rctl & RCTL_MPE)
            return true;
        /* The multicast table: 12 bits of the address selected by RCTL.MO
         * (13.4.22) index 4096 bits of MTA. */
        static const int shift[4] = {4, 3, 2, 0};
        int mo = (rctl >> 12) & 3;
        uint32_t h = ((uint32_t)f[4] >> shift[mo] | (uint32_t)f[5] << (8 - shift[mo])) & 0xfff;
        return reg(s, MTA + (h >> 5) * 4) >> (h & 31) & 1;
    }
    if (rctl & RCTL_UPE)
        return true;
    for (int i = 0; i < 16; i++) {
        uint32_t lo = reg(s, RA + i * 8), hi = reg(s, RA + i * 8 + 4);
        if (!(hi & 0x80000000u))
            continue;
        uint8_t a[6] = {(uint8_t)lo, (uint8_t)(lo >> 8), (uint8_t)(lo >> 16), (uint8_t)(lo >> 24),
                        (uint8_t)hi, (uint8_t)(hi >> 8)};
        if (!memcmp(a, f, 6))
            return true;
    }
    return false;
}

/* RX checksum offload (RXCSUM, 13.4.25): the status and error bits Linux's
 * e1000 reads for IPv4 TCP/UDP frames. */
static void rx_checksum(struct e1000 *s, const uint8_t *f, size_t len, uint8_t *status, uint8_t *errors)
{
    uint32_t rxcsum = reg(s, RXCSUM);
    *status |= RXS_IXSM;
    if (!(rxcsum & (RXCSUM_IPOFL | RXCSUM_TUOFL)) || len < 34)
        return;
    if (f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
        return;
    size_t ihl = (size_t)(f[14] & 0xf) * 4;
    size_t tot = (size_t)(f[16] << 8 | f[17]);
    if (ihl < 20 || 14 + ihl > len || tot < ihl || 14 + tot > len)
        return;
    *status &= (uint8_t)~RXS_IXSM;
    if (rxcsum & RXCSUM_IPOFL) {
        *status |= RXS_IPCS;
        if (nic_csum_fold(nic_csum_add(0, f + 14, ihl)) != 0)
            *errors |= RXE_IPE;
    }
    bool frag = (f[20] & 0x3f) || f[21];
    uint8_t proto = f[23];
    if (!(rxcsum & RXCSUM_TUOFL) || frag || (proto != 6 && proto != 17))
        return;
    const uint8_t *l4 = f + 14 + ihl;
    size_t l4len = tot - ihl;
    if (proto == 17 && l4len >= 8 && !l4[6] && !l4[7])
        return;   /* UDP without checksum */
    uint32_t sum = nic_csum_add(0, f + 26, 8);
    sum += proto + (uint32_t)l4len;
    sum = nic_csum_add(sum, l4, l4len);
    *status |= RXS_TCPCS;
    if (nic_csum_fold(sum) != 0)
        *errors |= RXE_TCPE;
}

static bool rx_ready(struct e1000 *s)
{
    return (reg(s, RCTL) & RCTL_EN) && link_up(s) &&
           (s->pci.config[PCI_COMMAND] & PCI_CMD_MASTER);
}

static bool e1000_can_receive(struct net_port *p)
{
    struct e1000 *s = p->opaque;
    if (!rx_ready(s))
        return true;   /* receive() drops: a disabled receiver does not queue */
    /* Any free descriptor: receive() checks the frame fits. A broken ring
     * setup is not a reason to queue: receive() drops and counts. */
    uint32_t n = ring_size(s, RDLEN);
    if (!n || reg(s, RDH) >= n || reg(s, RDT) >= n)
        return true;
    return rx_free_descs(s) > 0;
}

static bool e1000_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct e1000 *s = p->opaque;
    if (!rx_ready(s) || len < 14)
        return true;
    if (!rx_filter(s, frame))
        return true;
    size_t flen = len;
    if (flen > 1522 && !(reg(s, RCTL) & RCTL_LPE)) {
        stat_add(s, S_ROC, 1);
        return true;
    }
    if (flen > sizeof(s->rx_buf) - ETH_FCS_LEN - ETH_MIN_FRAME)
        return true;
    memcpy(s->rx_buf, frame, len);
    if (flen < ETH_MIN_FRAME) {
        memset(s->rx_buf + flen, 0, ETH_MIN_FRAME - flen);
        flen = ETH_MIN_FRAME;
    }
    if (!(reg(s, RCTL) & RCTL_SECRC)) {
        uint32_t crc = nic_crc32(s->rx_buf, flen);
        for (int i = 0; i < 4; i++)
            s->rx_buf[flen + i] = (uint8_t)(crc >> (8 * i));
        flen += ETH_FCS_LEN;
    }
    uint32_t bsize = rx_buf_size(s);
    uint32_t need = (uint32_t)((flen + bsize - 1) / bsize);
    uint32_t n = ring_size(s, RDLEN);
    if (rx_free_descs(s) < need) {
        if (n && reg(s, RDH) < n && reg(s, RDT) < n && need > n - 1) {
            /* Can never fit: drop rather than stall the queue forever. */
            stat_add(s, S_MPC, 1);
            return true;
        }
        if (!n || reg(s, RDH) >= n || reg(s, RDT) >= n)
            s->nic.bad_desc++;
        stat_add(s, S_RNBC, 1);
        set_ics(s, ICR_RXO);
        return n && reg(s, RDH) < n && reg(s, RDT) < n ? false : true;
    }
    uint8_t status = 0, errors = 0;
    rx_checksum(s, s->rx_buf, len < ETH_MIN_FRAME ? ETH_MIN_FRAME : len, &status, &errors);
    uint64_t base = ring_base(s, RDBAL);
    size_t off = 0;
    uint32_t h = reg(s, RDH);
    while (off < flen) {
        uint8_t d[16];
        uint64_t da = base + (uint64_t)h * 16;
        if (gmem_dma_read(s->env.mem, da, d, 16) < 0) {
            s->nic.bad_dma++;
            break;
        }
        uint64_t addr;
        memcpy(&addr, d, 8);
        size_t chunk = flen - off < bsize ? flen - off : bsize;
        bool last = off + chunk == flen;
        if (addr && gmem_dma_write(s->env.mem, addr, s->rx_buf + off, chunk) < 0)
            s->nic.bad_dma++;
        d[8] = (uint8_t)chunk;
        d[9] = (uint8_t)(chunk >> 8);
        d[10] = d[11] = 0;   /* packet checksum: not computed */
        d[12] = (uint8_t)(RXS_DD | (last ? RXS_EOP | status : 0));
        d[13] = last ? errors : 0;
        d[14] = d[15] = 0;
        if (gmem_dma_write(s->env.mem, da + 8, d + 8, 8) < 0)
            s->nic.bad_dma++;
        off += chunk;
        h = (h + 1) % n;
    }
    set_reg(s, RDH, h);
    /* Statistics count the frame with its FCS (13.7). */
    size_t octets = len < ETH_MIN_FRAME ? ETH_MIN_FRAME + 4 : len + 4;
    stat_add(s, S_TPR, 1);
    stat_add(s, S_GPRC, 1);
    stat_add(s, S_GORCL, octets);
    stat_add(s, S_TORL, octets);
    if (frame[0] == 0xff && !memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6))
        stat_add(s, S_BPRC, 1);
    else if (frame[0] & 1)
        stat_add(s, S_MPRC, 1);
    uint32_t cause = ICR_RXT0;
    /* RXDMT0: free descriptors fell to the RCTL.RDMTS fraction (1/2, 1/4, 1/8). */
    uint32_t rdmts = (reg(s, RCTL) >> 8) & 3;
    if (rdmts < 3 && rx_free_descs(s) <= (n >> (rdmts + 1)))
        cause |= ICR_RXDMT0;
    set_ics(s, cause);
    return true;
}

/* ---- transmit (3.3) ---- */

static void tx_send(struct e1000 *s, uint8_t *f, size_t len)
{
    if (len < 14)
        return;
    /* VLAN tag insertion (3.3.3.1): the tag is the descriptor's special field. */
    net_port_send(&s->nic.port, f, len);
    size_t octets = len < ETH_MIN_FRAME ? ETH_MIN_FRAME + 4 : len + 4;
    stat_add(s, S_TPT, 1);
    stat_add(s, S_GPTC, 1);
    stat_add(s, S_GOTCL, octets);
    stat_add(s, S_TOTL, octets);
    if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6))
        stat_add(s, S_BPTC, 1);
    else if (f[0] & 1)
        stat_add(s, S_MPTC, 1);
}

/* Inserts the checksum of bytes [css, cse] (cse 0 = to the end) at cso. */
static void put_csum(uint8_t *f, size_t len, unsigned css, unsigned cse, unsigned cso)
{
    if (!cse || cse >= len)
        cse = (unsigned)len - 1;
    if (css > cse || cso + 2 > len)
        return;
    uint16_t c = nic_csum_fold(nic_csum_add(0, f + css, cse - css + 1));
    f[cso] = (uint8_t)(c >> 8);
    f[cso + 1] = (uint8_t)c;
}

static void tx_offload_and_send(struct e1000 *s, uint8_t *f, size_t len)
{
    const struct tx_context *c = &s->ctx;
    if (s->tx_popts & POPTS_IXSM)
        put_csum(f, len, c->ipcss, c->ipcse, c->ipcso);
    if (s->tx_popts & POPTS_TXSM)
        put_csum(f, len, c->tucss, c->tucse, c->tucso);
    tx_send(s, f, len);
}

/* One TSO segment (3.3.7.2): the header template patched for this segment's
 * payload [off, off+plen) of the packet, then checksummed and sent. */
static void tso_segment(struct e1000 *s, size_t off, size_t plen, bool last)
{
    const struct tx_context *c = &s->ctx;
    size_t hl = c->hdr_len;
    uint8_t *g = s->seg;
    memcpy(g, s->tx_buf, hl);
    memcpy(g + hl, s->tx_buf + hl + off, plen);
    size_t len = hl + plen;
    if (c->tucmd & TUCMD_IP) {
        /* IPv4: total length and identification. */
        if (c->ipcss + 6u <= hl) {
            uint16_t tl = (uint16_t)(len - c->ipcss);
            g[c->ipcss + 2] = (uint8_t)(tl >> 8);
            g[c->ipcss + 3] = (uint8_t)tl;
            uint16_t id = (uint16_t)((g[c->ipcss + 4] << 8 | g[c->ipcss + 5]) + s->tx_ip_id);
            g[c->ipcss + 4] = (uint8_t)(id >> 8);
            g[c->ipcss + 5] = (uint8_t)id;
        }
    } else if (c->ipcss + 6u <= hl) {
        /* IPv6: the payload length. */
        uint16_t pl = (uint16_t)(len - c->ipcss - 40);
        g[c->ipcss + 4] = (uint8_t)(pl >> 8);
        g[c->ipcss + 5] = (uint8_t)pl;
    }
    if ((c->tucmd & TUCMD_TCP) && c->tucss + 14u <= hl) {
        uint8_t *t = g + c->tucss;
        uint32_t seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
        seq += (uint32_t)off;
        t[4] = (uint8_t)(seq >> 24);
        t[5] = (uint8_t)(seq >> 16);
        t[6] = (uint8_t)(seq >> 8);
        t[7] = (uint8_t)seq;
        if (!last)
            t[13] &= (uint8_t)~0x09;   /* FIN and PSH only on the last segment */
    } else if (!(c->tucmd & TUCMD_TCP) && c->tucss + 6u <= hl) {
        uint16_t ul = (uint16_t)(len - c->tucss);
        g[c->tucss + 4] = (uint8_t)(ul >> 8);
        g[c->tucss + 5] = (uint8_t)ul;
    }
    if (s->tx_popts & POPTS_IXSM) {
        if (c->ipcso + 2u <= hl) {
            g[c->ipcso] = g[c->ipcso + 1] = 0;
            put_csum(g, len, c->ipcss, c->ipcse, c->ipcso);
        }
    }
    if ((s->tx_popts & POPTS_TXSM) && c->tucso + 2u <= hl && c->tucss < len) {
        /* The driver seeded the field with the pseudo-header sum without the
         * length; the segment's L4 length is added here (3.3.7.3). */
        uint32_t l4 = (uint32_t)(len - c->tucss);
        uint32_t sum = (uint32_t)(g[c->tucso] << 8 | g[c->tucso + 1]) + l4;
        g[c->tucso] = g[c->tucso + 1] = 0;
        sum = nic_csum_add(sum, g + c->tucss, len - c->tucss);
        uint16_t v = nic_csum_fold(sum);
        g[c->tucso] = (uint8_t)(v >> 8);
        g[c->tucso + 1] = (uint8_t)v;
    }
    tx_send(s, g, len);
    s->tx_ip_id++;
}

static void tx_packet_done(struct e1000 *s)
{
    if (s->tx_overflow) {
        s->nic.bad_desc++;
    } else if (s->tx_tse) {
        const struct tx_context *c = &s->ctx;
        size_t hl = c->hdr_len;
        if (hl >= s->tx_len || !c->mss || hl + c->mss > sizeof(s->seg)) {
            s->nic.bad_desc++;
        } else {
            size_t pay = s->tx_len - hl;
            s->tx_ip_id = 0;
            for (size_t off = 0; off < pay; off += c->mss) {
                size_t plen = pay - off < c->mss ? pay - off : c->mss;
                tso_segment(s, off, plen, off + plen == pay);
            }
            stat_add(s, S_TSCTC, 1);
        }
    } else if (s->tx_legacy_ic) {
        put_csum(s->tx_buf, s->tx_len, s->tx_css, 0, s->tx_cso);
        tx_send(s, s->tx_buf, s->tx_len);
    } else {
        tx_offload_and_send(s, s->tx_buf, s->tx_len);
    }
    s->tx_len = 0;
    s->tx_overflow = false;
    s->tx_tse = false;
    s->tx_popts = 0;
    s->tx_legacy_ic = false;
}

static void tx_append(struct e1000 *s, uint64_t addr, uint32_t len)
{
    if (s->tx_overflow)
        return;
    if (len > sizeof(s->tx_buf) - s->tx_len) {
        s->tx_overflow = true;
        return;
    }
    if (gmem_dma_read(s->env.mem, addr, s->tx_buf + s->tx_len, len) < 0) {
        s->nic.bad_dma++;
        s->tx_overflow = true;
        return;
    }
    s->tx_len += len;
}

static void tx_process(struct e1000 *s)
{
    if (!(reg(s, TCTL) & TCTL_EN))
        return;
    uint32_t n = ring_size(s, TDLEN);
    uint32_t h = reg(s, TDH), t = reg(s, TDT);
    if (!n || h >= n || t >= n) {
        if (h != t)
            s->nic.bad_desc++;
        return;
    }
    uint64_t base = ring_base(s, TDBAL);
    bool any = false;
    /* At most one pass over the ring per doorbell. */
    for (uint32_t budget = n; h != t && budget; budget--) {
        uint8_t d[16];
        uint64_t da = base + (uint64_t)h * 16;
        if (gmem_dma_read(s->env.mem, da, d, 16) < 0) {
            s->nic.bad_dma++;
            break;
        }
        uint64_t addr;
        uint32_t lower;
        memcpy(&addr, d, 8);
        memcpy(&lower, d + 8, 4);
        uint8_t cmd = d[11];
        uint8_t dtyp = (lower >> 20) & 0xf;
        if ((cmd & TXD_DEXT) && dtyp == 0) {
            /* Context descriptor (3.3.6). */
            struct tx_context *c = &s->ctx;
            c->ipcss = d[0];
            c->ipcso = d[1];
            c->ipcse = (uint16_t)(d[2] | d[3] << 8);
            c->tucss = d[4];
            c->tucso = d[5];
            c->tucse = (uint16_t)(d[6] | d[7] << 8);
            c->paylen = lower & 0xfffff;
            c->tucmd = cmd;
            c->hdr_len = d[13];
            c->mss = (uint16_t)(d[14] | d[15] << 8);
        } else if (cmd & TXD_DEXT) {
            /* Data descriptor (3.3.7). */
            if (dtyp != 1) {
                s->nic.bad_desc++;
            } else {
                if (s->tx_len == 0) {
                    s->tx_tse = (cmd & TXD_TSE) != 0;
                    s->tx_popts = d[13];
                }
                tx_append(s, addr, lower & 0xfffff);
                if (cmd & TXD_EOP)
                    tx_packet_done(s);
            }
        } else {
            /* Legacy descriptor (3.3.3). */
            if (s->tx_len == 0) {
                s->tx_legacy_ic = (cmd & TXD_IC) != 0;
                s->tx_cso = d[10];
                s->tx_css = d[13];
            }
            tx_append(s, addr, lower & 0xffff);
            if (cmd & TXD_EOP)
                tx_packet_done(s);
        }
        if (cmd & TXD_RS) {
            uint8_t st = d[12] | TXS_DD;
            if (gmem_dma_write(s->env.mem, da + 12, &st, 1) < 0)
                s->nic.bad_dma++;
        }
        h = (h + 1) % n;
        any = true;
    }
    set_reg(s, TDH, h);
    if (any)
        set_ics(s, ICR_TXDW | ICR_TXQE);
}

/* ---- registers ---- */

static void soft_reset(struct e1000 *s)
{
    memset(s->regs, 0, sizeof(s->regs));
    memset(s->stats, 0, sizeof(s->stats));
    eeprom93_reset(&s->ee);
    s->eecd_pins = 0;
    memset(&s->ctx, 0, sizeof(s->ctx));
    s->tx_len = 0;
    s->tx_overflow = false;
    s->tx_tse = false;
    phy_reset(s);
    set_reg(s, CTRL, 0x00140248u | CTRL_SLU);   /* FD, SLU, ADVD3WUC, SPD_1000 */
    set_reg(s, STATUS, STATUS_FD | STATUS_SPEED_1000 | STATUS_ASDV | STATUS_MTXCKOK);
    set_reg(s, EECD, 0);
    set_reg(s, MDIC, MDIC_READY);
    set_reg(s, PBA, 0x00100030u);
    set_reg(s, LEDCTL, 0x07068302u);
    set_reg(s, TIPG, 0x0060200au);
    set_reg(s, TXCW, 0x000001a0u);
    set_reg(s, MANC, 0x00060000u);
    /* Receive address 0 from the EEPROM (5.6.1). */
    set_reg(s, RA, (uint32_t)s->mac[0] | s->mac[1] << 8 | s->mac[2] << 16 | (uint32_t)s->mac[3] << 24);
    set_reg(s, RA + 4, (uint32_t)s->mac[4] | s->mac[5] << 8 | 0x80000000u);
    s->io_addr = 0;
    update_link_bits(s);
    update_irq(s);
}

static uint32_t e1000_reg_read(struct e1000 *s, uint32_t off)
{
    off &= ~3u;
    if (off >= STATS && off < STATS_END) {
        int i = (int)((off - STATS) >> 2);
        uint32_t v;
        /* 64-bit octet counters: low word, then high word clears (13.7). */
        switch (i) {
        case S_GORCL: case S_GOTCL: case S_TORL: case S_TOTL:
            return (uint32_t)s->stats[i];
        case S_GORCH: case S_GOTCH: case S_TORH: case S_TOTH:
            v = (uint32_t)(s->stats[i - 1] >> 32);
            s->stats[i - 1] = 0;
            return v;
        default:
            v = s->stats[i] > 0xffffffffu ? 0xffffffffu : (uint32_t)s->stats[i];
            s->stats[i] = 0;
            return v;
        }
    }
    if (off >= NREGS * 4)
        return 0;
    switch (off) {
    case EECD:
        return eecd_read(s);
    case ICR: {
        uint32_t v = reg(s, ICR);
        set_reg(s, ICR, 0);
        update_irq(s);
        return v;
    }
    case IMC: case ICS:
        return 0;
    case CTRL:
        return reg(s, CTRL) & ~(CTRL_RST | CTRL_PHY_RST);
    default:
        return reg(s, off);
    }
}

static void e1000_reg_write(struct e1000 *s, uint32_t off, uint32_t v)
{
    off &= ~3u;
    if (off >= NREGS * 4 || (off >= STATS && off < STATS_END))
        return;
    switch (off) {
    case CTRL:
        if (v & CTRL_RST) {
            soft_reset(s);
            return;
        }
        if (v & CTRL_PHY_RST)
            phy_reset(s), update_link_bits(s);
        set_reg(s, CTRL, v & ~(CTRL_RST | CTRL_PHY_RST));
        return;
    case STATUS:
        return;
    case EECD:
        eecd_write(s, v);
        return;
    case EERD:
        if (v & EERD_START) {
            uint32_t a = (v >> 8) & 0xff;
            uint32_t data = a < EEPROM_WORDS ? s->ee.data[a] : 0;
            set_reg(s, EERD, (v & 0xff00u) | EERD_DONE | data << 16);
        }
        return;
    case MDIC:
        mdic_write(s, v);
        return;
    case ICR:
        /* Writing 1s clears (13.4.17). */
        set_reg(s, ICR, reg(s, ICR) & ~v);
        update_irq(s);
        return;
    case ICS:
        set_ics(s, v & ICR_VALID);
        return;
    case IMS:
        set_reg(s, IMS, reg(s, IMS) | (v & ICR_VALID));
        update_irq(s);
        return;
    case IMC:
        set_reg(s, IMS, reg(s, IMS) & ~v);
        update_irq(s);
        return;
    case RCTL: {
        uint32_t old = reg(s, RCTL);
        set_reg(s, RCTL, v);
        if ((v & RCTL_EN) && !(old & RCTL_EN))
            net_port_flush(&s->nic.port);
        return;
    }
    case RDLEN: case TDLEN:
        set_reg(s, off, v & 0xfff80u);
        return;
    case RDH: case RDT: case TDH: case TDT:
        set_reg(s, off, v & 0xffff);
        if (off == RDT)
            net_port_flush(&s->nic.port);
        else if (off == TDT)
            tx_process(s);
        return;
    case TCTL:
        set_reg(s, TCTL, v);
        tx_process(s);
        return;
    case RDTR: case TIDV: case ITR: case RADV: case TADV:
        set_reg(s, off, v & 0xffff);
        return;
    default:
        set_reg(s, off, v);
    }
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    struct e1000 *s = opaque;
    uint32_t v = e1000_reg_read(s, (uint32_t)off);
    unsigned sh = (off & 3) * 8;
    if (size >= 4)
        return v;
    return (v >> sh) & ((1u << (size * 8)) - 1);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    struct e1000 *s = opaque;
    if (size < 4) {
        /* Sub-dword writes merge into the register (drivers use dwords). */
        if ((off & ~3u) >= NREGS * 4)
            return;
        uint32_t cur = s->regs[(off & ~3u) >> 2];
        unsigned sh = (off & 3) * 8;
        uint32_t mask = ((1u << (size * 8)) - 1) << sh;
        val = (cur & ~mask) | (((uint32_t)val << sh) & mask);
    }
    e1000_reg_write(s, (uint32_t)off & ~3u, (uint32_t)val);
}

/* The I/O BAR: IOADDR at +0 selects a register, IODATA at +4 reaches it
 * (13.3.1). */
static uint32_t io_read_h(void *opaque, uint16_t port, unsigned size)
{
    struct e1000 *s = opaque;
    unsigned off = (port - s->pci.bars[1].mapped) & 7;
    if (off < 4)
        return s->io_addr;
    return e1000_reg_read(s, s->io_addr & (REG_SPACE - 1));
}

static void io_write_h(void *opaque, uint16_t port, uint32_t v, unsigned size)
{
    struct e1000 *s = opaque;
    unsigned off = (port - s->pci.bars[1].mapped) & 7;
    if (off < 4)
        s->io_addr = v & (REG_SPACE - 1);
    else if (size == 4)
        e1000_reg_write(s, s->io_addr, v);
}

static const struct mmio_ops e1000_mmio = {mmio_read, mmio_write};
static const struct io_ops e1000_io = {io_read_h, io_write_h};

/* ---- port and life cycle ---- */

static void e1000_link_changed(struct net_port *p)
{
    struct e1000 *s = p->opaque;
    bool was = reg(s, STATUS) & STATUS_LU;
    update_link_bits(s);
    if (was != link_up(s))
        set_ics(s, ICR_LSC);
}

static void e1000_describe(struct net_port *p, char *buf, size_t len)
{
    struct e1000 *s = p->opaque;
    snprintf(buf, len, "model=e1000,macaddr=%02x:%02x:%02x:%02x:%02x:%02x,bad_desc=%llu,bad_dma=%llu",
             s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5],
             (unsigned long long)s->nic.bad_desc, (unsigned long long)s->nic.bad_dma);
}

static const struct net_port_ops e1000_port_ops = {
    .receive = e1000_receive,
    .can_receive = e1000_can_receive,
    .link_changed = e1000_link_changed,
    .describe = e1000_describe,
};

static void e1000_reset(struct nic *n)
{
    struct e1000 *s = (struct e1000 *)n;
    soft_reset(s);
}

static void e1000_destroy(struct nic *n)
{
    free(n);
}

struct nic *e1000_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                         const uint8_t *rom, size_t rom_len, char *err, size_t errlen)
{
    struct e1000 *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "e1000: out of memory");
        return NULL;
    }
    s->env = *env;
    memcpy(s->mac, mac, 6);
    s->nic.model = "e1000";
    s->nic.reset = e1000_reset;
    s->nic.destroy = e1000_destroy;
    eeprom_init(s);
    pci_device_init(&s->pci, "e1000", 0x8086, 0x100e, 0x020000, 0x03);
    s->pci.config[PCI_SUBSYS_VENDOR] = 0x86;
    s->pci.config[PCI_SUBSYS_VENDOR + 1] = 0x80;
    s->pci.config[PCI_SUBSYS_ID] = 0x0e;
    s->pci.config[PCI_SUBSYS_ID + 1] = 0x10;
    pci_set_bar(&s->pci, 0, PCI_BAR_MEM32, REG_SPACE, NULL, &e1000_mmio, s);
    pci_set_bar(&s->pci, 1, PCI_BAR_IO, 0x40, &e1000_io, NULL, s);
    pci_set_intx_pin(&s->pci, 1);
    if (rom)
        pci_set_rom(&s->pci, rom, (uint32_t)rom_len);
    s->pci.opaque = s;
    if (net_port_register(&s->nic.port, &e1000_port_ops, "e1000", id, s) < 0) {
        snprintf(err, errlen, "e1000: duplicate id '%s'", id);
        free(s);
        return NULL;
    }
    if (nic_pci_register(env->pci, &s->pci) < 0) {
        net_port_unregister(&s->nic.port);
        snprintf(err, errlen, "e1000: no free PCI slot");
        free(s);
        return NULL;
    }
    soft_reset(s);
    return &s->nic;
}
