/* The DP8390-based NE2000 core (see ne2000.h), following the National
 * DP8390D NIC datasheet: paged registers selected by CR.PS, the receive
 * ring of 256-byte pages between PSTART and PSTOP with a 4-byte header per
 * packet (status, next page, byte count), BNRY/CURR ring pointers, remote
 * DMA through the data port (wrapping at PSTOP), transmit from TPSR/TBCR,
 * ISR/IMR, the tally counters, and the NE2000 address PROM (each MAC byte
 * doubled, 0x57 0x57 signature at PROM bytes 14-15, i.e. 28-31 doubled) that
 * Linux's ne and ne2k-pci read. */
#include "emu/hw/ne2000.h"

#include <stdio.h>
#include <string.h>

#include "net/port.h"

#define CR_STP 0x01
#define CR_STA 0x02
#define CR_TXP 0x04
#define CR_RD_MASK 0x38
#define CR_RD_READ 0x08
#define CR_RD_WRITE 0x10
#define CR_RD_SEND 0x18

#define ISR_PRX 0x01
#define ISR_PTX 0x02
#define ISR_RXE 0x04
#define ISR_TXE 0x08
#define ISR_OVW 0x10
#define ISR_CNT 0x20
#define ISR_RDC 0x40
#define ISR_RST 0x80

#define RCR_AB 0x04
#define RCR_AM 0x08
#define RCR_PRO 0x10
#define RCR_MON 0x20

#define RSR_PRX 0x01
#define RSR_PHY 0x20   /* multicast/broadcast address */

#define DCR_WTS 0x01   /* word-wide remote DMA */

#define MAX_FRAME 1518

static void update_irq(struct ne2000 *s)
{
    s->set_irq(s, (s->isr & s->imr & 0x7f) != 0);
}

static bool link_up(struct ne2000 *s)
{
    struct net_port *p = &s->nic.port;
    return !p->link_down && !(p->peer && p->peer->link_down);
}

void ne2000_power_on(struct ne2000 *s)
{
    s->dcr = s->tcr = s->rcr = s->rsr = 0;
    s->pstart = s->pstop = s->bnry = s->curr = s->tpsr = 0;
    s->tbcr = 0;
    memset(s->par, 0, sizeof(s->par));
    memset(s->mar, 0, sizeof(s->mar));
    memset(s->cntr, 0, sizeof(s->cntr));
    memset(s->mem + NE2000_MEM_START, 0, NE2000_MEM_SIZE);
    ne2000_reset(s);
}

void ne2000_reset(struct ne2000 *s)
{
    /* The reset port and power-on: stopped, RST set, interrupts masked. */
    s->cr = CR_STP | 0x20;   /* RD = abort/complete */
    s->isr = ISR_RST;
    s->imr = 0;
    s->rbcr = 0;
    s->rsar = 0;
    s->tsr = 0;
    update_irq(s);
}

/* ---- receive ---- */

static unsigned ring_bytes(struct ne2000 *s)
{
    return s->pstop > s->pstart ? (unsigned)(s->pstop - s->pstart) << 8 : 0;
}

static bool ring_valid(struct ne2000 *s)
{
    /* PSTART..PSTOP must lie in the buffer RAM, CURR inside the ring. */
    return s->pstart >= (NE2000_MEM_START >> 8) && s->pstop > s->pstart &&
           ((unsigned)s->pstop << 8) <= NE2000_MEM_START + NE2000_MEM_SIZE && s->curr >= s->pstart &&
           s->curr < s->pstop;
}

/* Bytes free between CURR and BNRY (BNRY is the last page the driver read). */
static unsigned ring_room(struct ne2000 *s)
{
    unsigned cur = (unsigned)s->curr << 8, bnd = (unsigned)s->bnry << 8;
    if (cur < bnd)
        return bnd - cur;
    return ring_bytes(s) - (cur - bnd);
}

