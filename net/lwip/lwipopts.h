/* lwIP configuration for baremu (both builds): no OS (NO_SYS=1, one event
 * loop), raw API only, memory from the C heap. lwIP serves the user-mode
 * network's guest side and, on bare metal, the appliance's uplink. See lwIP's
 * src/include/lwip/opt.h for every option's meaning. */
#ifndef BAREMU_LWIPOPTS_H
#define BAREMU_LWIPOPTS_H

#define NO_SYS                  1
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define SYS_LIGHTWEIGHT_PROT    0
#define LWIP_TIMERS             1

/* Memory: the C heap for everything, so pools never cap connection counts;
 * the NAT bounds its own buffers. */
#define MEM_LIBC_MALLOC         1
#define MEMP_MEM_MALLOC         1
#define MEM_ALIGNMENT           8
/* With a bounded free list for frame-sized blocks (net/lwip/heap.c). */
#include <stddef.h>
void *baremu_lwip_malloc(size_t n);
void *baremu_lwip_calloc(size_t count, size_t size);
void baremu_lwip_free(void *p);
void baremu_lwip_heap_trim(void);
#define mem_clib_malloc         baremu_lwip_malloc
#define mem_clib_calloc         baremu_lwip_calloc
#define mem_clib_free           baremu_lwip_free

#define LWIP_ARP                1
#define LWIP_ETHERNET           1
#define LWIP_IPV4               1
/* Dual stack for TCP over IPv6 only (net/user/netif.c feeds lwIP a guest's
 * IPv6 TCP segments; NDP, echo and UDP over IPv6 are our own code in
 * net/user/ip6_gateway.c). None of lwIP's IPv6 machinery may speak on its
 * own: no MLD reports, router solicitations, duplicate address detection
 * or address autoconfiguration; fragments are neither made nor reassembled
 * (TCP segments fit the link; the gateway drops guest fragments). */
#define LWIP_IPV6               1
#define LWIP_IPV6_MLD           0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_AUTOCONFIG    0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_REASS         0
#define LWIP_IPV6_FRAG          0
/* One slot: the any-destination trick writes the guest packet's
 * destination there for the time of one input call. */
#define LWIP_IPV6_NUM_ADDRESSES 1
#define LWIP_ICMP               1
#define LWIP_RAW                1
#define LWIP_UDP                1
#define LWIP_TCP                1
#define LWIP_DHCP               1
#define LWIP_DNS                1
#define LWIP_IGMP               1
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK   1
#define LWIP_SINGLE_NETIF       0
#define IP_FORWARD              0

/* TCP sized for throughput: large windows with scaling. */
#define TCP_MSS                 1460
#define LWIP_WND_SCALE          1
#define TCP_RCV_SCALE           4
#define TCP_WND                 (256 * 1024)
/* The send buffer bounds what is in flight to the guest. 384 KiB already
 * overflows the 256-descriptor receive ring of a Linux guest's e1000 under
 * QEMU (its rx_missed_errors count), and lwIP, without SACK, recovers from
 * those losses by timeouts: a third of the throughput to the guest. 128 KiB
 * gave four fifths; 320 KiB a few percent more than 256 KiB, at the edge
 * (docs/notes/usernet.md, "The guest's ceiling"). */
#define TCP_SND_BUF             (256 * 1024)
#define TCP_SND_QUEUELEN        (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_OVERSIZE            TCP_MSS
/* The send low-water mark is a u16_t in lwIP: keep it below the overflow. */
#define TCP_SNDLOWAT            (0xFFFF - 4 * TCP_MSS - 1)
#define LWIP_TCP_TIMESTAMPS     0
/* lwIP's TCP timer every 50 ms instead of 250: its retransmission timeout is
 * counted in ticks of twice this, and on a link of sub-millisecond round
 * trips it settles at three ticks, so a loss that fast retransmit does not
 * repair (lwIP has no SACK) stalls a connection 0.3 s instead of 1.5 s
 * (2.5 s on a new one). Delayed ACKs leave within 50 ms, too. */
#define TCP_TMR_INTERVAL        50
#define TCP_LISTEN_BACKLOG      1
/* TIME_WAIT (2 * MSL) of 10 s: the guest-facing side of a NAT gains nothing
 * from two minutes, and 10,000 short connections must not pile up pcbs. */
#define TCP_MSL                 5000UL
#define MEMP_NUM_TCP_PCB        4096
#define MEMP_NUM_UDP_PCB        1024
#define PBUF_POOL_SIZE          512

#define LWIP_CHECKSUM_ON_COPY   1
/* The Internet checksum eight bytes at a time (net/lwip/chksum.c). */
unsigned short baremu_lwip_chksum(const void *dataptr, int len);
#define LWIP_CHKSUM             baremu_lwip_chksum
/* The payload's copy and sum in one pass (tcp_write, pbuf_fill_chksum). */
unsigned short baremu_lwip_chksum_copy(void *dst, const void *src, unsigned short len);
#define LWIP_CHKSUM_COPY(dst, src, len) baremu_lwip_chksum_copy(dst, src, len)
/* Services of several user-mode networks share well-known ports, each pcb
 * bound to its own netif (udp_bind_netif/tcp_bind_netif). */
#define SO_REUSE                1

/* The user-mode network answers for any destination address (see
 * net/user/netif.c; IPv4, and TCP over IPv6): output made while it feeds
 * lwIP a guest packet is routed back to the guest's netif; NULL elsewhere =
 * normal routing. */
struct netif;
struct netif *unet_route_hook(const void *src, const void *dest);
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) unet_route_hook(src, dest)
#define LWIP_HOOK_IP6_ROUTE(src, dest) unet_route_hook(src, dest)
#define LWIP_STATS              0
#define LWIP_DEBUG              0

#endif
