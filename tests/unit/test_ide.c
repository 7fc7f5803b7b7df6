/* The PIIX3 IDE function's bus master DMA (emu/hw/ide.c, emu/hw/ide_bmdma.c):
 * BAR4 and its registers, READ/WRITE DMA (28- and 48-bit) through
 * multi-entry PRD tables in either order of Start and command, the tables
 * QEMU treats specially (shorter: no interrupt, Active clear; longer: Active
 * stays set), regions outside RAM (BMIS error), ATAPI READ(10)/READ CD with
 * DMA, IDENTIFY's DMA words and SET FEATURES 03h, a read-only disk, and the
 * garbage a guest may program (no end bit, Start without a command, a command
 * without Start, a reset in between). */
#include "check.h"
#include "emu/hw/ide.h"
#include "emu/hw/ide_bmdma.h"

#define RAM (4u << 20)
#define BM 0xc000u            /* where the tests put BAR4 */
#define DISK_BYTES (1u << 20)
#define CD_BLOCKS 64

static int fmap(void *c, uint64_t gpa, uint64_t len, const struct mmio_ops *o, void *op, const char *n)
{
    return 0;
}
static int from(void *c, uint64_t gpa, const void *d, uint64_t len) { return 0; }
static void funmap(void *c, uint64_t gpa, uint64_t len) {}
static const struct pci_mem_ops fake_mem = {fmap, from, funmap};

/* ---- an in-memory block device ---- */

struct memdisk {
    uint8_t *data;
    uint64_t size;
};

static int md_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    struct memdisk *m = ctx;
    if (off > m->size || len > m->size - off)
        return -1;
    memcpy(buf, m->data + off, len);
    return 0;
}

static int md_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
    struct memdisk *m = ctx;
    if (off > m->size || len > m->size - off)
        return -1;
    memcpy(m->data + off, buf, len);
    return 0;
}

static int md_write_ro(void *ctx, uint64_t off, const void *buf, size_t len) { return -1; }

static const struct blockdev_ops md_ops = {md_read, md_write, NULL, NULL};
static const struct blockdev_ops md_ro_ops = {md_read, md_write_ro, NULL, NULL};

static uint8_t pattern(uint64_t off, unsigned seed) { return (uint8_t)(off * 7 + (off >> 9) + seed); }

/* ---- the fixture ---- */

static int irq_level[16];
static void set_irq(void *c, int pin, int level) { irq_level[pin] = level; }

struct fx {
    struct io_bus *io;
    struct pci_bus *bus;
    struct guest_memory *mem;
    struct ide *ide;
    struct memdisk disk, cd;
    struct blockdev bdisk, bcd;
};

static void cfg_write(struct fx *f, int off, uint32_t v, unsigned size)
{
    io_write(f->io, 0xcf8, 0x80000000u | 1u << 11 | 1u << 8 | (off & 0xfc), 4);
    io_write(f->io, (uint16_t)(0xcfc + (off & 3)), v, size);
}

static uint32_t cfg_read(struct fx *f, int off, unsigned size)
{
    io_write(f->io, 0xcf8, 0x80000000u | 1u << 11 | 1u << 8 | (off & 0xfc), 4);
    return io_read(f->io, (uint16_t)(0xcfc + (off & 3)), size);
}

/* A disk on the primary master, a CD on the secondary master; BAR4 at BM
 * with I/O decode and bus mastering on, as SeaBIOS and Linux leave them. */
static void fx_init(struct fx *f, bool read_only_disk)
{
    memset(f, 0, sizeof(*f));
    memset(irq_level, 0, sizeof(irq_level));
    f->io = io_bus_create();
    f->bus = pci_bus_create(f->io, &fake_mem, NULL);
    f->mem = gmem_create(RAM, RAM);
    struct irq_line i14 = {set_irq, NULL, 14}, i15 = {set_irq, NULL, 15};
    f->ide = ide_create(f->bus, f->io, f->mem, i14, i15);
    f->disk.size = DISK_BYTES;
    f->disk.data = malloc(DISK_BYTES);
    for (uint64_t i = 0; i < DISK_BYTES; i++)
        f->disk.data[i] = pattern(i, 1);
    f->cd.size = CD_BLOCKS * 2048;
    f->cd.data = malloc(f->cd.size);
    for (uint64_t i = 0; i < f->cd.size; i++)
        f->cd.data[i] = pattern(i, 9);
    f->bdisk = (struct blockdev){read_only_disk ? &md_ro_ops : &md_ops, &f->disk, DISK_BYTES, read_only_disk};
    f->bcd = (struct blockdev){&md_ro_ops, &f->cd, f->cd.size, true};
    ide_attach(f->ide, 0, &f->bdisk, false);
    ide_attach(f->ide, 2, &f->bcd, true);
    cfg_write(f, 0x20, BM, 4);
    cfg_write(f, 0x04, 0x0005, 2);  /* I/O space, bus master */
}