/* A packet the driver has not read: the page after BNRY is not CURR. */
static bool rx_unread(struct ne2000 *s)
{
    if (!ring_valid(s))
        return false;
    /* As 8390.c computes it; it writes BNRY = PSTART - 1 after a wrap. */
    unsigned next = s->bnry + 1u;
    if (next >= s->pstop || next < s->pstart)
        next = s->pstart;
    return next != s->curr;
}

static bool rx_running(struct ne2000 *s)
{
    return !(s->cr & CR_STP) && link_up(s);
}

static bool ne_can_receive(struct net_port *p)
{
    struct ne2000 *s = p->opaque;
    if (!rx_running(s) || !ring_valid(s))
        return true;   /* receive() drops */
    return ring_room(s) >= MAX_FRAME + 4 + 256;
}

static bool accept(struct ne2000 *s, const uint8_t *f, uint8_t *rsr)
{
    if (s->rcr & RCR_PRO)
        return true;
    if (!memcmp(f, "\xff\xff\xff\xff\xff\xff", 6)) {
        *rsr |= RSR_PHY;
        return (s->rcr & RCR_AB) != 0;
    }
    if (f[0] & 1) {
        *rsr |= RSR_PHY;
        unsigned h = nic_mcast_hash6(f);
        return (s->rcr & RCR_AM) && (s->mar[h >> 3] >> (h & 7) & 1);
    }
    return !memcmp(f, s->par, 6);
}

static void ring_write(struct ne2000 *s, unsigned addr, const uint8_t *data, size_t len)
{
    unsigned start = (unsigned)s->pstart << 8, stop = (unsigned)s->pstop << 8;
    for (size_t i = 0; i < len; i++) {
        s->mem[addr] = data[i];
        if (++addr >= stop)
            addr = start;
    }
}

static bool ne_receive_frame(struct ne2000 *s, const uint8_t *frame, size_t len)
{
    if (!rx_running(s) || len < 14)
        return true;
    if (!ring_valid(s)) {
        s->nic.bad_desc++;
        return true;
    }
    uint8_t rsr = RSR_PRX;
    if (!accept(s, frame, &rsr))
        return true;
    if (s->rcr & RCR_MON) {
        /* Monitor mode: checked and counted, not stored. */
        if (s->cntr[2] < 0xff)
            s->cntr[2]++;
        return true;
    }
    uint8_t pad[60];
    if (len < 60) {
        memcpy(pad, frame, len);
        memset(pad + len, 0, 60 - len);
        frame = pad;
        len = 60;
    }
    if (len > MAX_FRAME)
        len = MAX_FRAME;   /* longer frames are cut: the ring holds standard frames */
    unsigned total = (unsigned)len + 4;
    if (total + 256 > ring_room(s)) {
        /* Overflow (OVW) and a missed packet. */
        if (s->cntr[2] < 0xff)
            s->cntr[2]++;
        s->isr |= ISR_OVW;
        update_irq(s);
        return true;
    }
    unsigned pages = (total + 255) >> 8;
    unsigned next = s->curr + pages;
    if (next >= s->pstop)
        next -= (unsigned)(s->pstop - s->pstart);
    uint8_t hdr[4] = {rsr, (uint8_t)next, (uint8_t)total, (uint8_t)(total >> 8)};
    unsigned addr = (unsigned)s->curr << 8;
    ring_write(s, addr, hdr, 4);
    addr += 4;   /* the header never straddles: it starts a page */
    ring_write(s, addr, frame, len);
    s->curr = (uint8_t)next;
    s->rsr = rsr;
    s->isr |= ISR_PRX;
    update_irq(s);
    return true;
}

static bool ne_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    return ne_receive_frame(p->opaque, frame, len);
}

/* ---- transmit ---- */

