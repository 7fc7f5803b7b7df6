/* The guest side of a user-mode network: an lwIP netif whose output goes to
 * the port's peer and whose input is the port's receive(). It answers ARP for
 * the virtual addresses itself (RFC 826; libslirp's 52:55:a.b.c.d MACs), keeps
 * a small IP->MAC table of guests, and steers each IPv4 packet: to lwIP's
 * services, to the TCP catch-all (any destination), or to the UDP NAT;
 * fragments are reassembled first (ip_reass.c) and steered whole. IPv6
 * frames go to ip6_gateway.c.
 *
 * Any-destination TCP: lwIP accepts only packets addressed to its netif. For
 * the duration of one input call the netif takes the packet's destination as
 * its address with a /0 mask (written directly, so no pcb is disturbed by
 * netif_set_ipaddr), a catch-all listener on IP_ANY:port takes the SYN and the
 * accepted pcb keeps the original destination as its local address. Output
 * made during that call is routed back to this netif by the
 * LWIP_HOOK_IP4_ROUTE_SRC hook; later output by pcbs bound to the netif.
 *
 * TCP over IPv6 (from ip6_gateway.c) takes the same way with lwIP's IPv6
 * (dual stack): for one input call the netif's only IPv6 address slot holds
 * the segment's destination, valid (written directly: netif_ip6_addr_set
 * would start MLD and callbacks), so ip6_input accepts it; output goes
 * through LWIP_HOOK_IP6_ROUTE (or the zone of a link-local address, which
 * ip6_input ties to this netif) and leaves by unet_output6, which addresses
 * the frame as the gateway does (no lwIP neighbour discovery). */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/def.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip4.h"
#include "lwip/ip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/prot/udp.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"
#include "net/user/user.h"

#define UNET_MTU 1500

static struct netif *input_netif;   /* the netif whose input is being processed */

struct netif *unet_route_hook(const void *src, const void *dest)
{
    (void)src;
    (void)dest;
    return input_netif;
}

static void learn(struct unet *u, uint32_t ip, const uint8_t *mac)
{
    if (mac[0] & 1)
        return;
    memcpy(u->guest_mac, mac, 6);
    if (!ip || (ip & ip4_addr_get_u32(&u->cfg.mask)) != ip4_addr_get_u32(&u->cfg.net))
        return;
    for (unsigned i = 0; i < UNET_GUESTS; i++)
        if (u->guests[i].ip == ip) {
            memcpy(u->guests[i].mac, mac, 6);
            return;
        }
    u->guests[u->guest_next].ip = ip;
    memcpy(u->guests[u->guest_next].mac, mac, 6);
    u->guest_next = (u->guest_next + 1) % UNET_GUESTS;
}

static const uint8_t *lookup(struct unet *u, uint32_t ip)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint32_t netbc = ip4_addr_get_u32(&u->cfg.net) | ~ip4_addr_get_u32(&u->cfg.mask);
    if (ip == 0xffffffffu || ip == netbc)
        return bcast;
    for (unsigned i = 0; i < UNET_GUESTS; i++)
        if (u->guests[i].ip == ip)
            return u->guests[i].mac;
    /* Unknown: the last guest seen (libslirp does the same before ARP). */
    for (int i = 0; i < 6; i++)
        if (u->guest_mac[i])
            return u->guest_mac;
    return bcast;
}

/* netif->output: no ARP towards guests, the table above instead. */
static err_t unet_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
    struct unet *u = netif->state;
    struct eth_addr dst;
    memcpy(dst.addr, lookup(u, ip4_addr_get_u32(ipaddr)), 6);
    return ethernet_output(netif, p, (const struct eth_addr *)netif->hwaddr, &dst, ETHTYPE_IP);
}

/* netif->output_ip6: lwIP's TCP over IPv6 to the guest, from the MAC of
 * the source address and to the guest's, as ip6_gateway.c sends. */
static err_t unet_output6(struct netif *netif, struct pbuf *p, const ip6_addr_t *ipaddr)
{
    (void)ipaddr;
    struct unet *u = netif->state;
    struct eth_addr src, dst;
    const uint8_t *ip = p->payload;   /* ip6_output_if put the header in the first pbuf */
    if (p->len < 40)
        return ERR_BUF;
    unet_ip6_macs(u, ip + 8, ip + 24, src.addr, dst.addr);
    if (ip[6] == IP_PROTO_TCP && p->len >= 40 + 20 && (ip[40 + 13] & TCP_RST))
        u->st.ip6_tcp_reset++;
    return ethernet_output(netif, p, &src, &dst, ETHTYPE_IPV6);
}

