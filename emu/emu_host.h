/* The emulator's extra platform interface, beside include/baremu/platform.h:
 * what the PC's devices need from the host. Character devices (serial ports,
 * the debug console), block devices (IDE disks and CD-ROMs), the display and
 * input (the VGA's picture, keyboard and mouse) and reading whole files
 * (firmware, kernels). The hosted build implements it in
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

/* Opens a character device from a QEMU-style spec: "stdio", "mon:stdio"
 * (the monitor shares it, as with QEMU's -nographic), "null", "none",
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

/* The display and the keyboard/mouse: the video card describes the screen
 * (struct display_state), the machine hands it to the host's display and
 * the host hands back input events (struct display_ops). */
enum display_kind {
    DISPLAY_BLANK,        /* nothing to show (off, or a mode not rendered) */
    DISPLAY_TEXT,         /* cols x rows cells of {CP437 character, attribute} */
    DISPLAY_GRAPHICS,     /* width x height pixels of bpp bits, stride bytes a line */
};

struct display_state {
    enum display_kind kind;
    /* DISPLAY_TEXT: the attribute byte as stored (bits 0-3 foreground, 4-6
     * background, 7 blink); palette[0..15] are those 16 colours as RGB
     * through the attribute controller and the DAC. */
    const uint8_t *cells;                /* cols * rows * 2 bytes */
    unsigned cols, rows;
    unsigned cursor_col, cursor_row;
    bool cursor_visible;
    /* DISPLAY_GRAPHICS: bpp 8 (indices into palette), 15, 16 (RGB 5:5:5 /
     * 5:6:5), 24 or 32 (B, G, R[, X] bytes). */
    const uint8_t *pixels;
    unsigned width, height, bpp, stride;
    const uint32_t *palette;             /* 256 entries 0x00RRGGBB */
};

/* Input from the host: a key as its scan code set 1 make code (0xE0-prefixed
 * keys as 0xE000 | code), or relative mouse motion and buttons. */
struct input_event {
    enum { INPUT_KEY, INPUT_MOUSE } type;
    uint16_t code;
    bool down;
    int dx, dy;           /* right, up */
    unsigned buttons;     /* bit 0 left, 1 right, 2 middle */
};

/* A host's display and input devices, given to the machine with
 * machine_set_display() (emu/machine.h). A host without one (the hosted
 * build's -display none and -nographic) attaches nothing: the VGA still runs,
 * nobody looks at it. update() is called about 30 times a second with the
 * current screen; input_poll() takes up to max pending events. */
struct display_ops {
    void (*update)(void *ctx, const struct display_state *s);
    size_t (*input_poll)(void *ctx, struct input_event *ev, size_t max);
};

/* Reads a whole file (firmware, kernel, initrd) into a malloc'd buffer; NULL
 * with a message in err when it cannot be read or is larger than max_len. */
/* Memory the CPU writes host code into and runs (the translator's code
 * cache, emu/cpu/jit_x64.c): readable, writable and executable, SIZE bytes.
 * NULL if the host gives none; the CPU then interprets only. */
void *emu_host_code_alloc(size_t size);
void emu_host_code_free(void *mem, size_t size);

void *emu_host_read_file(const char *path, size_t max_len, size_t *len_out,
                         char *err, size_t errlen);

#endif
