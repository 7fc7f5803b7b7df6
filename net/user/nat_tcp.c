/* TCP NAT: every guest connection, to any address, is terminated in lwIP by
 * a catch-all listener on IP_ANY:port (made on the first SYN to that port,
 * see netif.c) and carried on an uplink connection to the mapped address.
 * The relay moves bytes both ways with bounded buffers: guest data is
 * acknowledged to lwIP (tcp_recved, reopening the guest's window) only once
 * the uplink took it, and uplink data is read only while lwIP's send buffer
 * has room. FINs are passed on as half-closes, errors as resets. The relay is
 * shared with hostfwd.c. Both families: a guest's IPv6 connection (lwIP's
 * dual stack, see netif.c) goes out on an AF_INET6 uplink socket; where the
 * uplink has none (bare metal) its SYN is reset. */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/def.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define RELAY_CHUNK 65536
/* One read or gathered send of up to TCP_SND_BUF / TCP_WND bytes: fewer
 * system calls per byte in bulk transfers (tcp_write takes 64 KiB a call). */
#define RELAY_BUF (256 * 1024)

struct nat_tcp_listener {
    uint16_t port;
    struct tcp_pcb *pcb;
    struct nat_tcp_listener *next;
};

/* Listeners are shared by every user network: a listener is a port, and
 * accepted pcbs are bound to the netif they arrived on. */
static struct nat_tcp_listener *listeners;
static uint8_t relay_buf[RELAY_BUF];

struct tcp_relay {
    struct unet *u;
    struct tcp_pcb *pcb;
    struct hsock *s;
    struct pbuf *pending;      /* guest data the uplink has not taken yet */
    u16_t pending_off;         /* bytes of pending's first pbuf already sent */
    size_t pending_len;        /* bytes in pending (pbuf tot_len is 16 bits) */
    bool connecting;
    bool guest_fin, host_fin, host_shut;
    /* Before the guest's handshake: the SYN held while the uplink connects
     * (libslirp's order: a refused connect is a reset to the SYN). */
    bool syn_wait, syn_fed;
    uint8_t *syn;
    size_t syn_len;
    ip_addr_t g_ip, d_ip;      /* the guest's address and the one it connects to */
    uint16_t g_port, d_port;
    uint32_t syn_ms, syn_seq;
    struct tcp_relay *pnext;
};

static struct tcp_relay *pending;   /* relays waiting for their guest handshake */
static bool sweep_armed;
#define SYN_HOLD_MS 30000u          /* a held or fed SYN not accepted by then is dropped */

static void pending_unlink(struct tcp_relay *r)
{
    for (struct tcp_relay **pp = &pending; *pp; pp = &(*pp)->pnext)
        if (*pp == r) {
            *pp = r->pnext;
            break;
        }
    free(r->syn);
    r->syn = NULL;
    r->syn_wait = r->syn_fed = false;
    r->u->st.tcp_held--;
}

/* Gives back a relay that never carried anything. */
static void relay_unalloc(struct tcp_relay *r)
{
    r->u->st.tcp_live--;
    free(r);
}

static void relay_free(struct tcp_relay *r)
{
    if (r->syn_wait || r->syn_fed)
        pending_unlink(r);
    if (r->pcb) {
        tcp_arg(r->pcb, NULL);
        tcp_recv(r->pcb, NULL);
        tcp_sent(r->pcb, NULL);
        tcp_err(r->pcb, NULL);
        if (tcp_close(r->pcb) != ERR_OK)
            tcp_abort(r->pcb);
        r->pcb = NULL;
    }
    if (r->s)
        hsock_close(r->s);
    if (r->pending)
        pbuf_free(r->pending);
    r->u->st.tcp_live--;
    free(r);
}

/* A failure on either side: reset the guest, drop the uplink. */
static void relay_reset(struct tcp_relay *r)
{
    if (r->pcb) {
        tcp_arg(r->pcb, NULL);
        tcp_err(r->pcb, NULL);
        tcp_abort(r->pcb);
        r->pcb = NULL;
    }
    relay_free(r);
}

