/* QEMU's stream-socket wire format (net/socket.c and net/stream.c in QEMU
 * 7.2, "net_fill_rstate"): each Ethernet frame is preceded by its length as a
 * 4-byte big-endian integer. The reader reassembles frames from arbitrary
 * byte chunks into one buffer allocated per link, never per frame. */
#ifndef BAREMU_NET_FRAMING_H
#define BAREMU_NET_FRAMING_H

#include <stddef.h>
#include <stdint.h>

struct net_framer {
    uint8_t hdr[4];
    unsigned hdr_have;       /* header bytes collected */
    uint32_t need;           /* length of the frame being collected */
    uint32_t have;           /* its bytes collected */
    uint8_t *buf;            /* NET_FRAME_MAX bytes */
};

typedef void (*net_framer_deliver)(void *ctx, const uint8_t *frame, size_t len);

int net_framer_init(struct net_framer *f);     /* -1 when out of memory */
void net_framer_reset(struct net_framer *f);   /* a new connection */
void net_framer_free(struct net_framer *f);
/* Feeds received bytes, delivering each completed frame. Returns 0, or -1
 * when a length is larger than NET_FRAME_MAX (the stream is unusable: the
 * caller closes the link). Zero-length records carry no frame and are skipped. */
int net_framer_feed(struct net_framer *f, const uint8_t *data, size_t len,
                    net_framer_deliver deliver, void *ctx);
/* The length of the last rejected header (for the error message). */
uint32_t net_framer_bad_length(const struct net_framer *f);
/* Writes the 4-byte header for a frame of len bytes. */
void net_framer_header(uint8_t hdr[4], uint32_t len);

#endif
