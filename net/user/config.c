/* -netdev user options with QEMU's names, defaults and refusals (QEMU's
 * docs/system/invocation "-netdev user" and the checks of net/slirp.c's
 * net_slirp_init, restated): net=, host=, dhcpstart=, dns=, the DHCP/TFTP
 * strings, restrict=, ipv4=/ipv6=. hostfwd= and guestfwd= are read by
 * user_backend.c once the network exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/qopts.h"
#include "baremu/platform.h"
#include "lwip/def.h"
#include "net/user/user.h"

/* inet_aton(3)'s forms, which QEMU's options accept: a.b.c.d, a.b.c (c
 * 16 bits), a.b (b 24 bits) and a (32 bits), each part decimal, 0x hex or
 * 0 octal, trailing white space allowed. out: host order. */
int unet_inet_aton(const char *s, uint32_t *out)
{
    uint32_t part[4];
    int n = 0;
    const char *p = s;
    if (!s)
        return -1;
    for (;;) {
        if (*p < '0' || *p > '9' || n == 4)
            return -1;
        unsigned base = 10;
        if (*p == '0') {
            base = 8;
            p++;
            if (*p == 'x' || *p == 'X') {
                base = 16;
                p++;
            }
        }
        uint64_t v = 0;
        for (;; p++) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (base == 16 && *p >= 'a' && *p <= 'f')
                d = (unsigned)(*p - 'a' + 10);
            else if (base == 16 && *p >= 'A' && *p <= 'F')
                d = (unsigned)(*p - 'A' + 10);
            else
                break;
            if (d >= base)
                return -1;
            v = v * base + d;
            if (v > 0xffffffffu)
                return -1;
        }
        part[n++] = (uint32_t)v;
        if (*p != '.')
            break;
        p++;
    }
    if (*p && *p != ' ' && *p != '\t' && *p != '\n')
        return -1;
    uint32_t r;
    switch (n) {
    case 1:
        r = part[0];
        break;
    case 2:
        if (part[0] > 255 || part[1] > 0xffffff)
            return -1;
        r = part[0] << 24 | part[1];
        break;
    case 3:
        if (part[0] > 255 || part[1] > 255 || part[2] > 0xffff)
            return -1;
        r = part[0] << 24 | part[1] << 16 | part[2];
        break;
    default:
        if (part[0] > 255 || part[1] > 255 || part[2] > 255 || part[3] > 255)
            return -1;
        r = part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3];
        break;
    }
    *out = r;
    return 0;
}

int unet_parse_ip(const char *s, ip4_addr_t *out)
{
    uint32_t v;
    if (unet_inet_aton(s, &v) < 0)
        return -1;
    ip4_addr_set_u32(out, lwip_htonl(v));
    return 0;
}

/* RFC 4291 section 2.2 text forms (hex groups, one "::", an optional
 * trailing dotted quad) into 16 bytes. */
static int parse_ip6(const char *s, uint8_t out[16])
{
    uint16_t g[8];
    int n = 0, gap = -1;
    const char *p = s;
    if (p[0] == ':' && p[1] == ':') {
        gap = 0;
        p += 2;
    } else if (p[0] == ':') {
        return -1;
    }
    while (*p) {
        const char *q = p;
        unsigned v = 0;
        int digits = 0;
        while (digits < 5 && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                              (*q >= 'A' && *q <= 'F'))) {
            v = v * 16 + (unsigned)(*q <= '9' ? *q - '0' : (*q | 0x20) - 'a' + 10);
            q++;
            digits++;
        }
        if (*q == '.') {   /* the last 32 bits as a dotted quad */
            unsigned a, b, c, d;
            char tail;
            if (n > 6 || sscanf(p, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 ||
                b > 255 || c > 255 || d > 255)
                return -1;
            g[n++] = (uint16_t)(a << 8 | b);
            g[n++] = (uint16_t)(c << 8 | d);
            p += strlen(p);
            break;
        }
        if (digits == 0 || digits > 4 || n == 8)
            return -1;
        g[n++] = (uint16_t)v;
        p = q;
        if (*p == ':') {
            p++;
            if (*p == ':') {
                if (gap >= 0)
                    return -1;
                gap = n;
                p++;
            } else if (!*p) {
                return -1;
            }
        } else if (*p) {
            return -1;
        }
    }
    if (gap < 0 ? n != 8 : n > 7)
        return -1;
    uint16_t full[8] = {0};
    if (gap < 0) {
        memcpy(full, g, sizeof(full));
    } else {
        memcpy(full, g, (size_t)gap * 2);
        memcpy(full + 8 - (n - gap), g + gap, (size_t)(n - gap) * 2);
    }
    for (int i = 0; i < 8; i++) {
        out[2 * i] = (uint8_t)(full[i] >> 8);
        out[2 * i + 1] = (uint8_t)full[i];
    }
    return 0;
}

