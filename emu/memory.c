/* The guest physical address space of memory.h: a two-level page table of
 * 4 KiB entries, each with its own read and write target so that the
 * i440FX PAM shadowing modes (82441FX datasheet 3.2.18) are one field each. */
#include "emu/memory.h"

#include <stdlib.h>
#include <string.h>

#define GMEM_L2_BITS 10                    /* 1024 pages = 4 MiB per leaf */
#define GMEM_L1_ENTRIES 16384              /* 16384 x 4 MiB = 64 GiB of address space */
#define GMEM_MAX_REGIONS 64

struct gpage {
    uint8_t rd, wr;         /* enum gmem_target of each direction */
    uint8_t other;          /* what is mapped besides RAM (ROM, MMIO or nothing) */
    uint8_t has_ram;        /* RAM sits at this page (ram_off valid) */
    uint8_t code;           /* marked by the CPU's decode cache */
    uint8_t region;         /* MMIO region index */
    uint8_t rom_idx;        /* which ROM copy p->rom points into */
    uint64_t ram_off;
    uint8_t *rom;           /* the ROM copy's page */
};

struct mmio_region {
    const struct mmio_ops *ops;
    void *opaque;
    uint64_t base;
    const char *name;
    uint32_t pages;         /* pages mapping it now; 0 = the slot is free */
};

struct guest_memory {
    uint8_t *ram;
    uint64_t ram_size;
    struct gpage *l1[GMEM_L1_ENTRIES];
    struct mmio_region regions[GMEM_MAX_REGIONS];
    int nregions;
    uint8_t *roms[GMEM_MAX_REGIONS];
    uint32_t rom_pages[GMEM_MAX_REGIONS];  /* pages showing each copy; 0 = reusable */
    int nroms;
    uint32_t generation;
    bool code_remapped;     /* a page marked as code changed its mapping (gmem_take_code_remapped) */
    void (*code_hook)(void *opaque, uint64_t gpa, size_t len);
    void *code_opaque;
};

static struct gpage *page_get(const struct guest_memory *m, uint64_t gpa)
{
    uint64_t pfn = gpa >> GMEM_PAGE_SHIFT;
    uint64_t i1 = pfn >> GMEM_L2_BITS;
    if (i1 >= GMEM_L1_ENTRIES || !m->l1[i1])
        return NULL;
    return &m->l1[i1][pfn & ((1u << GMEM_L2_BITS) - 1)];
}

static struct gpage *page_make(struct guest_memory *m, uint64_t gpa)
{
    uint64_t pfn = gpa >> GMEM_PAGE_SHIFT;
    uint64_t i1 = pfn >> GMEM_L2_BITS;
    if (i1 >= GMEM_L1_ENTRIES)
        return NULL;
    if (!m->l1[i1]) {
        m->l1[i1] = calloc(1u << GMEM_L2_BITS, sizeof(struct gpage));
        if (!m->l1[i1])
            return NULL;
    }
    return &m->l1[i1][pfn & ((1u << GMEM_L2_BITS) - 1)];
}

/* Page P is about to change what it maps: when the CPU has decoded code
 * from it, its decoded instructions become stale (gmem_take_code_remapped). */
static void page_remap(struct guest_memory *m, const struct gpage *p)
{
    if (p->code)
        m->code_remapped = true;
}

/* A page stops showing its ROM copy or MMIO region (about to be mapped
 * anew or unmapped). A guest moves PCI BARs as often as it likes (each move
 * or memory-decode toggle is an unmap and a map), so slots whose last page
 * went are reused instead of running out after GMEM_MAX_REGIONS moves. */
static void release_other(struct guest_memory *m, struct gpage *p)
{
    if (p->other == GMEM_MMIO && m->regions[p->region].pages)
        m->regions[p->region].pages--;
    else if (p->other == GMEM_ROM && m->rom_pages[p->rom_idx])
        m->rom_pages[p->rom_idx]--;
}

struct guest_memory *gmem_create(uint64_t ram_bytes, uint64_t below_4g_limit)
{
    struct guest_memory *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    ram_bytes = (ram_bytes + GMEM_PAGE_SIZE - 1) & ~(uint64_t)(GMEM_PAGE_SIZE - 1);
    m->ram = calloc(1, ram_bytes ? ram_bytes : GMEM_PAGE_SIZE);
    if (!m->ram) {
        free(m);
        return NULL;
    }
    m->ram_size = ram_bytes;
    uint64_t low = ram_bytes < below_4g_limit ? ram_bytes : below_4g_limit;
    if (low && gmem_map_ram(m, 0, low, 0) != 0)
        goto fail;
    if (ram_bytes > low && gmem_map_ram(m, 1ull << 32, ram_bytes - low, low) != 0)
        goto fail;
    return m;
fail:
    gmem_destroy(m);
    return NULL;
}

void gmem_destroy(struct guest_memory *m)
{
    if (!m)
        return;
    for (int i = 0; i < GMEM_L1_ENTRIES; i++)
        free(m->l1[i]);
    for (int i = 0; i < m->nroms; i++)
        free(m->roms[i]);
    free(m->ram);
    free(m);
}

