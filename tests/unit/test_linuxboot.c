/* Direct kernel boot: a minimal bzImage header is accepted and patched as
 * the boot protocol asks (loader type, heap, command line, initrd placed
 * high and page-aligned below initrd_addr_max), the ROM is a valid option
 * ROM with a PnP boot entry vector, bootorder names it, and bad kernels or
 * too little RAM give clear errors. */
#include "check.h"
#include "emu/hw/linuxboot.h"

static struct io_bus *io;

static uint32_t rd32(uint16_t key)
{
    io_write(io, 0x510, key, 2);
    return io_read(io, 0x511, 4);
}

static void rdn(uint16_t key, uint8_t *buf, size_t n)
{
    io_write(io, 0x510, key, 2);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)io_read(io, 0x511, 1);
}

/* The file directory's selector for name, or -1. */
static int find_file(const char *name)
{
    uint8_t d[4 + 64 * 8];
    rdn(FW_CFG_FILE_DIR, d, sizeof(d));
    for (unsigned i = 0; i < d[3] && i < 8; i++)
        if (!strcmp((char *)d + 4 + 64 * i + 8, name))
            return d[4 + 64 * i + 4] << 8 | d[4 + 64 * i + 5];
    return -1;
}

static uint8_t *fake_kernel(size_t len, unsigned version, uint32_t initrd_max)
{
    uint8_t *k = calloc(1, len);
    k[0x1f1] = 3;                        /* 4 sectors with the boot sector */
    memcpy(k + 0x202, "HdrS", 4);
    k[0x206] = (uint8_t)version;
    k[0x207] = (uint8_t)(version >> 8);
    k[0x211] = 0x01;                     /* LOADED_HIGH */
    memcpy(k + 0x22c, &initrd_max, 4);
    uint32_t cmd_max = 2047;
    memcpy(k + 0x238, &cmd_max, 4);
    for (size_t i = 2048; i < len; i++)
        k[i] = (uint8_t)i;
    return k;
}

TEST(linuxboot_items_and_rom)
{
    io = io_bus_create();
    struct fw_cfg *f = fw_cfg_create(io, NULL);
    uint8_t *k = fake_kernel(8192, 0x20f, 0x7fffffff);
    uint8_t initrd[5000];
    memset(initrd, 0xab, sizeof(initrd));
    char err[200];
    CHECK_EQ_INT(linuxboot_setup(f, k, 8192, initrd, sizeof(initrd), "console=ttyS0", 64u << 20, err,
                                 sizeof(err)), 0);
    CHECK_EQ_INT(rd32(FW_CFG_SETUP_SIZE), 2048);
    CHECK_EQ_INT(rd32(FW_CFG_KERNEL_SIZE), 8192 - 2048);
    CHECK_EQ_INT(rd32(FW_CFG_KERNEL_ADDR), 0x100000);
    /* The initrd: page-aligned, ending at most 1 MiB below the RAM top. */
    uint32_t ia = rd32(FW_CFG_INITRD_ADDR);
    CHECK_EQ_INT(ia, ((63u << 20) - 5000) & ~0xfffu);
    CHECK_EQ_INT(rd32(FW_CFG_INITRD_SIZE), 5000);
    uint8_t s[2048];
    rdn(FW_CFG_SETUP_DATA, s, sizeof(s));
    CHECK_EQ_INT(s[0x210], 0xff);
    CHECK_EQ_INT(s[0x211], 0x81);       /* CAN_USE_HEAP added */
    CHECK_EQ_INT(s[0x224] | s[0x225] << 8, 0xfe00);
    CHECK_EQ_INT(s[0x228] | s[0x229] << 8 | s[0x22a] << 16, 0x20000);
    uint32_t ri;
    memcpy(&ri, s + 0x218, 4);
    CHECK_EQ_INT(ri, ia);
    char cmd[20];
    rdn(FW_CFG_CMDLINE_DATA, (uint8_t *)cmd, 14);
    CHECK_STR(cmd, "console=ttyS0");
    uint8_t kd[4];
    rdn(FW_CFG_KERNEL_DATA, kd, 4);
    CHECK(kd[0] == 0x00 && kd[1] == 0x01);  /* byte 2048 of the file */
    /* The ROM: signature, size, checksums, PnP header with a BEV. */
    int sel = find_file(LINUXBOOT_ROM_NAME);
    CHECK(sel >= 0x20);
    uint8_t rom[LINUXBOOT_ROM_SIZE];
    rdn((uint16_t)sel, rom, sizeof(rom));
    CHECK(rom[0] == 0x55 && rom[1] == 0xaa && rom[2] == 1);
    uint8_t sum = 0;
    for (size_t i = 0; i < sizeof(rom); i++)
        sum = (uint8_t)(sum + rom[i]);
    CHECK_EQ_INT(sum, 0);
    const uint8_t *pnp = rom + rom[0x1a];
    CHECK(!memcmp(pnp, "$PnP", 4));
    sum = 0;
    for (int i = 0; i < 32; i++)
        sum = (uint8_t)(sum + pnp[i]);
    CHECK_EQ_INT(sum, 0);
    uint16_t bev = pnp[0x1a] | pnp[0x1b] << 8;
    CHECK_EQ_INT(rom[bev], 0xfa);       /* cli */
    int bo = find_file("bootorder");
    CHECK(bo >= 0x20);
    char order[64] = {0};
    rdn((uint16_t)bo, (uint8_t *)order, 40);
    CHECK(!strncmp(order, "/rom@genroms/baremu-linuxboot.bin\n", 34));
    fw_cfg_destroy(f);
    free(k);
    io_bus_destroy(io);
}

TEST(linuxboot_limits)
{
    io = io_bus_create();
    struct fw_cfg *f = fw_cfg_create(io, NULL);
    char err[200];
    uint8_t junk[4096] = {0};
    CHECK_EQ_INT(linuxboot_setup(f, junk, sizeof(junk), NULL, 0, NULL, 64u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "not a Linux bzImage") != NULL);
    uint8_t *k = fake_kernel(8192, 0x201, 0x7fffffff);
    CHECK_EQ_INT(linuxboot_setup(f, k, 8192, NULL, 0, NULL, 64u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "protocol 2.01") != NULL);
    free(k);
    /* initrd_addr_max bounds the initrd below the RAM top. */
    k = fake_kernel(8192, 0x20f, 0x1fffffff);
    static uint8_t initrd[8192];
    CHECK_EQ_INT(linuxboot_setup(f, k, 8192, initrd, sizeof(initrd), "", 1024u << 20, err, sizeof(err)), 0);
    CHECK_EQ_INT(rd32(FW_CFG_INITRD_ADDR), 0x20000000 - 8192);
    /* Too little RAM for the initrd above the kernel. */
    CHECK_EQ_INT(linuxboot_setup(f, k, 8192, initrd, sizeof(initrd), "", 1u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "not enough RAM") != NULL);
    /* A command line longer than cmdline_size. */
    char longcmd[3000];
    memset(longcmd, 'a', sizeof(longcmd) - 1);
    longcmd[sizeof(longcmd) - 1] = 0;
    CHECK_EQ_INT(linuxboot_setup(f, k, 8192, NULL, 0, longcmd, 64u << 20, err, sizeof(err)), -1);
    CHECK(strstr(err, "-append") != NULL);
    free(k);
    fw_cfg_destroy(f);
    io_bus_destroy(io);
}
