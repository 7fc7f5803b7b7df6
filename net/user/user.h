/* Internal state of one user-mode network shared by the files of net/user/:
 * its configuration (QEMU's -netdev user options), its lwIP netif, and the
 * service and NAT tables. Addresses are lwIP ip4 values (network order). */
#ifndef BAREMU_NET_USER_H
#define BAREMU_NET_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "net/port.h"
#include "net/timer.h"
#include "net/user/usernet.h"

#define UNET_LEASES        16      /* QEMU/libslirp: NB_BOOTP_CLIENTS */
#define UNET_STR           256
#define UNET_MAX_FWD       32
#define UNET_GUESTS        16      /* guests remembered (IP -> MAC) */
#define UNET_HELD_ACKS     8       /* connections whose pure ACK is held (ack_merge.c) */
#define UNET_UDP_EXPIRE_MS 240000u /* libslirp's idle expiry for UDP sockets */
#define UNET_DNS_EXPIRE_MS 10000u  /* ...and for DNS queries */
/* Table limits per network. Each TCP connection holds at most a window
 * (TCP_WND, 256 KiB) of guest data and a send buffer of uplink data. */
#define UNET_MAX_TCP       16384
#define UNET_MAX_TCP_HELD  1024    /* SYNs waiting for their uplink connect */
#define UNET_MAX_UDP       4096
#define UNET_MAX_DNS       256
#define UNET_MAX_TFTP      64
/* Guest IPv4 fragments (ip_reass.c): datagrams in progress, the bytes of
 * their buffers (16 of the largest fit), the time a datagram has to complete
 * (30 s: Linux's ipfrag_time, libslirp's IPFRAGTTL). */
#define UNET_REASS_MAX     16
#define UNET_REASS_BYTES   (16u * (65535u + 74u))
#define UNET_REASS_AGE_MS  30000u
/* ICMP errors to the guest (icmp_error.c): a burst of 16, then 100 a second
 * (RFC 1812 4.3.2.8 asks for a limit, not a figure; Linux's default is a
 * burst of 50 and 1000 a second for the whole host). */
#define UNET_ICMPERR_BURST       16u
#define UNET_ICMPERR_INTERVAL_MS 10u

struct unet_config {
    ip4_addr_t net, mask, host, dhcp_start, dns;
    char hostname[UNET_STR], domainname[UNET_STR], dnssearch[UNET_STR]; /* dnssearch: "a,b" */
    char tftp_root[UNET_STR], tftp_server_name[UNET_STR], bootfile[UNET_STR];
    bool restrict_on, ipv4, ipv6, dnssearch_bad;
    uint8_t ip6_prefix[16], ip6_host[16], ip6_dns[16]; /* served by ip6_gateway.c */
    int ip6_prefixlen;
    uint8_t mac[6];                /* the gateway's MAC, as libslirp: 52:55:0a:00:02:02 style */
};

struct unet_lease {
    uint8_t mac[6];
    bool used;
    uint32_t expires_ms;
};

struct unet_fwd;
struct unet_gfwd;
struct icmp_flow;
struct nat_udp_flow;
struct nat_udp6_flow;
struct tftp_xfer;
struct dns_query;
struct unet_reass;

/* ack_merge.c: a pure ACK to the guest, held for a moment to merge it with
 * the next ones of its connection. */
#define UNET_ACK_KEY 37
struct unet_held_ack {
    uint8_t key[UNET_ACK_KEY];     /* family, addresses and ports, as in the frame */
    uint8_t frame[74];             /* Ethernet + IPv4 or IPv6 + TCP, no options */
    uint8_t len;                   /* 0: the slot is free */
    uint16_t window;
    uint32_t ack;
    uint32_t first;                /* the ack of the first one merged into it */
};

struct unet {
    struct net_port port;
    struct unet_config cfg;
    struct netif netif;
    uint8_t guest_mac[6];          /* last source MAC seen from the guest */
    struct { uint32_t ip; uint8_t mac[6]; } guests[UNET_GUESTS]; /* neighbour table */
    unsigned guest_next;
    struct { uint8_t ip[16]; uint8_t mac[6]; } guests6[UNET_GUESTS]; /* IPv6 neighbours */
    unsigned guest6_next;
    uint32_t ra_rand;              /* ip6_gateway.c: the RA interval's random state */
    bool ra_armed;                 /* ...and its periodic RA timer */
    struct unet_lease leases[UNET_LEASES];
    struct udp_pcb *dhcp_pcb, *tftp_pcb, *dns_pcb;
    struct tftp_xfer *tftp_xfers;
    int tftp_count;
    struct dns_query *dns_queries;
    struct nat_udp_flow *udp_flows;
    struct nat_udp6_flow *udp6_flows; /* nat_udp6.c */
    struct udp_pcb *udp_out_pcb;   /* sends NAT replies with any source */
    struct unet_fwd *fwds;
    struct unet_gfwd *gfwds;
    struct icmp_flow *icmp_flows;
    struct nat_tcp_listener *tcp_listeners; /* catch-all listeners, by port */
    struct unet_reass *reass;      /* guest datagrams being reassembled, newest first */
    size_t reass_bytes;            /* their buffers */
    bool reass_sweeping;           /* their expiry timer is armed */
    uint32_t icmperr_tokens, icmperr_last_ms; /* icmp_error.c's token bucket */
    uint64_t stat_tcp_conns, stat_udp_flows, stat_dropped;
    struct unet_stats st;          /* live counts, limits, refusals (usernet.h) */
    struct unet_held_ack held_acks[UNET_HELD_ACKS];
    struct net_timer ack_timer;    /* ends their hold (ack_merge.c) */
    struct unet *next;
};

