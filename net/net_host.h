/* The network layer's reach into the platform: non-blocking sockets with
 * readiness callbacks, driven by the event loop. The hosted build implements
 * it on the OS's sockets and poll() (boot/posix/net_host.c); the bare-metal
 * appliance on lwIP over its real NIC (kernel side, the real-NIC issue).
 * IPv4 addresses and ports are in host byte order. */
#ifndef BAREMU_NET_HOST_H
#define BAREMU_NET_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum hsock_family { HSOCK_INET = 1, HSOCK_INET6 = 2, HSOCK_UNIX = 3 };
/* HSOCK_ICMP: an ICMP echo ("ping") datagram socket (Linux: SOCK_DGRAM,
 * IPPROTO_ICMP, allowed by net.ipv4.ping_group_range): datagrams are ICMP
 * messages without the IP header; the system owns the echo identifier. */
enum hsock_type { HSOCK_STREAM = 1, HSOCK_DGRAM = 2, HSOCK_ICMP = 3 };

struct hsock_addr {
    enum hsock_family family;
    uint32_t ip;            /* HSOCK_INET */
    uint8_t ip6[16];        /* HSOCK_INET6 (designed for; may be unsupported) */
    uint16_t port;
    char path[108];         /* HSOCK_UNIX */
};

/* Readiness events passed to the callback (a bit set). */
enum {
    HSOCK_EV_READ = 1,      /* data, a connection to accept, or EOF */
    HSOCK_EV_WRITE = 2,     /* writable; also: a non-blocking connect finished */
    HSOCK_EV_ERROR = 4,     /* an error or hang-up: read hsock_error() */
};

/* Return values of recv/send besides byte counts. */
#define HSOCK_AGAIN  (-2)   /* would block */
#define HSOCK_ERR    (-1)   /* failed; hsock_error() tells why */

struct hsock;
typedef void (*hsock_cb)(struct hsock *s, int events, void *ctx);

/* A new socket; events are reported to cb once wanted by hsock_want(). */
struct hsock *hsock_open(enum hsock_family family, enum hsock_type type, hsock_cb cb, void *ctx);
void hsock_close(struct hsock *s);
/* Which events to report (HSOCK_EV_READ | HSOCK_EV_WRITE); errors always. */
void hsock_want(struct hsock *s, int events);

int hsock_bind(struct hsock *s, const struct hsock_addr *a);       /* reuses the address */
int hsock_listen(struct hsock *s, int backlog);
/* Accepts one pending connection or returns NULL (HSOCK_AGAIN in *status). */
struct hsock *hsock_accept(struct hsock *listener, struct hsock_addr *peer, hsock_cb cb, void *ctx);
/* 0 when connected, 1 when in progress (EV_WRITE reports completion), -1 on failure. */
int hsock_connect(struct hsock *s, const struct hsock_addr *a);
/* The pending error of the socket (0 = none), as a negative errno-like code. */
int hsock_error(struct hsock *s);
const char *hsock_strerror(int code);

ssize_t hsock_recv(struct hsock *s, void *buf, size_t len);    /* 0 = EOF */
ssize_t hsock_send(struct hsock *s, const void *buf, size_t len);
ssize_t hsock_recvfrom(struct hsock *s, void *buf, size_t len, struct hsock_addr *from);
ssize_t hsock_sendto(struct hsock *s, const void *buf, size_t len, const struct hsock_addr *to);
int hsock_shutdown_write(struct hsock *s);
int hsock_local_addr(struct hsock *s, struct hsock_addr *a);
int hsock_peer_addr(struct hsock *s, struct hsock_addr *a);

enum hsock_opt {
    HSOCK_OPT_NODELAY, HSOCK_OPT_BROADCAST, HSOCK_OPT_MCAST_LOOP, HSOCK_OPT_MCAST_TTL,
    HSOCK_OPT_RCVBUF, HSOCK_OPT_SNDBUF, HSOCK_OPT_KEEPALIVE,
    /* HSOCK_DGRAM / HSOCK_ICMP: queue the ICMP errors the uplink receives
     * about this socket's datagrams for hsock_recv_icmp_error (hosted:
     * Linux IP_RECVERR). A socket with it must drain them on
     * HSOCK_EV_ERROR. -1 where the platform cannot (bare metal). */
    HSOCK_OPT_RECVERR,
};
int hsock_setopt(struct hsock *s, enum hsock_opt opt, int value);

/* One ICMP error about a datagram this socket sent (RFC 792). */
struct hsock_icmp_error {
    uint8_t type, code;     /* of the ICMP message that reported it */
    int err;                /* its meaning as a negative errno (-ECONNREFUSED, ...) */
    uint32_t dst;           /* the offending datagram's destination (host order) */
    uint16_t dport;         /* ... and port (0 for HSOCK_ICMP) */
    uint32_t from;          /* who sent the ICMP message (0 = unknown) */
};
/* Takes the oldest queued ICMP error (HSOCK_OPT_RECVERR): 1, or 0 when none.
 * buf gets up to len bytes of the offending datagram as the ICMP message
 * quoted it (HSOCK_DGRAM: the UDP payload; HSOCK_ICMP: the ICMP message),
 * *qlen their count. Bare metal: always 0, its lwIP uplink does not hand
 * ICMP errors to UDP pcbs. */
int hsock_recv_icmp_error(struct hsock *s, struct hsock_icmp_error *e, void *buf, size_t len,
                          size_t *qlen);
/* Joins an IPv4 multicast group on the interface with address local_ip (0 = any). */
int hsock_join_multicast(struct hsock *s, uint32_t group, uint32_t local_ip);

/* A process running "/bin/sh -c cmd" whose stdin and stdout are the returned
 * stream (guestfwd=...-cmd:). NULL where there are no processes (bare metal). */
struct hsock *hsock_spawn(const char *cmd, hsock_cb cb, void *ctx);

/* "host" in an option: a dotted quad, "localhost", or a name the platform
 * resolves (hosted: getaddrinfo). Blocking; used only at configuration time. */
int hsock_resolve(const char *host, uint32_t *ip);
/* The uplink's DNS servers (hosted: /etc/resolv.conf); returns the count. */
int net_host_dns_servers(uint32_t *ips, int max);

/* Files the network layer writes (filter-dump's pcap). Buffered; hfile_flush
 * pushes the data out. NULL / -1 on failure (errno-style reason in the log). */
struct hfile;
struct hfile *hfile_create(const char *path);
int hfile_write(struct hfile *f, const void *buf, size_t len);
int hfile_flush(struct hfile *f);
void hfile_close(struct hfile *f);

/* Runs ready callbacks, waiting at most timeout_ns for one. The event loop
 * calls it; nothing else blocks. */
int net_host_poll(uint64_t timeout_ns);

#endif
