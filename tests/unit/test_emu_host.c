/* The hosted disk images: read-write writes reach the file, -snapshot and
 * read-only never touch it, out-of-range requests fail cleanly; whole-file
 * reads honour their size limit; character device specs are checked. */
#include "check.h"
#include "emu/emu_host.h"

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/baremu-blk-XXXXXX";

static void make_image(void)
{
    int fd = mkstemp(path);
    uint8_t buf[200000];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)i;
    CHECK(write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf));
    close(fd);
}

static uint8_t file_byte(uint64_t off)
{
    FILE *f = fopen(path, "rb");
    fseek(f, (long)off, SEEK_SET);
    int c = fgetc(f);
    fclose(f);
    return (uint8_t)c;
}

TEST(block_snapshot_keeps_file)
{
    char err[256];
    make_image();
    struct blockdev *b = emu_host_block_open(path, false, true, err, sizeof(err));
    CHECK(b && b->size == 200000);
    uint8_t w[1000], r[1000];
    memset(w, 0xee, sizeof(w));
    CHECK_EQ_INT(b->ops->write(b->ctx, 65000, w, sizeof(w)), 0);  /* spans two chunks */
    CHECK_EQ_INT(b->ops->read(b->ctx, 64990, r, 20), 0);
    CHECK_EQ_INT(r[0], (uint8_t)64990);
    CHECK_EQ_INT(r[10], 0xee);
    CHECK_EQ_INT(b->ops->read(b->ctx, 199990, r, 10), 0);
    CHECK_EQ_INT(b->ops->read(b->ctx, 199990, r, 11), -1);        /* past the end */
    CHECK_EQ_INT(b->ops->write(b->ctx, UINT64_MAX - 5, w, 10), -1);
    emu_host_block_close(b);
    CHECK_EQ_INT(file_byte(65000), (uint8_t)65000);

    b = emu_host_block_open(path, true, false, err, sizeof(err));
    CHECK(b && b->read_only);
    CHECK_EQ_INT(b->ops->write(b->ctx, 0, w, 10), -1);
    emu_host_block_close(b);
    CHECK_EQ_INT(file_byte(0), 0);

    b = emu_host_block_open(path, false, false, err, sizeof(err));
    CHECK_EQ_INT(b->ops->write(b->ctx, 10, w, 10), 0);
    CHECK_EQ_INT(b->ops->flush(b->ctx), 0);
    emu_host_block_close(b);
    CHECK_EQ_INT(file_byte(10), 0xee);

    size_t len;
    void *data = emu_host_read_file(path, 1000, &len, err, sizeof(err));
    CHECK(!data && strstr(err, "too large"));
    data = emu_host_read_file(path, 1 << 20, &len, err, sizeof(err));
    CHECK(data && len == 200000);
    free(data);
    unlink(path);
    CHECK(!emu_host_block_open(path, false, false, err, sizeof(err)));
    CHECK(strstr(err, "cannot open"));
}

TEST(chardev_specs)
{
    char err[256];
    struct chardev *c = emu_host_chardev_open("null", err, sizeof(err));
    CHECK(c);
    CHECK_EQ_INT(chardev_write(c, (const uint8_t *)"x", 1), 1);
    emu_host_chardev_close(c);
    CHECK(!emu_host_chardev_open("tcp:1.2.3.4:5", err, sizeof(err)));
    CHECK(strstr(err, "unsupported"));
}
