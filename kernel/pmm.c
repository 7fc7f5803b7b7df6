/* The physical page allocator: one bit per 4 KiB page (set = in use) over the
 * RAM the UEFI memory map reports free (UEFI spec 2.9 section 7.2, memory
 * types). Contiguous runs are found top-down; the heap claims pages bottom-up
 * from the largest run, so both grow towards each other. */
#include <string.h>

#include "kernel/bootinfo.h"
#include "kernel/kernel.h"
#include "kernel/mm.h"

static uint64_t *bitmap;
static uint64_t npages;      /* pages covered by the bitmap */
static uint64_t nfree;

static int used(uint64_t pg) { return (int)((bitmap[pg / 64] >> (pg % 64)) & 1); }
static void set_used(uint64_t pg) { bitmap[pg / 64] |= 1ull << (pg % 64); }
static void set_free(uint64_t pg) { bitmap[pg / 64] &= ~(1ull << (pg % 64)); }

static void free_range(uint64_t base, uint64_t size)
{
    uint64_t first = (base + PAGE_SIZE - 1) / PAGE_SIZE, end = (base + size) / PAGE_SIZE;
    if (first == 0)
        first = 1;   /* page 0 stays unmapped and unallocated */
    if (end > npages)
        end = npages;
    for (uint64_t pg = first; pg < end;) {
        /* Whole words at a time where the range covers them (GiBs of RAM). */
        if (pg % 64 == 0 && pg + 64 <= end) {
            nfree += (uint64_t)__builtin_popcountll(bitmap[pg / 64]);
            bitmap[pg / 64] = 0;
            pg += 64;
            continue;
        }
        if (used(pg)) {
            set_free(pg);
            nfree++;
        }
        pg++;
    }
}

void pmm_init(const struct boot_info *bi)
{
    uint64_t top = 0;
    for (uint32_t i = 0; i < bi->mem_count; i++) {
        const struct boot_mem *m = &bi->mem[i];
        if (m->kind == BOOT_MEM_FREE || m->kind == BOOT_MEM_BOOT_SVC)
            if (m->base + m->size > top)
                top = m->base + m->size;
    }
    npages = top / PAGE_SIZE;
    uint64_t bytes = (npages + 63) / 64 * 8;
    /* The bitmap goes at the start of the first free region large enough. */
    for (uint32_t i = 0; i < bi->mem_count && !bitmap; i++) {
        const struct boot_mem *m = &bi->mem[i];
        if (m->kind == BOOT_MEM_FREE && m->base >= PAGE_SIZE && m->size >= bytes + PAGE_SIZE)
            bitmap = (uint64_t *)(uintptr_t)m->base;
    }
    if (!bitmap)
        kpanic("no free region for the page bitmap (%lu bytes)", (unsigned long)bytes);
    memset(bitmap, 0xff, bytes);
    for (uint32_t i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].kind == BOOT_MEM_FREE)
            free_range(bi->mem[i].base, bi->mem[i].size);
    uint64_t b0 = (uint64_t)(uintptr_t)bitmap / PAGE_SIZE;
    for (uint64_t pg = b0; pg < b0 + (bytes + PAGE_SIZE - 1) / PAGE_SIZE; pg++)
        if (!used(pg)) {
            set_used(pg);
            nfree--;
        }
}

void pmm_release_boot_services(const struct boot_info *bi)
{
    for (uint32_t i = 0; i < bi->mem_count; i++)
        if (bi->mem[i].kind == BOOT_MEM_BOOT_SVC)
            free_range(bi->mem[i].base, bi->mem[i].size);
}

void *pmm_alloc(size_t pages, unsigned flags)
{
    if (!pages)
        return NULL;
    uint64_t limit = npages;
    if ((flags & PMM_BELOW_4G) && limit > (1ull << 32) / PAGE_SIZE)
        limit = (1ull << 32) / PAGE_SIZE;
    uint64_t run = 0;
    for (uint64_t pg = limit; pg-- > 1;) {
        if (pg % 64 == 63 && bitmap[pg / 64] == ~0ull) {
            run = 0;
            pg -= 63;
            continue;
        }
        if (used(pg)) {
            run = 0;
            continue;
        }
        if (++run == pages) {
            for (uint64_t k = pg; k < pg + pages; k++)
                set_used(k);
            nfree -= pages;
            void *p = (void *)(uintptr_t)(pg * PAGE_SIZE);
            if (flags & PMM_ZERO)
                memset(p, 0, pages * PAGE_SIZE);
            return p;
        }
    }
    return NULL;
}

void pmm_free(void *p, size_t pages)
{
    uint64_t pg = (uint64_t)(uintptr_t)p / PAGE_SIZE;
    for (uint64_t k = pg; k < pg + pages && k < npages; k++) {
        if (!used(k))
            kpanic("pmm_free: page %#lx is not allocated", (unsigned long)(k * PAGE_SIZE));
        set_free(k);
        nfree++;
    }
}

int pmm_claim(uint64_t p, size_t pages)
{
    uint64_t pg = p / PAGE_SIZE;
    if (p % PAGE_SIZE || pg + pages > npages)
        return -1;
    for (uint64_t k = pg; k < pg + pages; k++)
        if (used(k))
            return -1;
    for (uint64_t k = pg; k < pg + pages; k++)
        set_used(k);
    nfree -= pages;
    return 0;
}

void pmm_largest_run(uint64_t *start, uint64_t *pages)
{
    uint64_t best = 0, best_start = 0, run = 0;
    for (uint64_t pg = 1; pg < npages; pg++) {
        if (pg % 64 == 0 && pg + 64 <= npages && bitmap[pg / 64] == ~0ull) {
            run = 0;
            pg += 63;
            continue;
        }
        if (pg % 64 == 0 && pg + 64 <= npages && bitmap[pg / 64] == 0) {
            run += 64;
            if (run > best) {
                best = run;
                best_start = pg + 64 - run;
            }
            pg += 63;
            continue;
        }
        if (used(pg)) {
            run = 0;
            continue;
        }
        if (++run > best) {
            best = run;
            best_start = pg - run + 1;
        }
    }
    *start = best_start * PAGE_SIZE;
    *pages = best;
}

uint64_t pmm_free_pages(void)
{
    return nfree;
}

void *dma_alloc(size_t bytes, uint64_t *phys)
{
    void *p = pmm_alloc((bytes + PAGE_SIZE - 1) / PAGE_SIZE, PMM_ZERO | PMM_BELOW_4G);
    if (p && phys)
        *phys = (uint64_t)(uintptr_t)p;
    return p;
}

void dma_free(void *p, size_t bytes)
{
    if (p)
        pmm_free(p, (bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}
