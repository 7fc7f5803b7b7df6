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

/* "[hostaddr]:port" into ip (host order) and port. */
static int parse_addr_port(const char *s, size_t len, uint32_t *ip, uint16_t *port, bool any_ok)
{
    char buf[128];
    if (len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *colon = strrchr(buf, ':');
    if (!colon)
        return -1;
    *colon = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || p < (any_ok ? 0 : 1) || p > 65535)
        return -1;
    *port = (uint16_t)p;
    *ip = 0;
    if (buf[0] && hsock_resolve(buf, ip) < 0)
        return -1;
    return 0;
}

static void tcp_listener_cb(struct hsock *ls, int ev, void *ctx)
{
    struct unet_fwd *f = ctx;
    struct unet *u = f->u;
    for (int i = 0; i < 16; i++) {
        struct tcp_relay *r = unet_tcp_relay_alloc(u);
        if (!r)
            return;
        struct hsock_addr peer;
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
    const char *p = spec;
    bool udp = false;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
    } else if (!strncmp(p, "udp:", 4)) {
        udp = true;
        p += 4;
    } else if (p[0] == ':') {
        p += 1;   /* an empty protocol is tcp */
    }
    const char *dash = strchr(p, '-');
    uint32_t hip, gip;
    uint16_t hport, gport;
    if (!dash || parse_addr_port(p, (size_t)(dash - p), &hip, &hport, true) < 0 ||
        parse_addr_port(dash + 1, strlen(dash + 1), &gip, &gport, false) < 0) {
        snprintf(err, errlen, "Invalid host forwarding rule '%s'", spec);
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
        snprintf(err, errlen, "Could not set up host forwarding rule '%s'%s%s", spec,
                 f->s ? ": " : "", f->s ? hsock_strerror(hsock_error(f->s)) : "");
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

int unet_hostfwd_remove(struct unet *u, const char *spec, char *err, size_t errlen)
{
    const char *p = spec;
    bool udp = false;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
    } else if (!strncmp(p, "udp:", 4)) {
        udp = true;
        p += 4;
    } else if (p[0] == ':') {
        p += 1;
    }
    uint32_t hip;
    uint16_t hport;
    if (parse_addr_port(p, strlen(p), &hip, &hport, true) < 0) {
        snprintf(err, errlen, "Invalid format");
        return -1;
    }
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
