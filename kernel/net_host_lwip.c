/* net/net_host.h on bare metal: IPv4 TCP and UDP "sockets" on lwIP's raw API
 * (lwIP 2.1 doc: raw TCP tcp_new/tcp_recv/tcp_sent/tcp_err; raw UDP
 * udp_recv/udp_sendto), over the uplink netif. Readiness is level-triggered,
 * as poll(): net_host_poll() (run by the event loop) hands each socket's
 * ready events that it wants to its callback. No Unix or IPv6 sockets and no
 * files: those return errors that say so. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/dns.h"
#include "lwip/igmp.h"
#include "lwip/ip4_addr.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/net_host.h"

#define ACCEPT_MAX 8
#define DGRAM_MAX 64

struct dgram {
    struct pbuf *p;
    uint32_t ip;
    uint16_t port;
};

struct hsock {
    enum hsock_type type;
    hsock_cb cb;
    void *ctx;
    int want;
    int err;                     /* negative errno, 0 = none */
    int closed;                  /* freed at the end of net_host_poll */
    struct tcp_pcb *tcp;
    struct udp_pcb *udp;
    int connecting, connected, eof, listening;
    struct pbuf *rxq;            /* TCP: received, not yet read */
    struct hsock *accq[ACCEPT_MAX];
    int nacc;
    struct dgram dq[DGRAM_MAX];  /* UDP: a ring of received datagrams */
    int dq_head, dq_count;
    struct hsock *next;
};

static struct hsock *all;

static uint32_t ip_of(const ip_addr_t *a)
{
    return lwip_ntohl(ip4_addr_get_u32(ip_2_ip4(a)));
}

static void set_ip(ip_addr_t *a, uint32_t ip)
{
    ip_addr_set_ip4_u32(a, lwip_htonl(ip));
}

static int lwip_to_errno(err_t e)
{
    switch (e) {
    case ERR_MEM: case ERR_BUF: return -ENOMEM;
    case ERR_RTE: return -ENETUNREACH;
    case ERR_USE: return -EADDRINUSE;
    case ERR_ISCONN: return -EISCONN;
    case ERR_CONN: return -ENOTCONN;
    case ERR_ABRT: return -ECONNABORTED;
    case ERR_RST: return -ECONNRESET;
    case ERR_CLSD: return -ENOTCONN;
    case ERR_TIMEOUT: return -ETIMEDOUT;
    case ERR_VAL: case ERR_ARG: return -EINVAL;
    default: return -EIO;
    }
}

static struct hsock *new_sock(enum hsock_type type, hsock_cb cb, void *ctx)
{
    struct hsock *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->type = type;
    s->cb = cb;
    s->ctx = ctx;
    s->next = all;
    all = s;
    return s;
}

/* ---- TCP callbacks ---- */

static err_t tcp_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct hsock *s = arg;
    if (!s) {                     /* closed under us: drop */
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (!p) {
        s->eof = 1;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->rxq)
        pbuf_cat(s->rxq, p);
    else
        s->rxq = p;
    return ERR_OK;
}

static void tcp_err_cb(void *arg, err_t err)
{
    struct hsock *s = arg;
    if (!s)
        return;
    s->tcp = NULL;                /* lwIP has freed the pcb */
    s->err = err == ERR_RST && s->connecting ? -ECONNREFUSED : lwip_to_errno(err);
    s->connecting = 0;
}

static err_t tcp_connected_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)pcb;
    struct hsock *s = arg;
    if (s) {
        s->connecting = 0;
        s->connected = err == ERR_OK;
        if (err != ERR_OK)
            s->err = lwip_to_errno(err);
    }
    return ERR_OK;
}

static void tcp_setup(struct hsock *s)
{
    tcp_arg(s->tcp, s);
    tcp_recv(s->tcp, tcp_recv_cb);
    tcp_err(s->tcp, tcp_err_cb);
}

static err_t tcp_accept_cb(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct hsock *l = arg;
    if (!l || err != ERR_OK || !pcb)
        return ERR_VAL;
    if (l->nacc == ACCEPT_MAX) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    /* The socket exists from now so data arriving before hsock_accept is
     * queued; its callback is set by hsock_accept. */
    struct hsock *s = new_sock(HSOCK_STREAM, NULL, NULL);
    if (!s) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    s->tcp = pcb;
    s->connected = 1;
    tcp_setup(s);
    l->accq[l->nacc++] = s;
    return ERR_OK;
}

/* ---- UDP ---- */

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    (void)pcb;
    struct hsock *s = arg;
    if (!s || s->dq_count == DGRAM_MAX) {
        pbuf_free(p);             /* a full queue drops, as a socket buffer would */
        return;
    }
    struct dgram *d = &s->dq[(s->dq_head + s->dq_count++) % DGRAM_MAX];
    d->p = p;
    d->ip = ip_of(addr);
    d->port = port;
}