static err_t unet_linkoutput(struct netif *netif, struct pbuf *p)
{
    struct unet *u = netif->state;
    static uint8_t buf[UNET_MTU + 64];
    /* One contiguous pbuf (lwIP's TCP segments are, with TCP_OVERSIZE): hand
     * it over as it is, the receiving port copies what it keeps. */
    if (p->tot_len > sizeof(buf))
        return ERR_BUF;
    if (p->len == p->tot_len) {
        if (!unet_ack_hold(u, p->payload, p->len))
            net_port_send(&u->port, p->payload, p->len);
        return ERR_OK;
    }
    uint16_t n = pbuf_copy_partial(p, buf, p->tot_len, 0);
    if (!unet_ack_hold(u, buf, n))
        net_port_send(&u->port, buf, n);
    return ERR_OK;
}

static err_t unet_netif_setup(struct netif *netif)
{
    struct unet *u = netif->state;
    netif->name[0] = 'u';
    netif->name[1] = 'n';
    netif->mtu = UNET_MTU;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, u->cfg.mac, 6);
    /* ETHARP: lwIP only takes IP frames on ARP netifs; ARP itself never reaches it. */
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    netif->output = unet_output;
    netif->output_ip6 = unet_output6;   /* no NETIF_FLAG_MLD6: lwIP joins no group */
    netif->linkoutput = unet_linkoutput;
    return ERR_OK;
}

int unet_netif_init(struct unet *u)
{
    static bool lwip_ready;
    if (!lwip_ready) {
        lwip_init();
        lwip_ready = true;
    }
    ip4_addr_t gw;
    ip4_addr_set_zero(&gw);
    if (!netif_add(&u->netif, &u->cfg.host, &u->cfg.mask, &gw, u, unet_netif_setup,
                   ethernet_input))
        return -1;
    netif_set_up(&u->netif);
    return 0;
}

void unet_netif_fini(struct unet *u)
{
    netif_remove(&u->netif);
}

static bool is_host_or_dns(const struct unet *u, uint32_t ip)
{
    return ip == ip4_addr_get_u32(&u->cfg.host) || ip == ip4_addr_get_u32(&u->cfg.dns);
}

static bool is_ours(struct unet *u, uint32_t ip)
{
    ip4_addr_t a;
    ip4_addr_set_u32(&a, ip);
    return ip == ip4_addr_get_u32(&u->cfg.host) || ip == ip4_addr_get_u32(&u->cfg.dns) ||
           unet_guestfwd_has_addr(u, &a);
}

/* RFC 826: answer a request for the host or DNS address (our MAC is
 * 52:55 followed by the asked address, so each looks like its own machine). */
void unet_arp_reply(struct unet *u, const uint8_t *f, size_t len)
{
    if (len < 42)
        return;
    const uint8_t *a = f + 14;
    if (a[0] != 0 || a[1] != 1 || a[2] != 8 || a[3] != 0 || a[4] != 6 || a[5] != 4)
        return;
    uint16_t op = (uint16_t)(a[6] << 8 | a[7]);
    uint32_t sip, tip;
    memcpy(&sip, a + 14, 4);
    memcpy(&tip, a + 24, 4);
    learn(u, sip, a + 8);
    if (op != 1 || !is_ours(u, tip))
        return;
    uint8_t r[42];
    memcpy(r, f + 6, 6);              /* to the asker */
    r[6] = 0x52;
    r[7] = 0x55;
    memcpy(r + 8, &tip, 4);
    r[12] = 0x08;
    r[13] = 0x06;
    uint8_t *ra = r + 14;
    memcpy(ra, a, 6);                 /* htype, ptype, hlen, plen */
    ra[6] = 0;
    ra[7] = 2;
    memcpy(ra + 8, r + 6, 6);         /* sender: us */
    memcpy(ra + 14, &tip, 4);
    memcpy(ra + 18, a + 8, 6);        /* target: the asker */
    memcpy(ra + 24, &sip, 4);
    net_port_send(&u->port, r, sizeof(r));
}

/* Whether an lwIP UDP service of this netif listens on dport. */
static bool udp_service(struct unet *u, uint16_t dport)
{
    for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next)
        if (pcb->local_port == dport && pcb->netif_idx == netif_get_index(&u->netif))
            return true;
    return false;
}

/* Feeds a frame to lwIP, with the destination as the netif's address when
 * it is not the host address (see the file comment). */
