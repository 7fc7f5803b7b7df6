/* lwIP's heap (MEM_LIBC_MALLOC; lwipopts.h maps mem_clib_malloc/free/calloc
 * here): the C heap, with two bounded free lists in front. Every TCP segment
 * lwIP builds and every guest frame it takes is one frame-sized block (1.5
 * KiB, above the C library's fast small-size caches), so without a list a
 * bulk transfer paid a full malloc/free per frame (a tenth of its CPU time).
 * Every segment also takes a small block (struct tcp_seg), and every guest
 * ACK a small pbuf; lwIP frees them in bursts of a window's worth (a
 * hundred or more at once), far past glibc's per-size cache of seven, so
 * those went through glibc's slower bins too: the second list keeps them.
 * Each list holds a bounded number of blocks and is given back to the C
 * heap by baremu_lwip_heap_trim() (the lwIP timer) once a tick passes
 * without use, so idle memory is where it was. Under AddressSanitizer blocks
 * go straight back to the C heap, so use-after-free stays visible. Each
 * block carries a 16-byte header with its class. */
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
#define HEAP_CACHE 1                  /* lists on */
#endif

#define HDR 16                        /* keeps malloc's 16-byte alignment */
#define SMALL_BLOCK 128               /* a tcp_seg, a pbuf of a bare ACK */
#define BLOCK 2048                    /* a full frame pbuf with its headers */
#define SMALL 1008                    /* from here to BLOCK: the frame list */

enum { CLS_PLAIN = 1, CLS_BLOCK = 2, CLS_SMALL = 3 };

struct free_list {
    void *head;
    unsigned n, max;
};

/* 512 KiB and 128 KiB at most. */
static struct free_list frames = {NULL, 0, HEAP_CACHE ? 256 : 0};
static struct free_list smalls = {NULL, 0, HEAP_CACHE ? 1024 : 0};
static bool used;

static void *take(struct free_list *l, size_t size, uint8_t cls)
{
    uint8_t *b = l->head;
    used = true;
    if (b) {
        memcpy(&l->head, b + HDR, sizeof(void *));
        l->n--;
    } else if (!(b = malloc(size))) {
        return NULL;
    }
    b[0] = cls;
    return b + HDR;
}

void *baremu_lwip_malloc(size_t n)
{
    if (frames.max && n > SMALL && n <= BLOCK - HDR)
        return take(&frames, BLOCK, CLS_BLOCK);
    if (smalls.max && n <= SMALL_BLOCK - HDR)
        return take(&smalls, SMALL_BLOCK, CLS_SMALL);
    uint8_t *b = malloc(n + HDR);
    if (!b)
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

static bool give(struct free_list *l, uint8_t *b)
{
    if (l->n >= l->max)
        return false;
    memcpy(b + HDR, &l->head, sizeof(void *));
    l->head = b;
    l->n++;
    return true;
}

void baremu_lwip_free(void *p)
{
    if (!p)
        return;
    uint8_t *b = (uint8_t *)p - HDR;
    if (b[0] == CLS_BLOCK && give(&frames, b))
        return;
    if (b[0] == CLS_SMALL && give(&smalls, b))
        return;
    free(b);
}

static void drain(struct free_list *l)
{
    while (l->head) {
        uint8_t *b = l->head;
        memcpy(&l->head, b + HDR, sizeof(void *));
        free(b);
    }
    l->n = 0;
}

void baremu_lwip_heap_trim(void)
{
    if (used) {
        used = false;
        return;
    }
    drain(&frames);
    drain(&smalls);
}
