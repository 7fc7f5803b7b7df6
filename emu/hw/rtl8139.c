/* Realtek RTL8139C+ Fast Ethernet controller (PCI 10EC:8139), following the
 * RTL8139C(L)+ datasheet (rev 1.6): the register map (section 6), the
 * classic receive ring buffer with its 4-byte packet header and CAPR/CBR
 * pointers (6.x "Receive"), the four transmit status/address pairs, the
 * 93C46 EEPROM behind 9346CR, the internal PHY's MII registers (BMCR/BMSR),
 * and C+ mode (section 9): 16-byte RX/TX descriptor rings, TxPoll, IP/TCP/UDP
 * checksum offload, large send (TSO) and VLAN tag insertion, plus the tally
 * counter dump. What Linux's 8139too and 8139cp read was checked against
 * QEMU's rtl8139 model (facts only). The property cplus=off presents an
 * RTL8139C (revision 0x10) so that 8139too, not 8139cp, binds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/hw/eeprom93.h"
#include "emu/hw/nic.h"
#include "emu/hw/pci.h"
#include "emu/io.h"
#include "emu/memory.h"

/* Registers (datasheet section 6 and 9.2). */
enum {
    IDR0 = 0x00, MAR0 = 0x08, TSD0 = 0x10, TSAD0 = 0x20, RBSTART = 0x30, CR = 0x37,
    CAPR = 0x38, CBR = 0x3a, IMR = 0x3c, ISR = 0x3e, TCR = 0x40, RCR = 0x44, TCTR = 0x48,
    MPC = 0x4c, CFG9346 = 0x50, CONFIG0 = 0x51, CONFIG1 = 0x52, TIMERINT = 0x54, MSR = 0x58,
    CONFIG3 = 0x59, CONFIG4 = 0x5a, MULINT = 0x5c, RERID = 0x5e, TSAD = 0x60, BMCR = 0x62,
    BMSR = 0x64, ANAR = 0x66, ANLPAR = 0x68, ANER = 0x6a, CSCR = 0x74,
    /* C+ mode */
    DTCCR = 0x10, TNPDS = 0x20, THPDS = 0x28, CONFIG5 = 0xd8, TPPOLL = 0xd9, CPCR = 0xe0,
    RDSAR = 0xe4, ETTHR = 0xec,
};

#define CR_RST 0x10
#define CR_RE 0x08
#define CR_TE 0x04
#define CR_BUFE 0x01

#define INT_ROK 0x0001
#define INT_RER 0x0002
#define INT_TOK 0x0004
#define INT_TER 0x0008
#define INT_RXOVW 0x0010   /* C+: RX descriptor unavailable */
#define INT_LINKCHG 0x0020
#define INT_FOVW 0x0040
#define INT_TDU 0x0080     /* C+: TX descriptor unavailable */
#define INT_SWINT 0x0100
#define INT_TIMEOUT 0x4000
#define INT_SERR 0x8000

#define RCR_AAP 0x01
#define RCR_APM 0x02
#define RCR_AM 0x04
#define RCR_AB 0x08
#define RCR_WRAP 0x80

#define TSD_OWN (1u << 13)
#define TSD_TOK (1u << 15)
#define TSD_SIZE 0x1fffu

#define RXH_ROK 0x0001
#define RXH_BAR 0x2000
#define RXH_PAM 0x4000
#define RXH_MAR 0x8000

/* C+ descriptors (9.2.1, 9.2.2). */
#define DESC_OWN (1u << 31)
#define DESC_EOR (1u << 30)
#define DESC_FS (1u << 29)
#define DESC_LS (1u << 28)
#define TXD_LGSEN (1u << 27)
#define TXD_IPCS (1u << 18)
#define TXD_UDPCS (1u << 17)
#define TXD_TCPCS (1u << 16)
#define TXD_TAGC (1u << 17)   /* in opts2 */
#define CP_MAX_DESCS 64

#define CPCR_TXEN 0x0001
#define CPCR_RXEN 0x0002

#define TPPOLL_NPQ 0x40
#define DTCCR_CMD 0x08

#define TX_MAX (NET_FRAME_MAX)