static void transmit(struct ne2000 *s)
{
    unsigned addr = (unsigned)s->tpsr << 8;
    unsigned len = s->tbcr;
    if (addr < NE2000_MEM_START || addr + len > NE2000_MEM_START + NE2000_MEM_SIZE || len > MAX_FRAME + 4 ||
        len < 14) {
        s->nic.bad_desc++;
        s->tsr = 0x08;   /* aborted (excessive collisions is the closest) */
        s->isr |= ISR_TXE;
    } else {
        if (s->tcr & 0x06) {
            /* Internal or external loopback: back into our own receiver. */
            ne_receive_frame(s, s->mem + addr, len);
        } else {
            net_port_send(&s->nic.port, s->mem + addr, len);
        }
        s->tsr = 0x01;   /* PTX */
        s->isr |= ISR_PTX;
    }
    s->cr &= (uint8_t)~CR_TXP;
    update_irq(s);
}

/* ---- remote DMA ---- */

static void rdma_advance(struct ne2000 *s)
{
    s->rsar++;
    /* Remote DMA wraps at the end of the receive ring (DP8390: "the remote
     * DMA channel ... wraps around to PSTART"), so a driver reads packets
     * that straddle PSTOP in one transfer. */
    if (s->pstop > s->pstart && s->rsar == ((unsigned)s->pstop << 8))
        s->rsar = (uint16_t)(s->pstart << 8);
    if (s->rbcr) {
        s->rbcr--;
        if (!s->rbcr) {
            s->isr |= ISR_RDC;
            update_irq(s);
        }
    }
}

static uint8_t mem_read(struct ne2000 *s, unsigned a)
{
    if (a < 32)
        return s->mem[a];   /* the PROM */
    if (a >= NE2000_MEM_START && a < NE2000_MEM_START + NE2000_MEM_SIZE)
        return s->mem[a];
    return 0xff;
}

static void mem_write(struct ne2000 *s, unsigned a, uint8_t v)
{
    if (a >= NE2000_MEM_START && a < NE2000_MEM_START + NE2000_MEM_SIZE)
        s->mem[a] = v;
}

/* Bytes one data-port access moves: in word mode (DCR.WTS) the remote DMA
 * always transfers 16 bits, so a byte access reads or writes a whole word
 * (the low byte is the one on the bus), as QEMU's NE2000 does. ne2k-pci reads
 * the station PROM with byte reads in word mode: each word is a MAC byte
 * doubled, and moving one byte per read would give 52:52:54:54:00:00. */
static unsigned access_bytes(struct ne2000 *s, unsigned size)
{
    return size == 1 && (s->dcr & DCR_WTS) ? 2 : size;
}

static uint32_t data_read(struct ne2000 *s, unsigned size)
{
    uint32_t v = 0;
    if ((s->cr & CR_RD_MASK) != CR_RD_READ)
        return 0xffffffffu >> (32 - 8 * size);   /* no remote read in progress */
    unsigned n = access_bytes(s, size);
    for (unsigned i = 0; i < n; i++) {
        if (!s->rbcr && i)
            break;
        v |= (uint32_t)mem_read(s, s->rsar) << (8 * i);
        rdma_advance(s);
    }
    return size == 1 ? v & 0xff : v;
}

static void data_write(struct ne2000 *s, uint32_t v, unsigned size)
{
    if ((s->cr & CR_RD_MASK) != CR_RD_WRITE)
        return;
    unsigned n = access_bytes(s, size);
    for (unsigned i = 0; i < n; i++) {
        if (!s->rbcr && i)
            break;
        mem_write(s, s->rsar, (uint8_t)(v >> (8 * i)));
        rdma_advance(s);
    }
}

/* ---- registers ---- */