/* The address class's mask, used when net= gives no mask (libslirp's rule:
 * A, the 172.16/12 and 192.168/16 private ranges, B, C, else /28). */
static uint32_t class_mask(uint32_t a)
{
    if (!(a & 0x80000000u))
        return 0xff000000u;
    if ((a & 0xfff00000u) == 0xac100000u)
        return 0xfff00000u;
    if ((a & 0xc0000000u) == 0x80000000u)
        return 0xffff0000u;
    if ((a & 0xffff0000u) == 0xc0a80000u)
        return 0xffff0000u;
    if ((a & 0xf0000000u) == 0xe0000000u)
        return 0xffffff00u;
    return 0xfffffff0u;
}

/* "10.0.2.0/24", "10.0.2.0/255.255.255.0" or "10.0.2.0" (class mask), as
 * QEMU parses net=: the bit count must be 4..32; the network address is the
 * given address masked. */
static int parse_net(const char *s, ip4_addr_t *net, ip4_addr_t *mask, char *err, size_t errlen)
{
    char buf[64];
    uint32_t n, m;
    if (strlen(s) >= sizeof(buf)) {
        snprintf(err, errlen, "Failed to parse netmask");
        return -1;
    }
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    if (slash)
        *slash++ = 0;
    if (unet_inet_aton(buf, &n) < 0) {
        snprintf(err, errlen, "Failed to parse netmask");
        return -1;
    }
    if (!slash) {
        m = class_mask(n);
    } else {
        char *end;
        long bits = strtol(slash, &end, 10);
        if (*end) {
            if (unet_inet_aton(slash, &m) < 0) {
                snprintf(err, errlen, "Failed to parse netmask (trailing chars)");
                return -1;
            }
        } else if (bits < 4 || bits > 32) {
            snprintf(err, errlen, "Invalid netmask provided (must be in range 4-32)");
            return -1;
        } else {
            m = (uint32_t)(0xffffffffull << (32 - bits));
        }
    }
    ip4_addr_set_u32(mask, lwip_htonl(m));
    ip4_addr_set_u32(net, lwip_htonl(n & m));
    return 0;
}

/* QEMU's boolean option values (case-sensitive). */
static int get_bool(struct qopts *o, const char *key, bool def, bool *out, char *err, size_t errlen)
{
    const char *v = qopts_get(o, key);
    *out = def;
    if (!v)
        return 0;
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "y")) {
        *out = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "n")) {
        *out = false;
        return 0;
    }
    snprintf(err, errlen, "Parameter '%s' expects 'on' or 'off'", key);
    return -1;
}

/* ipv6-net=, ipv6-prefix=, ipv6-prefixlen=, ipv6-host=, ipv6-dns= are checked
 * as QEMU checks them (nothing IPv6 is served yet; the values are kept). */
