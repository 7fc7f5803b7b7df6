/* hostfwd: listeners on the uplink forwarding into the guest, in QEMU's
 * syntax "tcp:[hostaddr]:hostport-[guestaddr]:guestport" (udp: likewise;
 * an empty hostaddr is any, an empty guestaddr the first DHCP address).
 * TCP: each accepted uplink connection becomes an lwIP connection from the
 * host address to the guest, relayed by nat_tcp.c. UDP: datagrams go to the
 * guest from the host address and a port of the forward's own, and the
 * guest's answers go back to the last uplink sender. Also the monitor's
 * hostfwd_add / hostfwd_remove. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "lwip/ip.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "net/net_host.h"
#include "net/user/user.h"

struct unet_fwd {
    struct unet *u;
    bool udp;
    uint32_t host_ip;            /* host order; 0 = any */
    uint16_t host_port;
    ip4_addr_t guest;
    uint16_t guest_port;
    struct hsock *s;
    struct udp_pcb *upcb;        /* UDP: the guest-side port */
    struct hsock_addr last_peer; /* UDP: where the guest's answers go */
    bool have_peer;
    struct unet_fwd *next;
};

static uint8_t fwd_buf[65536];

/* Copies s up to sep into buf and moves s past it; -1 when sep is missing
 * (QEMU's get_str_sep, which QEMU's rule parsing is built on). */
static int take(char *buf, size_t size, const char **s, char sep)
{
    const char *p = strchr(*s, sep);
    if (!p)
        return -1;
    size_t n = (size_t)(p - *s);
    if (n >= size)
        n = size - 1;
    memcpy(buf, *s, n);
    buf[n] = 0;
    *s = p + 1;
    return 0;
}

/* QEMU's hostfwd rule, step by step, with its reasons for a refusal. */
static const char *parse_rule(const char *spec, bool *udp, uint32_t *hip, uint16_t *hport,
                              uint32_t *gip, uint16_t *gport)
{
    char buf[256];
    const char *p = spec;
    char *end;
    if (take(buf, sizeof(buf), &p, ':') < 0)
        return "No : separators";
    if (!strcmp(buf, "tcp") || !buf[0])
        *udp = false;
    else if (!strcmp(buf, "udp"))
        *udp = true;
    else
        return "Bad protocol name";
    if (take(buf, sizeof(buf), &p, ':') < 0)
        return "Missing : separator";
    *hip = 0;
    if (buf[0] && unet_inet_aton(buf, hip) < 0)
        return "Bad host address";
    if (take(buf, sizeof(buf), &p, '-') < 0)
        return "Bad host port separator";
    long v = strtol(buf, &end, 0);
    if (*end || v < 0 || v > 65535)
        return "Bad host port";
    *hport = (uint16_t)v;
    if (take(buf, sizeof(buf), &p, ':') < 0)
        return "Missing guest address";
    *gip = 0;
    if (buf[0] && unet_inet_aton(buf, gip) < 0)
        return "Bad guest address";
    v = strtol(p, &end, 0);
    if (*end || v < 1 || v > 65535)
        return "Bad guest port";
    *gport = (uint16_t)v;
    return NULL;
}

static void refused_cb(struct hsock *s, int ev, void *ctx)
{
}

static void tcp_listener_cb(struct hsock *ls, int ev, void *ctx)
{
    struct unet_fwd *f = ctx;
    struct unet *u = f->u;
    for (int i = 0; i < 16; i++) {
        struct tcp_relay *r = unet_tcp_relay_alloc(u);
        struct hsock_addr peer;
        if (!r) {
            /* The connection table is full: close the newcomer rather than
             * leave it pending (the listener would stay ready forever). */
            struct hsock *x = hsock_accept(ls, &peer, refused_cb, NULL);
            if (!x)
                return;
            hsock_close(x);
            continue;
        }
        struct hsock *s = hsock_accept(ls, &peer, unet_tcp_relay_host_cb, r);
        if (!s) {
            unet_tcp_relay_discard(r, NULL);
            return;
        }
        hsock_want(s, 0);   /* nothing is read until the guest answers */
        unet_tcp_relay_connect_guest(r, s, &u->cfg.host, &f->guest, f->guest_port);
    }
}

static void udp_fwd_host_cb(struct hsock *s, int ev, void *ctx)
{
    struct unet_fwd *f = ctx;
    for (int i = 0; i < 64; i++) {
        struct hsock_addr from;
        ssize_t n = hsock_recvfrom(s, fwd_buf, sizeof(fwd_buf), &from);
        if (n < 0)
            return;
        f->last_peer = from;
        f->have_peer = true;
        unet_udp_to_guest(f->u, &f->u->cfg.host, f->upcb->local_port, &f->guest, f->guest_port,
                          fwd_buf, (size_t)n);
    }
}