static void write_cr(struct ne2000 *s, uint8_t v)
{
    if (v & CR_STP) {
        s->cr = (uint8_t)((v & ~CR_STA) | CR_STP);
        s->isr |= ISR_RST;
        update_irq(s);
        return;
    }
    s->cr = (uint8_t)(v & ~CR_STP);
    if (v & CR_STA)
        s->isr &= (uint8_t)~ISR_RST;
    unsigned rd = v & CR_RD_MASK;
    if ((rd == CR_RD_READ || rd == CR_RD_WRITE) && s->rbcr == 0) {
        /* A zero-length remote DMA completes at once (Linux's ne probes the
         * IRQ this way). */
        s->isr |= ISR_RDC;
        update_irq(s);
    }
    if (rd == CR_RD_SEND) {
        /* "Send packet": remote read of the packet at BNRY (unused by
         * Linux); reads start at BNRY with the header's count. */
        s->rsar = (uint16_t)(s->bnry << 8);
        unsigned a = (unsigned)s->bnry << 8;
        s->rbcr = (uint16_t)(mem_read(s, a | 2) | mem_read(s, a | 3) << 8);
        s->cr = (uint8_t)((s->cr & ~CR_RD_MASK) | CR_RD_READ);
    }
    if ((v & CR_TXP) && !(s->cr & CR_STP))
        transmit(s);
    if (v & CR_STA)
        net_port_flush(&s->nic.port);
}

static uint8_t reg_read(struct ne2000 *s, unsigned r)
{
    if (r == 0) {
        return s->cr;
    }
    unsigned page = s->cr >> 6;
    if (page == 1) {
        if (r <= 6)
            return s->par[r - 1];
        if (r == 7)
            return s->curr;
        return s->mar[r - 8];
    }
    if (page == 2) {
        switch (r) {
        case 1: return s->pstart;
        case 2: return s->pstop;
        case 4: return s->tpsr;
        case 0x0c: return s->rcr;
        case 0x0d: return s->tcr;
        case 0x0e: return s->dcr;
        case 0x0f: return s->imr;
        default: return 0;
        }
    }
    if (page == 3)
        return 0;
    switch (r) {
    case 1: return (uint8_t)s->rsar;    /* CLDA: the local DMA address, approximated */
    case 2: return (uint8_t)(s->rsar >> 8);
    case 3: return s->bnry;
    case 4: return s->tsr;
    case 5: return 0;                   /* NCR: no collisions */
    case 7: return s->isr;
    case 8: return (uint8_t)s->rsar;    /* CRDA */
    case 9: return (uint8_t)(s->rsar >> 8);
    case 0x0a: return s->rtl8029 ? 0x50 : 0;   /* RTL8029 ID 'P' 'C' */
    case 0x0b: return s->rtl8029 ? 0x43 : 0;
    case 0x0c: return s->rsr;
    case 0x0d: case 0x0e: case 0x0f: {
        /* Tally counters clear when read. */
        uint8_t v = s->cntr[r - 0x0d];
        s->cntr[r - 0x0d] = 0;
        return v;
    }
    default: return 0;
    }
}

static void reg_write(struct ne2000 *s, unsigned r, uint8_t v)
{
    if (r == 0) {
        write_cr(s, v);
        return;
    }
    unsigned page = s->cr >> 6;
    if (page == 1) {
        if (r <= 6) {
            s->par[r - 1] = v;
        } else if (r == 7) {
            s->curr = v;
            net_port_flush(&s->nic.port);
        } else {
            s->mar[r - 8] = v;
        }
        return;
    }
    if (page != 0)
        return;   /* pages 2 and 3 are read-only here (RTL8029 config ignored) */
    switch (r) {
    case 1: s->pstart = v; break;
    case 2: s->pstop = v; break;
    case 3:
        s->bnry = v;
        net_port_flush(&s->nic.port);
        break;
    case 4: s->tpsr = v; break;
    case 5: s->tbcr = (uint16_t)((s->tbcr & 0xff00) | v); break;
    case 6: s->tbcr = (uint16_t)((s->tbcr & 0x00ff) | v << 8); break;
    case 7:
        s->isr &= (uint8_t)~(v & 0x7f);   /* RST is not cleared by writes */
        /* PRX stays set while the ring holds unread packets. Linux's 8390
         * core reads at most 10 packets per interrupt and then acknowledges
         * PRX; frames waiting in the port queue land during its BNRY writes,
         * before that acknowledgement, so with a full ring nothing would
         * raise PRX again (the chip's later packets would). */
        if (rx_unread(s))
            s->isr |= ISR_PRX;
        update_irq(s);
        break;
    case 8: s->rsar = (uint16_t)((s->rsar & 0xff00) | v); break;
    case 9: s->rsar = (uint16_t)((s->rsar & 0x00ff) | v << 8); break;
    case 0x0a: s->rbcr = (uint16_t)((s->rbcr & 0xff00) | v); break;
    case 0x0b: s->rbcr = (uint16_t)((s->rbcr & 0x00ff) | v << 8); break;
    case 0x0c: s->rcr = v; break;
    case 0x0d: s->tcr = v; break;
    case 0x0e: s->dcr = v; break;
    case 0x0f:
        s->imr = v;
        update_irq(s);
        break;
    }
}

