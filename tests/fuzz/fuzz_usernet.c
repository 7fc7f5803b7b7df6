/* libFuzzer harness for the user-mode network: arbitrary guest frames into
 * one -netdev user (ARP, IPv4 steering, lwIP's IP/ICMP/UDP/TCP, DHCP, DNS,
 * TFTP, the NAT). The input is a list of frames, each "mode, length, bytes":
 * mode 0 sends the bytes as a raw frame; otherwise the harness wraps them in
 * Ethernet + IPv4 with valid checksums (protocol and destination chosen by
 * the mode) so lwIP's checksum tests do not stop the exploration; with bit
 * 0x10 the first two bytes are the IPv4 flags/fragment offset and bits 5-6
 * the identification, so fragments reach the reassembly (ip_reass.c) with
 * valid headers. Mode bit 0x80 wraps the bytes in Ethernet + IPv6 instead
 * (ICMPv6, UDP, TCP or hop-by-hop by mode & 3; to fec0::2, fec0::3,
 * ff02::2 or fec0::2's solicited-node group by bits 2-3; hop limit 255, 64
 * with bit 0x10) with a valid ICMPv6/UDP/TCP checksum, for ip6_gateway.c's
 * NDP, echo and DNS and TCP over IPv6 (lwIP's dual stack, the relay). A
 * listener of the harness on [::1]:48080 (fec0::2:48080 to the guest)
 * accepts what the relay connects, writes a few bytes and closes, so the
 * relay's uplink side, its data and EOF run too. Built with
 * -DBAREMU_FUZZ, where the NAT maps nothing outside loopback. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"

static struct unet *u;
static struct sink sink;
static int listener6 = -1;   /* [::1]:48080, or -1 when the port is taken */

static void open_listener6(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
                             .sin6_port = htons(48080)};
    int one = 1;
    if (s < 0)
        return;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 64) != 0) {
        close(s);
        return;
    }
    fcntl(s, F_SETFL, O_NONBLOCK);
    listener6 = s;
}

static void setup(void)
{
    /* DNS queries go to a resolver on loopback that does not exist. */
    char path[] = "/tmp/fuzz-usernet-resolv-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        static const char line[] = "nameserver 127.0.0.1\n";
        if (write(fd, line, sizeof(line) - 1) < 0)
            abort();
        close(fd);
        setenv("BAREMU_RESOLV_CONF", path, 1);
    }
    char err[256];
    mkdir("/tmp/fuzz-usernet-tftp", 0700);
    FILE *f = fopen("/tmp/fuzz-usernet-tftp/f", "w");
    if (f) {
        for (int i = 0; i < 3000; i++)
            fputc(i, f);
        fclose(f);
    }
    u = unet_create_str("user,id=fz,tftp=/tmp/fuzz-usernet-tftp,bootfile=f,hostname=h,dnssearch=a.b",
                        err, sizeof(err));
    if (!u)
        abort();
    net_port_register(&sink.port, &sink_ops, "fuzz", "fuzzsink", &sink);
    net_port_connect(&sink.port, unet_port(u));
    open_listener6();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!u)
        setup();
    static const char *dsts[4] = {"10.0.2.2", "10.0.2.3", "255.255.255.255", "10.0.2.99"};
    static const uint8_t protos[4] = {1, 6, 17, 2};
    static uint8_t frame[1600];
    while (size >= 3) {
        uint8_t mode = data[0];
        size_t len = (size_t)(data[1] << 8 | data[2]) % 1600;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        if (mode == 0) {
            net_port_send(&sink.port, data, len);
        } else if (mode & 0x80) {
            static const char *dsts6[4] = {"fec0::2", "fec0::3", "ff02::2", "ff02::1:ff00:2"};
            static const uint8_t nhs[4] = {58, 17, 6, 0};
            size_t n = build_ip6(frame, gw_mac, "fec0::5054:ff:fe12:3456", dsts6[(mode >> 2) & 3],
                                 nhs[mode & 3], (mode & 0x10) ? 64 : 255, data, len > 1400 ? 1400 : len);
            net_port_send(&sink.port, frame, n);
        } else {
            const uint8_t *l4p = data;
            size_t l4 = len > 1400 ? 1400 : len;
            bool frag = (mode & 0x10) && l4 >= 2;
            if (frag) {
                l4p += 2;
                l4 -= 2;
            }
            size_t n = build_ip(frame, protos[mode & 3], ip4("10.0.2.15"), ip4(dsts[(mode >> 2) & 3]),
                                l4p, l4);
            if (frag) {
                uint8_t *ip = frame + 14;
                ip[5] = (uint8_t)((mode >> 5) & 3);
                ip[6] = data[0] & 0x3f;   /* MF and the offset; DF stays clear */
                ip[7] = data[1];
                ip[10] = ip[11] = 0;
                uint16_t c = csum_fold(csum_add(0, ip, 20));
                ip[10] = (uint8_t)(c >> 8);
                ip[11] = (uint8_t)c;
            }
            net_port_send(&sink.port, frame, n);
        }
        data += len;
        size -= len;
    }
    sink.count = 0;
    net_host_poll(0);
    for (int c, n = 0; listener6 >= 0 && n < 16 && (c = accept(listener6, NULL, NULL)) >= 0; n++) {
        if (write(c, "HTTP/1.0 200 OK\r\n\r\nx", 20) < 0) {
            /* the relay may be gone already */
        }
        close(c);
    }
    net_host_poll(0);
    sys_check_timeouts();
    return 0;
}
