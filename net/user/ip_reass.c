/* Reassembly of the guest's IPv4 fragments (RFC 791 section 3.2, "An Example
 * Reassembly Procedure"; RFC 815's idea of keeping only what is missing), so
 * that a fragmented datagram takes the same UDP NAT / ICMP / TCP path as an
 * unfragmented one, as libslirp's ip_reass does before its protocols.
 *
 * Bounded per network: at most UNET_REASS_MAX datagrams in progress whose
 * buffers together stay under UNET_REASS_BYTES (a newcomer over either limit
 * evicts the oldest), each given UNET_REASS_AGE_MS (30 s, Linux's ipfrag_time
 * and libslirp's IPFRAGTTL) to complete. A malformed fragment (a middle
 * fragment not a multiple of 8 bytes, past 65535, beyond the last one, a
 * second last one ending elsewhere) drops its whole datagram and is counted.
 *
 * Overlaps are trimmed as libslirp's ip_reass (the 4.4BSD one, RFC 791's
 * procedure) does, not refused as RFC 5722 asks for IPv6, because QEMU's
 * users get libslirp's result: a fragment's front that overlaps the
 * fragment kept before it (the one starting at or before it) gives way to
 * that one's data, and from there on it replaces whatever it covers, later
 * fragments being cut to start after it. Kept fragments are remembered as
 * a bit per 8-byte block where one begins, beside the bit per block
 * received, so the buffer never holds more than one copy of a byte. */
#include <stdlib.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/inet_chksum.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "net/user/user.h"

#define SWEEP_MS   1000u
#define ETH_HLEN   14
#define IP_MAXLEN  65535u
/* Payload is kept at this offset of a buffer so that the Ethernet and the
 * longest IP header (60 bytes) can be written in front of it at the end. */
#define PAYLOAD_AT (ETH_HLEN + 60)

struct unet_reass {
    uint32_t src, dst;            /* network order */
    uint16_t id;
    uint8_t proto;
    bool have_first, have_last;
    uint8_t hdr[ETH_HLEN + 60];   /* Ethernet + IP header of the offset-0 fragment */
    size_t ihl;
    uint8_t *buf;                 /* payload at PAYLOAD_AT */
    size_t cap;                   /* bytes allocated for buf */
    uint32_t blocks, end, total;  /* blocks received, highest end seen, length once the last came */
    uint32_t born_ms;
    uint8_t map[8192 / 8];        /* one bit per 8-byte block of payload received */
    uint8_t starts[8192 / 8];     /* ... and per block where a kept fragment begins */
    struct unet_reass *next;      /* newest first */
};

