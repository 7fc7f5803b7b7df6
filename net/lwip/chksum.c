/* lwIP's Internet checksum (LWIP_CHKSUM, see lwipopts.h): the RFC 1071
 * one's-complement sum taken eight bytes at a time with end-around carry
 * (RFC 1071 section 2: the sum is independent of byte order and may be
 * taken in wider words and folded). lwIP's own version goes two bytes at a
 * time and was the largest single cost of the user-mode network's bulk
 * transfers; every payload byte to or from a guest passes here once.
 * Contract (lwIP's inet_chksum.c): the non-inverted 16-bit sum of the bytes
 * in memory order, pairs counted from dataptr whatever its alignment.
 * baremu_lwip_chksum_copy is LWIP_CHKSUM_COPY (tcp_write's copy of the
 * payload with LWIP_CHECKSUM_ON_COPY): the copy and the sum in one pass
 * over the bytes, 32 at a time. Loads and stores go through
 * __builtin_memcpy so the EFI build (-fno-builtin) inlines them too. */
#include <stdint.h>

#include "lwip/opt.h"

#define LOAD(dst, src, n) __builtin_memcpy((dst), (src), (n))

static inline uint64_t add_carry(uint64_t sum, uint64_t w)
{
    sum += w;
    return sum + (sum < w);   /* end-around carry */
}

/* Fold 64 -> 16 bits, carries folded back in each time. */
static inline u16_t fold(uint64_t s)
{
    uint64_t f = (s & 0xffffffffu) + (s >> 32);
    f = (f & 0xffff) + (f >> 16);
    f = (f & 0xffff) + (f >> 16);
    f = (f & 0xffff) + (f >> 16);
    return (u16_t)f;
}

/* The last 0..7 bytes as a word zero-padded at its end in memory (pairs
 * stay aligned to the start because 8 is even), in fixed-size loads: a
 * memcpy of a variable length was a library call for every 20-byte header
 * sum. */
static inline uint64_t tail_word(const uint8_t *p, size_t n)
{
    uint8_t b[8] = {0};
    size_t k = 0;
    if (n & 4) {
        LOAD(b, p, 4);
        k = 4;
    }
    if (n & 2) {
        LOAD(b + k, p + k, 2);
        k += 2;
    }
    if (n & 1)
        b[k] = p[k];
    uint64_t w;
    LOAD(&w, b, 8);   /* the same byte order as the whole words */
    return w;
}

u16_t baremu_lwip_chksum(const void *dataptr, int len)
{
    const uint8_t *p = dataptr;
    uint64_t s0 = 0, s1 = 0, w;
    size_t n = len > 0 ? (size_t)len : 0;
    /* Two accumulators: the carries of one do not wait on the other. */
    for (; n >= 32; p += 32, n -= 32) {
        uint64_t a, b, c, d;
        LOAD(&a, p, 8);
        LOAD(&b, p + 8, 8);
        LOAD(&c, p + 16, 8);
        LOAD(&d, p + 24, 8);
        s0 = add_carry(add_carry(s0, a), b);
        s1 = add_carry(add_carry(s1, c), d);
    }
    for (; n >= 8; p += 8, n -= 8) {
        LOAD(&w, p, 8);
        s0 = add_carry(s0, w);
    }
    s0 = add_carry(add_carry(s0, tail_word(p, n)), s1);
    return fold(s0);
}

/* Four 32-bit lanes (SSE2's width, the x86-64 baseline; GCC and clang lower
 * it to whatever the target has). */
typedef uint32_t v4u __attribute__((vector_size(16)));

u16_t baremu_lwip_chksum_copy(void *dst, const void *src, u16_t len)
{
    const uint8_t *p = src;
    uint8_t *q = dst;
    size_t n = len;
    const v4u lo16 = {0xffff, 0xffff, 0xffff, 0xffff};
    v4u a = {0, 0, 0, 0}, b = {0, 0, 0, 0};
    /* Each lane takes its two 16-bit halves (memory order, as the 64-bit
     * words above): at most 2 * 0xffff a step, so a u16_t length (2048
     * steps) cannot overflow a 32-bit lane. */
    for (; n >= 32; p += 32, q += 32, n -= 32) {
        v4u x, y;
        LOAD(&x, p, 16);
        LOAD(&y, p + 16, 16);
        LOAD(q, &x, 16);
        LOAD(q + 16, &y, 16);
        a += (x & lo16) + (x >> 16);
        b += (y & lo16) + (y >> 16);
    }
    a += b;   /* lanes below 2^28: no overflow */
    uint64_t s = (uint64_t)a[0] + a[1] + a[2] + a[3], w;
    for (; n >= 8; p += 8, q += 8, n -= 8) {
        LOAD(&w, p, 8);
        LOAD(q, &w, 8);
        s = add_carry(s, w);
    }
    LOAD(q, p, n);
    return fold(add_carry(s, tail_word(p, n)));
}