struct rtl8139 {
    struct nic nic;
    struct pci_device pci;
    struct nic_env env;
    uint8_t mac[6];
    bool cplus_chip;          /* presents the C+ revision */
    uint8_t r[256];           /* the register file as bytes */
    struct eeprom93 ee;
    /* classic RX ring */
    uint32_t rx_rd;           /* CAPR + 16: where the driver reads */
    uint32_t rx_wr;           /* CBR: where the next packet goes */
    /* C+ mode */
    bool cplus;               /* CPCR was written: C+ descriptor mode */
    uint32_t cp_rx_idx, cp_tx_idx;
    uint8_t tx_buf[TX_MAX];
    size_t tx_len;
    bool tx_bad;
    uint8_t seg[TX_MAX];
    uint8_t rx_buf[NET_FRAME_MAX + ETH_MIN_FRAME + ETH_FCS_LEN];
    /* tally counters (9.2.4) */
    uint64_t tx_ok, rx_ok, tx_err, rx_err, rx_missed;
    uint32_t rx_bcast, rx_mcast;
    uint16_t rx_ok_phys;
};

static inline uint16_t r16(struct rtl8139 *s, unsigned o) { return (uint16_t)(s->r[o] | s->r[o + 1] << 8); }
static inline uint32_t r32(struct rtl8139 *s, unsigned o)
{
    return (uint32_t)s->r[o] | (uint32_t)s->r[o + 1] << 8 | (uint32_t)s->r[o + 2] << 16 | (uint32_t)s->r[o + 3] << 24;
}
static inline void w16(struct rtl8139 *s, unsigned o, uint16_t v) { s->r[o] = (uint8_t)v; s->r[o + 1] = (uint8_t)(v >> 8); }
static inline void w32(struct rtl8139 *s, unsigned o, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        s->r[o + i] = (uint8_t)(v >> (8 * i));
}

static bool link_up(struct rtl8139 *s)
{
    struct net_port *p = &s->nic.port;
    return !p->link_down && !(p->peer && p->peer->link_down);
}

static void update_irq(struct rtl8139 *s)
{
    pci_set_irq(&s->pci, (r16(s, ISR) & r16(s, IMR)) != 0);
}

static void raise_int(struct rtl8139 *s, uint16_t bits)
{
    w16(s, ISR, r16(s, ISR) | bits);
    update_irq(s);
}

static void update_link(struct rtl8139 *s)
{
    bool up = link_up(s);
    /* MSR.LINKB is the inverse of the link; BMSR bit 2 is the link. */
    s->r[MSR] = (uint8_t)((s->r[MSR] & ~0x04) | (up ? 0 : 0x04));
    uint16_t bmsr = (uint16_t)(0x7809 | (up ? 0x0024 : 0));
    w16(s, BMSR, bmsr);
    uint16_t cscr = (uint16_t)((r16(s, CSCR) & ~0x0400) | (up ? 0x0400 : 0));
    w16(s, CSCR, cscr);
}

/* ---- receive ---- */

static uint32_t rx_ring_size(struct rtl8139 *s)
{
    return 8192u << ((r32(s, RCR) >> 11) & 3);
}

static bool rx_enabled(struct rtl8139 *s)
{
    return (s->r[CR] & CR_RE) && link_up(s) && (s->pci.config[PCI_COMMAND] & PCI_CMD_MASTER);
}

static bool rx_accept(struct rtl8139 *s, const uint8_t *f, uint16_t *hdr)
{
    uint32_t rcr = r32(s, RCR);
    if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6)) {
        *hdr |= RXH_BAR;
        return (rcr & (RCR_AB | RCR_AAP)) != 0;
    }
    if (f[0] & 1) {
        *hdr |= RXH_MAR;
        if (rcr & RCR_AAP)
            return true;
        unsigned h = nic_mcast_hash6(f);
        return (rcr & RCR_AM) && (s->r[MAR0 + (h >> 3)] >> (h & 7) & 1);
    }
    if (!memcmp(f, s->r + IDR0, 6)) {
        *hdr |= RXH_PAM;
        return (rcr & (RCR_APM | RCR_AAP)) != 0;
    }
    return (rcr & RCR_AAP) != 0;
}

/* Free bytes of the classic ring buffer between CBR and CAPR + 16. */
static uint32_t rx_room(struct rtl8139 *s)
{
    uint32_t size = rx_ring_size(s);
    uint32_t rd = s->rx_rd % size, wr = s->rx_wr % size;
    return rd > wr ? rd - wr : size - (wr - rd);
}