/* ---- the interface ---- */

struct hsock *hsock_open(enum hsock_family family, enum hsock_type type, hsock_cb cb, void *ctx)
{
    if (family != HSOCK_INET || type == HSOCK_ICMP) {
        LOGD("net_host", "only IPv4 TCP/UDP sockets on bare metal (family %d, type %d asked for)",
             (int)family, (int)type);
        return NULL;
    }
    struct hsock *s = new_sock(type, cb, ctx);
    if (!s)
        return NULL;
    /* Host sockets live on the uplink (the default netif): the user-mode
     * networks share this lwIP, and a LAN on the guests' subnet (say
     * 10.0.2.0/24, whose 10.0.2.2 is also a user net's own address) would
     * otherwise route a socket's packets into a guest network. */
    if (type == HSOCK_STREAM) {
        s->tcp = tcp_new();
        if (s->tcp) {
            if (netif_default)
                tcp_bind_netif(s->tcp, netif_default);
            tcp_setup(s);
        }
    } else {
        s->udp = udp_new();
        if (s->udp) {
            if (netif_default)
                udp_bind_netif(s->udp, netif_default);
            udp_recv(s->udp, udp_recv_cb, s);
        }
    }
    if (!s->tcp && !s->udp) {
        s->closed = 1;
        return NULL;
    }
    return s;
}

void hsock_close(struct hsock *s)
{
    if (!s || s->closed)
        return;
    s->closed = 1;
    s->cb = NULL;
    if (s->tcp) {
        tcp_arg(s->tcp, NULL);
        if (!s->listening) {
            tcp_recv(s->tcp, NULL);
            tcp_err(s->tcp, NULL);
        } else {
            tcp_accept(s->tcp, NULL);
        }
        if (tcp_close(s->tcp) != ERR_OK)
            tcp_abort(s->tcp);
        s->tcp = NULL;
    }
    if (s->udp) {
        udp_remove(s->udp);
        s->udp = NULL;
    }
    if (s->rxq) {
        pbuf_free(s->rxq);
        s->rxq = NULL;
    }
    for (int i = 0; i < s->nacc; i++)
        hsock_close(s->accq[i]);
    s->nacc = 0;
    while (s->dq_count) {
        pbuf_free(s->dq[s->dq_head].p);
        s->dq_head = (s->dq_head + 1) % DGRAM_MAX;
        s->dq_count--;
    }
}

void hsock_want(struct hsock *s, int events)
{
    s->want = events;
}

int hsock_bind(struct hsock *s, const struct hsock_addr *a)
{
    if (a->family != HSOCK_INET)
        return -1;
    ip_addr_t ip;
    set_ip(&ip, a->ip);
    err_t e;
    if (s->tcp) {
        ip_set_option(s->tcp, SOF_REUSEADDR);
        e = tcp_bind(s->tcp, &ip, a->port);
    } else if (s->udp) {
        ip_set_option(s->udp, SOF_REUSEADDR);
        e = udp_bind(s->udp, &ip, a->port);
    } else {
        return -1;
    }
    if (e != ERR_OK) {
        s->err = lwip_to_errno(e);
        return -1;
    }
    return 0;
}

int hsock_listen(struct hsock *s, int backlog)
{
    if (!s->tcp)
        return -1;
    struct tcp_pcb *l = tcp_listen_with_backlog(s->tcp, (u8_t)(backlog > 255 ? 255 : backlog < 1 ? 1 : backlog));
    if (!l) {
        s->err = -ENOMEM;
        return -1;
    }
    s->tcp = l;                   /* lwIP freed the original pcb */
    s->listening = 1;
    tcp_arg(l, s);
    tcp_accept(l, tcp_accept_cb);
    return 0;
}

struct hsock *hsock_accept(struct hsock *l, struct hsock_addr *peer, hsock_cb cb, void *ctx)
{
    if (!l->nacc)
        return NULL;
    struct hsock *s = l->accq[0];
    memmove(l->accq, l->accq + 1, (size_t)(--l->nacc) * sizeof(l->accq[0]));
    s->cb = cb;
    s->ctx = ctx;
    if (peer)
        hsock_peer_addr(s, peer);
    return s;
}

int hsock_connect(struct hsock *s, const struct hsock_addr *a)
{
    if (a->family != HSOCK_INET)
        return -1;
    ip_addr_t ip;
    set_ip(&ip, a->ip);
    if (s->udp) {
        err_t e = udp_connect(s->udp, &ip, a->port);
        s->err = e == ERR_OK ? 0 : lwip_to_errno(e);
        return e == ERR_OK ? 0 : -1;
    }
    if (!s->tcp)
        return -1;
    s->connecting = 1;
    err_t e = tcp_connect(s->tcp, &ip, a->port, tcp_connected_cb);
    if (e != ERR_OK) {
        s->connecting = 0;
        s->err = lwip_to_errno(e);
        return -1;
    }
    return s->connected ? 0 : 1;
}