static void fx_free(struct fx *f)
{
    ide_destroy(f->ide);
    pci_bus_destroy(f->bus);
    io_bus_destroy(f->io);
    gmem_destroy(f->mem);
    free(f->disk.data);
    free(f->cd.data);
}

static uint8_t *ram(struct fx *f) { return gmem_ram(f->mem); }

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A PRD table at table: n entries of (addr, count), the last with EOT
 * unless no_end. */
static void prd(struct fx *f, uint32_t table, int n, const uint32_t (*e)[2], bool no_end)
{
    for (int i = 0; i < n; i++) {
        put32(ram(f) + table + 8 * i, e[i][0]);
        put32(ram(f) + table + 8 * i + 4, (e[i][1] & 0xffff) | (i == n - 1 && !no_end ? 0x80000000u : 0));
    }
}

/* The driver's order (Linux libata-sff): table pointer, direction, clear
 * status, then the command, then Start. */
static void bm_setup(struct fx *f, int ch, uint32_t table, bool to_mem)
{
    uint16_t b = (uint16_t)(BM + 8 * ch);
    io_write(f->io, b + 4, table, 4);
    io_write(f->io, b, to_mem ? BM_CMD_TO_MEM : 0, 1);
    io_write(f->io, b + 2, BM_ST_ERROR | BM_ST_INTR, 1);
}

static void bm_start(struct fx *f, int ch, bool to_mem)
{
    io_write(f->io, (uint16_t)(BM + 8 * ch), BM_CMD_START | (to_mem ? BM_CMD_TO_MEM : 0), 1);
}

static uint8_t bmis(struct fx *f, int ch) { return (uint8_t)io_read(f->io, (uint16_t)(BM + 8 * ch + 2), 1); }

/* An LBA28 or LBA48 command to the primary master. */
static void ata_cmd(struct fx *f, uint8_t cmd, uint64_t lba, unsigned count, bool lba48)
{
    io_write(f->io, 0x1f6, 0xe0 | (lba48 ? 0 : (unsigned)(lba >> 24) & 0x0f), 1);
    if (lba48) {
        io_write(f->io, 0x1f2, count >> 8, 1);
        io_write(f->io, 0x1f3, (uint32_t)(lba >> 24), 1);
        io_write(f->io, 0x1f4, (uint32_t)(lba >> 32), 1);
        io_write(f->io, 0x1f5, (uint32_t)(lba >> 40), 1);
    }
    io_write(f->io, 0x1f2, count & 0xff, 1);
    io_write(f->io, 0x1f3, (uint32_t)lba & 0xff, 1);
    io_write(f->io, 0x1f4, (uint32_t)(lba >> 8) & 0xff, 1);
    io_write(f->io, 0x1f5, (uint32_t)(lba >> 16) & 0xff, 1);
    io_write(f->io, 0x1f7, cmd, 1);
}

static uint8_t alt_status(struct fx *f, uint16_t ctl) { return (uint8_t)io_read(f->io, ctl, 1); }

static bool disk_matches(struct fx *f, uint32_t gpa, uint64_t off, uint32_t len)
{
    return memcmp(ram(f) + gpa, f->disk.data + off, len) == 0;
}

/* ---- tests ---- */