static bool cp_rx_has_desc(struct rtl8139 *s)
{
    uint64_t base = (uint64_t)r32(s, RDSAR + 4) << 32 | r32(s, RDSAR);
    uint32_t opts1;
    if (gmem_dma_read(s->env.mem, base + s->cp_rx_idx * 16u, &opts1, 4) < 0)
        return true;   /* receive() counts the bad ring and drops */
    return (opts1 & DESC_OWN) != 0;
}

static bool rtl_can_receive(struct net_port *p)
{
    struct rtl8139 *s = p->opaque;
    if (!rx_enabled(s))
        return true;   /* dropped by receive(): a stopped receiver does not queue */
    if (s->cplus && (r16(s, CPCR) & CPCR_RXEN))
        return cp_rx_has_desc(s);
    /* Room for a full-size frame with header and alignment. */
    return rx_room(s) > 1518 + 4 + 4 + 3;
}

static void count_rx(struct rtl8139 *s, uint16_t hdr)
{
    s->rx_ok++;
    if (hdr & RXH_BAR)
        s->rx_bcast++;
    else if (hdr & RXH_MAR)
        s->rx_mcast++;
    else
        s->rx_ok_phys++;
}

/* C+ receive (9.2.2): one frame into one or more descriptors owned by the NIC. */
static bool cp_receive(struct rtl8139 *s, const uint8_t *f, size_t flen, uint16_t hdr)
{
    uint64_t base = (uint64_t)r32(s, RDSAR + 4) << 32 | r32(s, RDSAR);
    size_t off = 0;
    bool first = true;
    while (off < flen) {
        uint64_t da = base + s->cp_rx_idx * 16u;
        uint32_t d[4];
        if (gmem_dma_read(s->env.mem, da, d, 16) < 0) {
            s->nic.bad_dma++;
            return true;
        }
        if (!(d[0] & DESC_OWN)) {
            if (first) {
                /* No buffer: the frame waits (queued by the port) and the
                 * driver is told (RDU). */
                raise_int(s, INT_RXOVW);
                return false;
            }
            /* Ran out in the middle of a frame: the rest is lost. */
            s->rx_missed++;
            raise_int(s, INT_RXOVW);
            return true;
        }
        uint32_t bsize = d[0] & 0x1fff;
        size_t chunk = flen - off < bsize ? flen - off : bsize;
        uint64_t addr = (uint64_t)d[3] << 32 | d[2];
        if (chunk && gmem_dma_write(s->env.mem, addr, f + off, chunk) < 0)
            s->nic.bad_dma++;
        off += chunk;
        bool last = off == flen;
        uint32_t o1 = d[0] & DESC_EOR;
        if (first)
            o1 |= DESC_FS;
        if (last) {
            o1 |= DESC_LS | (uint32_t)flen;
            if (hdr & RXH_MAR)
                o1 |= 1u << 26;   /* multicast */
        } else {
            o1 |= (uint32_t)chunk;
        }
        uint32_t o2 = 0;
        if (gmem_dma_write(s->env.mem, da + 4, &o2, 4) < 0 || gmem_dma_write(s->env.mem, da, &o1, 4) < 0)
            s->nic.bad_dma++;
        s->cp_rx_idx = (d[0] & DESC_EOR) || s->cp_rx_idx + 1 >= CP_MAX_DESCS ? 0 : s->cp_rx_idx + 1;
        first = false;
        if (!chunk && !last) {
            /* A zero-size buffer: skip it but do not loop forever. */
            s->nic.bad_desc++;
            return true;
        }
    }
    count_rx(s, hdr);
    /* RDU: the next descriptor is not ours, further frames will wait. */
    raise_int(s, cp_rx_has_desc(s) ? INT_ROK : INT_ROK | INT_RXOVW);
    return true;
}

