/* QEMU's fw_cfg, the traditional (non-DMA) I/O interface; follows QEMU's
 * docs/specs/fw_cfg.rst: writing a selector rewinds its item, each data read
 * returns the next byte (0 past the end), the directory (item 0x19) is a
 * big-endian count then 64-byte entries {be32 size, be16 select, be16
 * reserved, char name[56]} sorted by name. */
#include "emu/hw/fw_cfg.h"

#include <stdlib.h>
#include <string.h>

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

struct fw_cfg *fw_cfg_create(struct io_bus *io)
{
    struct fw_cfg *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(f, FW_CFG_ID, 1);  /* traditional interface only, no DMA */
    rebuild_dir(f);
    io_register(io, 0x510, 2, &fw_ops, f, "fw_cfg");
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