TEST(bar4_and_registers)
{
    struct fx f;
    fx_init(&f, false);
    CHECK_EQ_INT(cfg_read(&f, 0x20, 4), BM | 1);
    CHECK_EQ_INT(cfg_read(&f, 0x0a, 2), 0x0101);    /* IDE controller */
    CHECK_EQ_INT(cfg_read(&f, 0x09, 1) & 0x80, 0x80); /* bus master capable */
    /* BMIDTP keeps dword alignment; BMIC keeps bits 0 and 3; BMIS bits 5/6 are software's. */
    io_write(f.io, BM + 4, 0x12345677, 4);
    CHECK_EQ_INT(io_read(f.io, BM + 4, 4), 0x12345674);
    io_write(f.io, BM + 8 + 4, 0xabcd, 2);
    CHECK_EQ_INT(io_read(f.io, BM + 8 + 4, 4), 0xabcc);
    io_write(f.io, BM, 0xf6, 1);
    CHECK_EQ_INT(io_read(f.io, BM, 1), 0x00);
    io_write(f.io, BM + 2, 0xff, 1);
    CHECK_EQ_INT(bmis(&f, 0), 0x60);
    /* Start with no command: Active, nothing else; Stop clears it. */
    io_write(f.io, BM, BM_CMD_START, 1);
    CHECK_EQ_INT(bmis(&f, 0), 0x61);
    CHECK_EQ_INT(irq_level[14], 0);
    io_write(f.io, BM, 0, 1);
    CHECK_EQ_INT(bmis(&f, 0), 0x60);
    /* No I/O decode: the registers are gone. */
    cfg_write(&f, 0x04, 0x0004, 2);
    CHECK_EQ_INT(io_read(f.io, BM + 2, 1), 0xff);
    fx_free(&f);
}

TEST(identify_dma_words_and_set_features)
{
    struct fx f;
    fx_init(&f, false);
    uint16_t id[256];
    io_write(f.io, 0x1f6, 0xa0, 1);
    io_write(f.io, 0x1f7, 0xec, 1);
    for (int i = 0; i < 256; i++)
        id[i] = (uint16_t)io_read(f.io, 0x1f0, 2);
    CHECK(id[49] & 0x0100);                          /* DMA supported */
    CHECK_EQ_INT(id[53] & 0x0006, 0x0006);           /* words 64-70 and 88 valid */
    CHECK_EQ_INT(id[63], 0x0007);                    /* MWDMA0-2 */
    CHECK_EQ_INT(id[88], 0x203f);                    /* UDMA0-5, UDMA5 selected (as QEMU) */
    /* SET FEATURES 03h: multiword DMA mode 2, as ata_piix picks on a PIIX3. */
    io_write(f.io, 0x1f1, 0x03, 1);
    io_write(f.io, 0x1f2, 0x22, 1);
    io_write(f.io, 0x1f7, 0xef, 1);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x50);
    io_write(f.io, 0x1f7, 0xec, 1);
    for (int i = 0; i < 256; i++)
        id[i] = (uint16_t)io_read(f.io, 0x1f0, 2);
    CHECK_EQ_INT(id[63], 0x0407);
    CHECK_EQ_INT(id[88], 0x003f);
    /* An unknown transfer mode kind aborts. */
    io_write(f.io, 0x1f1, 0x03, 1);
    io_write(f.io, 0x1f2, 0x30, 1);
    io_write(f.io, 0x1f7, 0xef, 1);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x41);
    CHECK_EQ_INT(io_read(f.io, 0x1f1, 1), 0x04);
    /* IDENTIFY PACKET DEVICE on the CD says DMA too. */
    io_write(f.io, 0x176, 0xa0, 1);
    io_write(f.io, 0x177, 0xa1, 1);
    for (int i = 0; i < 256; i++)
        id[i] = (uint16_t)io_read(f.io, 0x170, 2);
    CHECK(id[49] & 0x0100);
    CHECK_EQ_INT(id[63] & 0x07, 0x07);
    fx_free(&f);
}