static bool rtl_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct rtl8139 *s = p->opaque;
    if (!rx_enabled(s) || len < 14)
        return true;
    uint16_t hdr = 0;
    if (!rx_accept(s, frame, &hdr))
        return true;
    if (len > sizeof(s->rx_buf) - ETH_FCS_LEN - ETH_MIN_FRAME)
        return true;
    size_t flen = len;
    memcpy(s->rx_buf, frame, len);
    if (flen < ETH_MIN_FRAME) {
        memset(s->rx_buf + flen, 0, ETH_MIN_FRAME - flen);
        flen = ETH_MIN_FRAME;
    }
    /* The FCS is stored after the frame in both modes (drivers strip it). */
    uint32_t crc = nic_crc32(s->rx_buf, flen);
    for (int i = 0; i < 4; i++)
        s->rx_buf[flen + i] = (uint8_t)(crc >> (8 * i));
    flen += ETH_FCS_LEN;
    if (s->cplus && (r16(s, CPCR) & CPCR_RXEN))
        return cp_receive(s, s->rx_buf, flen, hdr);

    /* Classic ring: header (status, length) then the frame, 4-byte aligned. */
    uint32_t size = rx_ring_size(s);
    uint32_t need = (uint32_t)((4 + flen + 3) & ~3u);
    if (flen > 4096 || need >= rx_room(s)) {
        if (flen > 4096) {
            s->rx_err++;
            return true;
        }
        /* No room: missed packet and overflow (RXOVW). */
        uint32_t mpc = r32(s, MPC) + 1;
        w32(s, MPC, mpc & 0xffffff);
        s->rx_missed++;
        raise_int(s, INT_RXOVW);
        return true;
    }
    uint64_t base = r32(s, RBSTART);
    uint32_t wr = s->rx_wr % size;
    uint8_t h[4] = {(uint8_t)(hdr | RXH_ROK), (uint8_t)((hdr | RXH_ROK) >> 8), (uint8_t)flen,
                    (uint8_t)(flen >> 8)};
    /* WRAP=1: the packet continues past the end of the ring (the driver
     * allocated the slack); WRAP=0: it wraps to the start. */
    bool wrap_linear = (r32(s, RCR) & RCR_WRAP) != 0;
    const uint8_t *parts[2] = {h, s->rx_buf};
    size_t lens[2] = {4, flen};
    uint32_t pos = wr;
    for (int i = 0; i < 2; i++) {
        size_t done = 0;
        while (done < lens[i]) {
            size_t chunk = lens[i] - done;
            if (!wrap_linear && pos + chunk > size)
                chunk = size - pos;
            if (gmem_dma_write(s->env.mem, base + pos, parts[i] + done, chunk) < 0)
                s->nic.bad_dma++;
            done += chunk;
            pos += (uint32_t)chunk;
            if (!wrap_linear && pos >= size)
                pos -= size;
        }
    }
    s->rx_wr = (wr + need) % size;
    w16(s, CBR, (uint16_t)s->rx_wr);
    count_rx(s, hdr);
    raise_int(s, INT_ROK);
    return true;
}

/* ---- transmit ---- */

static void tx_out(void *ctx, uint8_t *f, size_t len)
{
    struct rtl8139 *s = ctx;
    net_port_send(&s->nic.port, f, len);
    s->tx_ok++;
}

/* Classic transmit (TSD0-3 / TSAD0-3): writing TSDn with OWN clear sends. */
static void tx_classic(struct rtl8139 *s, int n)
{
    uint32_t tsd = r32(s, TSD0 + 4 * n);
    if (!(s->r[CR] & CR_TE) || (tsd & TSD_OWN))
        return;
    uint32_t len = tsd & TSD_SIZE;
    uint32_t addr = r32(s, TSAD0 + 4 * n);
    bool ok = len >= 14 && len <= 1792;   /* the TX FIFO holds up to 1792 bytes */
    if (ok && gmem_dma_read(s->env.mem, addr, s->tx_buf, len) < 0) {
        s->nic.bad_dma++;
        ok = false;
    }
    if (ok) {
        tx_out(s, s->tx_buf, len);
        tsd |= TSD_OWN | TSD_TOK;
        w32(s, TSD0 + 4 * n, tsd);
        raise_int(s, INT_TOK);
    } else {
        if (len > 1792)
            s->nic.bad_desc++;
        s->tx_err++;
        tsd |= TSD_OWN | (1u << 30);   /* TABT: aborted */
        w32(s, TSD0 + 4 * n, tsd);
        raise_int(s, INT_TER);
    }
}

static void cp_tx_frame(struct rtl8139 *s, uint32_t opts1, uint32_t opts2)
{
    uint8_t *f = s->tx_buf;
    size_t len = s->tx_len;
    if (len < 14)
        return;
    if ((opts2 & TXD_TAGC) && len + 4 <= sizeof(s->tx_buf)) {
        /* VLAN tag insertion: the tag is stored byte-swapped in opts2. */
        memmove(f + 16, f + 12, len - 12);
        f[12] = 0x81;
        f[13] = 0x00;
        f[14] = (uint8_t)opts2;
        f[15] = (uint8_t)(opts2 >> 8);
        len += 4;
    }
    if (opts1 & TXD_LGSEN) {
        unsigned mss = (opts1 >> 16) & 0x7ff;
        if (nic_tso_ipv4(f, len, mss, s->seg, tx_out, s) == 0)
            s->nic.bad_desc++;
        return;
    }
    if (opts1 & (TXD_IPCS | TXD_TCPCS | TXD_UDPCS))
        nic_ipv4_checksums(f, len, opts1 & TXD_IPCS, opts1 & (TXD_TCPCS | TXD_UDPCS));
    tx_out(s, f, len);
}

