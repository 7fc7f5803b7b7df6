/* Internal state of one user-mode network shared by the files of net/user/:
 * its configuration (QEMU's -netdev user options), its lwIP netif, and the
 * service and NAT tables. Addresses are lwIP ip4 values (network order). */
#ifndef BAREMU_NET_USER_H
#define BAREMU_NET_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "net/port.h"
#include "net/user/usernet.h"

#define UNET_LEASES        16      /* QEMU/libslirp: NB_BOOTP_CLIENTS */
#define UNET_STR           256
#define UNET_MAX_FWD       32
#define UNET_GUESTS        16      /* guests remembered (IP -> MAC) */
#define UNET_UDP_EXPIRE_MS 240000u /* libslirp's idle expiry for UDP sockets */
#define UNET_DNS_EXPIRE_MS 10000u  /* ...and for DNS queries */

struct unet_config {
    ip4_addr_t net, mask, host, dhcp_start, dns;
    char hostname[UNET_STR], domainname[UNET_STR], dnssearch[UNET_STR]; /* dnssearch: "a,b" */
    char tftp_root[UNET_STR], tftp_server_name[UNET_STR], bootfile[UNET_STR];
    bool restrict_on, ipv4, ipv6;
    uint8_t mac[6];                /* the gateway's MAC, as libslirp: 52:55:0a:00:02:02 style */
};

struct unet_lease {
    uint8_t mac[6];
    bool used;
    uint32_t expires_ms;
};

struct unet_fwd;
struct nat_udp_flow;
struct tftp_xfer;
struct dns_query;

struct unet {
    struct net_port port;
    struct unet_config cfg;
    struct netif netif;
    uint8_t guest_mac[6];          /* last source MAC seen from the guest */
    struct { uint32_t ip; uint8_t mac[6]; } guests[UNET_GUESTS]; /* neighbour table */
    unsigned guest_next;
    struct unet_lease leases[UNET_LEASES];
    struct udp_pcb *dhcp_pcb, *tftp_pcb, *dns_pcb;
    struct tftp_xfer *tftp_xfers;
    int tftp_count;
    struct dns_query *dns_queries;
    struct nat_udp_flow *udp_flows;
    struct udp_pcb *udp_out_pcb;   /* sends NAT replies with any source */
    struct unet_fwd *fwds;
    struct nat_tcp_listener *tcp_listeners; /* catch-all listeners, by port */
    uint64_t stat_tcp_conns, stat_udp_flows, stat_dropped;
    struct unet *next;
};

/* register.c: (re)arms the timer that runs lwIP's timeouts. */
void unet_timer_kick(void);
/* config.c */
int unet_config_parse(struct unet_config *c, struct qopts *o, char *err, size_t errlen);
int unet_parse_ip(const char *s, ip4_addr_t *out);
/* netif.c */
int unet_netif_init(struct unet *u);
void unet_netif_fini(struct unet *u);
bool unet_receive(struct net_port *p, const uint8_t *frame, size_t len);
/* Sends an ARP reply for ip (one of our virtual addresses) to the asker. */
void unet_arp_reply(struct unet *u, const uint8_t *req, size_t len);
/* dhcp_server.c */
int unet_dhcp_start(struct unet *u);
void unet_dhcp_stop(struct unet *u);
/* dns_proxy.c */
int unet_dns_start(struct unet *u);
void unet_dns_stop(struct unet *u);
/* tftp_server.c */
int unet_tftp_start(struct unet *u);
void unet_tftp_stop(struct unet *u);
/* nat_udp.c: a guest UDP datagram for the uplink; payload lent for the call. */
void unet_nat_udp_input(struct unet *u, const ip4_addr_t *src, uint16_t sport,
                        const ip4_addr_t *dst, uint16_t dport, const uint8_t *data, size_t len);
void unet_nat_udp_fini(struct unet *u);
/* Sends a UDP datagram to the guest with any source address and port. */
void unet_udp_to_guest(struct unet *u, const ip4_addr_t *src, uint16_t sport,
                       const ip4_addr_t *dst, uint16_t dport, const void *data, size_t len);
/* nat_tcp.c */
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