TEST(dma_read_multi_entry_prd)
{
    struct fx f;
    fx_init(&f, false);
    /* 8 sectors at LBA 10 into four regions (the second crossing a page). */
    static const uint32_t e[4][2] = {{0x20000, 1024}, {0x30800, 2048}, {0x41000, 512}, {0x50000, 512}};
    memset(ram(&f) + 0x20000, 0xee, 0x40000);
    prd(&f, 0x10000, 4, e, false);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 10, 8, false);
    CHECK_EQ_INT(irq_level[14], 0);                  /* waits for Start */
    CHECK_EQ_INT(alt_status(&f, 0x3f6) & 0x08, 0x08);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_INTR);           /* done, Active clear */
    CHECK(disk_matches(&f, 0x20000, 10 * 512, 1024));
    CHECK(disk_matches(&f, 0x30800, 12 * 512, 2048));
    CHECK(disk_matches(&f, 0x41000, 16 * 512, 512));
    CHECK(disk_matches(&f, 0x50000, 17 * 512, 512));
    CHECK_EQ_INT(ram(&f)[0x20000 + 1024], 0xee);     /* nothing past the region */
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x50);
    CHECK_EQ_INT(irq_level[14], 0);
    CHECK_EQ_INT(io_read(f.io, 0x1f3, 1), 17);       /* the last sector's LBA */
    /* The driver stops the engine and acknowledges. */
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    io_write(f.io, BM + 2, BM_ST_INTR, 1);
    CHECK_EQ_INT(bmis(&f, 0), 0);
    fx_free(&f);
}

TEST(dma_write_lba48_start_first)
{
    struct fx f;
    fx_init(&f, false);
    static const uint32_t e[3][2] = {{0x60000, 2048}, {0x70000, 0x1000}, {0x80000, 2048}};
    for (uint32_t i = 0; i < 0x30000; i++)
        ram(&f)[0x60000 + i] = (uint8_t)(i * 13 + 5);
    prd(&f, 0x1000, 3, e, false);
    bm_setup(&f, 0, 0x1000, false);
    bm_start(&f, 0, false);                          /* Start before the command */
    ata_cmd(&f, 0x35, 100, 16, true);                /* WRITE DMA EXT, 8 KiB */
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_INTR);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x50);
    CHECK(memcmp(f.disk.data + 100 * 512, ram(&f) + 0x60000, 2048) == 0);
    CHECK(memcmp(f.disk.data + 104 * 512, ram(&f) + 0x70000, 4096) == 0);
    CHECK(memcmp(f.disk.data + 112 * 512, ram(&f) + 0x80000, 2048) == 0);
    CHECK_EQ_INT(f.disk.data[116 * 512], pattern(116 * 512, 1));
    /* READ DMA EXT reads it back through one 64 KiB entry (count 0). */
    static const uint32_t r[1][2] = {{0x100000, 0}};
    prd(&f, 0x1000, 1, r, false);
    io_write(f.io, BM, 0, 1);
    bm_setup(&f, 0, 0x1000, true);
    ata_cmd(&f, 0x25, 100, 16, true);
    bm_start(&f, 0, true);
    CHECK(memcmp(ram(&f) + 0x100000, f.disk.data + 100 * 512, 8192) == 0);
    /* The table is longer than the transfer: Active stays set (QEMU, datasheet). */
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_INTR | BM_ST_ACTIVE);
    fx_free(&f);
}

TEST(short_prd_table)
{
    struct fx f;
    fx_init(&f, false);
    /* 4 sectors wanted, 1 KiB described: QEMU moves nothing, clears Active
     * and raises no interrupt; the drive is not left busy. */
    static const uint32_t e[2][2] = {{0x20000, 512}, {0x30000, 512}};
    memset(ram(&f) + 0x20000, 0xee, 0x20000);
    prd(&f, 0x10000, 2, e, false);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 4, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(irq_level[14], 0);
    CHECK_EQ_INT(bmis(&f, 0), 0);
    CHECK_EQ_INT(ram(&f)[0x20000], 0xee);
    CHECK_EQ_INT(alt_status(&f, 0x3f6), 0x50);
    /* The channel takes the next command normally. */
    static const uint32_t ok[1][2] = {{0x20000, 2048}};
    prd(&f, 0x10000, 1, ok, false);
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 4, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK(disk_matches(&f, 0x20000, 0, 2048));
    fx_free(&f);
}

