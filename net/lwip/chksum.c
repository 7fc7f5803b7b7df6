/* lwIP's Internet checksum (LWIP_CHKSUM, see lwipopts.h): the RFC 1071
 * one's-complement sum taken eight bytes at a time with end-around carry
 * (RFC 1071 section 2: the sum is independent of byte order and may be
 * taken in wider words and folded). lwIP's own version goes two bytes at a
 * time and was the largest single cost of the user-mode network's bulk
 * transfers; every payload byte to or from a guest passes here once.
 * Contract (lwIP's inet_chksum.c): the non-inverted 16-bit sum of the bytes
 * in memory order, pairs counted from dataptr whatever its alignment. */
#include <stdint.h>
#include <string.h>

#include "lwip/opt.h"

static inline uint64_t add_carry(uint64_t sum, uint64_t w)
{
    sum += w;
    return sum + (sum < w);   /* end-around carry */
}

u16_t baremu_lwip_chksum(const void *dataptr, int len)
{
    const uint8_t *p = dataptr;
    uint64_t s0 = 0, s1 = 0, w;
    size_t n = len > 0 ? (size_t)len : 0;
    /* Two accumulators: the carries of one do not wait on the other. */
    for (; n >= 32; p += 32, n -= 32) {
        uint64_t a, b, c, d;
        memcpy(&a, p, 8);
        memcpy(&b, p + 8, 8);
        memcpy(&c, p + 16, 8);
        memcpy(&d, p + 24, 8);
        s0 = add_carry(add_carry(s0, a), b);
        s1 = add_carry(add_carry(s1, c), d);
    }
    for (; n >= 8; p += 8, n -= 8) {
        memcpy(&w, p, 8);
        s0 = add_carry(s0, w);
    }
    /* The tail (0..7 bytes) in place, zero-padded: pairs stay aligned to
     * dataptr because 8 is even. */
    w = 0;
    memcpy(&w, p, n);
    s0 = add_carry(add_carry(s0, w), s1);
    /* Fold 64 -> 16 bits, carries folded back in each time. */
    uint64_t f = (s0 & 0xffffffffu) + (s0 >> 32);
    f = (f & 0xffff) + (f >> 16);
    f = (f & 0xffff) + (f >> 16);
    f = (f & 0xffff) + (f >> 16);
    return (u16_t)f;
}