int hsock_error(struct hsock *s)
{
    return s->err;
}

const char *hsock_strerror(int code)
{
    return code ? strerror(-code) : "no error";
}

ssize_t hsock_recv(struct hsock *s, void *buf, size_t len)
{
    if (s->udp)
        return hsock_recvfrom(s, buf, len, NULL);
    if (!s->rxq) {
        if (s->eof)
            return 0;
        return s->err || !s->tcp ? HSOCK_ERR : HSOCK_AGAIN;
    }
    u16_t n = (u16_t)(len < s->rxq->tot_len ? len : s->rxq->tot_len);
    pbuf_copy_partial(s->rxq, buf, n, 0);
    s->rxq = pbuf_free_header(s->rxq, n);
    if (s->tcp)
        tcp_recved(s->tcp, n);
    return n;
}

ssize_t hsock_send(struct hsock *s, const void *buf, size_t len)
{
    if (s->udp) {
        struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
        if (len > 65507 || !p) {
            if (p)
                pbuf_free(p);
            return HSOCK_ERR;
        }
        pbuf_take(p, buf, (u16_t)len);
        err_t e = udp_send(s->udp, p);
        pbuf_free(p);
        return e == ERR_OK ? (ssize_t)len : HSOCK_ERR;
    }
    if (!s->tcp || !s->connected)
        return s->err ? HSOCK_ERR : HSOCK_AGAIN;
    size_t room = tcp_sndbuf(s->tcp);
    if (room > 0xffff)
        room = 0xffff;
    size_t n = len < room ? len : room;
    if (!n)
        return HSOCK_AGAIN;
    err_t e = tcp_write(s->tcp, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (e == ERR_MEM)
        return HSOCK_AGAIN;
    if (e != ERR_OK) {
        s->err = lwip_to_errno(e);
        return HSOCK_ERR;
    }
    tcp_output(s->tcp);
    return (ssize_t)n;
}

ssize_t hsock_recvfrom(struct hsock *s, void *buf, size_t len, struct hsock_addr *from)
{
    if (!s->udp)
        return hsock_recv(s, buf, len);
    if (!s->dq_count)
        return HSOCK_AGAIN;
    struct dgram *d = &s->dq[s->dq_head];
    s->dq_head = (s->dq_head + 1) % DGRAM_MAX;
    s->dq_count--;
    size_t n = len < d->p->tot_len ? len : d->p->tot_len;   /* truncates, as recvfrom */
    pbuf_copy_partial(d->p, buf, (u16_t)n, 0);
    pbuf_free(d->p);
    if (from) {
        memset(from, 0, sizeof(*from));
        from->family = HSOCK_INET;
        from->ip = d->ip;
        from->port = d->port;
    }
    return (ssize_t)n;
}

ssize_t hsock_sendto(struct hsock *s, const void *buf, size_t len, const struct hsock_addr *to)
{
    if (!s->udp || to->family != HSOCK_INET || len > 65507)
        return HSOCK_ERR;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    if (!p)
        return HSOCK_AGAIN;
    pbuf_take(p, buf, (u16_t)len);
    ip_addr_t ip;
    set_ip(&ip, to->ip);
    err_t e = udp_sendto(s->udp, p, &ip, to->port);
    pbuf_free(p);
    if (e != ERR_OK) {
        s->err = lwip_to_errno(e);
        return HSOCK_ERR;
    }
    return (ssize_t)len;
}

int hsock_shutdown_write(struct hsock *s)
{
    if (!s->tcp)
        return -1;
    return tcp_shutdown(s->tcp, 0, 1) == ERR_OK ? 0 : -1;
}

int hsock_local_addr(struct hsock *s, struct hsock_addr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = HSOCK_INET;
    if (s->tcp) {
        a->ip = ip_of(&s->tcp->local_ip);
        a->port = s->tcp->local_port;
    } else if (s->udp) {
        a->ip = ip_of(&s->udp->local_ip);
        a->port = s->udp->local_port;
    } else {
        return -1;
    }
    return 0;
}

int hsock_peer_addr(struct hsock *s, struct hsock_addr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = HSOCK_INET;
    if (s->tcp && !s->listening) {
        a->ip = ip_of(&s->tcp->remote_ip);
        a->port = s->tcp->remote_port;
    } else if (s->udp) {
        a->ip = ip_of(&s->udp->remote_ip);
        a->port = s->udp->remote_port;
    } else {
        return -1;
    }
    return 0;
}

int hsock_setopt(struct hsock *s, enum hsock_opt opt, int value)
{
    switch (opt) {
    case HSOCK_OPT_NODELAY:
        if (s->tcp && !s->listening) {
            if (value)
                tcp_nagle_disable(s->tcp);
            else
                tcp_nagle_enable(s->tcp);
        }
        return 0;
    case HSOCK_OPT_KEEPALIVE:
        if (s->tcp) {
            if (value)
                ip_set_option(s->tcp, SOF_KEEPALIVE);
            else
                ip_reset_option(s->tcp, SOF_KEEPALIVE);
        }
        return 0;
    case HSOCK_OPT_BROADCAST:
        if (s->udp) {
            if (value)
                ip_set_option(s->udp, SOF_BROADCAST);
            else
                ip_reset_option(s->udp, SOF_BROADCAST);
        }
        return 0;
    case HSOCK_OPT_RECVERR:
        /* lwIP's icmp_input does not hand destination unreachable and the
         * like to UDP pcbs: nothing to report. */
        return -1;
    default:
        /* Buffer sizes are lwIP's (lwipopts.h); multicast loop/TTL need
         * LWIP_MULTICAST_TX_OPTIONS, which is off: accepted, no effect. */
        return 0;
    }
}

int hsock_recv_icmp_error(struct hsock *s, struct hsock_icmp_error *e, void *buf, size_t len,
                          size_t *qlen)
{
    (void)s;
    (void)e;
    (void)buf;
    (void)len;
    *qlen = 0;
    return 0;
}

int hsock_join_multicast(struct hsock *s, uint32_t group, uint32_t local_ip)
{
    (void)s;
    ip4_addr_t g, l;
    ip4_addr_set_u32(&g, lwip_htonl(group));
    ip4_addr_set_u32(&l, lwip_htonl(local_ip));
    return igmp_joingroup(&l, &g) == ERR_OK ? 0 : -1;
}

struct hsock *hsock_spawn(const char *cmd, hsock_cb cb, void *ctx)
{
    (void)cmd;
    (void)cb;
    (void)ctx;
    return NULL;   /* no processes on bare metal: guestfwd=...-cmd: fails its connections */
}

int hsock_resolve(const char *host, uint32_t *ip)
{
    ip4_addr_t a;
    if (ip4addr_aton(host, &a)) {
        *ip = lwip_ntohl(ip4_addr_get_u32(&a));
        return 0;
    }
    /* Names would need a DNS round trip through the event loop; at
     * configuration time on bare metal only addresses are taken. */
    LOGW("net_host", "cannot resolve '%s' on bare metal at configuration time: give an IPv4 address", host);
    return -1;
}

int net_host_dns_servers(uint32_t *ips, int max)
{
    int n = 0;
    for (u8_t i = 0; i < DNS_MAX_SERVERS && n < max; i++) {
        const ip_addr_t *d = dns_getserver(i);
        if (d && !ip_addr_isany(d))
            ips[n++] = ip_of(d);
    }
    return n;
}

static int ready(struct hsock *s)
{
    int ev = 0;
    if (s->err)
        ev |= HSOCK_EV_ERROR;
    if (s->tcp || s->rxq || s->eof) {
        if (s->listening ? s->nacc > 0 : (s->rxq || s->eof))
            ev |= HSOCK_EV_READ;
        if (s->tcp && s->connected && !s->listening && tcp_sndbuf(s->tcp) > 0)
            ev |= HSOCK_EV_WRITE;
    } else if (s->udp) {
        if (s->dq_count)
            ev |= HSOCK_EV_READ;
        ev |= HSOCK_EV_WRITE;
    }
    return ev;
}

int net_host_poll(uint64_t timeout_ns)
{
    (void)timeout_ns;   /* the kernel's loop sleeps; we only dispatch */
    int ran = 0;
    for (struct hsock *s = all; s; s = s->next) {
        if (s->closed || !s->cb)
            continue;
        int ev = ready(s) & (s->want | HSOCK_EV_ERROR);
        if (ev) {
            s->cb(s, ev, s->ctx);
            ran++;
        }
    }
    /* Sweep the sockets closed during this turn (callbacks may close any). */
    for (struct hsock **pp = &all; *pp;) {
        struct hsock *s = *pp;
        if (s->closed) {
            *pp = s->next;
            free(s);
        } else {
            pp = &s->next;
        }
    }
    return ran;
}

/* No writable filesystem on bare metal (filter-dump needs one). */
struct hfile *hfile_create(const char *path)
{
    LOGE("net_host", "%s: no writable filesystem on bare metal", path);
    return NULL;
}
int hfile_write(struct hfile *f, const void *buf, size_t len)
{
    (void)f; (void)buf; (void)len;
    return -1;
}
int hfile_flush(struct hfile *f)
{
    (void)f;
    return -1;
}
void hfile_close(struct hfile *f)
{
    (void)f;
}
