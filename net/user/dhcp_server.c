/* The DHCP/BOOTP server at the host address (RFC 2131 messages, RFC 2132
 * options, RFC 3397 domain search, RFC 951 BOOTP for PXE ROMs): 16 leases
 * from dhcpstart keyed by the client's MAC, and the options QEMU's libslirp
 * sends: 1, 3, 6, 12, 15, 51, 54, 66, 67 and 119. Replies are broadcast, since
 * the client has no address yet. */
#include <string.h>

#include "baremu/platform.h"
#include "lwip/def.h"
#include "lwip/ip.h"
#include "lwip/sys.h"
#include "lwip/udp.h"
#include "net/user/user.h"

#define BOOTP_MIN    300   /* RFC 951's message size; replies are padded to it */
#define DHCP_MAX     576
#define LEASE_SECS   86400u
#define OPT_OFF      240   /* fixed header + magic cookie */

enum { DISCOVER = 1, OFFER = 2, REQUEST = 3, DECLINE = 4, ACK = 5, NAK = 6, RELEASE = 7, INFORM = 8 };

static uint32_t lease_ip(struct unet *u, int i)
{
    return lwip_htonl(lwip_ntohl(ip4_addr_get_u32(&u->cfg.dhcp_start)) + (uint32_t)i);
}

static bool lease_live(struct unet *u, int i)
{
    return u->leases[i].used && (int32_t)(u->leases[i].expires_ms - sys_now()) > 0;
}

static int lease_of_mac(struct unet *u, const uint8_t *mac)
{
    for (int i = 0; i < UNET_LEASES; i++)
        if (u->leases[i].used && !memcmp(u->leases[i].mac, mac, 6))
            return i;
    return -1;
}

static int lease_index(struct unet *u, uint32_t ip)
{
    int i = (int)(lwip_ntohl(ip) - lwip_ntohl(ip4_addr_get_u32(&u->cfg.dhcp_start)));
    return i >= 0 && i < UNET_LEASES ? i : -1;
}

static int lease_alloc(struct unet *u, const uint8_t *mac)
{
    int i = lease_of_mac(u, mac);
    if (i >= 0)
        return i;
    for (i = 0; i < UNET_LEASES; i++)
        if (!lease_live(u, i))
            return i;
    return -1;
}

/* Appends one option; false when it does not fit. */
static bool put_opt(uint8_t *m, size_t *off, uint8_t code, const void *data, size_t len)
{
    if (len > 255 || *off + 2 + len + 1 > DHCP_MAX)
        return false;
    m[(*off)++] = code;
    m[(*off)++] = (uint8_t)len;
    memcpy(m + *off, data, len);
    *off += len;
    return true;
}

/* RFC 3397: "a.org,b.net" as DNS names (uncompressed), split over several
 * option 119 instances when longer than 255 bytes (RFC 3396). */
static void put_search(uint8_t *m, size_t *off, const char *list)
{
    uint8_t enc[UNET_STR * 2];
    size_t n = 0;
    const char *p = list;
    while (*p && n < sizeof(enc) - 70) {
        const char *end = strchr(p, ',');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        const char *q = p;
        while (q < p + dlen) {
            const char *dot = memchr(q, '.', (size_t)(p + dlen - q));
            size_t l = dot ? (size_t)(dot - q) : (size_t)(p + dlen - q);
            if (l > 63)
                l = 63;
            if (l) {
                enc[n++] = (uint8_t)l;
                memcpy(enc + n, q, l);
                n += l;
            }
            q += (dot ? (size_t)(dot - q) + 1 : l);
            if (!dot)
                break;
        }
        enc[n++] = 0;
        p += dlen + (end ? 1 : 0);
        if (!end)
            break;
    }
    for (size_t i = 0; i < n; i += 255)
        put_opt(m, off, 119, enc + i, n - i > 255 ? 255 : n - i);
}

static void reply(struct unet *u, const uint8_t *req, int type, uint32_t yiaddr, bool bootp)
{
    static uint8_t m[DHCP_MAX];
    memset(m, 0, sizeof(m));
    m[0] = 2;                                  /* BOOTREPLY */
    m[1] = 1;
    m[2] = 6;
    memcpy(m + 4, req + 4, 4);                 /* xid */
    memcpy(m + 10, req + 10, 2);               /* flags */
    if (type != NAK) {
        memcpy(m + 16, &yiaddr, 4);
        uint32_t si = ip4_addr_get_u32(&u->cfg.host);
        memcpy(m + 20, &si, 4);                /* siaddr: the TFTP server */
    }
    memcpy(m + 24, req + 24, 4);               /* giaddr */
    memcpy(m + 28, req + 28, 16);              /* chaddr */
    if (u->cfg.bootfile[0] && type != NAK)
        memcpy(m + 108, u->cfg.bootfile, strnlen(u->cfg.bootfile, 127));
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    memcpy(m + 236, cookie, 4);
    size_t off = OPT_OFF;
    uint8_t t = (uint8_t)type;
    uint32_t host = ip4_addr_get_u32(&u->cfg.host), mask = ip4_addr_get_u32(&u->cfg.mask);
    uint32_t dns = ip4_addr_get_u32(&u->cfg.dns), lease = lwip_htonl(LEASE_SECS);
    if (!bootp)
        put_opt(m, &off, 53, &t, 1);
    put_opt(m, &off, 54, &host, 4);
    if (type != NAK) {
        put_opt(m, &off, 51, &lease, 4);
        put_opt(m, &off, 1, &mask, 4);
        put_opt(m, &off, 3, &host, 4);
        put_opt(m, &off, 6, &dns, 4);
        if (u->cfg.hostname[0])
            put_opt(m, &off, 12, u->cfg.hostname, strlen(u->cfg.hostname));
        if (u->cfg.domainname[0])
            put_opt(m, &off, 15, u->cfg.domainname, strlen(u->cfg.domainname));
        if (u->cfg.tftp_server_name[0])
            put_opt(m, &off, 66, u->cfg.tftp_server_name, strlen(u->cfg.tftp_server_name));
        if (u->cfg.bootfile[0])
            put_opt(m, &off, 67, u->cfg.bootfile, strlen(u->cfg.bootfile));
        if (u->cfg.dnssearch[0])
            put_search(m, &off, u->cfg.dnssearch);
    }
    m[off++] = 255;
    if (off < BOOTP_MIN)
        off = BOOTP_MIN;
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)off, PBUF_RAM);
    if (!p)
        return;
    pbuf_take(p, m, (u16_t)off);
    udp_sendto_if(u->dhcp_pcb, p, IP_ADDR_BROADCAST, 68, &u->netif);
    pbuf_free(p);
}

