/* TCP NAT: every guest connection, to any address, is terminated in lwIP by
 * a catch-all listener on IP_ANY:port (made on the first SYN to that port,
 * see netif.c) and carried on an uplink connection to the mapped address.
 * The relay moves bytes both ways with bounded buffers: guest data is
 * acknowledged to lwIP (tcp_recved, reopening the guest's window) only once
 * the uplink took it, and uplink data is read only while lwIP's send buffer
 * has room. FINs are passed on as half-closes, errors as resets. The relay is
 * shared with hostfwd.c. */
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/def.h"
#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/net_host.h"
#include "net/user/user.h"

#define RELAY_CHUNK 65536

struct nat_tcp_listener {
    uint16_t port;
    struct tcp_pcb *pcb;
    struct nat_tcp_listener *next;
};

/* Listeners are shared by every user network: a listener is a port, and
 * accepted pcbs are bound to the netif they arrived on. */
static struct nat_tcp_listener *listeners;
static uint8_t relay_buf[RELAY_CHUNK];

struct tcp_relay {
    struct unet *u;
    struct tcp_pcb *pcb;
    struct hsock *s;
    struct pbuf *pending;      /* guest data the uplink has not taken yet */
    u16_t pending_off;         /* bytes of pending's first pbuf already sent */
    bool connecting;
    bool guest_fin, host_fin, host_shut;
};

static void relay_free(struct tcp_relay *r)
{
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
    if (!p) {
        r->guest_fin = true;
    } else if (r->pending) {
        pbuf_cat(r->pending, p);
    } else {
        r->pending = p;
        r->pending_off = 0;
    }
    if (r->connecting)
        return ERR_OK;
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

/* Uplink -> guest. */
static void read_from_host(struct tcp_relay *r)
{
    for (int rounds = 0; rounds < 16 && r->pcb && !r->host_fin; rounds++) {
        size_t room = tcp_sndbuf(r->pcb);
        if (room == 0 || tcp_sndqueuelen(r->pcb) >= TCP_SND_QUEUELEN - 4)
            break;
        if (room > sizeof(relay_buf))
            room = sizeof(relay_buf);
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
        if (tcp_write(r->pcb, relay_buf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
            relay_reset(r);
            return;
        }
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
    struct tcp_relay *r = calloc(1, sizeof(*r));
    if (r)
        r->u = u;
    return r;
}

void unet_tcp_relay_host_cb(struct hsock *s, int ev, void *ctx)
{
    struct tcp_relay *r = ctx;
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

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    if (err != ERR_OK || !pcb)
        return ERR_VAL;
    struct netif *n = ip_current_input_netif();
    struct unet *u = n ? unet_of_netif(n) : NULL;
    uint32_t up;
    if (!u || !unet_map_outbound(u, ip_2_ip4(&pcb->local_ip), &up)) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    tcp_bind_netif(pcb, n);
    struct tcp_relay *r = unet_tcp_relay_alloc(u);
    if (!r) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    struct hsock *s = hsock_open(HSOCK_INET, HSOCK_STREAM, unet_tcp_relay_host_cb, r);
    struct hsock_addr to = {.family = HSOCK_INET, .ip = up, .port = pcb->local_port};
    int rc = s ? hsock_connect(s, &to) : -1;
    if (rc < 0) {
        if (s)
            hsock_close(s);
        free(r);
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
