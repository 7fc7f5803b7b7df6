/* The 4-byte big-endian length framing of QEMU's stream sockets; see framing.h. */
#include "net/framing.h"

#include <stdlib.h>
#include <string.h>

#include "net/port.h"

int net_framer_init(struct net_framer *f)
{
    memset(f, 0, sizeof(*f));
    f->buf = malloc(NET_FRAME_MAX);
    return f->buf ? 0 : -1;
}

void net_framer_reset(struct net_framer *f)
{
    f->hdr_have = 0;
    f->need = 0;
    f->have = 0;
}

void net_framer_free(struct net_framer *f)
{
    free(f->buf);
    f->buf = NULL;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint32_t net_framer_bad_length(const struct net_framer *f)
{
    return be32(f->hdr);
}

void net_framer_header(uint8_t hdr[4], uint32_t len)
{
    hdr[0] = (uint8_t)(len >> 24);
    hdr[1] = (uint8_t)(len >> 16);
    hdr[2] = (uint8_t)(len >> 8);
    hdr[3] = (uint8_t)len;
}

int net_framer_feed(struct net_framer *f, const uint8_t *data, size_t len,
                    net_framer_deliver deliver, void *ctx)
{
    while (len > 0) {
        if (f->hdr_have < 4) {
            size_t n = 4 - f->hdr_have;
            if (n > len)
                n = len;
            memcpy(f->hdr + f->hdr_have, data, n);
            f->hdr_have += (unsigned)n;
            data += n;
            len -= n;
            if (f->hdr_have < 4)
                break;
            f->need = be32(f->hdr);
            f->have = 0;
            if (f->need > NET_FRAME_MAX)
                return -1;
            if (f->need == 0) {
                f->hdr_have = 0;
                continue;
            }
        }
        size_t n = f->need - f->have;
        if (n > len)
            n = len;
        memcpy(f->buf + f->have, data, n);
        f->have += (uint32_t)n;
        data += n;
        len -= n;
        if (f->have == f->need) {
            f->hdr_have = 0;
            deliver(ctx, f->buf, f->need);
        }
    }
    return 0;
}