TEST(prd_outside_ram_and_no_bus_master)
{
    struct fx f;
    fx_init(&f, false);
    /* A region in the PCI hole: BMIS error, the command aborts with an interrupt. */
    static const uint32_t e[2][2] = {{0x20000, 1024}, {0xfebf0000u, 1024}};
    prd(&f, 0x10000, 2, e, false);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 4, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_ERROR | BM_ST_INTR);
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x41);
    CHECK_EQ_INT(io_read(f.io, 0x1f1, 1), 0x04);
    /* The table itself outside RAM. */
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 0, 0xfffff000u, true);
    ata_cmd(&f, 0xc8, 0, 1, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_ERROR | BM_ST_INTR);
    /* Bus mastering disabled in the command register. */
    static const uint32_t ok[1][2] = {{0x20000, 512}};
    prd(&f, 0x10000, 1, ok, false);
    cfg_write(&f, 0x04, 0x0001, 2);
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 0, 0x10000, true);
    memset(ram(&f) + 0x20000, 0xee, 512);
    ata_cmd(&f, 0xc8, 0, 1, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_ERROR | BM_ST_INTR);
    CHECK_EQ_INT(ram(&f)[0x20000], 0xee);
    fx_free(&f);
}

TEST(garbage_tables_and_orders)
{
    struct fx f;
    fx_init(&f, false);
    /* No end bit anywhere, 8-byte entries: the walk stops after one page
     * (512 entries, 4 KiB), short of the 8 KiB wanted. */
    for (int i = 0; i < 1024; i++) {
        put32(ram(&f) + 0x10000 + 8 * i, 0x20000 + 8 * (uint32_t)i);
        put32(ram(&f) + 0x10000 + 8 * i + 4, 8);
    }
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 16, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(bmis(&f, 0), 0);
    CHECK_EQ_INT(irq_level[14], 0);
    /* Odd byte counts drop bit 0 and addresses bit 0 (a 2-byte entry at 0x20001 is 0x20000). */
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    for (int i = 0; i < 256; i++) {
        put32(ram(&f) + 0x10000 + 8 * i, 0x20001 + 2 * (uint32_t)i);
        put32(ram(&f) + 0x10000 + 8 * i + 4, 3 | (i == 255 ? 0x80000000u : 0));
    }
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 3, 1, false);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK(disk_matches(&f, 0x20000, 3 * 512, 512));
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_INTR);
    (void)io_read(f.io, 0x1f7, 1);
    /* A command without Start, replaced by a PIO command: Start later moves nothing. */
    static const uint32_t e[1][2] = {{0x30000, 512}};
    prd(&f, 0x10000, 1, e, false);
    memset(ram(&f) + 0x30000, 0xee, 512);
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 1, false);
    ata_cmd(&f, 0x40, 0, 1, false);                  /* READ VERIFY */
    (void)io_read(f.io, 0x1f7, 1);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(ram(&f)[0x30000], 0xee);
    CHECK_EQ_INT(bmis(&f, 0), BM_ST_ACTIVE | BM_ST_INTR);
    /* A command, then a soft reset, then Start: nothing moves, the drive is idle. */
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 0, 0x10000, true);
    ata_cmd(&f, 0xc8, 0, 1, false);
    io_write(f.io, 0x3f6, 0x04, 1);
    io_write(f.io, 0x3f6, 0x00, 1);
    bm_start(&f, 0, true);
    CHECK_EQ_INT(ram(&f)[0x30000], 0xee);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x50);
    /* Start cleared before the command: the command waits for the next Start. */
    io_write(f.io, BM, BM_CMD_TO_MEM, 1);
    ata_cmd(&f, 0xc8, 0, 1, false);
    CHECK_EQ_INT(ram(&f)[0x30000], 0xee);
    bm_start(&f, 0, true);
    CHECK(disk_matches(&f, 0x30000, 0, 512));
    fx_free(&f);
}

