/* The bare-metal kernel's implementation of emu/emu_host.h: character devices
 * on the kernel consoles (COM1 and the screen), disk images and firmware read
 * from the files efi_main loaded from the boot volume's \baremu\ folder. The
 * boot volume is not reachable after ExitBootServices, so a writable disk
 * keeps its writes in a copy-on-write overlay in memory (lost at power-off,
 * as with QEMU's -snapshot); the log says so once per disk. Console input
 * comes through the appliance (kernel/appliance.c), which keeps its escape
 * keys (Ctrl-A ...) for itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "emu/emu_host.h"
#include "kernel/appliance.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/mm.h"

/* ---- character devices ---- */

static size_t console_chr_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    static int said;
    if (!said && len) {
        /* For make bench: when the guest is first heard of. */
        said = 1;
        uint64_t t = plat_now_ns();
        LOGI("guest", "first guest output on the console %lu.%03lu ms after efi_main",
             (unsigned long)(t / 1000000u), (unsigned long)(t / 1000u % 1000u));
    }
    console_write((const char *)buf, len);
    return len;
}

static size_t console_chr_read(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    size_t n = 0;
    while (n < len) {
        int c = appliance_console_getc();
        if (c < 0)
            break;
        buf[n++] = (uint8_t)c;
    }
    return n;
}

static void static_chr_close(void *ctx)
{
    (void)ctx;
}

static const struct chardev_ops console_chr_ops = {console_chr_write, console_chr_read, static_chr_close};
static const struct chardev_ops null_chr_ops = {NULL, NULL, static_chr_close};

struct chardev *emu_host_chardev_open(const char *spec, char *err, size_t errlen)
{
    static struct chardev console_chr = {&console_chr_ops, NULL};
    static struct chardev null_chr = {&null_chr_ops, NULL};
    /* The appliance console already shares the line with its monitor
     * (Ctrl-A c), so mon:stdio is the same device there. */
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"))
        return &console_chr;
    if (!strcmp(spec, "null") || !strcmp(spec, "none"))
        return &null_chr;
    snprintf(err, errlen, "character device '%s' is not available on the appliance "
             "(stdio or mon:stdio = the appliance console, null, none)", spec);
    return NULL;
}

void emu_host_chardev_close(struct chardev *c)
{
    if (c && c->ops && c->ops->close)
        c->ops->close(c->ctx);
}

/* ---- block devices ---- */

#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)

struct mem_blockdev {
    struct blockdev b;
    const uint8_t *data;   /* the boot file, never written */
    uint8_t **chunks;      /* overlay: NULL = still the boot file's bytes */
    size_t nchunks;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct mem_blockdev *d = ctx;
    if (off > d->b.size || len > d->b.size - off)
        return -1;
    uint8_t *p = buf;
    while (len) {
        size_t ci = (size_t)(off >> CHUNK_SHIFT);
        size_t in = (size_t)(off & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in < len ? CHUNK_SIZE - in : len;
        memcpy(p, d->chunks && d->chunks[ci] ? d->chunks[ci] + in : d->data + off, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int mem_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    struct mem_blockdev *d = ctx;
    if (d->b.read_only || off > d->b.size || len > d->b.size - off)
        return -1;
    const uint8_t *p = buf;
    while (len) {
        size_t ci = (size_t)(off >> CHUNK_SHIFT);
        size_t in = (size_t)(off & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in < len ? CHUNK_SIZE - in : len;
        if (!d->chunks[ci]) {
            uint64_t base = (uint64_t)ci << CHUNK_SHIFT;
            size_t have = d->b.size - base < CHUNK_SIZE ? (size_t)(d->b.size - base) : CHUNK_SIZE;
            uint8_t *c = calloc(1, CHUNK_SIZE);
            if (!c)
                return -1;  /* out of memory: the guest sees a write error */
            memcpy(c, d->data + base, have);
            d->chunks[ci] = c;
        }
        memcpy(d->chunks[ci] + in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int mem_flush(void *ctx)
{
    (void)ctx;
    return 0;
}

static void mem_close(void *ctx)
{
    struct mem_blockdev *d = ctx;
    if (d->chunks) {
        for (size_t i = 0; i < d->nchunks; i++)
            free(d->chunks[i]);
        free(d->chunks);
    }
    free(d);
}

static const struct blockdev_ops mem_ops = {mem_read, mem_write, mem_flush, mem_close};

struct blockdev *emu_host_block_open(const char *path, bool read_only, bool snapshot,
                                     char *err, size_t errlen)
{
    const struct boot_file *f = boot_file_by_path(path);
    if (!f) {
        snprintf(err, errlen, "disk image '%s' is not among the files loaded from \\baremu\\", path);
        return NULL;
    }
    struct mem_blockdev *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->data = f->data;
    d->b.ops = &mem_ops;
    d->b.ctx = d;
    d->b.size = f->size;
    d->b.read_only = read_only;
    if (!read_only) {
        d->nchunks = (size_t)((f->size + CHUNK_SIZE - 1) >> CHUNK_SHIFT);
        d->chunks = calloc(d->nchunks ? d->nchunks : 1, sizeof(*d->chunks));
        if (!d->chunks) {
            free(d);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        if (!snapshot)
            LOGW("disk", "%s: writes are kept in memory and lost at power-off "
                 "(the boot volume is read-only to the appliance)", path);
    }
    return &d->b;
}

void emu_host_block_close(struct blockdev *b)
{
    if (b && b->ops && b->ops->close)
        b->ops->close(b->ctx);
}

/* ---- files ---- */

void *emu_host_read_file(const char *path, size_t max_len, size_t *len_out, char *err, size_t errlen)
{
    const struct boot_file *f = boot_file_by_path(path);
    if (!f) {
        snprintf(err, errlen, "'%s' is not among the files loaded from \\baremu\\", path);
        return NULL;
    }
    if (f->size > max_len) {
        snprintf(err, errlen, "'%s' is too large (%llu bytes, at most %zu)", path,
                 (unsigned long long)f->size, max_len);
        return NULL;
    }
    uint8_t *buf = malloc(f->size ? f->size : 1);
    if (!buf) {
        snprintf(err, errlen, "out of memory reading '%s'", path);
        return NULL;
    }
    memcpy(buf, f->data, f->size);
    *len_out = f->size;
    return buf;
}

/* The translator's code cache: whole pages. The kernel's page tables map
 * all RAM without the NX bit (kernel/paging.c), so they may be executed. */
void *emu_host_code_alloc(size_t size)
{
    return pmm_alloc((size + PAGE_SIZE - 1) / PAGE_SIZE, 0);
}

void emu_host_code_free(void *mem, size_t size)
{
    if (mem)
        pmm_free(mem, (size + PAGE_SIZE - 1) / PAGE_SIZE);
}