static void relay_update_want(struct tcp_relay *r)
{
    int want = 0;
    if (r->connecting) {
        want = HSOCK_EV_WRITE;
    } else {
        if (r->pending)
            want |= HSOCK_EV_WRITE;
        if (!r->host_fin && r->pcb && tcp_sndbuf(r->pcb) > 0 &&
            tcp_sndqueuelen(r->pcb) < TCP_SND_QUEUELEN - 4)
            want |= HSOCK_EV_READ;
    }
    hsock_want(r->s, want);
}

/* Both directions finished: let lwIP finish the close politely. */
static bool relay_maybe_done(struct tcp_relay *r)
{
    if (r->guest_fin && r->host_fin && !r->pending) {
        relay_free(r);
        return true;
    }
    return false;
}

/* Guest -> uplink: returns false when the relay is gone. */
/* Drops n sent bytes from the front of the pending chain, reopening the
 * guest's window by as much. */
static void consume_pending(struct tcp_relay *r, size_t n)
{
    r->pending_len -= n;
    if (r->pcb) {
        for (size_t left = n; left;) {
            u16_t step = left > 0xffff ? 0xffff : (u16_t)left;
            tcp_recved(r->pcb, step);
            left -= step;
        }
    }
    while (r->pending && n + r->pending_off >= r->pending->len) {
        struct pbuf *p = r->pending;
        n -= (size_t)(p->len - r->pending_off);
        r->pending_off = 0;
        r->pending = p->next;
        /* The chain held one reference to the rest: keep it for ourselves
         * while freeing the head (pbuf_free walks on and drops one). */
        if (r->pending)
            pbuf_ref(r->pending);
        pbuf_free(p);
        if (!n && (!r->pending || r->pending->len))
            return;
    }
    r->pending_off = (u16_t)(r->pending_off + n);
}

/* Guest -> uplink, gathering up to RELAY_CHUNK bytes of segments into one
 * send. Returns false when the relay is gone. */
static bool flush_to_host(struct tcp_relay *r)
{
    while (r->pending) {
        size_t n = 0;
        u16_t off = r->pending_off;
        for (struct pbuf *q = r->pending; q && n < sizeof(relay_buf); q = q->next, off = 0) {
            size_t take = (size_t)(q->len - off);
            if (take > sizeof(relay_buf) - n)
                take = sizeof(relay_buf) - n;
            memcpy(relay_buf + n, (uint8_t *)q->payload + off, take);
            n += take;
        }
        ssize_t sent = n ? hsock_send(r->s, relay_buf, n) : 0;
        if (sent == HSOCK_AGAIN)
            break;
        if (sent < 0) {
            relay_reset(r);
            return false;
        }
        consume_pending(r, (size_t)sent);
        if ((size_t)sent < n)
            break;   /* the uplink's buffer is full: wait for EV_WRITE */
    }
    if (!r->pending && r->guest_fin && !r->host_shut) {
        hsock_shutdown_write(r->s);
        r->host_shut = true;
    }
    return !relay_maybe_done(r);
}

static err_t on_guest_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct tcp_relay *r = arg;
    if (!r) {
        if (p)
            pbuf_free(p);
        return ERR_OK;
    }
    bool push = !p;
    if (!p) {
        r->guest_fin = true;
    } else {
        for (struct pbuf *q = p; q && !push; q = q->next)
            push = q->flags & PBUF_FLAG_PUSH;
        r->pending_len += p->tot_len;
        if (r->pending) {
            pbuf_cat(r->pending, p);
        } else {
            r->pending = p;
            r->pending_off = 0;
        }
    }
    if (r->connecting)
        return ERR_OK;
    /* Segments without PSH in the middle of a stream wait for the event
     * loop's next poll (the relay wants EV_WRITE while data is pending), so
     * a burst leaves in one send instead of one system call per segment;
     * PSH (the end of the sender's write), FIN or a full chunk go at once. */
    if (!push && r->pending_len < RELAY_CHUNK) {
        relay_update_want(r);
        return ERR_OK;
    }
    if (flush_to_host(r))
        relay_update_want(r);
    return ERR_OK;
}

static err_t on_guest_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct tcp_relay *r = arg;
    if (r && !r->connecting)
        relay_update_want(r);
    return ERR_OK;
}