/* Finds option code in the options area; returns its length or -1. */
static int find_opt(const uint8_t *m, size_t len, uint8_t code, const uint8_t **val)
{
    size_t i = OPT_OFF;
    while (i < len) {
        uint8_t c = m[i];
        if (c == 255)
            break;
        if (c == 0) {
            i++;
            continue;
        }
        if (i + 1 >= len || i + 2 + m[i + 1] > len)
            break;
        if (c == code) {
            *val = m + i + 2;
            return m[i + 1];
        }
        i += 2u + m[i + 1];
    }
    return -1;
}

static void dhcp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct unet *u = arg;
    static uint8_t m[DHCP_MAX + 1024];
    size_t len = pbuf_copy_partial(p, m, sizeof(m), 0);
    pbuf_free(p);
    if (len < 236 || m[0] != 1 || m[1] != 1 || m[2] != 6)
        return;
    const uint8_t *mac = m + 28;
    bool has_cookie = len >= OPT_OFF && m[236] == 99 && m[237] == 130 && m[238] == 83 && m[239] == 99;
    int type = REQUEST;   /* a BOOTP client (no message type) gets an answer at once */
    bool bootp = true;
    const uint8_t *v;
    if (has_cookie && find_opt(m, len, 53, &v) == 1) {
        type = v[0];
        bootp = false;
    }
    uint32_t want = 0;
    if (has_cookie && find_opt(m, len, 50, &v) == 4)
        memcpy(&want, v, 4);
    else
        memcpy(&want, m + 12, 4);              /* ciaddr when renewing */

    int i;
    switch (type) {
    case DISCOVER:
        i = lease_alloc(u, mac);
        if (i < 0) {
            LOGW("usernet", "DHCP: no free lease for %02x:%02x:%02x:%02x:%02x:%02x", mac[0],
                 mac[1], mac[2], mac[3], mac[4], mac[5]);
            return;
        }
        memcpy(u->leases[i].mac, mac, 6);
        u->leases[i].used = true;
        u->leases[i].expires_ms = sys_now() + 60000u;   /* held briefly for the REQUEST */
        reply(u, m, OFFER, lease_ip(u, i), false);
        return;
    case REQUEST:
        if (want) {
            i = lease_index(u, want);
            if (i < 0 || (lease_live(u, i) && memcmp(u->leases[i].mac, mac, 6))) {
                if (!bootp)
                    reply(u, m, NAK, 0, false);
                return;
            }
            int old = lease_of_mac(u, mac);
            if (old >= 0 && old != i)
                u->leases[old].used = false;
        } else {
            i = lease_alloc(u, mac);
            if (i < 0)
                return;
        }
        memcpy(u->leases[i].mac, mac, 6);
        u->leases[i].used = true;
        u->leases[i].expires_ms = sys_now() + LEASE_SECS * 1000u;
        reply(u, m, ACK, lease_ip(u, i), bootp);
        return;
    case RELEASE:
        i = lease_of_mac(u, mac);
        if (i >= 0)
            u->leases[i].used = false;
        return;
    case INFORM:
        reply(u, m, ACK, 0, false);
        return;
    default:
        return;   /* DECLINE and the rest: nothing to say */
    }
}

int unet_dhcp_start(struct unet *u)
{
    u->dhcp_pcb = udp_new();
    if (!u->dhcp_pcb)
        return -1;
    ip_set_option(u->dhcp_pcb, SOF_REUSEADDR | SOF_BROADCAST);
    udp_bind_netif(u->dhcp_pcb, &u->netif);
    if (udp_bind(u->dhcp_pcb, IP_ANY_TYPE, 67) != ERR_OK) {
        udp_remove(u->dhcp_pcb);
        u->dhcp_pcb = NULL;
        return -1;
    }
    udp_recv(u->dhcp_pcb, dhcp_recv, u);
    return 0;
}

void unet_dhcp_stop(struct unet *u)
{
    if (u->dhcp_pcb)
        udp_remove(u->dhcp_pcb);
    u->dhcp_pcb = NULL;
}
