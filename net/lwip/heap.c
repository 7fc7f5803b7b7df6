/* lwIP's heap (MEM_LIBC_MALLOC; lwipopts.h maps mem_clib_malloc/free/calloc
 * here): the C heap, with a bounded free list in front for frame-sized
 * blocks. Every TCP segment lwIP builds and every guest frame it takes is
 * one such block (1.5 KiB, above the C library's fast small-size caches), so
 * without the list a bulk transfer paid a full malloc/free per frame (a
 * tenth of its CPU time). The list holds at most HEAP_CACHE blocks and
 * is given back to the C heap by baremu_lwip_heap_trim() (the lwIP timer)
 * once a tick passes without use, so idle memory is where it was. Under
 * AddressSanitizer blocks go straight back to the C heap, so use-after-free
 * stays visible. Each block carries a 16-byte header with its class. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/opt.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_CACHE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_CACHE 0
#endif
#endif
#ifndef HEAP_CACHE
#define HEAP_CACHE 256                /* blocks: 512 KiB at most */
#endif

#define HDR 16                        /* keeps malloc's 16-byte alignment */
#define BLOCK 2048                    /* a full frame pbuf with its headers */
#define SMALL 1008                    /* up to here the C library is fast */

enum { CLS_PLAIN = 1, CLS_BLOCK = 2 };

static const unsigned cache_max = HEAP_CACHE;
static void *free_list;
static unsigned n_free;
static bool used;

void *baremu_lwip_malloc(size_t n)
{
    uint8_t *b;
    if (cache_max && n > SMALL && n <= BLOCK - HDR) {
        used = true;
        if (free_list) {
            b = free_list;
            memcpy(&free_list, b + HDR, sizeof(void *));
            n_free--;
        } else if (!(b = malloc(BLOCK))) {
            return NULL;
        }
        b[0] = CLS_BLOCK;
        return b + HDR;
    }
    if (!(b = malloc(n + HDR)))
        return NULL;
    b[0] = CLS_PLAIN;
    return b + HDR;
}

void *baremu_lwip_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = baremu_lwip_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void baremu_lwip_free(void *p)
{
    if (!p)
        return;
    uint8_t *b = (uint8_t *)p - HDR;
    if (b[0] == CLS_BLOCK && n_free < cache_max) {
        memcpy(b + HDR, &free_list, sizeof(void *));
        free_list = b;
        n_free++;
        return;
    }
    free(b);
}

void baremu_lwip_heap_trim(void)
{
    if (used) {
        used = false;
        return;
    }
    while (free_list) {
        uint8_t *b = free_list;
        memcpy(&free_list, b + HDR, sizeof(void *));
        free(b);
    }
    n_free = 0;
}