static void lwip_input(struct unet *u, const uint8_t *frame, size_t len, uint32_t dst)
{
    struct pbuf *p;
    bool whole = len > UNET_MTU + 18;
    if (!whole) {
        /* Exactly the frame's size (PBUF_RAM): a guest's ACKs are 60 bytes,
         * and a pool-sized buffer for each is a large allocation per frame. */
        p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
        if (p)
            pbuf_take(p, frame, (u16_t)len);
    } else {
        /* A reassembled datagram (ip_reass.c), up to 65535 bytes of IP: one
         * pbuf that long overflows lwIP's u16_t lengths once aligned, so a
         * chain, with the link header's room in front (icmp_input answers
         * an echo in place then). It skips ethernet_input. */
        p = pbuf_alloc(PBUF_LINK, (u16_t)(len - 14), PBUF_POOL);
        if (p) {
            pbuf_take(p, frame + 14, (u16_t)(len - 14));
            if (frame[0] & 1)
                p->flags |= memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) ? PBUF_FLAG_LLMCAST
                                                                         : PBUF_FLAG_LLBCAST;
        }
    }
    if (!p) {
        u->stat_dropped++;
        return;
    }
    ip4_addr_t saved_ip = *netif_ip4_addr(&u->netif), saved_mask = *netif_ip4_netmask(&u->netif);
    bool swap = dst != ip4_addr_get_u32(&saved_ip);
    if (swap) {
        ip4_addr_set_u32(ip_2_ip4(&u->netif.ip_addr), dst);
        ip4_addr_set_u32(ip_2_ip4(&u->netif.netmask), 0);
    }
    input_netif = &u->netif;
    if (whole)
        ip4_input(p, &u->netif);
    else
        u->netif.input(p, &u->netif);
    input_netif = NULL;
    if (swap) {
        ip4_addr_copy(*ip_2_ip4(&u->netif.ip_addr), saved_ip);
        ip4_addr_copy(*ip_2_ip4(&u->netif.netmask), saved_mask);
    }
}

/* An IPv6 TCP segment (frame checked by ip6_gateway.c) to lwIP, with its
 * destination as the netif's IPv6 address for the call (file comment). */
static void lwip_input6(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *dst)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    if (!p) {
        u->st.ip6_dropped++;
        return;
    }
    pbuf_take(p, frame, (u16_t)len);
    ip_addr_copy(u->netif.ip6_addr[0], *dst);
    u->netif.ip6_addr_state[0] = IP6_ADDR_PREFERRED;
    input_netif = &u->netif;
    u->netif.input(p, &u->netif);
    input_netif = NULL;
    u->netif.ip6_addr_state[0] = IP6_ADDR_INVALID;
}

void unet_ip6_to_addr(struct unet *u, const uint8_t *a, ip_addr_t *out)
{
    IP_ADDR6(out, 0, 0, 0, 0);
    memcpy(ip_2_ip6(out)->addr, a, 16);
    /* A link-local address is this netif's (ip6_input assigns the same
     * zone to what it receives, so pcbs and these compare equal). */
    ip6_addr_assign_zone(ip_2_ip6(out), IP6_UNKNOWN, &u->netif);
}

void unet_tcp_input(struct unet *u, const uint8_t *f, size_t len, const ip_addr_t *src,
                    const ip_addr_t *dst, const uint8_t *tcp)
{
    uint16_t sport = (uint16_t)(tcp[0] << 8 | tcp[1]), dport = (uint16_t)(tcp[2] << 8 | tcp[3]);
    uint8_t flags = tcp[13];
    /* A new connection: the uplink connects first (nat_tcp.c), unless
     * restrict=on or an unmapped destination, which get a reset. */
    if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
        if (unet_nat_tcp_syn(u, f, len, src, sport, dst, dport, seq))
            return;
    } else if (flags & TCP_RST) {
        /* The guest gives up a connection that may still wait for its
         * uplink connect: free that at once (lwIP sees the RST too). */
        unet_nat_tcp_guest_rst(u, src, sport, dst, dport);
    }
    unet_feed_frame(u, f, len, dst);
}

static void steer(struct unet *u, const uint8_t *f, size_t len);