/* register.c: (re)arms the timer that runs lwIP's timeouts. */
void unet_timer_kick(void);
/* unet_timer_kick only when the timer is not armed (per guest frame). */
void unet_timer_ensure(void);
/* config.c */
int unet_config_parse(struct unet_config *c, struct qopts *o, char *err, size_t errlen);
int unet_parse_ip(const char *s, ip4_addr_t *out);
/* inet_aton(3)'s number forms; out in host order. */
int unet_inet_aton(const char *s, uint32_t *out);
/* netif.c */
int unet_netif_init(struct unet *u);
void unet_netif_fini(struct unet *u);
bool unet_receive(struct net_port *p, const uint8_t *frame, size_t len);
/* Feeds a guest frame to lwIP as if it had just arrived (dst: its IP
 * destination; IPv6: a TCP segment, see netif.c). */
void unet_feed_frame(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *dst);
/* A guest TCP segment of either family (frame checked, len bytes up to the
 * end of its IP payload; tcp: its TCP header, 20 bytes at least): a new
 * connection's SYN to nat_tcp.c, the rest to lwIP. */
void unet_tcp_input(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *src,
                    const ip_addr_t *dst, const uint8_t *tcp);
/* An IPv6 address (16 bytes) as lwIP's, zoned to u's netif when link-local. */
void unet_ip6_to_addr(struct unet *u, const uint8_t *a, ip_addr_t *out);
/* Output between begin and end is routed to u's netif (see netif.c). */
void unet_output_begin(struct unet *u);
void unet_output_end(void);
/* Sends an ARP reply for ip (one of our virtual addresses) to the asker. */
void unet_arp_reply(struct unet *u, const uint8_t *req, size_t len);
/* ip_reass.c: a guest IPv4 fragment (frame with a checked IPv4 header whose
 * total length lies inside it). When it completes its datagram, returns the
 * buffer to free() holding the whole frame at start, len bytes long (longer
 * than the link's frames: up to 14 + 65535), the headers of the first
 * fragment with MF and offset cleared; otherwise NULL. */
uint8_t *unet_reass_input(struct unet *u, const uint8_t *frame, size_t *start, size_t *len);
void unet_reass_fini(struct unet *u);
/* ack_merge.c: takes a frame lwIP sends to the guest (true: a pure ACK now
 * held, not to be sent; false: send it, after any held ACK it does not
 * cover). unet_ack_init sets up the hold's timer; unet_ack_fini drops
 * what is held. */
bool unet_ack_hold(struct unet *u, const uint8_t *frame, size_t len);
void unet_ack_init(struct unet *u);
void unet_ack_fini(struct unet *u);
/* ip6_gateway.c: a guest IPv6 frame (type 0x86dd, at most a link frame). */
void unet_ip6_input(struct unet *u, const uint8_t *frame, size_t len);
/* Arms (ipv6=on) and cancels the periodic Router Advertisement. */
void unet_ip6_start(struct unet *u);
void unet_ip6_stop(struct unet *u);
/* The MACs of a frame from the gateway's address src to dst (src: 52:56 and
 * its last four bytes, as libslirp; dst: RFC 2464 for multicast, else the
 * guest's). */
void unet_ip6_macs(struct unet *u, const uint8_t *src, const uint8_t *dst, uint8_t *smac, uint8_t *dmac);
/* Whether a is the DNS address (in the prefix or link-local), as libslirp. */
bool unet_ip6_is_dns(const struct unet *u, const uint8_t *a);
/* nat_udp6.c: a guest UDP datagram over IPv6 for the uplink; false when
 * its destination is not mapped (not taken, the caller counts it). */
bool unet_nat_udp6_input(struct unet *u, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                         uint16_t dport, const uint8_t *data, size_t len);
void unet_nat_udp6_fini(struct unet *u);
/* The uplink address (16 bytes) of a guest's IPv6 destination: ipv6-host is
 * the host's ::1, a global address itself; false for the rest and with
 * restrict=on (libslirp's sotranslate_out). */
bool unet_map_outbound6(struct unet *u, const uint8_t *dst, uint8_t *up);
/* Sends the guest a UDP datagram over IPv6 (dropped and counted when it
 * needs more than one frame). */
void unet_ip6_udp_to_guest(struct unet *u, const uint8_t *src, uint16_t sport, const uint8_t *dst,
                           uint16_t dport, const void *data, size_t len);