TEST(read_only_disk_refuses_write_dma)
{
    struct fx f;
    fx_init(&f, true);
    static const uint32_t e[1][2] = {{0x20000, 1024}};
    memset(ram(&f) + 0x20000, 0x5a, 1024);
    prd(&f, 0x10000, 1, e, false);
    bm_setup(&f, 0, 0x10000, false);
    ata_cmd(&f, 0xca, 4, 2, false);
    bm_start(&f, 0, false);
    CHECK_EQ_INT(irq_level[14], 1);
    CHECK_EQ_INT(io_read(f.io, 0x1f7, 1), 0x41);
    CHECK_EQ_INT(io_read(f.io, 0x1f1, 1), 0x04);
    CHECK_EQ_INT(f.disk.data[4 * 512], pattern(4 * 512, 1));
    CHECK_EQ_INT(bmis(&f, 0) & BM_ST_ACTIVE, 0);
    fx_free(&f);
}

/* A PACKET command with the DMA feature bit and its 12-byte packet. */
static void atapi_dma_packet(struct fx *f, const uint8_t p[12])
{
    io_write(f->io, 0x176, 0xa0, 1);
    io_write(f->io, 0x171, 0x01, 1);
    io_write(f->io, 0x174, 0x00, 1);
    io_write(f->io, 0x175, 0x00, 1);
    io_write(f->io, 0x177, 0xa0, 1);
    for (int i = 0; i < 12; i += 2)
        io_write(f->io, 0x170, p[i] | p[i + 1] << 8, 2);
}

TEST(atapi_dma_read)
{
    struct fx f;
    fx_init(&f, false);
    /* Clear the power-on unit attention first (TEST UNIT READY, PIO). */
    io_write(f.io, 0x171, 0, 1);
    io_write(f.io, 0x177, 0xa0, 1);
    for (int i = 0; i < 12; i += 2)
        io_write(f.io, 0x170, 0, 2);
    (void)io_read(f.io, 0x177, 1);
    /* READ(10) of 3 blocks from LBA 5 into 2 KiB + 4 KiB. */
    static const uint32_t e[2][2] = {{0x20000, 2048}, {0x30000, 4096}};
    prd(&f, 0x10000, 2, e, false);
    bm_setup(&f, 1, 0x10000, true);
    static const uint8_t rd10[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 3, 0, 0, 0};
    atapi_dma_packet(&f, rd10);
    CHECK_EQ_INT(irq_level[15], 0);
    bm_start(&f, 1, true);
    CHECK_EQ_INT(irq_level[15], 1);
    CHECK_EQ_INT(bmis(&f, 1), BM_ST_INTR);
    CHECK(memcmp(ram(&f) + 0x20000, f.cd.data + 5 * 2048, 2048) == 0);
    CHECK(memcmp(ram(&f) + 0x30000, f.cd.data + 6 * 2048, 4096) == 0);
    CHECK_EQ_INT(io_read(f.io, 0x177, 1), 0x50);
    CHECK_EQ_INT(io_read(f.io, 0x172, 1), 3);        /* status phase */
    /* READ CD (user data) of 1 block, Start already set. */
    static const uint32_t e1[1][2] = {{0x40000, 2048}};
    prd(&f, 0x10000, 1, e1, false);
    io_write(f.io, BM + 8, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 1, 0x10000, true);
    bm_start(&f, 1, true);
    static const uint8_t rdcd[12] = {0xbe, 0, 0, 0, 0, 60, 0, 0, 1, 0x10, 0, 0};
    atapi_dma_packet(&f, rdcd);
    CHECK(memcmp(ram(&f) + 0x40000, f.cd.data + 60 * 2048, 2048) == 0);
    CHECK_EQ_INT(io_read(f.io, 0x177, 1), 0x50);
    /* A reply (INQUIRY) by DMA, and a short table for a read: no interrupt. */
    io_write(f.io, BM + 8, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 1, 0x10000, true);
    static const uint8_t inq[12] = {0x12, 0, 0, 0, 36, 0};
    atapi_dma_packet(&f, inq);
    bm_start(&f, 1, true);
    CHECK(memcmp(ram(&f) + 0x40000 + 8, "BAREMU  ", 8) == 0);
    (void)io_read(f.io, 0x177, 1);
    io_write(f.io, BM + 8, BM_CMD_TO_MEM, 1);
    bm_setup(&f, 1, 0x10000, true);
    atapi_dma_packet(&f, rd10);
    bm_start(&f, 1, true);
    CHECK_EQ_INT(irq_level[15], 0);
    CHECK_EQ_INT(bmis(&f, 1), 0);
    fx_free(&f);
}
