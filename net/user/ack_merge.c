/* Pure TCP ACKs to the guest, merged: of the cumulative ACKs lwIP makes for
 * one connection (one per two segments, RFC 1122 4.2.3.2), the guest gets
 * the newest one at most ACK_HOLD_NS after the first of them was made, or at
 * once when it acknowledges ACK_HOLD_BYTES more than the first. A stretch
 * ACK acknowledges the same bytes (RFC 5681 4.2 allows them; Linux and BSD
 * grow cwnd by the bytes it covers), and the guest's CPU handles one frame
 * instead of many: with a TCG guest sending bulk data, the ACKs it receives
 * are a good part of its work. The hold is short beside any real round trip
 * and the byte bound keeps a window's worth from waiting on it.
 *
 * Only what cannot change the guest's view of the connection is merged:
 * segments with the ACK flag alone, no payload and no options, over IPv4 or
 * IPv6 (lwIP's pure ACKs; it sends no SACK or timestamps here, lwipopts.h).
 * A newer ACK replaces a held one when it acknowledges more, or the same
 * with another window (a window update). A repeat of the same ACK and
 * window is a duplicate ACK (RFC 5681 2), which the guest counts for fast
 * retransmit: the held one goes out first and the repeat is held in turn. Any other
 * segment of the connection (data, FIN, RST) carries the newest ACK itself,
 * so a held ACK it covers is dropped and one it does not is sent first. */
#include <string.h>

#include "baremu/platform.h"
#include "lwip/def.h"
#include "net/timer.h"
#include "net/user/user.h"

#define ETH_HLEN 14
/* 200 us: 15-20 full segments from a guest sending at 1 Gbit/s. */
#define ACK_HOLD_NS    200000u
#define ACK_HOLD_BYTES (32 * 1024)

static void send_held(struct unet *u, struct unet_held_ack *h)
{
    net_port_send(&u->port, h->frame, h->len);
    h->len = 0;
}

/* The hold's end: every held ACK goes to the guest. */
static void flush_fire(void *ctx)
{
    struct unet *u = ctx;
    for (unsigned i = 0; i < UNET_HELD_ACKS; i++)
        if (u->held_acks[i].len)
            send_held(u, &u->held_acks[i]);
}

void unet_ack_init(struct unet *u)
{
    net_timer_init(&u->ack_timer, flush_fire, u);
}

void unet_ack_fini(struct unet *u)
{
    net_timer_cancel(&u->ack_timer);
}

/* The TCP segment of a frame to the guest: its header, the header's and
 * the payload's lengths, and the connection's key (the family, then the
 * addresses and ports as in the frame). False for anything else: other
 * protocols, IPv4 options or fragments, IPv6 extension headers. */
static bool tcp_segment(const uint8_t *f, size_t len, const uint8_t **tcp, size_t *tcp_hlen,
                        size_t *payload, uint8_t key[UNET_ACK_KEY])
{
    size_t seg_len, addr_off, addr_len, l3_hlen;
    const uint8_t *ip = f + ETH_HLEN;
    memset(key, 0, UNET_ACK_KEY);
    if (len >= ETH_HLEN + 40 && f[12] == 0x08 && f[13] == 0x00) {
        if (ip[0] != 0x45 || ip[9] != 6 || (ip[6] & 0x3f) || ip[7])
            return false;
        size_t ip_len = (size_t)ip[2] << 8 | ip[3];
        if (ip_len > len - ETH_HLEN || ip_len < 20)
            return false;
        seg_len = ip_len - 20;
        l3_hlen = 20;
        addr_off = 12;
        addr_len = 8;
        key[0] = 4;
    } else if (len >= ETH_HLEN + 60 && f[12] == 0x86 && f[13] == 0xdd) {
        if ((ip[0] >> 4) != 6 || ip[6] != 6)
            return false;
        seg_len = (size_t)ip[4] << 8 | ip[5];
        if (seg_len > len - ETH_HLEN - 40)
            return false;
        l3_hlen = 40;
        addr_off = 8;
        addr_len = 32;
        key[0] = 6;
    } else {
        return false;
    }
    *tcp = ip + l3_hlen;
    *tcp_hlen = (size_t)((*tcp)[12] >> 4) * 4;
    if (*tcp_hlen < 20 || seg_len < *tcp_hlen)
        return false;
    *payload = seg_len - *tcp_hlen;
    memcpy(key + 1, ip + addr_off, addr_len);
    memcpy(key + 1 + addr_len, *tcp, 4);
    return true;
}

bool unet_ack_hold(struct unet *u, const uint8_t *f, size_t len)
{
    const uint8_t *tcp;
    size_t tcp_hlen, payload;
    uint8_t key[UNET_ACK_KEY];
    if (!tcp_segment(f, len, &tcp, &tcp_hlen, &payload, key))
        return false;
    struct unet_held_ack *held = NULL, *free_slot = NULL;
    for (unsigned i = 0; i < UNET_HELD_ACKS; i++) {
        struct unet_held_ack *h = &u->held_acks[i];
        if (!h->len)
            free_slot = free_slot ? free_slot : h;
        else if (!memcmp(h->key, key, sizeof(key)))
            held = h;
    }
    uint32_t ack;
    memcpy(&ack, tcp + 8, 4);
    ack = lwip_ntohl(ack);
    uint16_t window = (uint16_t)(tcp[14] << 8 | tcp[15]);
    bool pure = tcp[13] == 0x10 && tcp_hlen == 20 && payload == 0;
    if (!pure) {
        if (held) {
            /* Covered: this segment acknowledges at least as much. */
            if ((tcp[13] & 0x10) && (int32_t)(ack - held->ack) >= 0)
                held->len = 0;
            else
                send_held(u, held);
        }
        return false;
    }
    uint32_t first = ack;
    if (held) {
        bool newer = (int32_t)(ack - held->ack) > 0 || (ack == held->ack && window != held->window);
        if (!newer) {
            send_held(u, held);   /* a duplicate ACK: both reach the guest */
        } else {
            u->st.tcp_acks_merged++;
            first = held->first;
            if (ack - first >= ACK_HOLD_BYTES) {
                held->len = 0;
                return false;   /* enough waited: this one goes now */
            }
        }
        free_slot = held;
    } else if (!free_slot) {
        free_slot = &u->held_acks[0];   /* all taken: the first one goes now */
        send_held(u, free_slot);
    }
    memcpy(free_slot->key, key, sizeof(key));
    size_t frame_len = (size_t)(tcp + 20 - f);
    memcpy(free_slot->frame, f, frame_len);
    free_slot->len = (uint8_t)frame_len;
    free_slot->ack = ack;
    free_slot->first = first;
    free_slot->window = window;
    if (!u->ack_timer.armed)
        net_timer_arm(&u->ack_timer, plat_now_ns() + ACK_HOLD_NS);
    return true;
}
