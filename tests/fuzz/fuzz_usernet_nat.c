/* libFuzzer harness for the user-mode network's TCP and UDP NAT
 * (net/user/nat_tcp.c, nat_udp.c and lwIP's TCP input under them): each
 * input opens one guest TCP connection to 10.0.2.2 (a loopback listener of
 * the harness, which the NAT reaches as 127.0.0.1), completes the handshake,
 * then plays a list of steps: a TCP segment (flags, sequence offset,
 * payload, or raw header bytes with options), a UDP datagram to a loopback
 * socket of the harness, or a host-side action (send, half-close, close).
 * The connection is reset at the end so the small connection table never
 * fills across inputs. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/usernet/fuzz_env.h"

static int lsock = -1, usock = -1, conn = -1;
static uint16_t lport, uport;
static uint16_t gport = 40000;

static int loopback(int type, uint16_t *port)
{
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        (type == SOCK_STREAM && listen(s, 64) < 0) || getsockname(s, (struct sockaddr *)&a, &al) < 0)
        abort();
    fcntl(s, F_SETFL, O_NONBLOCK);
    *port = ntohs(a.sin_port);
    return s;
}

/* The guest-side sequence state of this input's connection. */
static uint32_t gseq, sseq;
static bool have_syn_ack(uint16_t gp)
{
    for (int i = 0; i < fz_sink.count; i++) {
        const uint8_t *f = fz_sink.frame[i];
        if (f[12] == 8 && f[13] == 0 && f[23] == 6 && be16(fr_l4(f) + 2) == gp &&
            (fr_l4(f)[13] & 0x12) == 0x12) {
            sseq = be32(fr_l4(f) + 4) + 1;
            return true;
        }
    }
    return false;
}

static void host_side(uint8_t action)
{
    if (conn < 0)
        conn = accept(lsock, NULL, NULL);
    if (conn < 0)
        return;
    fcntl(conn, F_SETFL, O_NONBLOCK);
    static uint8_t buf[65536];
    while (recv(conn, buf, sizeof(buf), 0) > 0) {
    }
    switch (action & 3) {
    case 0:
        memset(buf, action, 3000);
        if (send(conn, buf, (size_t)(action + 1) * 11, MSG_NOSIGNAL) < 0) {
        }
        break;
    case 1:
        shutdown(conn, SHUT_WR);
        break;
    case 2:
        close(conn);
        conn = -1;
        break;
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup();
    if (lsock < 0) {
        lsock = loopback(SOCK_STREAM, &lport);
        usock = loopback(SOCK_DGRAM, &uport);
    }
    static uint8_t frame[1600], seg[1500];
    uint32_t g = ip4("10.0.2.15"), h = ip4("10.0.2.2");
    /* Connections of earlier inputs the harness never took: close them so
     * the listen queue never fills (a full queue stalls the connect). */
    for (int c; (c = accept(lsock, NULL, NULL)) >= 0;)
        close(c);
    gport = (uint16_t)(gport == 60000 ? 40000 : gport + 1);
    gseq = 1000;
    fz_sink.count = 0;
    fz_send(frame, build_tcp(frame, g, gport, h, lport, gseq, 0, 0x02, NULL, 0));
    for (int i = 0; i < 50 && !have_syn_ack(gport); i++) {
        net_host_poll(1000000u);
        sys_check_timeouts();
    }
    gseq++;
    bool up = have_syn_ack(gport);
    if (up)
        fz_send(frame, build_tcp(frame, g, gport, h, lport, gseq, sseq, 0x10, NULL, 0));
    while (size >= 4) {
        uint8_t kind = data[0], flags = data[1];
        size_t len = (size_t)data[2] << 8 | data[3];
        data += 4;
        size -= 4;
        len %= 1400;
        if (len > size)
            len = size;
        switch (kind & 3) {
        case 0:   /* a segment of this connection, sequence nudged by kind */
            fz_send(frame, build_tcp(frame, g, gport, h, lport, gseq + (uint32_t)(int8_t)(kind & 0xfc),
                                     sseq, flags, data, len));
            if (!(kind & 0xfc))
                gseq += (uint32_t)len + ((flags & 0x01) ? 1 : 0);
            break;
        case 1: { /* raw TCP header and options as given */
            size_t n = len < 20 ? 20 : len;
            memset(seg, 0, 20);
            memcpy(seg, data, len);
            seg[0] = (uint8_t)(gport >> 8), seg[1] = (uint8_t)gport;
            seg[2] = (uint8_t)(lport >> 8), seg[3] = (uint8_t)lport;
            fz_send(frame, build_ip(frame, 6, g, h, seg, n));
            break;
        }
        case 2:
            fz_send(frame, build_udp(frame, g, (uint16_t)(5000 + (flags & 15)), h, uport, data, len));
            break;
        default:
            host_side(flags);
            break;
        }
        data += len;
        size -= len;
        net_host_poll(0);
        sys_check_timeouts();
        if (fz_sink.count > SINK_MAX - 16)
            fz_sink.count = 0;
    }
    static uint8_t sink_buf[2048];
    while (recv(usock, sink_buf, sizeof(sink_buf), 0) > 0) {
    }
    fz_send(frame, build_tcp(frame, g, gport, h, lport, gseq, sseq, 0x14, NULL, 0));
    if (conn >= 0)
        close(conn);
    conn = -1;
    fz_sink.count = 0;
    fz_pump();
    return 0;
}
