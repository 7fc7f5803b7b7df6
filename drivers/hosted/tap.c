/* Hosted stand-in: a Linux TAP device (Documentation/networking/tuntap.rst:
 * /dev/net/tun, TUNSETIFF with IFF_TAP | IFF_NO_PI), as QEMU's
 * -netdev tap,ifname=NAME with script=no. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "drivers/hosted/hostnic.h"

int hostnic_tap_ctor(struct qopts *o, const char *id, struct net_port **out, char *err, size_t errlen)
{
    const char *name = qopts_get(o, "ifname");
    const char *script = qopts_get(o, "script"), *down = qopts_get(o, "downscript");
    if ((script && strcmp(script, "no")) || (down && strcmp(down, "no"))) {
        snprintf(err, errlen, "only script=no,downscript=no: configure the TAP device yourself");
        return -1;
    }
    if (name && strlen(name) >= IFNAMSIZ) {
        snprintf(err, errlen, "ifname '%s' is too long", name);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name ? name : "tap%d");
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "TUNSETIFF %s: %s", ifr.ifr_name, strerror(errno));
        close(fd);
        return -1;
    }
    char desc[64];
    snprintf(desc, sizeof(desc), "tap ifname=%s", ifr.ifr_name);
    return hostnic_create(fd, id, "tap", desc, out, err, errlen);
}