/* C+ transmit (9.2.1): walk the normal-priority ring while the NIC owns
 * descriptors, gathering FS..LS fragments into one frame. */
static void cp_tx(struct rtl8139 *s)
{
    if (!(s->r[CR] & CR_TE) || !(r16(s, CPCR) & CPCR_TXEN))
        return;
    uint64_t base = (uint64_t)r32(s, TNPDS + 4) << 32 | r32(s, TNPDS);
    bool any = false;
    for (int budget = CP_MAX_DESCS; budget; budget--) {
        uint64_t da = base + s->cp_tx_idx * 16u;
        uint32_t d[4];
        if (gmem_dma_read(s->env.mem, da, d, 16) < 0) {
            s->nic.bad_dma++;
            break;
        }
        if (!(d[0] & DESC_OWN))
            break;
        if (d[0] & DESC_FS) {
            s->tx_len = 0;
            s->tx_bad = false;
        }
        uint32_t len = d[0] & 0xffff;
        uint64_t addr = (uint64_t)d[3] << 32 | d[2];
        if (s->tx_len + len > sizeof(s->tx_buf) - 4) {
            s->tx_bad = true;
        } else if (len && gmem_dma_read(s->env.mem, addr, s->tx_buf + s->tx_len, len) < 0) {
            s->nic.bad_dma++;
            s->tx_bad = true;
        } else {
            s->tx_len += len;
        }
        if (d[0] & DESC_LS) {
            if (s->tx_bad) {
                s->nic.bad_desc++;
                s->tx_err++;
            } else {
                cp_tx_frame(s, d[0], d[1]);
            }
            s->tx_len = 0;
            s->tx_bad = false;
        }
        uint32_t o1 = d[0] & ~DESC_OWN;
        if (gmem_dma_write(s->env.mem, da, &o1, 4) < 0)
            s->nic.bad_dma++;
        s->cp_tx_idx = (d[0] & DESC_EOR) || s->cp_tx_idx + 1 >= CP_MAX_DESCS ? 0 : s->cp_tx_idx + 1;
        any = true;
    }
    if (any)
        raise_int(s, INT_TOK);
}

/* Dumps the tally counters (9.2.4) to the 64-byte area at DTCCR. */
static void dump_tally(struct rtl8139 *s)
{
    uint64_t addr = ((uint64_t)r32(s, DTCCR + 4) << 32 | r32(s, DTCCR)) & ~0x3full;
    uint8_t t[64] = {0};
    memcpy(t + 0, &s->tx_ok, 8);
    memcpy(t + 8, &s->rx_ok, 8);
    memcpy(t + 16, &s->tx_err, 8);
    uint32_t rx_err = (uint32_t)s->rx_err;
    memcpy(t + 24, &rx_err, 4);
    uint16_t missed = (uint16_t)s->rx_missed;
    memcpy(t + 28, &missed, 2);
    memcpy(t + 44, &s->rx_ok_phys, 2);
    memcpy(t + 48, &s->rx_bcast, 4);   /* RxOkBrd is 64-bit in the layout; low word */
    memcpy(t + 56, &s->rx_mcast, 4);
    if (gmem_dma_write(s->env.mem, addr, t, sizeof(t)) < 0)
        s->nic.bad_dma++;
    w32(s, DTCCR, r32(s, DTCCR) & ~DTCCR_CMD);
}

/* ---- registers ---- */

