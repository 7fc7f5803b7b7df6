/* A load generator for benchmarks of stream links (QEMU's 4-byte length
 * framing): connects to a sending and a receiving stream server (e.g. two
 * ports of baremu's hub), pushes COUNT frames of SIZE bytes into the first
 * and counts what arrives on the second, then prints frames/s and Gbit/s.
 * Usage: net-blast HOST:SEND_PORT HOST:RECV_PORT COUNT SIZE [SECONDS] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int dial(const char *hp)
{
    char host[64];
    const char *c = strrchr(hp, ':');
    if (!c || (size_t)(c - hp) >= sizeof(host))
        return -1;
    memcpy(host, hp, (size_t)(c - hp));
    host[c - hp] = 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(c + 1))};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: net-blast HOST:SEND_PORT HOST:RECV_PORT COUNT SIZE [SECONDS]\n");
        return 2;
    }
    long count = atol(argv[3]), size = atol(argv[4]);
    double limit = argc > 5 ? atof(argv[5]) : 20;
    if (count <= 0 || size < 14 || size > 65536)
        return 2;
    int tx = dial(argv[1]), rx = dial(argv[2]);
    if (tx < 0 || rx < 0) {
        fprintf(stderr, "net-blast: cannot connect\n");
        return 1;
    }
    usleep(200000);   /* let the switch see both links up */
    /* A batch of frames in one buffer: header + broadcast frame, repeated. */
    enum { BATCH = 64 };
    size_t rec = 4 + (size_t)size;
    unsigned char *out = calloc(BATCH, rec), *in = malloc(1 << 20);
    for (int i = 0; i < BATCH; i++) {
        unsigned char *r = out + (size_t)i * rec;
        r[0] = (unsigned char)(size >> 24); r[1] = (unsigned char)(size >> 16);
        r[2] = (unsigned char)(size >> 8); r[3] = (unsigned char)size;
        memset(r + 4, 0xff, 6);
        memcpy(r + 10, "\x52\x54\x00\xbe\x9c\x01\x88\xb5", 8);
    }
    long sent = 0, got = 0;
    size_t out_off = 0, out_len = 0, in_have = 0;
    unsigned long long rbytes = 0;
    double t0 = now(), t_last = t0;
    while (got < count && now() - t0 < limit) {
        struct pollfd p[2] = {{tx, sent < count || out_off < out_len ? POLLOUT : 0, 0}, {rx, POLLIN, 0}};
        if (poll(p, 2, 200) < 0)
            break;
        if (p[0].revents & POLLOUT) {
            if (out_off == out_len && sent < count) {
                long n = count - sent < BATCH ? count - sent : BATCH;
                out_off = 0;
                out_len = (size_t)n * rec;
                sent += n;
            }
            ssize_t w = write(tx, out + out_off, out_len - out_off);
            if (w > 0)
                out_off += (size_t)w;
        }
        if (p[1].revents & POLLIN) {
            ssize_t r = read(rx, in + in_have, (1 << 20) - in_have);
            if (r <= 0)
                break;
            in_have += (size_t)r;
            size_t off = 0;
            while (in_have - off >= 4) {
                size_t len = (size_t)in[off] << 24 | (size_t)in[off + 1] << 16 |
                             (size_t)in[off + 2] << 8 | in[off + 3];
                if (in_have - off < 4 + len)
                    break;
                off += 4 + len;
                got++;
                rbytes += len;
            }
            memmove(in, in + off, in_have - off);
            in_have -= off;
            t_last = now();
        }
        if (sent == count && out_off == out_len && now() - t_last > 1.0)
            break;   /* everything sent, nothing more arriving: the rest was dropped */
    }
    double dt = t_last - t0;
    printf("sent %ld frames of %ld bytes, received %ld (%.1f%%) in %.2fs: %.0f frames/s, %.3f Gbit/s\n",
           sent, size, got, 100.0 * (double)got / (double)sent, dt, (double)got / dt,
           (double)rbytes * 8 / dt / 1e9);
    close(tx);
    close(rx);
    free(out);
    free(in);
    return got > 0 ? 0 : 1;
}
