/* -netdev user options with QEMU's names, defaults and refusals (QEMU's
 * docs/system/invocation "-netdev user" and the checks of net/slirp.c's
 * net_slirp_init, restated): net=, host=, dhcpstart=, dns=, the DHCP/TFTP
 * strings, restrict=, ipv4=/ipv6=. hostfwd= and guestfwd= are read by
 * user_backend.c once the network exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/qopts.h"
#include "lwip/def.h"
#include "net/user/user.h"

int unet_parse_ip(const char *s, ip4_addr_t *out)
{
    unsigned a, b, c, d;
    char tail;
    if (!s || sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return -1;
    IP4_ADDR(out, a, b, c, d);
    return 0;
}

/* "10.0.2.0/24", "10.0.2.0/255.255.255.0" or "10.0.2.0" (the default /24
 * mask is kept when none is given, as QEMU does). */
static int parse_net(const char *s, ip4_addr_t *net, ip4_addr_t *mask, char *err, size_t errlen)
{
    char buf[64];
    if (strlen(s) >= sizeof(buf)) {
        snprintf(err, errlen, "Failed to parse netmask");
        return -1;
    }
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash++ = 0;
        char *end;
        long bits = strtol(slash, &end, 10);
        if (*end == 0 && end != slash) {
            if (bits < 0 || bits > 32) {
                snprintf(err, errlen, "Invalid netmask provided (must be in range 0-32)");
                return -1;
            }
            ip4_addr_set_u32(mask, bits ? lwip_htonl(0xffffffffu << (32 - bits)) : 0);
        } else if (unet_parse_ip(slash, mask) < 0) {
            snprintf(err, errlen, "Failed to parse netmask");
            return -1;
        }
    }
    if (unet_parse_ip(buf, net) < 0) {
        snprintf(err, errlen, "Failed to parse netmask");
        return -1;
    }
    /* The network's address is the given address masked, as QEMU does. */
    ip4_addr_set_u32(net, ip4_addr_get_u32(net) & ip4_addr_get_u32(mask));
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

/* The address at offset n (host order) inside the network. */
static void net_plus(const struct unet_config *c, uint32_t n, ip4_addr_t *out)
{
    ip4_addr_set_u32(out, lwip_htonl(lwip_ntohl(ip4_addr_get_u32(&c->net)) | n));
}

int unet_config_parse(struct unet_config *c, struct qopts *o, char *err, size_t errlen)
{
    memset(c, 0, sizeof(*c));
    IP4_ADDR(&c->net, 10, 0, 2, 0);
    IP4_ADDR(&c->mask, 255, 255, 255, 0);

    if (qopts_get_bool(o, "restrict", false, &c->restrict_on, err, errlen) < 0 ||
        qopts_get_bool(o, "ipv4", true, &c->ipv4, err, errlen) < 0 ||
        qopts_get_bool(o, "ipv6", true, &c->ipv6, err, errlen) < 0)
        return -1;
    if (!c->ipv4 && !c->ipv6) {
        snprintf(err, errlen, "IPv4 and IPv6 disabled simultaneously");
        return -1;
    }
    if (!c->ipv4) {
        /* IPv6 is designed for (the netif is dual-stack ready) but not served yet. */
        snprintf(err, errlen, "ipv4=off: an IPv6-only user network is not supported yet");
        return -1;
    }
    const char *s = qopts_get(o, "net");
    if (s && parse_net(s, &c->net, &c->mask, err, errlen) < 0)
        return -1;
    /* Room for the host, DNS and the 16 leases: QEMU's libslirp needs the same. */
    if (lwip_ntohl(~ip4_addr_get_u32(&c->mask)) < 16 + UNET_LEASES - 1 && s) {
        snprintf(err, errlen, "net=%s: the network is too small for the host, DNS and DHCP leases", s);
        return -1;
    }
    net_plus(c, 2, &c->host);
    net_plus(c, 3, &c->dns);
    net_plus(c, 15, &c->dhcp_start);

    if ((s = qopts_get(o, "host")) && unet_parse_ip(s, &c->host) < 0) {
        snprintf(err, errlen, "Failed to parse host");
        return -1;
    }
    if (!in_net(c, &c->host)) {
        snprintf(err, errlen, "Host doesn't belong to network");
        return -1;
    }
    if ((s = qopts_get(o, "dns")) && unet_parse_ip(s, &c->dns) < 0) {
        snprintf(err, errlen, "Failed to parse DNS");
        return -1;
    }
    if (!in_net(c, &c->dns)) {
        snprintf(err, errlen, "DNS doesn't belong to network");
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
        snprintf(err, errlen, "DNS must be different from host and DNS");
        return -1;
    }
    /* The last lease must still be a host address inside the network. */
    uint32_t last = lwip_ntohl(ip4_addr_get_u32(&c->dhcp_start)) + UNET_LEASES - 1;
    uint32_t bcast = lwip_ntohl(ip4_addr_get_u32(&c->net) | ~ip4_addr_get_u32(&c->mask));
    if (last >= bcast) {
        snprintf(err, errlen, "dhcpstart: %d leases do not fit in the network", UNET_LEASES);
        return -1;
    }

    if (copy_str(c->hostname, qopts_get(o, "hostname"), "hostname", err, errlen) < 0 ||
        copy_str(c->domainname, qopts_get(o, "domainname"), "domainname", err, errlen) < 0 ||
        copy_str(c->tftp_root, qopts_get(o, "tftp"), "tftp", err, errlen) < 0 ||
        copy_str(c->tftp_server_name, qopts_get(o, "tftp-server-name"), "tftp-server-name",
                 err, errlen) < 0 ||
        copy_str(c->bootfile, qopts_get(o, "bootfile"), "bootfile", err, errlen) < 0)
        return -1;
    if (strlen(c->hostname) > 63) {
        snprintf(err, errlen, "'hostname' is longer than 63 characters");
        return -1;
    }
    /* dnssearch is repeatable in QEMU: collect the domains, comma-separated. */
    int cur = 0;
    const char *d;
    while ((d = qopts_next(o, "dnssearch", &cur))) {
        size_t have = strlen(c->dnssearch);
        if (!*d || have + strlen(d) + 2 > UNET_STR) {
            snprintf(err, errlen, "dnssearch: invalid or too long domain list");
            return -1;
        }
        if (have)
            strcat(c->dnssearch, ",");
        strcat(c->dnssearch, d);
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