static void soft_reset(struct rtl8139 *s)
{
    /* Keeps IDR (loaded from the EEPROM at power-on) and MAR. */
    uint8_t idr[6];
    memcpy(idr, s->r + IDR0, 6);
    memset(s->r + 0x10, 0, sizeof(s->r) - 0x10);
    memcpy(s->r + IDR0, idr, 6);
    s->r[CR] = CR_BUFE;
    w32(s, TCR, s->cplus_chip ? 0x74800000u : 0x74000000u);   /* HWVERID: 8139C+ / 8139C */
    for (int i = 0; i < 4; i++)
        w32(s, TSD0 + 4 * i, TSD_OWN);
    w16(s, CAPR, 0xfff0);
    s->rx_rd = 0;
    s->rx_wr = 0;
    s->r[CONFIG1] = 0x0d;
    s->r[MSR] = 0x10;            /* TXPF idle, 100 Mb/s */
    w16(s, BMCR, 0x3100);        /* 100 Mb/s, AN enable, full duplex */
    w16(s, ANAR, 0x01e1);
    w16(s, ANLPAR, 0x05e1);
    w16(s, ANER, 0x0001);
    w16(s, CSCR, 0x0000);
    s->r[RERID] = 0x10;
    s->cplus = false;
    s->cp_rx_idx = s->cp_tx_idx = 0;
    s->tx_len = 0;
    s->tx_bad = false;
    update_link(s);
    update_irq(s);
}

static void power_on(struct rtl8139 *s)
{
    memset(s->r, 0, sizeof(s->r));
    memcpy(s->r + IDR0, s->mac, 6);
    eeprom93_reset(&s->ee);
    s->tx_ok = s->rx_ok = s->tx_err = s->rx_err = s->rx_missed = 0;
    s->rx_bcast = s->rx_mcast = 0;
    s->rx_ok_phys = 0;
    soft_reset(s);
}

/* Whether byte offset o is a register of this chip (datasheet section 6
 * register map; the C+ block at 0xD9-0xEF only on the C+ revision). Holes in
 * the map read as 0 and ignore writes, as on the chip and in QEMU: iPXE's
 * realtek driver tells an RTL8169 from an 8139 by writing RxMaxSize (0xDA,
 * 8169 only) and reading it back, and an 8139C from an 8139C+ by CPCR. */
static bool reg_present(const struct rtl8139 *s, unsigned o)
{
    static const uint8_t holes[][2] = {
        {0x06, 0x07}, {0x53, 0x53}, {0x5b, 0x5b}, {0x5f, 0x5f}, {0x76, 0x77},
        {0x81, 0x83}, {0xd4, 0xd7}, {0xda, 0xdf}, {0xed, 0xef},
    };
    for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
        if (o >= holes[i][0] && o <= holes[i][1])
            return false;
    if (!s->cplus_chip && o >= TPPOLL && o <= ETTHR)
        return false;
    return true;
}

static uint8_t read8(struct rtl8139 *s, unsigned o)
{
    switch (o) {
    case CR: {
        /* BUFE: the driver has read everything the NIC wrote. */
        uint8_t v = s->r[CR] & (uint8_t)~CR_BUFE;
        if (s->rx_rd % rx_ring_size(s) == s->rx_wr % rx_ring_size(s))
            v |= CR_BUFE;
        return v;
    }
    case CFG9346: {
        uint8_t v = s->r[CFG9346] & (uint8_t)~0x01;
        if ((v & 0xc0) == 0x80 && eeprom93_do(&s->ee))
            v |= 0x01;
        return v;
    }
    case TSAD: case TSAD + 1: {
        /* Transmit status of all descriptors (OWN, TABT, TUN, TOK per slot). */
        uint16_t v = 0;
        for (int i = 0; i < 4; i++) {
            uint32_t t = r32(s, TSD0 + 4 * i);
            if (t & TSD_OWN) v |= (uint16_t)(1u << i);
            if (t & (1u << 30)) v |= (uint16_t)(1u << (4 + i));
            if (t & (1u << 14)) v |= (uint16_t)(1u << (8 + i));
            if (t & TSD_TOK) v |= (uint16_t)(1u << (12 + i));
        }
        return (uint8_t)(o == TSAD ? v : v >> 8);
    }
    default:
        return reg_present(s, o) ? s->r[o] : 0;
    }
}