static void udp_fwd_guest_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
                               const ip_addr_t *addr, u16_t port)
{
    struct unet_fwd *f = arg;
    u16_t n = pbuf_copy_partial(p, fwd_buf, sizeof(fwd_buf) > 0xffff ? 0xffff : sizeof(fwd_buf), 0);
    pbuf_free(p);
    if (f->have_peer)
        hsock_sendto(f->s, fwd_buf, n, &f->last_peer);
}

static void fwd_free(struct unet_fwd *f)
{
    if (f->s)
        hsock_close(f->s);
    if (f->upcb)
        udp_remove(f->upcb);
    free(f);
}

int unet_hostfwd_add(struct unet *u, const char *spec, char *err, size_t errlen)
{
    bool udp;
    uint32_t hip, gip;
    uint16_t hport, gport;
    const char *why = parse_rule(spec, &udp, &hip, &hport, &gip, &gport);
    if (why) {
        snprintf(err, errlen, "Invalid host forwarding rule '%s' (%s)", spec, why);
        return -1;
    }
    struct unet_fwd *f = calloc(1, sizeof(*f));
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->u = u;
    f->udp = udp;
    f->host_ip = hip;
    f->host_port = hport;
    f->guest_port = gport;
    if (gip)
        ip4_addr_set_u32(&f->guest, lwip_htonl(gip));
    else
        f->guest = u->cfg.dhcp_start;
    f->s = hsock_open(HSOCK_INET, udp ? HSOCK_DGRAM : HSOCK_STREAM,
                      udp ? udp_fwd_host_cb : tcp_listener_cb, f);
    struct hsock_addr a = {.family = HSOCK_INET, .ip = hip, .port = hport};
    if (!f->s || hsock_bind(f->s, &a) < 0 || (!udp && hsock_listen(f->s, 64) < 0)) {
        LOGD("usernet", "hostfwd %s: %s", spec, f->s ? hsock_strerror(hsock_error(f->s)) : "no socket");
        snprintf(err, errlen, "Could not set up host forwarding rule '%s'", spec);
        fwd_free(f);
        return -1;
    }
    if (udp) {
        f->upcb = udp_new();
        if (!f->upcb || (udp_bind_netif(f->upcb, &u->netif), udp_bind(f->upcb, IP_ANY_TYPE, 0)) != ERR_OK) {
            snprintf(err, errlen, "Could not set up host forwarding rule '%s'", spec);
            fwd_free(f);
            return -1;
        }
        udp_recv(f->upcb, udp_fwd_guest_recv, f);
    }
    hsock_want(f->s, HSOCK_EV_READ);
    f->next = u->fwds;
    u->fwds = f;
    return 0;
}

/* The monitor's "[tcp|udp]:[hostaddr]:hostport", with QEMU's messages. */
int unet_hostfwd_remove(struct unet *u, const char *spec, char *err, size_t errlen)
{
    char buf[256];
    const char *p = spec;
    bool udp = false;
    uint32_t hip = 0;
    char *end;
    long port = -1;
    if (take(buf, sizeof(buf), &p, ':') == 0 && (!strcmp(buf, "tcp") || !buf[0] || !strcmp(buf, "udp"))) {
        udp = !strcmp(buf, "udp");
        if (take(buf, sizeof(buf), &p, ':') == 0 && (!buf[0] || unet_inet_aton(buf, &hip) == 0)) {
            port = strtol(p, &end, 0);
            if (*end || end == p || port < 0 || port > 65535)
                port = -1;
        }
    }
    if (port < 0) {
        snprintf(err, errlen, "invalid format");
        return -1;
    }
    uint16_t hport = (uint16_t)port;
    for (struct unet_fwd **pp = &u->fwds; *pp; pp = &(*pp)->next) {
        struct unet_fwd *f = *pp;
        if (f->udp == udp && f->host_ip == hip && f->host_port == hport) {
            *pp = f->next;
            fwd_free(f);
            return 0;
        }
    }
    snprintf(err, errlen, "host forwarding rule for %s not found", spec);
    return -1;
}

void unet_hostfwd_fini(struct unet *u)
{
    while (u->fwds) {
        struct unet_fwd *f = u->fwds;
        u->fwds = f->next;
        fwd_free(f);
    }
}