static bool receive_frame(struct unet *u, const uint8_t *f, size_t len)
{
    if (len < 14 || len > UNET_MTU + 18) {
        u->stat_dropped++;
        return true;
    }
    uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
    if (type == 0x86dd && u->cfg.ipv6) {
        unet_ip6_input(u, f, len);
        return true;
    }
    if (!u->cfg.ipv4) {
        u->stat_dropped++;   /* ipv4=off: ARP and IPv4 are not served */
        return true;
    }
    if (type == 0x0806) {
        unet_arp_reply(u, f, len);
        return true;
    }
    if (type != 0x0800 || len < 14 + 20) {
        u->stat_dropped++;   /* IPv6 with ipv6=off and the rest: not served */
        return true;
    }
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t tot = (size_t)(ip[2] << 8 | ip[3]);
    if ((ip[0] >> 4) != 4 || ihl < 20 || tot < ihl || 14 + tot > len) {
        u->stat_dropped++;
        return true;
    }
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    learn(u, src, f + 6);
    if ((lwip_ntohl(dst) >> 28) == 14) {   /* multicast: nothing listens */
        u->stat_dropped++;
        return true;
    }
    if ((ip[6] & 0x3f) || ip[7]) {
        /* MF or an offset: the whole datagram, once complete, takes the
         * same way as an unfragmented one. */
        size_t start, wlen;
        uint8_t *whole = unet_reass_input(u, f, &start, &wlen);
        if (whole) {
            steer(u, whole + start, wlen);
            free(whole);
        }
        return true;
    }
    steer(u, f, 14 + tot);
    return true;
}

/* An unfragmented IPv4 packet f (Ethernet frame of len bytes, checked by
 * receive_frame; longer than the link's frames when reassembled): to lwIP's
 * services, the TCP catch-all, the UDP NAT or the ICMP forwarding. */
static void steer(struct unet *u, const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t tot = len - 14;
    uint32_t src, dst;
    memcpy(&src, ip + 12, 4);
    memcpy(&dst, ip + 16, 4);
    uint8_t proto = ip[9];
    const uint8_t *l4 = ip + ihl;
    size_t l4len = tot - ihl;
    uint32_t netbc = ip4_addr_get_u32(&u->cfg.net) | ~ip4_addr_get_u32(&u->cfg.mask);
    bool bcast = dst == 0xffffffffu || dst == netbc;

    if (proto == IP_PROTO_UDP) {
        if (l4len < 8)
            return;
        uint16_t sport = (uint16_t)(l4[0] << 8 | l4[1]), dport = (uint16_t)(l4[2] << 8 | l4[3]);
        uint16_t ulen = (uint16_t)(l4[4] << 8 | l4[5]);
        if (ulen < 8 || ulen > l4len)
            return;
        if ((bcast || is_ours(u, dst)) && udp_service(u, dport)) {
            lwip_input(u, f, 14 + tot, bcast ? ip4_addr_get_u32(&u->cfg.host) : dst);
        } else if (!bcast && src) {
            ip4_addr_t s, d;
            ip4_addr_set_u32(&s, src);
            ip4_addr_set_u32(&d, dst);
            unet_nat_udp_input(u, ip, &s, sport, &d, dport, l4 + 8, ulen - 8u);
        }
        return;
    }
    if (proto == IP_PROTO_TCP) {
        if (l4len < 20 || bcast)
            return;
        ip_addr_t s, d;
        ip_addr_set_ip4_u32_val(s, src);
        ip_addr_set_ip4_u32_val(d, dst);
        unet_tcp_input(u, f, 14 + tot, &s, &d, l4);
        return;
    }
    if (proto == IP_PROTO_ICMP && !bcast && src && !is_host_or_dns(u, dst)) {
        /* Echo to anything else goes out on the uplink (icmp_fwd.c). */
        ip4_addr_t s, d;
        ip4_addr_set_u32(&s, src);
        ip4_addr_set_u32(&d, dst);
        unet_icmp_fwd(u, ip, &s, &d, l4, l4len);
        return;
    }
    if (proto == IP_PROTO_ICMP) {
        /* Echo is answered for the host and DNS addresses (lwIP's icmp). */
        if (is_host_or_dns(u, dst))
            lwip_input(u, f, 14 + tot, dst);
        return;
    }
    u->stat_dropped++;
}

void unet_feed_frame(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *dst)
{
    if (IP_IS_V6(dst))
        lwip_input6(u, frame, len, dst);
    else
        lwip_input(u, frame, len, ip4_addr_get_u32(ip_2_ip4(dst)));
}

void unet_output_begin(struct unet *u)
{
    input_netif = &u->netif;
}

void unet_output_end(void)
{
    input_netif = NULL;
}

bool unet_receive(struct net_port *port, const uint8_t *frame, size_t len)
{
    receive_frame(port->opaque, frame, len);
    unet_timer_ensure();   /* the frame may have started lwIP timers */
    return true;
}
