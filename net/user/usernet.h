/* The public face of user-mode networking (QEMU's -netdev user, libslirp's
 * role): create a backend from its option string, reach its port, add and
 * remove host forwards (the monitor's hostfwd_add/hostfwd_remove), and run its
 * timers. Everything else is internal to net/user/. */
#ifndef BAREMU_NET_USERNET_H
#define BAREMU_NET_USERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_port;
struct qopts;
struct unet;

/* Creates the backend from parsed -netdev options (type=user already
 * consumed by the caller; id NULL: read id= here, or make one up). Every other key is read; unknown
 * keys are left unused for the caller's qopts_check_unused(). Returns NULL
 * with a QEMU-like message in err on a bad option or combination. */
struct unet *unet_create(struct qopts *o, const char *id, char *err, size_t errlen);
/* Convenience for tests and tools: "user,id=u0,net=..." in one string. */
struct unet *unet_create_str(const char *opts, char *err, size_t errlen);
void unet_destroy(struct unet *u);

struct net_port *unet_port(struct unet *u);

/* "tcp:[hostaddr]:hostport-[guestaddr]:guestport" (udp: too). -1 + err. */
int unet_hostfwd_add(struct unet *u, const char *spec, char *err, size_t errlen);
/* "[tcp|udp]:[hostaddr]:hostport"; -1 + err when no such forward. */
int unet_hostfwd_remove(struct unet *u, const char *spec, char *err, size_t errlen);

/* Runs due lwIP and user-net timers. The backend keeps a net_timer armed
 * for them (net/timer.h), so an event loop running net timers needs nothing
 * else; tests without a loop may call this directly. */
void unet_poll_timers(void);
uint32_t unet_timer_interval_ms(void);

/* Registers the "user" backend type (net_backend_register) and the monitor
 * commands hostfwd_add / hostfwd_remove. */
void unet_register(void);
/* Diagnostics: lwIP's connected TCP pcbs (all user networks), and how
 * many of them are in TIME_WAIT (*time_wait, may be NULL). */
int unet_tcp_pcb_count(int *time_wait);

/* Bounded tables and their counters (shown by `info network`). A table at
 * its limit refuses the newcomer (TCP: a reset to the SYN; UDP, DNS: the
 * datagram is dropped; TFTP: an error packet) and counts it. */
struct unet_stats {
    int tcp_live, tcp_held, udp_live, dns_live, tftp_live;       /* in use now */
    int tcp_max, tcp_held_max, udp_max, dns_max, tftp_max;       /* limits */
    uint32_t udp_expire_ms;                                      /* idle UDP flow expiry */
    uint64_t tcp_total, udp_total;                               /* created */
    uint64_t tcp_refused, udp_refused, dns_refused, tftp_refused; /* limit reached */
    uint64_t dropped;                                            /* other drops */
    /* Guest IPv4 fragments being reassembled (ip_reass.c): datagrams in
     * progress and their limits, whole ones made, datagrams dropped for a
     * malformed fragment, for their age, for the limits. */
    int frag_live, frag_max;
    size_t frag_bytes_max;
    uint32_t frag_expire_ms;
    uint64_t frag_total, frag_bad, frag_expired, frag_refused;
    /* ICMP errors to the guest (icmp_error.c): the rate limit (a burst of
     * icmperr_burst, then one per icmperr_interval_ms), sent, held back. */
    uint32_t icmperr_burst, icmperr_interval_ms;
    uint64_t icmperr_sent, icmperr_limited;
    /* IPv6 (ip6_gateway.c): Router and Neighbor Advertisements and echo
     * replies sent; guest packets dropped as malformed (length, checksum,
     * NDP hop limit or options) and as not served (other destinations,
     * protocols, extension headers); resets sent to the guest over IPv6
     * (refused connections, segments without one: ip6_tcp_reset). */
    uint64_t ip6_ra_sent, ip6_na_sent, ip6_echo_sent, ip6_bad, ip6_dropped, ip6_tcp_reset;
    /* Pure TCP ACKs to the guest replaced by a newer one while held
     * (ack_merge.c). */
    uint64_t tcp_acks_merged;
};
void unet_get_stats(struct unet *u, struct unet_stats *st);
/* Changes the limits (tests; values <= 0 keep the current one). */
void unet_set_limits(struct unet *u, int tcp, int tcp_held, int udp, int dns, int tftp);
/* The idle expiry of UDP flows (default 240 s as libslirp; DNS flows 10 s
 * or this, whichever is shorter). Tests shorten it. */
void unet_set_udp_expiry(struct unet *u, uint32_t ms);
/* The fragment reassembly's limits (tests; values <= 0 keep the current
 * one): datagrams in progress, their buffers' bytes, their time to complete. */
void unet_set_frag_limits(struct unet *u, int datagrams, size_t bytes, uint32_t expire_ms);
/* The rate limit of ICMP errors to the guest (tests): a burst of `burst`
 * (0 keeps it), then one per interval_ms (0 keeps it; UINT32_MAX: none). */
void unet_set_icmp_error_limit(struct unet *u, uint32_t burst, uint32_t interval_ms);
/* The user networks, newest first (monitor lookups). */
struct unet *unet_first(void);

#endif
