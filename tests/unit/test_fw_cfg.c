/* fw_cfg as SeaBIOS reads it: the signature, the feature bits, numbered
 * items, the file directory (big-endian, sorted) and reads past the end. */
#include "check.h"
#include "emu/hw/fw_cfg.h"
#include "emu/memory.h"

static struct io_bus *io;

static void rd(uint16_t key, uint8_t *buf, size_t n)
{
    io_write(io, 0x510, key, 2);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)io_read(io, 0x511, 1);
}

TEST(fw_cfg_signature_items_files)
{
    io = io_bus_create();
    struct fw_cfg *f = fw_cfg_create(io, NULL);
    uint8_t b[160];
    rd(FW_CFG_SIGNATURE, b, 4);
    CHECK(!memcmp(b, "QEMU", 4));
    rd(FW_CFG_ID, b, 4);
    CHECK_EQ_INT(b[0], 1);
    CHECK_EQ_INT(fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, 0x8000000), 0);
    rd(FW_CFG_RAM_SIZE, b, 8);
    CHECK_EQ_INT(b[3], 0x08);
    CHECK_EQ_INT(fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1), 0);
    CHECK_EQ_INT(fw_cfg_add_bytes(f, FW_CFG_E820_TABLE, "\x01\x02", 2), 0);
    rd(FW_CFG_E820_TABLE, b, 3);
    CHECK(b[0] == 1 && b[1] == 2 && b[2] == 0);  /* past the end reads 0 */
    int s1 = fw_cfg_add_file(f, "etc/zzz", "Z", 1);
    int s2 = fw_cfg_add_file(f, "bootorder", "/pci@i0cf8/ide@1,1/drive@0/disk@0\n", 35);
    CHECK_EQ_INT(s1, 0x20);
    CHECK_EQ_INT(s2, 0x21);
    CHECK_EQ_INT(fw_cfg_add_file(f, "etc/zzz", "ZZ", 2), 0x20);  /* replaced */
    rd(FW_CFG_FILE_DIR, b, 4 + 128);
    CHECK_EQ_INT(b[3], 2);
    /* Sorted: "bootorder" first. */
    CHECK_EQ_INT(b[4 + 3], 35);
    CHECK_EQ_INT(b[4 + 5], 0x21);
    CHECK_STR((char *)b + 4 + 8, "bootorder");
    CHECK_EQ_INT(b[68 + 3], 2);
    CHECK_EQ_INT(b[68 + 5], 0x20);
    CHECK_STR((char *)b + 68 + 8, "etc/zzz");
    rd(0x21, b, 5);
    CHECK(!memcmp(b, "/pci@", 5));
    /* A selector that exists nowhere reads zeros; so does a re-select. */
    rd(0x1ff, b, 2);
    CHECK(b[0] == 0 && b[1] == 0);
    char longname[80];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[79] = 0;
    CHECK_EQ_INT(fw_cfg_add_file(f, longname, "", 0), -1);
    fw_cfg_destroy(f);
    io_bus_destroy(io);
}

/* Writes a big-endian DMA descriptor at gpa and starts it as SeaBIOS does
 * (outl of the byte-swapped halves to 0x514 and 0x518). */
static void dma(struct guest_memory *mem, uint64_t gpa, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t d[16];
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    gmem_dma_write(mem, gpa, d, sizeof(d));
    io_write(io, 0x514, 0, 4);
    uint32_t lo = (uint32_t)gpa;
    io_write(io, 0x518, lo >> 24 | (lo >> 8 & 0xff00) | (lo << 8 & 0xff0000) | lo << 24, 4);
}

TEST(fw_cfg_dma)
{
    io = io_bus_create();
    struct guest_memory *mem = gmem_create(1u << 20, 1u << 20);
    struct fw_cfg *f = fw_cfg_create(io, mem);
    uint8_t *ram = gmem_ram(mem);
    uint8_t b[8];
    rd(FW_CFG_ID, b, 4);
    CHECK_EQ_INT(b[0], 3);  /* DMA offered */
    /* The DMA register reads as "QEMU CFG". */
    CHECK_EQ_INT(io_read(io, 0x514, 4), 0x554d4551);
    CHECK_EQ_INT(fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, "abcdef", 6), 0);
    /* select + read 4 bytes, then skip 1, then read 4 more: "ef" + zeros. */
    memset(ram + 0x2000, 0xff, 16);
    dma(mem, 0x1000, (uint32_t)FW_CFG_KERNEL_DATA << 16 | 0x0a, 4, 0x2000);
    CHECK(!memcmp(ram + 0x2000, "abcd", 4));
    CHECK(ram[0x1000] == 0 && ram[0x1003] == 0);   /* control cleared */
    dma(mem, 0x1000, 0x04, 0, 0);
    dma(mem, 0x1000, 0x02, 4, 0x2004);
    CHECK(!memcmp(ram + 0x2004, "ef\0\0", 4));
    CHECK_EQ_INT(ram[0x2008], 0xff);
    /* A transfer outside RAM or a write request: the error bit, no crash. */
    dma(mem, 0x1000, (uint32_t)FW_CFG_KERNEL_DATA << 16 | 0x0a, 6, 0xfffff000ull);
    CHECK_EQ_INT(ram[0x1003], 1);
    dma(mem, 0x1000, 0x10, 4, 0x2000);
    CHECK_EQ_INT(ram[0x1003], 1);
    /* A descriptor outside RAM is ignored. */
    io_write(io, 0x514, 0, 4);
    io_write(io, 0x518, 0xf0ffffff, 4);
    fw_cfg_destroy(f);
    gmem_destroy(mem);
    io_bus_destroy(io);
}