uint32_t ne2000_io_read(struct ne2000 *s, unsigned off, unsigned size)
{
    off &= 0x1f;
    if (off < 0x10) {
        uint32_t v = 0;
        for (unsigned i = 0; i < size && off + i < 0x10; i++)
            v |= (uint32_t)reg_read(s, off + i) << (8 * i);
        return v;
    }
    if (off < 0x18)
        return data_read(s, size);
    if (off == 0x1f)
        ne2000_reset(s);
    return 0;
}

void ne2000_io_write(struct ne2000 *s, unsigned off, uint32_t v, unsigned size)
{
    off &= 0x1f;
    if (off < 0x10) {
        for (unsigned i = 0; i < size && off + i < 0x10; i++)
            reg_write(s, off + i, (uint8_t)(v >> (8 * i)));
        return;
    }
    if (off < 0x18) {
        data_write(s, v, size);
        return;
    }
    if (off == 0x1f)
        ne2000_reset(s);
}

static void ne_link_changed(struct net_port *p)
{
    /* The DP8390 has no link status register: drivers cannot see it. */
    (void)p;
}

static void ne_describe(struct net_port *p, char *buf, size_t len)
{
    struct ne2000 *s = p->opaque;
    snprintf(buf, len, "model=%s,macaddr=%02x:%02x:%02x:%02x:%02x:%02x,bad_desc=%llu", s->nic.model,
             s->mac[0], s->mac[1], s->mac[2], s->mac[3], s->mac[4], s->mac[5],
             (unsigned long long)s->nic.bad_desc);
}

static const struct net_port_ops ne_port_ops = {
    .receive = ne_receive,
    .can_receive = ne_can_receive,
    .link_changed = ne_link_changed,
    .describe = ne_describe,
};

int ne2000_init(struct ne2000 *s, const struct nic_env *env, const char *id, const uint8_t mac[6],
                const char *model, char *err, size_t errlen)
{
    s->env = *env;
    memcpy(s->mac, mac, 6);
    s->nic.model = model;
    memset(s->mem, 0, sizeof(s->mem));
    for (int i = 0; i < 6; i++)
        s->mem[2 * i] = s->mem[2 * i + 1] = mac[i];
    /* PROM bytes 14 and 15 are 'W' 'W' (an NE2000, word-wide card); like
     * every PROM byte they are doubled, so at 28-31. ne.c checks them after
     * undoubling (SA_prom[i] = SA_prom[2i]): "invalid signature 00 00" if
     * they sat at 14-15. */
    s->mem[28] = s->mem[29] = s->mem[30] = s->mem[31] = 0x57;
    if (net_port_register(&s->nic.port, &ne_port_ops, model, id, s) < 0) {
        snprintf(err, errlen, "%s: duplicate id '%s'", model, id);
        return -1;
    }
    return 0;
}