static void write8(struct rtl8139 *s, unsigned o, uint8_t v)
{
    switch (o) {
    case CR:
        if (v & CR_RST) {
            soft_reset(s);
            return;
        }
        s->r[CR] = (uint8_t)((s->r[CR] & CR_BUFE) | (v & (CR_RE | CR_TE)));
        if (v & CR_RE)
            net_port_flush(&s->nic.port);
        return;
    case CFG9346:
        s->r[CFG9346] = v & 0xce;
        if ((v & 0xc0) == 0x80)
            eeprom93_write(&s->ee, v & 0x08, v & 0x04, v & 0x02);
        else
            eeprom93_write(&s->ee, false, false, false);
        return;
    case TPPOLL:
        if (s->cplus_chip && (v & TPPOLL_NPQ))
            cp_tx(s);
        return;
    case MSR: case TSAD: case TSAD + 1: case BMSR: case BMSR + 1: case CBR: case CBR + 1:
    case ANLPAR: case ANLPAR + 1: case ANER: case ANER + 1:
        return;   /* read-only */
    case ISR: case ISR + 1: {
        /* Write 1 to clear. */
        s->r[o] &= (uint8_t)~v;
        /* Classic ring: ROK stays set while the ring holds unread packets.
         * 8139too's NAPI poll reads the ring only if ISR has an RX bit and
         * acknowledges ROK after each packet, just after its CAPR write; the
         * frames waiting in the port queue land during that CAPR write, so
         * their ROK would be acknowledged at once and a poll that stopped at
         * its budget would never run again (the chip, whose packets arrive
         * later, would flag ROK anew). */
        if (o == ISR && !(s->cplus && (r16(s, CPCR) & CPCR_RXEN)) &&
            s->rx_rd % rx_ring_size(s) != s->rx_wr % rx_ring_size(s))
            s->r[ISR] |= INT_ROK;
        update_irq(s);
        return;
    }
    default:
        if (reg_present(s, o))
            s->r[o] = v;
    }
}

/* Side effects once a whole access [o, o+size) has been stored. */
static void after_write(struct rtl8139 *s, unsigned o, unsigned size)
{
    unsigned end = o + size;
    for (int n = 0; n < 4; n++) {
        unsigned t = TSD0 + 4u * n;
        if (o < t + 4 && end > t) {
            if (s->cplus) {
                if (n == 0 && (r32(s, DTCCR) & DTCCR_CMD))
                    dump_tally(s);
            } else if (end >= t + 2 || size == 4) {
                tx_classic(s, n);
            }
        }
    }
    if (o <= CAPR + 1 && end > CAPR) {
        /* The driver read up to CAPR + 16. */
        s->rx_rd = (uint32_t)(r16(s, CAPR) + 16u) % rx_ring_size(s);
        net_port_flush(&s->nic.port);
    }
    if (o <= IMR + 1 && end > IMR)
        update_irq(s);
    /* 8139cp refills RX descriptors and then acknowledges or unmasks the
     * interrupts: the moment to retry frames that waited for a buffer. */
    if (s->cplus && o <= ISR + 1 && end > IMR)
        net_port_flush(&s->nic.port);
    if (o <= CPCR + 1 && end > CPCR) {
        s->cplus = s->cplus_chip;
        net_port_flush(&s->nic.port);
    }
    if (o < RDSAR + 8 && end > RDSAR)
        s->cp_rx_idx = 0;
    if (o < TNPDS + 8 && end > TNPDS && s->cplus)
        s->cp_tx_idx = 0;
    if (o <= BMCR + 1 && end > BMCR) {
        /* Reset and restart-AN self-clear; negotiation completes at once. */
        w16(s, BMCR, r16(s, BMCR) & (uint16_t)~0x8200);
        update_link(s);
    }
    if (o < MPC + 4 && end > MPC)
        w32(s, MPC, 0);   /* any write clears the missed packet counter */
    if (o < IDR0 + 6)
        memcpy(s->mac, s->r + IDR0, 6);
}

static uint32_t reg_read(struct rtl8139 *s, unsigned o, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read8(s, (o + i) & 0xff) << (8 * i);
    return v;
}

static void reg_write(struct rtl8139 *s, unsigned o, uint32_t v, unsigned size)
{
    o &= 0xff;
    if (o + size > 256)
        size = 256 - o;
    for (unsigned i = 0; i < size; i++)
        write8(s, o + i, (uint8_t)(v >> (8 * i)));
    after_write(s, o, size);
}

static uint64_t mmio_read(void *opaque, uint64_t off, unsigned size)
{
    return reg_read(opaque, (unsigned)off & 0xff, size > 4 ? 4 : size);
}

static void mmio_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    reg_write(opaque, (unsigned)off & 0xff, (uint32_t)v, size > 4 ? 4 : size);
}

static uint32_t pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct rtl8139 *s = opaque;
    return reg_read(s, (unsigned)(port - s->pci.bars[0].mapped) & 0xff, size);
}