static int parse_ipv6_opts(struct unet_config *c, struct qopts *o, char *err, size_t errlen)
{
    static const uint8_t def_prefix[16] = {0xfe, 0xc0};
    memcpy(c->ip6_prefix, def_prefix, 16);
    c->ip6_prefixlen = 64;
    const char *s = qopts_get(o, "ipv6-net");
    const char *pfx = qopts_get(o, "ipv6-prefix"), *len = qopts_get(o, "ipv6-prefixlen");
    char buf[64];
    if (s) {
        if (strlen(s) >= sizeof(buf)) {
            snprintf(err, errlen, "Failed to parse IPv6 prefix");
            return -1;
        }
        strcpy(buf, s);
        char *slash = strchr(buf, '/');
        if (slash)
            *slash++ = 0;
        if (parse_ip6(buf, c->ip6_prefix) < 0) {
            snprintf(err, errlen, "Failed to parse IPv6 prefix");
            return -1;
        }
        if (slash) {
            char *end;
            long l = strtol(slash, &end, 10);
            if (*end || end == slash) {
                snprintf(err, errlen, "Parameter 'ipv6-prefixlen' expects a number");
                return -1;
            }
            c->ip6_prefixlen = (int)(l < -1 ? -1 : l > 1000 ? 1000 : l);
        }
    }
    if (pfx && parse_ip6(pfx, c->ip6_prefix) < 0) {
        snprintf(err, errlen, "Failed to parse IPv6 prefix");
        return -1;
    }
    if (len) {
        char *end;
        long l = strtol(len, &end, 0);
        if (*end || end == len) {
            snprintf(err, errlen, "Parameter 'ipv6-prefixlen' expects an int64 value");
            return -1;
        }
        c->ip6_prefixlen = (int)(l < -1 ? -1 : l > 1000 ? 1000 : l);
    }
    if (c->ip6_prefixlen < 0 || c->ip6_prefixlen > 126) {
        snprintf(err, errlen,
                 "Invalid IPv6 prefix provided (IPv6 prefix length must be between 0 and 126)");
        return -1;
    }
    memcpy(c->ip6_host, c->ip6_prefix, 16);
    c->ip6_host[15] |= 2;
    memcpy(c->ip6_dns, c->ip6_prefix, 16);
    c->ip6_dns[15] |= 3;
    if ((s = qopts_get(o, "ipv6-host"))) {
        if (parse_ip6(s, c->ip6_host) < 0) {
            snprintf(err, errlen, "Failed to parse IPv6 host");
            return -1;
        }
        for (int b = 0; b < c->ip6_prefixlen; b++) {
            uint8_t bit = (uint8_t)(0x80 >> (b & 7));
            if ((c->ip6_host[b / 8] ^ c->ip6_prefix[b / 8]) & bit) {
                snprintf(err, errlen, "IPv6 Host doesn't belong to network");
                return -1;
            }
        }
    }
    if ((s = qopts_get(o, "ipv6-dns")) && parse_ip6(s, c->ip6_dns) < 0) {
        snprintf(err, errlen, "Failed to parse IPv6 DNS");
        return -1;
    }
    return 0;
}

static int copy_str(char *dst, const char *src, const char *key, char *err, size_t errlen)
{
    if (!src) {
        dst[0] = 0;
        return 0;
    }
    if (strlen(src) >= UNET_STR) {
        snprintf(err, errlen, "'%s' is too long", key);
        return -1;
    }
    strcpy(dst, src);
    return 0;
}

static bool in_net(const struct unet_config *c, const ip4_addr_t *a)
{
    return (ip4_addr_get_u32(a) & ip4_addr_get_u32(&c->mask)) == ip4_addr_get_u32(&c->net);
}

/* QEMU's default addresses: 10.0.2.2/.3/.15 taken as offsets 0x202, 0x203,
 * 0x20f within whatever network is given (so /16 keeps 10.x.2.2). */
static void net_plus(const struct unet_config *c, uint32_t n, ip4_addr_t *out)
{
    uint32_t net = lwip_ntohl(ip4_addr_get_u32(&c->net)), mask = lwip_ntohl(ip4_addr_get_u32(&c->mask));
    ip4_addr_set_u32(out, lwip_htonl(net | (n & ~mask)));
}

