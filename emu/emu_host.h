/* The emulator's extra platform interface, beside include/baremu/platform.h:
 * what the PC's devices need from the host. Character devices (serial ports,
 * the debug console), block devices (IDE disks and CD-ROMs) and reading whole
 * files (firmware, kernels). The hosted build implements it in
 * boot/posix/emu_host.c, the bare-metal kernel in its own file. */
#ifndef BAREMU_EMU_HOST_H
#define BAREMU_EMU_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte stream to and from the outside (stdio, a file, a socket). Neither
 * call blocks: write may take fewer bytes than given (the rest is dropped by
 * the UART, as a real line would), read returns 0 when nothing is waiting. */
struct chardev_ops {
    size_t (*write)(void *ctx, const uint8_t *buf, size_t len);
    size_t (*read)(void *ctx, uint8_t *buf, size_t len);
    void (*close)(void *ctx);
};

struct chardev {
    const struct chardev_ops *ops;
    void *ctx;
};

static inline size_t chardev_write(const struct chardev *c, const uint8_t *buf, size_t len)
{
    return c && c->ops && c->ops->write ? c->ops->write(c->ctx, buf, len) : len;
}

static inline size_t chardev_read(const struct chardev *c, uint8_t *buf, size_t len)
{
    return c && c->ops && c->ops->read ? c->ops->read(c->ctx, buf, len) : 0;
}

/* Opens a character device from a QEMU-style spec: "stdio", "null", "none",
 * "file:PATH". Returns NULL with a message in err on a bad spec. "none"
 * returns a device that drops everything. */
struct chardev *emu_host_chardev_open(const char *spec, char *err, size_t errlen);
void emu_host_chardev_close(struct chardev *c);

/* A disk or CD image, addressed in bytes. Reads and writes are whole and
 * synchronous; they return 0, or -1 on an I/O error (the device reports it to
 * the guest as a media error). */
struct blockdev_ops {
    int (*read)(void *ctx, uint64_t offset, void *buf, size_t len);
    int (*write)(void *ctx, uint64_t offset, const void *buf, size_t len);
    int (*flush)(void *ctx);
    void (*close)(void *ctx);
};

struct blockdev {
    const struct blockdev_ops *ops;
    void *ctx;
    uint64_t size;        /* bytes */
    bool read_only;       /* writes fail (a CD-ROM, readonly=on) */
};

/* Opens an image. snapshot keeps the file untouched: writes go to memory and
 * are lost at exit (-snapshot). read_only opens it O_RDONLY. */
struct blockdev *emu_host_block_open(const char *path, bool read_only, bool snapshot,
                                     char *err, size_t errlen);
void emu_host_block_close(struct blockdev *b);

/* Reads a whole file (firmware, kernel, initrd) into a malloc'd buffer; NULL
 * with a message in err when it cannot be read or is larger than max_len. */
void *emu_host_read_file(const char *path, size_t max_len, size_t *len_out,
                         char *err, size_t errlen);

#endif