static void pio_write(void *opaque, uint16_t port, uint32_t v, unsigned size)
{
    struct rtl8139 *s = opaque;
    reg_write(s, (unsigned)(port - s->pci.bars[0].mapped) & 0xff, v, size);
}

static const struct mmio_ops rtl_mmio = {mmio_read, mmio_write};
static const struct io_ops rtl_io = {pio_read, pio_write};

/* ---- port and life cycle ---- */

static void rtl_link_changed(struct net_port *p)
{
    struct rtl8139 *s = p->opaque;
    bool was = !(s->r[MSR] & 0x04);
    update_link(s);
    if (was != link_up(s)) {
        w16(s, CSCR, r16(s, CSCR) | 0x0800);   /* link change */
        raise_int(s, INT_LINKCHG);
    }
}

static void rtl_describe(struct net_port *p, char *buf, size_t len)
{
    struct rtl8139 *s = p->opaque;
    snprintf(buf, len, "model=rtl8139%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x,bad_desc=%llu,bad_dma=%llu",
             s->cplus_chip ? "" : ",cplus=off", s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4],
             s->mac[5], (unsigned long long)s->nic.bad_desc, (unsigned long long)s->nic.bad_dma);
}

static const struct net_port_ops rtl_port_ops = {
    .receive = rtl_receive,
    .can_receive = rtl_can_receive,
    .link_changed = rtl_link_changed,
    .describe = rtl_describe,
};

static void rtl_reset(struct nic *n)
{
    power_on((struct rtl8139 *)n);
}

static void rtl_destroy(struct nic *n)
{
    free(n);
}

struct nic *rtl8139_create_rev(const struct nic_env *env, const char *id, const uint8_t mac[6],
                               const uint8_t *rom, size_t rom_len, bool cplus, char *err, size_t errlen)
{
    struct rtl8139 *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "rtl8139: out of memory");
        return NULL;
    }
    s->env = *env;
    memcpy(s->mac, mac, 6);
    s->cplus_chip = cplus;
    s->nic.model = "rtl8139";
    s->nic.reset = rtl_reset;
    s->nic.destroy = rtl_destroy;
    /* 93C46 contents: ID 0x8129, PCI IDs, MAC in words 7-9. */
    uint16_t *e = s->ee.data;
    memset(e, 0, sizeof(s->ee.data));
    e[0] = 0x8129;
    e[1] = 0x10ec;
    e[2] = 0x8139;
    e[3] = 0x10ec;
    e[4] = 0x8139;
    e[5] = 0x4d10;
    e[6] = 0xf7c2;
    for (int i = 0; i < 3; i++)
        e[7 + i] = (uint16_t)(mac[2 * i] | mac[2 * i + 1] << 8);
    pci_device_init(&s->pci, "rtl8139", 0x10ec, 0x8139, 0x020000, cplus ? 0x20 : 0x10);
    s->pci.config[PCI_SUBSYS_VENDOR] = 0xec;
    s->pci.config[PCI_SUBSYS_VENDOR + 1] = 0x10;
    s->pci.config[PCI_SUBSYS_ID] = 0x39;
    s->pci.config[PCI_SUBSYS_ID + 1] = 0x81;
    pci_set_bar(&s->pci, 0, PCI_BAR_IO, 0x100, &rtl_io, NULL, s);
    pci_set_bar(&s->pci, 1, PCI_BAR_MEM32, 0x100, NULL, &rtl_mmio, s);
    pci_set_intx_pin(&s->pci, 1);
    if (rom)
        pci_set_rom(&s->pci, rom, (uint32_t)rom_len);
    s->pci.opaque = s;
    if (net_port_register(&s->nic.port, &rtl_port_ops, "rtl8139", id, s) < 0) {
        snprintf(err, errlen, "rtl8139: duplicate id '%s'", id);
        free(s);
        return NULL;
    }
    if (nic_pci_register(env->pci, &s->pci) < 0) {
        net_port_unregister(&s->nic.port);
        snprintf(err, errlen, "rtl8139: no free PCI slot");
        free(s);
        return NULL;
    }
    power_on(s);
    return &s->nic;
}

struct nic *rtl8139_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                           const uint8_t *rom, size_t rom_len, char *err, size_t errlen)
{
    return rtl8139_create_rev(env, id, mac, rom, rom_len, true, err, errlen);
}