static void on_guest_err(void *arg, err_t err)
{
    struct tcp_relay *r = arg;
    if (!r)
        return;
    r->pcb = NULL;   /* lwIP freed it (reset by the guest, or aborted) */
    relay_free(r);
}

/* Uplink -> guest: one recv() of as much as lwIP's send buffer takes
 * (pcb->snd_buf: tcp_sndbuf() clamps it to 16 bits, which made four reads
 * of 64 KiB and a fifth of 4 bytes per 256 KiB), then tcp_write in whole
 * segments with tcp_output after each, so lwIP's unsent queue (which
 * tcp_write walks from its head on every call) stays short and no partly
 * filled segment leaves between two writes. A read shorter than asked
 * means the socket is drained: the next poll says when more comes (no
 * extra recv() just to see EAGAIN). */
static void read_from_host(struct tcp_relay *r)
{
    for (int rounds = 0; rounds < 16 && r->pcb && !r->host_fin; rounds++) {
        size_t room = r->pcb->snd_buf;
        if (room == 0 || tcp_sndqueuelen(r->pcb) >= TCP_SND_QUEUELEN - 4)
            break;
        if (room > sizeof(relay_buf))
            room = sizeof(relay_buf);
        /* What is read must fit lwIP's segment queue too (a segment per
         * MSS, one more where it starts in a partly filled one). */
        size_t mss = r->pcb->mss ? r->pcb->mss : 536;
        size_t segs = (size_t)(TCP_SND_QUEUELEN - 4 - tcp_sndqueuelen(r->pcb)) - 1;
        if (room > segs * mss)
            room = segs * mss;
        if (room == 0)
            break;
        ssize_t n = hsock_recv(r->s, relay_buf, room);
        if (n == HSOCK_AGAIN)
            break;
        if (n < 0) {
            relay_reset(r);
            return;
        }
        if (n == 0) {
            r->host_fin = true;
            tcp_shutdown(r->pcb, 0, 1);
            break;
        }
        size_t step_max = 0xffff / mss * mss;
        for (size_t done = 0; done < (size_t)n && r->pcb;) {
            u16_t step = (u16_t)((size_t)n - done > step_max ? step_max : (size_t)n - done);
            if (tcp_write(r->pcb, relay_buf + done, step, TCP_WRITE_FLAG_COPY) != ERR_OK) {
                relay_reset(r);
                return;
            }
            done += step;
            tcp_output(r->pcb);
        }
        if ((size_t)n < room)
            break;
    }
    if (r->pcb)
        tcp_output(r->pcb);
    if (relay_maybe_done(r))
        return;
    relay_update_want(r);
}

static void on_host_event(struct hsock *s, int ev, void *ctx)
{
    struct tcp_relay *r = ctx;
    if (r->connecting) {
        if (!(ev & (HSOCK_EV_WRITE | HSOCK_EV_ERROR)))
            return;
        int e = hsock_error(s);
        if (e) {
            LOGD("usernet", "TCP NAT: uplink connect failed: %s", hsock_strerror(e));
            relay_reset(r);
            return;
        }
        r->connecting = false;
        if (!flush_to_host(r))
            return;
        relay_update_want(r);
        return;
    }
    if (ev & HSOCK_EV_ERROR) {
        relay_reset(r);
        return;
    }
    if ((ev & HSOCK_EV_WRITE) && !flush_to_host(r))
        return;
    if (ev & HSOCK_EV_READ) {
        read_from_host(r);
        return;
    }
    relay_update_want(r);
}

struct tcp_relay *unet_tcp_relay_alloc(struct unet *u)
{
    if (u->st.tcp_live >= u->st.tcp_max) {
        u->st.tcp_refused++;
        return NULL;
    }
    struct tcp_relay *r = calloc(1, sizeof(*r));
    if (r) {
        r->u = u;
        u->st.tcp_live++;
    }
    return r;
}

static void syn_connect_done(struct tcp_relay *r, int ev);

void unet_tcp_relay_host_cb(struct hsock *s, int ev, void *ctx)
{
    struct tcp_relay *r = ctx;
    if (r->syn_wait && !r->syn_fed) {
        syn_connect_done(r, ev);
        return;
    }
    if (!r->pcb) {           /* not attached yet: the guest side is still connecting */
        hsock_want(s, 0);
        return;
    }
    on_host_event(s, ev, r);
}

