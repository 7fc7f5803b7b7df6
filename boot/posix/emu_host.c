/* The hosted build's implementation of emu/emu_host.h: character devices on
 * stdio (stdio_chr.c) or files, disk images as files (with an in-memory copy-on-write
 * overlay for -snapshot) and whole-file reads. */
#include "emu/emu_host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot/posix/stdio_chr.h"

/* ---- character devices ---- */

/* An output-only device: a file, or nothing (null, none). */
struct fd_chardev {
    struct chardev chr;
    int out_fd;
    bool close_out;
};

static size_t fd_write(void *ctx, const uint8_t *buf, size_t len)
{
    struct fd_chardev *c = ctx;
    if (c->out_fd < 0)
        return len;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(c->out_fd, buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  /* a closed pipe: the output is dropped, as on a cut line */
        done += (size_t)n;
    }
    return len;
}

static void fd_close(void *ctx)
{
    struct fd_chardev *c = ctx;
    if (c->close_out && c->out_fd >= 0)
        close(c->out_fd);
    free(c);
}

static const struct chardev_ops fd_ops = {fd_write, NULL, fd_close};

struct chardev *emu_host_chardev_open(const char *spec, char *err, size_t errlen)
{
    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"))
        return stdio_chr_open(spec[0] == 'm', err, errlen);
    struct fd_chardev *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->chr.ops = &fd_ops;
    c->chr.ctx = c;
    c->out_fd = -1;
    if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        /* drops output, never has input */
    } else if (!strncmp(spec, "file:", 5) && spec[5]) {
        c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (c->out_fd < 0) {
            snprintf(err, errlen, "cannot open '%s': %s", spec + 5, strerror(errno));
            free(c);
            return NULL;
        }
        c->close_out = true;
    } else {
        snprintf(err, errlen, "unsupported character device '%s' (stdio, mon:stdio, null, none, file:PATH)", spec);
        free(c);
        return NULL;
    }
    return &c->chr;
}

void emu_host_chardev_close(struct chardev *c)
{
    if (c && c->ops && c->ops->close)
        c->ops->close(c->ctx);
}

/* ---- block devices ---- */

#define CHUNK_SHIFT 16
#define CHUNK_SIZE (1u << CHUNK_SHIFT)

struct file_blockdev {
    struct blockdev b;
    int fd;
    bool snapshot;
    uint8_t **chunks;   /* snapshot overlay: NULL = still the file's data */
    size_t nchunks;
};

static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0) {
            memset(p, 0, len);  /* past the end of a short file: zeros */
            return 0;
        }
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

static int blk_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct file_blockdev *f = ctx;
    if (off > f->b.size || len > f->b.size - off)
        return -1;
    if (!f->snapshot)
        return pread_all(f->fd, buf, len, off);
    uint8_t *p = buf;
    while (len) {
        size_t ci = (size_t)(off >> CHUNK_SHIFT);
        size_t in = (size_t)(off & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in < len ? CHUNK_SIZE - in : len;
        if (f->chunks[ci])
            memcpy(p, f->chunks[ci] + in, n);
        else if (pread_all(f->fd, p, n, off) < 0)
            return -1;
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int blk_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    struct file_blockdev *f = ctx;
    if (f->b.read_only || off > f->b.size || len > f->b.size - off)
        return -1;
    if (!f->snapshot)
        return pwrite_all(f->fd, buf, len, off);
    const uint8_t *p = buf;
    while (len) {
        size_t ci = (size_t)(off >> CHUNK_SHIFT);
        size_t in = (size_t)(off & (CHUNK_SIZE - 1));
        size_t n = CHUNK_SIZE - in < len ? CHUNK_SIZE - in : len;
        if (!f->chunks[ci]) {
            uint8_t *c = malloc(CHUNK_SIZE);
            if (!c || pread_all(f->fd, c, CHUNK_SIZE, (uint64_t)ci << CHUNK_SHIFT) < 0) {
                free(c);
                return -1;
            }
            f->chunks[ci] = c;
        }
        memcpy(f->chunks[ci] + in, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

static int blk_flush(void *ctx)
{
    struct file_blockdev *f = ctx;
    if (f->snapshot || f->b.read_only)
        return 0;
    return fdatasync(f->fd);
}

static void blk_close(void *ctx)
{
    struct file_blockdev *f = ctx;
    if (f->chunks) {
        for (size_t i = 0; i < f->nchunks; i++)
            free(f->chunks[i]);
        free(f->chunks);
    }
    close(f->fd);
    free(f);
}

static const struct blockdev_ops blk_ops = {blk_read, blk_write, blk_flush, blk_close};

struct blockdev *emu_host_block_open(const char *path, bool read_only, bool snapshot,
                                     char *err, size_t errlen)
{
    /* A snapshot never writes the file, so it is opened read-only too. */
    int fd = open(path, (read_only || snapshot ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open disk image '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "disk image '%s' is not a regular file", path);
        close(fd);
        return NULL;
    }
    struct file_blockdev *f = calloc(1, sizeof(*f));
    if (!f) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->fd = fd;
    f->snapshot = snapshot && !read_only;
    f->b.ops = &blk_ops;
    f->b.ctx = f;
    f->b.size = (uint64_t)st.st_size;
    f->b.read_only = read_only;
    if (f->snapshot) {
        f->nchunks = (size_t)((f->b.size + CHUNK_SIZE - 1) >> CHUNK_SHIFT);
        f->chunks = calloc(f->nchunks ? f->nchunks : 1, sizeof(*f->chunks));
        if (!f->chunks) {
            blk_close(f);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
    }
    return &f->b;
}

void emu_host_block_close(struct blockdev *b)
{
    if (b && b->ops && b->ops->close)
        b->ops->close(b->ctx);
}

/* ---- files ---- */

void *emu_host_read_file(const char *path, size_t max_len, size_t *len_out, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", path);
        fclose(fp);
        return NULL;
    }
    if ((uint64_t)st.st_size > max_len) {
        snprintf(err, errlen, "'%s' is too large (%lld bytes, at most %zu)", path,
                 (long long)st.st_size, max_len);
        fclose(fp);
        return NULL;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, fp) != len) {
        snprintf(err, errlen, "cannot read '%s'", path);
        free(buf);
        fclose(fp);
        return NULL;
    }
    fclose(fp);
    *len_out = len;
    return buf;
}

/* The translator's code cache: an anonymous mapping that may be executed. */
void *emu_host_code_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void emu_host_code_free(void *mem, size_t size)
{
    if (mem)
        munmap(mem, size);
}