int unet_config_parse(struct unet_config *c, struct qopts *o, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    IP4_ADDR(&c->net, 10, 0, 2, 0);
    IP4_ADDR(&c->mask, 255, 255, 255, 0);

    if (get_bool(o, "restrict", false, &c->restrict_on, err, errlen) < 0 ||
        get_bool(o, "ipv4", true, &c->ipv4, err, errlen) < 0 ||
        get_bool(o, "ipv6", true, &c->ipv6, err, errlen) < 0)
        return -1;
    if (!c->ipv4 && !c->ipv6) {
        snprintf(err, errlen, "IPv4 and IPv6 disabled");
        return -1;
    }
    /* ipv4=off is accepted as by QEMU: the netif then serves no IPv4 (and,
     * as IPv6 is not served yet either, nothing). */
    const char *s = qopts_get(o, "net");
    const char *legacy_ip = qopts_get(o, "ip");   /* QEMU's old ip=: net=IP/24 */
    char ipnet[80];
    if (!s && legacy_ip && strlen(legacy_ip) < 60) {
        snprintf(ipnet, sizeof(ipnet), "%s/24", legacy_ip);
        s = ipnet;
    }
    if (s && parse_net(s, &c->net, &c->mask, err, errlen) < 0)
        return -1;
    net_plus(c, 0x202, &c->host);
    net_plus(c, 0x203, &c->dns);
    net_plus(c, 0x20f, &c->dhcp_start);

    if ((s = qopts_get(o, "host")) && unet_parse_ip(s, &c->host) < 0) {
        snprintf(err, errlen, "Failed to parse host");
        return -1;
    }
    if (!in_net(c, &c->host)) {
        snprintf(err, errlen, "Host doesn't belong to network");
        return -1;
    }
    /* QEMU lets the DNS address lie outside the network (the guest reaches
     * it through the gateway). */
    if ((s = qopts_get(o, "dns")) && unet_parse_ip(s, &c->dns) < 0) {
        snprintf(err, errlen, "Failed to parse DNS");
        return -1;
    }
    if (ip4_addr_cmp(&c->dns, &c->host)) {
        snprintf(err, errlen, "DNS must be different from host");
        return -1;
    }
    if ((s = qopts_get(o, "dhcpstart")) && unet_parse_ip(s, &c->dhcp_start) < 0) {
        snprintf(err, errlen, "Failed to parse DHCP start address");
        return -1;
    }
    if (!in_net(c, &c->dhcp_start)) {
        snprintf(err, errlen, "DHCP doesn't belong to network");
        return -1;
    }
    if (ip4_addr_cmp(&c->dhcp_start, &c->host) || ip4_addr_cmp(&c->dhcp_start, &c->dns)) {
        snprintf(err, errlen, "DHCP must be different from host and DNS");
        return -1;
    }
    if (parse_ipv6_opts(c, o, err, errlen) < 0)
        return -1;

    if (copy_str(c->hostname, qopts_get(o, "hostname"), "hostname", err, errlen) < 0 ||
        copy_str(c->domainname, qopts_get(o, "domainname"), "domainname", err, errlen) < 0 ||
        copy_str(c->tftp_root, qopts_get(o, "tftp"), "tftp", err, errlen) < 0 ||
        copy_str(c->tftp_server_name, qopts_get(o, "tftp-server-name"), "tftp-server-name",
                 err, errlen) < 0 ||
        copy_str(c->bootfile, qopts_get(o, "bootfile"), "bootfile", err, errlen) < 0)
        return -1;
    /* dnssearch is repeatable in QEMU: collect the domains, comma-separated.
     * As libslirp, an invalid domain is a warning and the list is dropped. */
    int cur = 0;
    const char *d;
    while ((d = qopts_next(o, "dnssearch", &cur))) {
        size_t have = strlen(c->dnssearch);
        bool ok = *d && d[0] != '.' && !strstr(d, "..") && have + strlen(d) + 2 <= UNET_STR;
        for (const char *q = d, *lab = d; ok && *q; q++) {
            if (*q == ',')
                ok = false;
            if (q[1] == '.' || q[1] == 0) {
                ok = ok && q + 1 - lab <= 63;
                lab = q + 2;
            }
        }
        if (!ok) {
            LOGW("usernet", "-netdev user,dnssearch=%s: warning: Slirp: failed to parse domain name '%s'",
                 d, d);
            c->dnssearch_bad = true;
            continue;
        }
        if (have)
            strcat(c->dnssearch, ",");
        strcat(c->dnssearch, d);
    }
    if (c->dnssearch_bad)
        c->dnssearch[0] = 0;
    ip4_addr_t smbserver;
    if ((s = qopts_get(o, "smbserver")) && unet_parse_ip(s, &smbserver) < 0) {
        snprintf(err, errlen, "Failed to parse SMB address");
        return -1;
    }
    if (qopts_has(o, "smb")) {
        (void)qopts_get(o, "smb");
        snprintf(err, errlen, "smb= is not supported by this build");
        return -1;
    }
    /* The gateway's MAC: libslirp's 52:55 prefix followed by the address. */
    uint32_t h = lwip_ntohl(ip4_addr_get_u32(&c->host));
    uint8_t mac[6] = {0x52, 0x55, (uint8_t)(h >> 24), (uint8_t)(h >> 16), (uint8_t)(h >> 8),
                      (uint8_t)h};
    memcpy(c->mac, mac, 6);
    return 0;
}
