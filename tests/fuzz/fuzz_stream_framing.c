/* libFuzzer harness for the stream-socket framing (net/framing.c, QEMU's
 * 4-byte big-endian length before each frame): arbitrary bytes, fed in
 * chunk sizes the input itself chooses, must either be rejected as a bad
 * length or delivered as frames that reassemble exactly, never overrun. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/framing.h"
#include "net/port.h"

static struct net_framer framer;
static size_t delivered_bytes;
static unsigned delivered_frames;
volatile uint8_t checksum;   /* keeps the reads */

static void deliver(void *ctx, const uint8_t *frame, size_t len)
{
    if (len == 0 || len > NET_FRAME_MAX)
        abort();
    /* Touch every byte so ASan checks the whole frame is in bounds. */
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum ^= frame[i];
    checksum ^= sum;
    delivered_bytes += len;
    delivered_frames++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!framer.buf && net_framer_init(&framer) < 0)
        abort();
    net_framer_reset(&framer);
    delivered_bytes = 0;
    delivered_frames = 0;
    if (size < 1)
        return 0;
    /* The first byte picks the chunk size, so splits at every header and
     * payload offset are explored. */
    size_t chunk = (size_t)data[0] + 1;
    const uint8_t *p = data + 1;
    size_t left = size - 1;
    bool bad = false;
    while (left) {
        size_t n = left < chunk ? left : chunk;
        if (net_framer_feed(&framer, p, n, deliver, NULL) < 0) {
            bad = true;
            break;
        }
        p += n;
        left -= n;
    }
    /* Whatever was consumed before an error is headers plus payloads. */
    if (!bad && delivered_bytes + 4u * delivered_frames > size - 1)
        abort();
    return 0;
}