static err_t on_guest_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    struct tcp_relay *r = arg;
    struct hsock *s = r->s;
    unet_tcp_relay_attach(r, pcb, s, false);
    return ERR_OK;
}

/* The guest refused or never answered: drop the uplink connection. */
static void on_guest_connect_err(void *arg, err_t err)
{
    struct tcp_relay *r = arg;
    r->pcb = NULL;
    relay_free(r);
}

int unet_tcp_relay_connect_guest(struct tcp_relay *r, struct hsock *s, const ip4_addr_t *from,
                                 const ip4_addr_t *to, uint16_t port)
{
    struct tcp_pcb *pcb = tcp_new();
    r->s = s;
    if (!pcb) {
        relay_free(r);
        return -1;
    }
    tcp_bind_netif(pcb, &r->u->netif);
    ip_addr_t a, b;
    ip_addr_copy_from_ip4(a, *from);
    ip_addr_copy_from_ip4(b, *to);
    tcp_arg(pcb, r);
    tcp_err(pcb, on_guest_connect_err);
    if (tcp_bind(pcb, &a, 0) != ERR_OK || tcp_connect(pcb, &b, port, on_guest_connected) != ERR_OK) {
        tcp_abort(pcb);   /* on_guest_connect_err frees the relay */
        return -1;
    }
    r->u->stat_tcp_conns++;
    return 0;
}

void unet_tcp_relay_discard(struct tcp_relay *r, struct hsock *s)
{
    r->pcb = NULL;
    r->s = s;
    relay_free(r);
}

void unet_tcp_relay_attach(struct tcp_relay *r, struct tcp_pcb *pcb, struct hsock *s,
                           bool host_connecting)
{
    r->pcb = pcb;
    r->s = s;
    r->connecting = host_connecting;
    tcp_arg(pcb, r);
    tcp_recv(pcb, on_guest_recv);
    tcp_sent(pcb, on_guest_sent);
    tcp_err(pcb, on_guest_err);
    tcp_nagle_disable(pcb);
    hsock_setopt(s, HSOCK_OPT_NODELAY, 1);
    relay_update_want(r);
}

/* The uplink address of a guest connection to dst:port (nat_udp.c's and
 * nat_udp6.c's mapping); false: refused (restrict=on, unmapped). The IPv6
 * DNS address is the uplink's first resolver, whatever its family, as for
 * the DNS proxy over UDP (libslirp: the host's IPv6 resolver), so a
 * truncated answer can be asked again over TCP. */