uint8_t *gmem_ram(struct guest_memory *m) { return m->ram; }
uint64_t gmem_ram_size(const struct guest_memory *m) { return m->ram_size; }
uint32_t gmem_generation(const struct guest_memory *m) { return m->generation; }

bool gmem_take_code_remapped(struct guest_memory *m)
{
    bool r = m->code_remapped;
    m->code_remapped = false;
    return r;
}

static bool range_ok(uint64_t gpa, uint64_t len)
{
    return (gpa & (GMEM_PAGE_SIZE - 1)) == 0 && len > 0 &&
           gpa + len > gpa && ((gpa + len - 1) >> GMEM_PAGE_SHIFT) < (uint64_t)GMEM_L1_ENTRIES << GMEM_L2_BITS;
}

int gmem_map_ram(struct guest_memory *m, uint64_t gpa, uint64_t len, uint64_t ram_offset)
{
    len = (len + GMEM_PAGE_SIZE - 1) & ~(uint64_t)(GMEM_PAGE_SIZE - 1);
    if (!range_ok(gpa, len) || ram_offset + len > m->ram_size || (ram_offset & (GMEM_PAGE_SIZE - 1)))
        return -1;
    for (uint64_t o = 0; o < len; o += GMEM_PAGE_SIZE) {
        struct gpage *p = page_make(m, gpa + o);
        if (!p)
            return -1;
        page_remap(m, p);
        p->has_ram = 1;
        p->ram_off = ram_offset + o;
        p->rd = p->wr = GMEM_RAM;
    }
    m->generation++;
    return 0;
}

int gmem_map_rom(struct guest_memory *m, uint64_t gpa, const void *data, uint64_t len)
{
    uint64_t plen = (len + GMEM_PAGE_SIZE - 1) & ~(uint64_t)(GMEM_PAGE_SIZE - 1);
    if (!range_ok(gpa, plen))
        return -1;
    /* A copy no page shows any more is freed only here, a map change after
     * its last page went: the CPU has dropped its pointers into it by then
     * (it resyncs after the access that changed the map). */
    int idx = 0;
    while (idx < m->nroms && m->rom_pages[idx])
        idx++;
    if (idx == GMEM_MAX_REGIONS)
        return -1;
    uint8_t *copy = calloc(1, plen);
    if (!copy)
        return -1;
    memset(copy, 0xff, plen);
    memcpy(copy, data, len);
    free(m->roms[idx]);
    m->roms[idx] = copy;
    m->rom_pages[idx] = 0;
    if (idx == m->nroms)
        m->nroms++;
    for (uint64_t o = 0; o < plen; o += GMEM_PAGE_SIZE) {
        struct gpage *p = page_make(m, gpa + o);
        if (!p)
            return -1;
        page_remap(m, p);
        release_other(m, p);
        p->other = GMEM_ROM;
        p->rom = copy + o;
        p->rom_idx = (uint8_t)idx;
        m->rom_pages[idx]++;
        p->rd = GMEM_ROM;
        p->wr = GMEM_ROM;
    }
    m->generation++;
    return 0;
}

int gmem_map_mmio(struct guest_memory *m, uint64_t gpa, uint64_t len,
                  const struct mmio_ops *ops, void *opaque, const char *name)
{
    len = (len + GMEM_PAGE_SIZE - 1) & ~(uint64_t)(GMEM_PAGE_SIZE - 1);
    if (!range_ok(gpa, len) || !ops)
        return -1;
    int idx = 0;
    while (idx < m->nregions && m->regions[idx].pages)
        idx++;
    if (idx == GMEM_MAX_REGIONS)
        return -1;
    if (idx == m->nregions)
        m->nregions++;
    m->regions[idx] = (struct mmio_region){ops, opaque, gpa, name, 0};
    for (uint64_t o = 0; o < len; o += GMEM_PAGE_SIZE) {
        struct gpage *p = page_make(m, gpa + o);
        if (!p)
            return -1;
        page_remap(m, p);
        release_other(m, p);
        p->other = GMEM_MMIO;
        p->region = (uint8_t)idx;
        m->regions[idx].pages++;
        p->rd = p->wr = GMEM_MMIO;
    }
    m->generation++;
    return 0;
}

void gmem_unmap(struct guest_memory *m, uint64_t gpa, uint64_t len)
{
    for (uint64_t o = 0; o < len; o += GMEM_PAGE_SIZE) {
        struct gpage *p = page_get(m, (gpa & ~(uint64_t)(GMEM_PAGE_SIZE - 1)) + o);
        if (p) {
            page_remap(m, p);
            release_other(m, p);
            memset(p, 0, sizeof(*p));
        }
    }
    m->generation++;
}

int gmem_set_shadow(struct guest_memory *m, uint64_t gpa, uint64_t len, bool read_ram, bool write_ram)
{
    for (uint64_t o = 0; o < len; o += GMEM_PAGE_SIZE) {
        uint64_t a = (gpa & ~(uint64_t)(GMEM_PAGE_SIZE - 1)) + o;
        struct gpage *p = page_make(m, a);
        if (!p || a + GMEM_PAGE_SIZE > m->ram_size)
            return -1;
        page_remap(m, p);
        /* The RAM behind a shadowable page is the RAM at the same address. */
        p->has_ram = 1;
        p->ram_off = a;
        p->rd = read_ram ? GMEM_RAM : p->other;
        p->wr = write_ram ? GMEM_RAM : p->other;
    }
    m->generation++;
    return 0;
}

