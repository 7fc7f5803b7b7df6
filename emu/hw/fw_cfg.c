/* QEMU's fw_cfg, the traditional I/O interface and the DMA interface;
 * follows QEMU's docs/specs/fw_cfg.rst: writing a selector rewinds its item,
 * each data read returns the next byte (0 past the end), the directory (item
 * 0x19) is a big-endian count then 64-byte entries {be32 size, be16 select,
 * be16 reserved, char name[56]} sorted by name. DMA: the guest writes the
 * physical address of a big-endian {be32 control, be32 length, be64 address}
 * descriptor to 0x514 (high half) and 0x518 (low half, which starts it); the
 * transfer completes before the write returns and clears control. */
#include "emu/hw/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

#include "emu/memory.h"

/* DMA control bits (fw_cfg.rst, "FWCfgDmaAccess"). */
#define DMA_ERROR  0x01u
#define DMA_READ   0x02u
#define DMA_SKIP   0x04u
#define DMA_SELECT 0x08u
#define DMA_WRITE  0x10u

#define MAX_ITEMS (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define ARCH_ITEMS 8

struct fw_cfg_item {
    uint8_t *data;
    uint32_t len;
};

struct fw_cfg {
    struct fw_cfg_item items[MAX_ITEMS];
    struct fw_cfg_item arch[ARCH_ITEMS];
    char names[FW_CFG_MAX_FILES][FW_CFG_FILE_NAME_MAX];
    int nfiles;
    uint16_t selector;
    uint32_t offset;
    struct guest_memory *mem;   /* NULL: no DMA interface */
    uint32_t dma_high;          /* the descriptor address's high half */
};

static struct fw_cfg_item *item(struct fw_cfg *f, uint16_t key)
{
    /* Bit 14 is the write channel (not supported: writes are ignored). */
    key &= (uint16_t)~0x4000;
    if (key & 0x8000) {
        key &= 0x7fff;
        return key < ARCH_ITEMS ? &f->arch[key] : NULL;
    }
    return key < MAX_ITEMS ? &f->items[key] : NULL;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len)
{
    struct fw_cfg_item *it = item(f, key);
    if (!it || len > UINT32_MAX)
        return -1;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return -1;
    if (len)
        memcpy(copy, data, len);
    free(it->data);
    it->data = copy;
    it->len = (uint32_t)len;
    return 0;
}