static bool map_tcp(struct unet *u, const ip_addr_t *dst, uint16_t port, struct hsock_addr *to)
{
    memset(to, 0, sizeof(*to));
    to->port = port;
    if (IP_IS_V6(dst)) {
        const uint8_t *a = (const uint8_t *)ip_2_ip6(dst)->addr;
        if (unet_ip6_is_dns(u, a)) {
            uint32_t ips[4];
            if (u->cfg.restrict_on || net_host_dns_servers(ips, 4) < 1)
                return false;
            to->family = HSOCK_INET;
            to->ip = ips[0];
            return true;
        }
        to->family = HSOCK_INET6;
        return unet_map_outbound6(u, a, to->ip6);
    }
    to->family = HSOCK_INET;
    return unet_map_outbound(u, ip_2_ip4(dst), &to->ip);
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct netif *n = ip_current_input_netif();
    struct unet *u = n ? unet_of_netif(n) : NULL;
    if (!u) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    tcp_bind_netif(pcb, n);
    /* The usual case: the SYN was held until the uplink connected. */
    for (struct tcp_relay *p = pending; p; p = p->pnext)
        if (p->syn_fed && p->u == u && ip_addr_cmp(&p->g_ip, &pcb->remote_ip) &&
            p->g_port == pcb->remote_port && ip_addr_cmp(&p->d_ip, &pcb->local_ip) &&
            p->d_port == pcb->local_port) {
            pending_unlink(p);
            unet_tcp_relay_attach(p, pcb, p->s, false);
            return ERR_OK;
        }
    /* A handshake whose held relay expired: connect now. */
    struct hsock_addr to;
    if (!map_tcp(u, &pcb->local_ip, pcb->local_port, &to)) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    struct tcp_relay *r = unet_tcp_relay_alloc(u);
    if (!r) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    struct hsock *s = hsock_open(to.family, HSOCK_STREAM, unet_tcp_relay_host_cb, r);
    int rc = s ? hsock_connect(s, &to) : -1;
    if (rc < 0) {
        if (s)
            hsock_close(s);
        relay_unalloc(r);
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    u->stat_tcp_conns++;
    unet_tcp_relay_attach(r, pcb, s, rc == 1);
    return ERR_OK;
}

int unet_nat_tcp_prepare(struct unet *u, uint16_t port)
{
    (void)u;
    for (struct nat_tcp_listener *l = listeners; l; l = l->next)
        if (l->port == port)
            return 0;
    struct tcp_pcb *pcb = tcp_new();
    if (!pcb)
        return -1;
    ip_set_option(pcb, SOF_REUSEADDR);
    if (tcp_bind(pcb, IP_ANY_TYPE, port) != ERR_OK) {
        tcp_close(pcb);
        return -1;
    }
    struct tcp_pcb *lp = tcp_listen_with_backlog(pcb, 255);
    if (!lp) {
        tcp_close(pcb);
        return -1;
    }
    struct nat_tcp_listener *l = malloc(sizeof(*l));
    if (!l) {
        tcp_close(lp);
        return -1;
    }
    tcp_accept(lp, on_accept);
    l->port = port;
    l->pcb = lp;
    l->next = listeners;
    listeners = l;
    return 0;
}

void unet_nat_tcp_fini(struct unet *u)
{
    for (struct tcp_relay *r = pending, *next; r; r = next) {
        next = r->pnext;
        if (r->u == u)
            relay_free(r);
    }
    /* Relays of this network end when its netif goes: abort its pcbs. */
    for (struct tcp_pcb *pcb = tcp_active_pcbs, *next; pcb; pcb = next) {
        next = pcb->next;
        if (pcb->netif_idx == netif_get_index(&u->netif)) {
            struct tcp_relay *r = pcb->callback_arg;
            if (r) {
                r->pcb = NULL;
                tcp_arg(pcb, NULL);
                tcp_err(pcb, NULL);
                relay_free(r);
            }
            tcp_abort(pcb);
        }
    }
}

int unet_tcp_pcb_count(int *time_wait)
{
    int n = 0, tw = 0;
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        n++;
    for (struct tcp_pcb *p = tcp_tw_pcbs; p; p = p->next)
        tw++;
    if (time_wait)
        *time_wait = tw;
    return n + tw;
}

/* Resets the guest's SYN (RFC 793: ACK = its sequence + 1). */
static void syn_reset(struct unet *u, const ip_addr_t *g, uint16_t gp, const ip_addr_t *d,
                      uint16_t dp, uint32_t seq)
{
    unet_output_begin(u);
    tcp_rst(NULL, 0, seq + 1, d, g, dp, gp);
    unet_output_end();
}

static void syn_connect_done(struct tcp_relay *r, int ev)
{
    if (!(ev & (HSOCK_EV_WRITE | HSOCK_EV_ERROR)))
        return;
    int e = hsock_error(r->s);
    uint32_t seq = r->syn_seq;
    if (e) {
        LOGD("usernet", "TCP NAT: uplink connect failed: %s", hsock_strerror(e));
        syn_reset(r->u, &r->g_ip, r->g_port, &r->d_ip, r->d_port, seq);
        relay_free(r);
        return;
    }
    hsock_want(r->s, 0);
    if (unet_nat_tcp_prepare(r->u, r->d_port) < 0) {
        syn_reset(r->u, &r->g_ip, r->g_port, &r->d_ip, r->d_port, seq);
        relay_free(r);
        return;
    }
    r->syn_fed = true;
    uint8_t *syn = r->syn;
    size_t len = r->syn_len;
    r->syn = NULL;
    unet_feed_frame(r->u, syn, len, &r->d_ip);
    free(syn);
}

static void pending_sweep(void *arg)
{
    uint32_t now = sys_now();
    for (struct tcp_relay *r = pending, *next; r; r = next) {
        next = r->pnext;
        if (now - r->syn_ms > SYN_HOLD_MS)
            relay_free(r);
    }
    sweep_armed = pending != NULL;
    if (sweep_armed)
        sys_timeout(SYN_HOLD_MS / 2, pending_sweep, NULL);
}

bool unet_nat_tcp_syn(struct unet *u, const uint8_t *frame, size_t len, const ip_addr_t *src,
                      uint16_t sport, const ip_addr_t *dst, uint16_t dport, uint32_t seq)
{
    for (struct tcp_relay *r = pending; r; r = r->pnext)
        if (r->u == u && ip_addr_cmp(&r->g_ip, src) && r->g_port == sport &&
            ip_addr_cmp(&r->d_ip, dst) && r->d_port == dport)
            return !r->syn_fed;   /* held: drop the retransmission; fed: lwIP answers it */
    for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
        if (p->remote_port == sport && p->local_port == dport && ip_addr_cmp(&p->remote_ip, src) &&
            ip_addr_cmp(&p->local_ip, dst))
            return false;         /* a connection lwIP already has */
    struct hsock_addr to;
    struct unet_gfwd *g = IP_IS_V4(dst) ? unet_guestfwd_match(u, ip_2_ip4(dst), dport) : NULL;
    if (!g && !map_tcp(u, dst, dport, &to)) {
        /* restrict=on or no uplink meaning: refused, also where a
         * catch-all listener of another network has this port. */
        syn_reset(u, src, sport, dst, dport, seq);
        return true;
    }
    if (u->st.tcp_held >= u->st.tcp_held_max) {
        u->st.tcp_refused++;
        syn_reset(u, src, sport, dst, dport, seq);
        return true;
    }
    struct tcp_relay *r = unet_tcp_relay_alloc(u);
    if (!r) {                     /* the connection table is full */
        syn_reset(u, src, sport, dst, dport, seq);
        return true;
    }
    uint8_t *copy = malloc(len);
    int rc = -1;
    struct hsock *s = NULL;
    if (copy)
        s = g ? unet_guestfwd_open(g, unet_tcp_relay_host_cb, r, &rc)
              : hsock_open(to.family, HSOCK_STREAM, unet_tcp_relay_host_cb, r);
    if (!s) {
        bool no_ip6 = copy && !g && to.family == HSOCK_INET6;
        free(copy);
        relay_unalloc(r);
        if (no_ip6) {
            /* No IPv6 on the uplink (bare metal): refused at once. */
            syn_reset(u, src, sport, dst, dport, seq);
            return true;
        }
        u->stat_dropped++;
        return true;              /* out of resources: the guest retries */
    }
    memcpy(copy, frame, len);
    r->s = s;
    r->syn = copy;
    r->syn_len = len;
    r->g_ip = *src;
    r->g_port = sport;
    r->d_ip = *dst;
    r->d_port = dport;
    r->syn_seq = seq;
    r->syn_ms = sys_now();
    r->syn_wait = true;
    if (!sweep_armed) {
        sweep_armed = true;
        sys_timeout(SYN_HOLD_MS / 2, pending_sweep, NULL);
    }
    r->pnext = pending;
    pending = r;
    u->st.tcp_held++;
    u->stat_tcp_conns++;
    if (!g)
        rc = hsock_connect(s, &to);
    if (rc < 0) {
        syn_reset(u, src, sport, dst, dport, seq);
        relay_free(r);
        return true;
    }
    if (rc == 0) {
        /* Connected at once: let lwIP take this very SYN. */
        if (unet_nat_tcp_prepare(u, dport) < 0) {
            relay_free(r);
            return false;
        }
        r->syn_fed = true;
        free(r->syn);
        r->syn = NULL;
        hsock_want(s, 0);
        return false;
    }
    hsock_want(s, HSOCK_EV_WRITE);
    return true;
}

void unet_nat_tcp_guest_rst(struct unet *u, const ip_addr_t *src, uint16_t sport,
                            const ip_addr_t *dst, uint16_t dport)
{
    for (struct tcp_relay *r = pending; r; r = r->pnext)
        if (r->u == u && ip_addr_cmp(&r->g_ip, src) && r->g_port == sport &&
            ip_addr_cmp(&r->d_ip, dst) && r->d_port == dport) {
            relay_free(r);
            return;
        }
}
