/* ICMP error messages to the guest about its own datagrams (RFC 792
 * destination unreachable), as libslirp's icmp_send_error: the message
 * quotes the guest's IP header and as much of the datagram as keeps the
 * ICMP datagram within 576 bytes (RFC 1812 4.3.2.3; at least the header and
 * 8 bytes, RFC 792), never answers an ICMP error, a broadcast or multicast,
 * a source that is not one host, or a fragment other than the first
 * (RFC 1122 3.2.2, RFC 1812 4.3.2.7), and is rate-limited by a token bucket
 * per network (RFC 1812 4.3.2.8). The message comes from the address the
 * guest sent to (libslirp sends it from its host address), so it reads
 * as the answer of that host; TOS and TTL as libslirp (precedence 6, 255). */
#include <errno.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/sys.h"
#include "net/user/user.h"

/* 576 - 20 (IP header) - 8 (ICMP header): libslirp's ICMP_MAXDATALEN. */
#define QUOTE_MAX 548

/* Whether an ICMP type is an error message or unknown (RFC 792, RFC 1122
 * 3.2.2: no error about an error; libslirp treats unknown types as errors). */
static bool icmp_is_error(uint8_t type)
{
    return type > 18 || type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool not_one_host(const struct unet *u, uint32_t a)
{
    uint32_t h = lwip_ntohl(a);
    uint32_t netbc = ip4_addr_get_u32(&u->cfg.net) | ~ip4_addr_get_u32(&u->cfg.mask);
    return (h >> 24) == 0 || (h >> 24) == 127 || h >= 0xe0000000u || a == netbc;
}

/* The token bucket: a token per icmperr_interval_ms, at most icmperr_burst. */
static bool take_token(struct unet *u)
{
    uint32_t now = sys_now(), iv = u->st.icmperr_interval_ms;
    uint32_t add = iv ? (now - u->icmperr_last_ms) / iv : 0;
    if (add) {
        u->icmperr_last_ms += add * iv;
        uint64_t t = (uint64_t)u->icmperr_tokens + add;
        u->icmperr_tokens = t > u->st.icmperr_burst ? u->st.icmperr_burst : (uint32_t)t;
    }
    if (!u->icmperr_tokens)
        return false;
    u->icmperr_tokens--;
    return true;
}

bool unet_icmp_error(struct unet *u, uint8_t type, uint8_t code, const ip4_addr_t *from,
                     const uint8_t *orig, size_t olen, const uint8_t *tail, size_t tlen)
{
    if (olen < 20)
        return false;
    size_t ihl = (size_t)(orig[0] & 15) * 4;
    uint32_t src, dst;
    memcpy(&src, orig + 12, 4);
    memcpy(&dst, orig + 16, 4);
    bool later_fragment = ((orig[6] & 0x1f) | orig[7]) != 0;
    if ((orig[0] >> 4) != 4 || ihl < 20 || olen < ihl || later_fragment || not_one_host(u, src) ||
        not_one_host(u, dst) || dst == 0xffffffffu)
        return false;
    if (orig[9] == IP_PROTO_ICMP && (olen < ihl + 1 || icmp_is_error(orig[ihl])))
        return false;
    if (!take_token(u)) {
        u->st.icmperr_limited++;
        return false;
    }
    size_t q = olen > QUOTE_MAX ? QUOTE_MAX : olen;
    size_t t = tail ? (tlen > QUOTE_MAX - q ? QUOTE_MAX - q : tlen) : 0;
    struct pbuf *p = pbuf_alloc(PBUF_IP, (u16_t)(8 + q + t), PBUF_RAM);
    if (!p) {
        u->stat_dropped++;
        return false;
    }
    uint8_t *ic = p->payload;
    memset(ic, 0, 8);   /* checksum, then "unused" (RFC 792) */
    ic[0] = type;
    ic[1] = code;
    memcpy(ic + 8, orig, q);
    if (t)
        memcpy(ic + 8 + q, tail, t);
    uint16_t c = inet_chksum(ic, (u16_t)(8 + q + t));
    memcpy(ic + 2, &c, 2);   /* inet_chksum is in network order */
    ip4_addr_t to;
    ip4_addr_set_u32(&to, src);
    ip4_output_if_src(p, from, &to, 255, (u8_t)((orig[1] & 0x1e) | 0xc0), IP_PROTO_ICMP, &u->netif);
    pbuf_free(p);
    u->st.icmperr_sent++;
    return true;
}

int unet_icmp_unreach_code(int err)
{
    /* libslirp's mapping of the uplink's errno (udp.c / socket.c). */
    if (err == -ECONNREFUSED)
        return 3;   /* port unreachable */
    if (err == -EHOSTUNREACH)
        return 1;   /* host unreachable */
    if (err == -ENETUNREACH)
        return 0;   /* net unreachable */
    return -1;
}
