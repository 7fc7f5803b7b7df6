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
 * IPv4 segments with the ACK flag alone, no payload and no options (lwIP's
 * pure ACKs; it sends no SACK or timestamps here, lwipopts.h). A newer ACK
 * replaces a held one when it acknowledges more, or the same with another
 * window (a window update). A repeat of the same ACK and window is a
 * duplicate ACK (RFC 5681 2), which the guest counts for fast retransmit:
 * the held one goes out first and the repeat is held in turn. Any other
 * segment of the connection (data, FIN, RST) carries the newest ACK itself,
 * so a held ACK it covers is dropped and one it does not is sent first. */
#include <string.h>

#include "baremu/platform.h"
#include "net/timer.h"
#include "net/user/user.h"

#define ETH_HLEN 14
/* 200 us: 15-20 full segments from a guest sending at 1 Gbit/s. */
#define ACK_HOLD_NS    200000u
#define ACK_HOLD_BYTES (32 * 1024)

/* The connection of an IPv4 TCP frame: addresses and ports, in the frame's
 * byte order. */
static void flow_key(const uint8_t *ip, const uint8_t *tcp, uint8_t key[12])
{
    memcpy(key, ip + 12, 8);
    memcpy(key + 8, tcp, 4);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void send_held(struct unet *u, struct unet_held_ack *h)
{
    net_port_send(&u->port, h->frame, h->len);
    h->len = 0;
}

static void flush_fire(void *ctx)
{
    unet_ack_flush(ctx);
}

void unet_ack_flush(struct unet *u)
{
    for (unsigned i = 0; i < UNET_HELD_ACKS; i++)
        if (u->held_acks[i].len)
            send_held(u, &u->held_acks[i]);
    net_timer_cancel(&u->ack_timer);
}

void unet_ack_fini(struct unet *u)
{
    net_timer_cancel(&u->ack_timer);
}

bool unet_ack_hold(struct unet *u, const uint8_t *f, size_t len)
{
    if (len < ETH_HLEN + 40 || f[12] != 0x08 || f[13] != 0x00)
        return false;
    const uint8_t *ip = f + ETH_HLEN;
    if (ip[0] != 0x45 || ip[9] != 6 || (ip[6] & 0x3f) || ip[7])
        return false;   /* options, another protocol, or a fragment */
    size_t ip_len = (size_t)ip[2] << 8 | ip[3];
    const uint8_t *tcp = ip + 20;
    size_t tcp_hlen = (size_t)(tcp[12] >> 4) * 4;
    if (ip_len > len - ETH_HLEN || ip_len < 20 + tcp_hlen || tcp_hlen < 20)
        return false;
    uint8_t key[12];
    flow_key(ip, tcp, key);
    struct unet_held_ack *held = NULL, *free_slot = NULL;
    for (unsigned i = 0; i < UNET_HELD_ACKS; i++) {
        struct unet_held_ack *h = &u->held_acks[i];
        if (!h->len)
            free_slot = free_slot ? free_slot : h;
        else if (!memcmp(h->key, key, sizeof(key)))
            held = h;
    }
    uint32_t ack = be32(tcp + 8);
    uint16_t window = (uint16_t)(tcp[14] << 8 | tcp[15]);
    bool pure = tcp[13] == 0x10 && tcp_hlen == 20 && ip_len == 40;
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
    memcpy(free_slot->frame, f, ETH_HLEN + 40);
    free_slot->len = ETH_HLEN + 40;
    free_slot->ack = ack;
    free_slot->first = first;
    free_slot->window = window;
    if (!u->ack_timer.fn)
        net_timer_init(&u->ack_timer, flush_fire, u);
    if (!u->ack_timer.armed)
        net_timer_arm(&u->ack_timer, plat_now_ns() + ACK_HOLD_NS);
    return true;
}