static void unlink_entry(struct unet *u, struct unet_reass *r)
{
    for (struct unet_reass **pp = &u->reass; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    u->reass_bytes -= r->cap;
    u->st.frag_live--;
}

static void drop(struct unet *u, struct unet_reass *r)
{
    unlink_entry(u, r);
    free(r->buf);
    free(r);
}

static struct unet_reass *oldest(struct unet *u, const struct unet_reass *except)
{
    struct unet_reass *o = NULL;
    for (struct unet_reass *r = u->reass; r; r = r->next)
        if (r != except)
            o = r;
    return o;
}

static void sweep(void *arg)
{
    struct unet *u = arg;
    uint32_t now = sys_now();
    for (struct unet_reass *r = u->reass, *next; r; r = next) {
        next = r->next;
        if (now - r->born_ms >= u->st.frag_expire_ms) {
            u->st.frag_expired++;
            drop(u, r);
        }
    }
    u->reass_sweeping = u->reass != NULL;
    if (u->reass_sweeping)
        sys_timeout(SWEEP_MS, sweep, u);
}

#define NBLOCKS 8192u

static bool bit(const uint8_t *m, uint32_t b)
{
    return b < NBLOCKS && (m[b >> 3] & (1u << (b & 7)));
}

static void set_bit(uint8_t *m, uint32_t b, bool v)
{
    if (v)
        m[b >> 3] |= (uint8_t)(1u << (b & 7));
    else
        m[b >> 3] &= (uint8_t)~(1u << (b & 7));
}

/* Makes room for payload up to end; false if the byte budget cannot. */
static bool grow(struct unet *u, struct unet_reass *r, uint32_t end)
{
    size_t need = PAYLOAD_AT + end;
    if (need <= r->cap)
        return true;
    /* Doubling keeps the copies few for a datagram arriving in order. */
    size_t ncap = r->cap * 2 > need ? r->cap * 2 : need;
    if (ncap > PAYLOAD_AT + IP_MAXLEN)
        ncap = PAYLOAD_AT + IP_MAXLEN;
    while (u->reass_bytes - r->cap + ncap > u->st.frag_bytes_max) {
        struct unet_reass *o = oldest(u, r);
        if (!o)
            return false;
        u->st.frag_refused++;
        drop(u, o);
    }
    uint8_t *nb = realloc(r->buf, ncap);
    if (!nb)
        return false;
    r->buf = nb;
    u->reass_bytes += ncap - r->cap;
    r->cap = ncap;
    return true;
}

uint8_t *unet_reass_input(struct unet *u, const uint8_t *f, size_t *start, size_t *len)
{
    const uint8_t *ip = f + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t tot = (size_t)(ip[2] << 8 | ip[3]);
    uint16_t id = (uint16_t)(ip[4] << 8 | ip[5]);
    bool mf = ip[6] & 0x20;
    uint32_t off = (uint32_t)((ip[6] & 0x1f) << 8 | ip[7]) * 8;
    uint32_t plen = (uint32_t)(tot - ihl);
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);

    struct unet_reass *r;
    for (r = u->reass; r; r = r->next)
        if (r->id == id && r->src == src && r->dst == dst && r->proto == ip[9])
            break;
    /* A corrupted header would poison its datagram: checked here, since the
     * NAT paths after reassembly do not go through lwIP's ip4_input. */
    bool bad = inet_chksum(ip, (u16_t)ihl) != 0 || plen == 0 || (mf && plen % 8) ||
               off + plen > IP_MAXLEN - 20;
    if (bad) {
        u->st.frag_bad++;
        if (r)
            drop(u, r);
        return NULL;
    }
    if (!r) {
        while (u->st.frag_live >= u->st.frag_max) {
            u->st.frag_refused++;
            drop(u, oldest(u, NULL));
        }
        r = calloc(1, sizeof(*r));
        if (!r) {
            u->stat_dropped++;
            return NULL;
        }
        r->src = src;
        r->dst = dst;
        r->id = id;
        r->proto = ip[9];
        r->born_ms = sys_now();
        /* Datagrams completed do not disarm it: one timer at most. */
        if (!u->reass_sweeping) {
            u->reass_sweeping = true;
            sys_timeout(SWEEP_MS, sweep, u);
        }
        r->next = u->reass;
        u->reass = r;
        u->st.frag_live++;
    }

    uint32_t end = off + plen;
    /* The last fragment fixes the length: nothing may lie beyond it, and a
     * second "last" ending elsewhere is a contradiction. (libslirp keeps
     * such a datagram until it expires, or takes the longer last one.) */
    if ((!mf && ((r->have_last && end != r->total) || end < r->end)) || (r->have_last && end > r->total)) {
        u->st.frag_bad++;
        drop(u, r);
        return NULL;
    }
    /* Blocks [b0, bend). The kept fragment holding block b0, if any, keeps
     * its data: this one starts where that one ends (block nb), or is dropped
     * whole when that one covers it (a duplicate, typically). */
    uint32_t b0 = off / 8, bend = (end + 7) / 8, nb = b0;
    if (bit(r->map, b0))
        for (nb = b0 + 1; bit(r->map, nb) && !bit(r->starts, nb); nb++)
            ;
    if (nb >= bend)
        return NULL;
    if (!grow(u, r, end)) {
        u->st.frag_refused++;
        drop(u, r);
        return NULL;
    }
    /* From nb on, this fragment's data replaces what it covers; a kept
     * fragment reaching past its end now begins there. */
    memcpy(r->buf + PAYLOAD_AT + nb * 8, ip + ihl + (nb * 8 - off), end - nb * 8);
    for (uint32_t b = nb; b < bend; b++) {
        if (!bit(r->map, b)) {
            set_bit(r->map, b, true);
            r->blocks++;
        }
        set_bit(r->starts, b, b == nb);
    }
    if (bit(r->map, bend))
        set_bit(r->starts, bend, true);
    if (end > r->end)
        r->end = end;
    if (!mf) {
        r->have_last = true;
        r->total = end;
    }
    if (nb == 0) {   /* the first fragment's header (libslirp: the one kept at offset 0) */
        r->have_first = true;
        r->ihl = ihl;
        memcpy(r->hdr, f, ETH_HLEN + ihl);
    }
    if (!r->have_first || !r->have_last || r->blocks != (r->total + 7) / 8)
        return NULL;
    if (r->ihl + r->total > IP_MAXLEN) {   /* options made it too long */
        u->st.frag_bad++;
        drop(u, r);
        return NULL;
    }

    /* Whole: the first fragment's headers in front, as one datagram. */
    size_t s = PAYLOAD_AT - ETH_HLEN - r->ihl;
    uint8_t *out = r->buf;
    memcpy(out + s, r->hdr, ETH_HLEN + r->ihl);
    uint8_t *oip = out + s + ETH_HLEN;
    size_t otot = r->ihl + r->total;
    oip[2] = (uint8_t)(otot >> 8);
    oip[3] = (uint8_t)otot;
    oip[6] &= 0x40;   /* keep DF; no MF, offset 0 */
    oip[7] = 0;
    oip[10] = oip[11] = 0;
    uint16_t c = inet_chksum(oip, (u16_t)r->ihl);
    memcpy(oip + 10, &c, 2);   /* inet_chksum's result is in network order */
    *start = s;
    *len = ETH_HLEN + otot;
    r->buf = NULL;
    u->st.frag_total++;
    drop(u, r);
    return out;
}

void unet_reass_fini(struct unet *u)
{
    sys_untimeout(sweep, u);
    u->reass_sweeping = false;
    while (u->reass)
        drop(u, u->reass);
}