uint8_t *gmem_page_ptr(struct guest_memory *m, uint64_t gpa, bool write)
{
    struct gpage *p = page_get(m, gpa);
    if (!p)
        return NULL;
    uint8_t t = write ? p->wr : p->rd;
    if (t == GMEM_RAM)
        return m->ram + p->ram_off;
    if (t == GMEM_ROM && !write)
        return p->rom;
    return NULL;
}

static void code_notify(struct guest_memory *m, const struct gpage *p, uint64_t gpa, size_t len)
{
    if (p->code && m->code_hook)
        m->code_hook(m->code_opaque, gpa, len);
}

uint64_t gmem_read(struct guest_memory *m, uint64_t gpa, unsigned size)
{
    struct gpage *p = page_get(m, gpa);
    uint64_t mask = size >= 8 ? ~0ull : ((1ull << (size * 8)) - 1);
    if (!p)
        return mask;
    uint32_t off = gpa & (GMEM_PAGE_SIZE - 1);
    uint64_t v = 0;
    switch (p->rd) {
    case GMEM_RAM:
        memcpy(&v, m->ram + p->ram_off + off, size);
        return v;
    case GMEM_ROM:
        memcpy(&v, p->rom + off, size);
        return v;
    case GMEM_MMIO: {
        const struct mmio_region *r = &m->regions[p->region];
        return r->ops->read ? r->ops->read(r->opaque, gpa - r->base, size) & mask : mask;
    }
    default:
        return mask;
    }
}

void gmem_write(struct guest_memory *m, uint64_t gpa, uint64_t value, unsigned size)
{
    struct gpage *p = page_get(m, gpa);
    if (!p)
        return;
    uint32_t off = gpa & (GMEM_PAGE_SIZE - 1);
    switch (p->wr) {
    case GMEM_RAM:
        memcpy(m->ram + p->ram_off + off, &value, size);
        code_notify(m, p, gpa, size);
        break;
    case GMEM_MMIO: {
        const struct mmio_region *r = &m->regions[p->region];
        if (r->ops->write)
            r->ops->write(r->opaque, gpa - r->base, value, size);
        break;
    }
    default:
        break;
    }
}

/* Checks that every page of [gpa, gpa+len) reaches RAM in that direction. */
static bool dma_ok(struct guest_memory *m, uint64_t gpa, size_t len, bool write)
{
    if (len == 0)
        return true;
    if (gpa + len < gpa)
        return false;
    for (uint64_t a = gpa & ~(uint64_t)(GMEM_PAGE_SIZE - 1); a < gpa + len; a += GMEM_PAGE_SIZE) {
        struct gpage *p = page_get(m, a);
        if (!p || (write ? p->wr : p->rd) != GMEM_RAM)
            return false;
    }
    return true;
}

int gmem_dma_read(struct guest_memory *m, uint64_t gpa, void *buf, size_t len)
{
    if (!dma_ok(m, gpa, len, false))
        return -1;
    uint8_t *out = buf;
    while (len) {
        struct gpage *p = page_get(m, gpa);
        uint32_t off = gpa & (GMEM_PAGE_SIZE - 1);
        size_t n = GMEM_PAGE_SIZE - off < len ? GMEM_PAGE_SIZE - off : len;
        memcpy(out, m->ram + p->ram_off + off, n);
        out += n; gpa += n; len -= n;
    }
    return 0;
}

int gmem_dma_write(struct guest_memory *m, uint64_t gpa, const void *buf, size_t len)
{
    if (!dma_ok(m, gpa, len, true))
        return -1;
    const uint8_t *in = buf;
    while (len) {
        struct gpage *p = page_get(m, gpa);
        uint32_t off = gpa & (GMEM_PAGE_SIZE - 1);
        size_t n = GMEM_PAGE_SIZE - off < len ? GMEM_PAGE_SIZE - off : len;
        memcpy(m->ram + p->ram_off + off, in, n);
        code_notify(m, p, gpa, n);
        in += n; gpa += n; len -= n;
    }
    return 0;
}

void gmem_set_code_write_hook(struct guest_memory *m,
                              void (*hook)(void *opaque, uint64_t gpa, size_t len), void *opaque)
{
    m->code_hook = hook;
    m->code_opaque = opaque;
}

void gmem_mark_code(struct guest_memory *m, uint64_t gpa, bool is_code)
{
    /* Made if absent: code run from an unmapped page (all ones) must see a
     * later mapping there too. */
    struct gpage *p = is_code ? page_make(m, gpa) : page_get(m, gpa);
    if (p)
        p->code = is_code;
}

bool gmem_is_code(const struct guest_memory *m, uint64_t gpa)
{
    const struct gpage *p = page_get(m, gpa);
    return p && p->code;
}