int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    return fw_cfg_add_bytes(f, key, b, sizeof(b));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Rebuilds item 0x19 from the file table, sorted by name. */
static int rebuild_dir(struct fw_cfg *f)
{
    size_t len = 4 + 64 * (size_t)f->nfiles;
    uint8_t *d = calloc(1, len);
    if (!d)
        return -1;
    int order[FW_CFG_MAX_FILES];
    for (int i = 0; i < f->nfiles; i++) {
        int j = i;
        while (j > 0 && strcmp(f->names[order[j - 1]], f->names[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    put_be32(d, (uint32_t)f->nfiles);
    for (int k = 0; k < f->nfiles; k++) {
        int i = order[k];
        uint8_t *e = d + 4 + 64 * k;
        uint16_t sel = (uint16_t)(FW_CFG_FILE_FIRST + i);
        put_be32(e, f->items[sel].len);
        e[4] = (uint8_t)(sel >> 8);
        e[5] = (uint8_t)sel;
        memcpy(e + 8, f->names[i], strlen(f->names[i]));
    }
    struct fw_cfg_item *it = &f->items[FW_CFG_FILE_DIR];
    free(it->data);
    it->data = d;
    it->len = (uint32_t)len;
    return 0;
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len)
{
    if (strlen(name) >= FW_CFG_FILE_NAME_MAX)
        return -1;
    int i;
    for (i = 0; i < f->nfiles; i++)
        if (!strcmp(f->names[i], name))
            break;
    if (i == f->nfiles) {
        if (f->nfiles == FW_CFG_MAX_FILES)
            return -1;
        strcpy(f->names[i], name);
    }
    if (fw_cfg_add_bytes(f, (uint16_t)(FW_CFG_FILE_FIRST + i), data, len) < 0)
        return -1;
    if (i == f->nfiles)
        f->nfiles++;
    if (rebuild_dir(f) < 0)
        return -1;
    return FW_CFG_FILE_FIRST + i;
}

static uint32_t fw_read(void *opaque, uint16_t port, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (port == 0x510)
        return 0;  /* the selector is write-only */
    struct fw_cfg_item *it = item(f, f->selector);
    uint32_t v = 0;
    /* Wider reads return successive bytes, least significant first. */
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = 0;
        if (it && it->data && f->offset < it->len)
            b = it->data[f->offset];
        if (it && f->offset < it->len)
            f->offset++;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void fw_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (port == 0x510) {
        f->selector = (uint16_t)value;
        f->offset = 0;
    }
    /* Data writes (the legacy write channel) are ignored, as in QEMU 2.4+. */
}

static const struct io_ops fw_ops = {fw_read, fw_write};

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* Runs the descriptor at gpa; a guest's bad descriptor (not in RAM, a
 * transfer outside RAM, a write request) only sets the error bit. */
static void dma_run(struct fw_cfg *f, uint64_t gpa)
{
    uint8_t d[16];
    if (gmem_dma_read(f->mem, gpa, d, sizeof(d)) < 0)
        return;
    uint32_t control = get_be32(d), len = get_be32(d + 4);
    uint64_t addr = (uint64_t)get_be32(d + 8) << 32 | get_be32(d + 12);
    bool error = false;
    if (control & DMA_SELECT) {
        f->selector = (uint16_t)(control >> 16);
        f->offset = 0;
    }
    if (control & DMA_WRITE) {
        error = true;  /* no writable items */
    } else if (control & (DMA_READ | DMA_SKIP)) {
        struct fw_cfg_item *it = item(f, f->selector);
        uint32_t avail = it && it->data && f->offset < it->len ? it->len - f->offset : 0;
        uint32_t n = len < avail ? len : avail;
        if (control & DMA_READ) {
            static const uint8_t zeros[256];
            if (n && gmem_dma_write(f->mem, addr, it->data + f->offset, n) < 0)
                error = true;
            /* Past the end of the item the guest gets zeros. */
            for (uint32_t done = n; !error && done < len;) {
                uint32_t k = len - done < sizeof(zeros) ? len - done : (uint32_t)sizeof(zeros);
                if (gmem_dma_write(f->mem, addr + done, zeros, k) < 0)
                    error = true;
                done += k;
            }
        }
        if (!error)
            f->offset += n;
    }
    uint8_t st[4] = {0, 0, 0, error ? DMA_ERROR : 0};
    gmem_dma_write(f->mem, gpa, st, sizeof(st));
}

static uint32_t dma_io_read(void *opaque, uint16_t port, unsigned size)
{
    /* The register reads as the signature "QEMU CFG" (big-endian). */
    static const uint8_t sig[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
    unsigned off = port - 0x514u;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && off + i < 8; i++)
        v |= (uint32_t)sig[off + i] << (8 * i);
    return v;
}

static void dma_io_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct fw_cfg *f = opaque;
    if (size != 4)
        return;
    /* The value is big-endian in guest memory order: a little-endian OUT of
     * it arrives byte-swapped. */
    if (port == 0x514) {
        f->dma_high = bswap32(value);
    } else if (port == 0x518) {
        dma_run(f, (uint64_t)f->dma_high << 32 | bswap32(value));
        f->dma_high = 0;
    }
}

static const struct io_ops dma_ops = {dma_io_read, dma_io_write};

struct fw_cfg *fw_cfg_create(struct io_bus *io, struct guest_memory *mem)
{
    struct fw_cfg *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->mem = mem;
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    /* Bit 0: the traditional interface; bit 1: DMA. */
    fw_cfg_add_i32(f, FW_CFG_ID, mem ? 3 : 1);
    rebuild_dir(f);
    io_register(io, 0x510, 2, &fw_ops, f, "fw_cfg");
    if (mem)
        io_register(io, 0x514, 8, &dma_ops, f, "fw_cfg-dma");
    return f;
}

void fw_cfg_destroy(struct fw_cfg *f)
{
    if (!f)
        return;
    for (int i = 0; i < MAX_ITEMS; i++)
        free(f->items[i].data);
    for (int i = 0; i < ARCH_ITEMS; i++)
        free(f->arch[i].data);
    free(f);
}