/* dhcp_server.c */
int unet_dhcp_start(struct unet *u);
void unet_dhcp_stop(struct unet *u);
/* dns_proxy.c */
int unet_dns_start(struct unet *u);
void unet_dns_stop(struct unet *u);
/* A guest's DNS query over IPv6 (to the IPv6 DNS address, port 53); the
 * answer goes back with unet_ip6_udp_to_guest. */
void unet_dns6_query(struct unet *u, const uint8_t *guest6, uint16_t port, const uint8_t *req, size_t n);
/* tftp_server.c */
int unet_tftp_start(struct unet *u);
void unet_tftp_stop(struct unet *u);
/* nat_udp.c: a guest UDP datagram for the uplink; payload lent for the call
 * (iph: the guest's IP header, followed by the UDP header). */
void unet_nat_udp_input(struct unet *u, const uint8_t *iph, const ip4_addr_t *src, uint16_t sport,
                        const ip4_addr_t *dst, uint16_t dport, const uint8_t *data, size_t len);
void unet_nat_udp_fini(struct unet *u);
/* Sends a UDP datagram to the guest with any source address and port. */
void unet_udp_to_guest(struct unet *u, const ip4_addr_t *src, uint16_t sport,
                       const ip4_addr_t *dst, uint16_t dport, const void *data, size_t len);
/* icmp_fwd.c: an ICMP message from the guest to an outside address (iph:
 * the guest's IP header, followed by the message). */
void unet_icmp_fwd(struct unet *u, const uint8_t *iph, const ip4_addr_t *src, const ip4_addr_t *dst,
                   const uint8_t *icmp, size_t len);
/* icmp_error.c: sends the guest an ICMP error (type, code) from `from` about
 * its datagram whose IP header and first bytes are orig (olen bytes: at
 * least the header and 8 bytes), followed by tail (tlen bytes, may be NULL)
 * of the same datagram; false when the rules or the rate limit say no. */
bool unet_icmp_error(struct unet *u, uint8_t type, uint8_t code, const ip4_addr_t *from,
                     const uint8_t *orig, size_t olen, const uint8_t *tail, size_t tlen);
/* The destination unreachable code for an uplink's negative errno
 * (ECONNREFUSED: 3, EHOSTUNREACH: 1, ENETUNREACH: 0), or -1. */
int unet_icmp_unreach_code(int err);
void unet_icmp_fini(struct unet *u);
/* guestfwd.c */
struct hsock;
int unet_guestfwd_add(struct unet *u, const char *spec, char *err, size_t errlen);
struct unet_gfwd *unet_guestfwd_match(struct unet *u, const ip4_addr_t *dst, uint16_t port);
/* The host side of one guest connection: rc 0 connected, 1 in progress, -1 failed. */
struct hsock *unet_guestfwd_open(struct unet_gfwd *g, void (*cb)(struct hsock *, int, void *),
                                 void *ctx, int *rc);
void unet_guestfwd_fini(struct unet *u);
bool unet_guestfwd_has_addr(struct unet *u, const ip4_addr_t *ip);   /* ARP answers it */
/* nat_tcp.c */
/* A guest SYN (no ACK) for a new connection: connects the uplink first and
 * holds the frame (true = consumed), or lets lwIP take it now (false). */
bool unet_nat_tcp_syn(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *src,
                      uint16_t sport, const ip_addr_t *dst, uint16_t dport, uint32_t seq);
/* A guest RST: drops a held or half-open relay of that connection. */
void unet_nat_tcp_guest_rst(struct unet *u, const ip_addr_t *src, uint16_t sport,
                            const ip_addr_t *dst, uint16_t dport);
/* Makes sure a SYN to port (host order) finds a listener. */
int unet_nat_tcp_prepare(struct unet *u, uint16_t port);
void unet_nat_tcp_fini(struct unet *u);
/* Maps a guest-side destination to the uplink address (host order);
 * false when restrict=on or unreachable. */
bool unet_map_outbound(struct unet *u, const ip4_addr_t *dst, uint32_t *uplink_ip);
struct tcp_pcb;
struct hsock;
struct tcp_relay;
/* The relay between an lwIP pcb and a host socket, in two steps so that the
 * socket can be opened or accepted with the relay as its context:
 * alloc, open/accept with unet_tcp_relay_host_cb, then attach once the pcb
 * is connected (host_connecting: the socket's connect is in progress).
 * discard frees a relay never attached (closing its socket). */
struct tcp_relay *unet_tcp_relay_alloc(struct unet *u);
void unet_tcp_relay_host_cb(struct hsock *s, int ev, void *ctx);
void unet_tcp_relay_attach(struct tcp_relay *r, struct tcp_pcb *pcb, struct hsock *s,
                           bool host_connecting);
void unet_tcp_relay_discard(struct tcp_relay *r, struct hsock *s);
/* hostfwd: opens the lwIP connection from -> to:port for an accepted uplink
 * socket s and attaches the relay when the guest answers (frees it and
 * closes s when it does not). */
int unet_tcp_relay_connect_guest(struct tcp_relay *r, struct hsock *s, const ip4_addr_t *from,
                                 const ip4_addr_t *to, uint16_t port);
struct unet *unet_of_netif(struct netif *n);
/* hostfwd.c */
void unet_hostfwd_fini(struct unet *u);

#endif
