/* Direct Linux kernel boot through fw_cfg and an option ROM of our own;
 * follows the Linux x86 boot protocol (Documentation/arch/x86/boot.rst: the
 * real-mode kernel header at 0x1F1, "Loading the rest of the kernel",
 * "Running the kernel") for a bzImage of protocol 2.02 or later, the PCI
 * Firmware / BIOS Boot Specification 1.01 for the ROM's PnP expansion header
 * and its boot entry vector, and QEMU's docs/specs/fw_cfg.rst for the DMA
 * descriptors. */
#include "emu/hw/linuxboot.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Setup header offsets (boot.rst, "The Real-Mode Kernel Header"). */
#define HDR_SETUP_SECTS  0x1f1
#define HDR_MAGIC        0x202   /* "HdrS" */
#define HDR_VERSION      0x206
#define HDR_LOADER_TYPE  0x210
#define HDR_LOADFLAGS    0x211
#define HDR_RAMDISK      0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END     0x224
#define HDR_CMDLINE_PTR  0x228
#define HDR_INITRD_MAX   0x22c
#define HDR_CMDLINE_SIZE 0x238
#define HDR_INIT_SIZE    0x260

#define LOADED_HIGH  0x01
#define CAN_USE_HEAP 0x80

/* The descriptors the ROM copies to low memory and hands to fw_cfg DMA. */
#define ROM_DESC_OFFSET 0xb0
#define ROM_DESCS 4

/* The boot entry vector: copy the four fw_cfg DMA descriptors to 0:6F00
 * (the ROM itself is write-protected by then and the device writes the
 * status back), start each one (the address register takes big-endian
 * halves: high at 0x514, low at 0x518), wait until its control word is 0
 * and stop on the error bit; then enter the setup code at 1020:0000 with
 * every segment at 0x1000 and the stack at the top of that segment. On an
 * error it gives up with INT 18h so the BIOS tries the next boot device.
 * Assembled by hand from the listing in the comments (offsets in the ROM). */
static const uint8_t bev_code[] = {
    0xfa,                               /* 4d: cli */
    0xfc,                               /* 4e: cld */
    0x31, 0xc0,                         /* 4f: xor ax, ax */
    0x8e, 0xc0,                         /* 51: mov es, ax */
    0x0e,                               /* 53: push cs */
    0x1f,                               /* 54: pop ds */
    0xbe, ROM_DESC_OFFSET, 0x00,        /* 55: mov si, desc */
    0xbf, 0x00, 0x6f,                   /* 58: mov di, 0x6f00 */
    0xb9, ROM_DESCS * 8, 0x00,          /* 5b: mov cx, 32 (words) */
    0xf3, 0xa5,                         /* 5e: rep movsw */
    0x8e, 0xd8,                         /* 60: mov ds, ax */
    0xbb, 0x00, 0x6f,                   /* 62: mov bx, 0x6f00 */
    0xb9, ROM_DESCS, 0x00,              /* 65: mov cx, 4 */
    0xba, 0x14, 0x05,                   /* 68: next: mov dx, 0x514 */
    0x66, 0x31, 0xc0,                   /* 6b: xor eax, eax */
    0x66, 0xef,                         /* 6e: out dx, eax */
    0xba, 0x18, 0x05,                   /* 70: mov dx, 0x518 */
    0x66, 0x0f, 0xb7, 0xc3,             /* 73: movzx eax, bx */
    0x66, 0x0f, 0xc8,                   /* 77: bswap eax */
    0x66, 0xef,                         /* 7a: out dx, eax */
    0x66, 0x8b, 0x07,                   /* 7c: poll: mov eax, [bx] */
    0x66, 0x0f, 0xc8,                   /* 7f: bswap eax */
    0x66, 0xa9, 0xfe, 0xff, 0xff, 0xff, /* 82: test eax, 0xfffffffe */
    0x75, 0xf2,                         /* 88: jnz poll */
    0xa8, 0x01,                         /* 8a: test al, 1 (error) */
    0x75, 0x1a,                         /* 8c: jnz fail */
    0x83, 0xc3, 0x10,                   /* 8e: add bx, 16 */
    0xe2, 0xd5,                         /* 91: loop next */
    0xb8, 0x00, 0x10,                   /* 93: mov ax, 0x1000 */
    0x8e, 0xd8,                         /* 96: mov ds, ax */
    0x8e, 0xc0,                         /* 98: mov es, ax */
    0x8e, 0xe0,                         /* 9a: mov fs, ax */
    0x8e, 0xe8,                         /* 9c: mov gs, ax */
    0x8e, 0xd0,                         /* 9e: mov ss, ax */
    0xbc, 0xf0, 0xff,                   /* a0: mov sp, 0xfff0 */
    0xea, 0x00, 0x00, 0x20, 0x10,       /* a3: jmp 0x1020:0 */
    0xfb,                               /* a8: fail: sti */
    0xcd, 0x18,                         /* a9: int 0x18 */
};
#define BEV_OFFSET 0x4d
#define PNP_OFFSET 0x20
#define NAME_OFFSET 0x40

_Static_assert(BEV_OFFSET + sizeof(bev_code) <= ROM_DESC_OFFSET, "ROM code overlaps its descriptors");

static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

/* One descriptor: select key and read len bytes to addr. */
static void put_desc(uint8_t *d, uint16_t key, uint32_t len, uint32_t addr)
{
    put_be32(d, (uint32_t)key << 16 | 0x08 /* SELECT */ | 0x02 /* READ */);
    put_be32(d + 4, len);
    put_be32(d + 8, 0);
    put_be32(d + 12, addr);
}

static void build_rom(uint8_t *rom, uint32_t setup_len, uint32_t kernel_len, uint32_t initrd_len,
                      uint32_t initrd_addr, uint32_t cmdline_len)
{
    memset(rom, 0, LINUXBOOT_ROM_SIZE);
    rom[0] = 0x55;
    rom[1] = 0xaa;
    rom[2] = LINUXBOOT_ROM_SIZE / 512;
    rom[3] = 0xeb;                      /* init: jmp short 0x1c */
    rom[4] = 0x1c - 5;
    rom[0x1a] = PNP_OFFSET;             /* PnP expansion header offset */
    rom[0x1c] = 0xcb;                   /* retf: nothing to initialise */
    uint8_t *pnp = rom + PNP_OFFSET;
    memcpy(pnp, "$PnP", 4);
    pnp[4] = 1;                         /* structure revision */
    pnp[5] = 2;                         /* length in 16-byte units */
    pnp[0x10] = NAME_OFFSET;            /* product name string */
    pnp[0x1a] = BEV_OFFSET;             /* boot entry vector */
    memcpy(rom + NAME_OFFSET, "Linux loader", 13);
    memcpy(rom + BEV_OFFSET, bev_code, sizeof(bev_code));
    uint8_t *d = rom + ROM_DESC_OFFSET;
    put_desc(d, FW_CFG_SETUP_DATA, setup_len, LINUXBOOT_SETUP_ADDR);
    put_desc(d + 16, FW_CFG_KERNEL_DATA, kernel_len, LINUXBOOT_KERNEL_ADDR);
    put_desc(d + 32, FW_CFG_INITRD_DATA, initrd_len, initrd_addr);
    put_desc(d + 48, FW_CFG_CMDLINE_DATA, cmdline_len, LINUXBOOT_CMDLINE_ADDR);
    pnp[9] = (uint8_t)-sum8(pnp, 32);
    rom[LINUXBOOT_ROM_SIZE - 1] = (uint8_t)-sum8(rom, LINUXBOOT_ROM_SIZE - 1);
}

int linuxboot_setup(struct fw_cfg *f, const uint8_t *kernel, size_t kernel_len,
                    const uint8_t *initrd, size_t initrd_len, const char *cmdline,
                    uint64_t ram_below_4g, char *err, size_t errlen)
{
    if (kernel_len < 0x264 || memcmp(kernel + HDR_MAGIC, "HdrS", 4)) {
        snprintf(err, errlen, "-kernel: not a Linux bzImage (no \"HdrS\" setup header)");
        return -1;
    }
    unsigned version = kernel[HDR_VERSION] | kernel[HDR_VERSION + 1] << 8;
    if (version < 0x202 || !(kernel[HDR_LOADFLAGS] & LOADED_HIGH)) {
        snprintf(err, errlen, "-kernel: boot protocol %u.%02u without a high-loaded kernel is not "
                 "supported (bzImage with protocol 2.02+ only)", version >> 8, version & 0xff);
        return -1;
    }
    size_t setup_sects = kernel[HDR_SETUP_SECTS] ? kernel[HDR_SETUP_SECTS] : 4;
    size_t setup_len = (setup_sects + 1) * 512;
    /* The setup code runs in one 64 KiB segment below the command line. */
    if (setup_len >= kernel_len || setup_len > LINUXBOOT_CMDLINE_ADDR - LINUXBOOT_SETUP_ADDR - 0x200) {
        snprintf(err, errlen, "-kernel: bad setup size (%zu sectors)", setup_sects);
        return -1;
    }
    size_t prot_len = kernel_len - setup_len;
    size_t cmd_max = version >= 0x206 ? le32(kernel + HDR_CMDLINE_SIZE) : 255;
    size_t cmd_len = strlen(cmdline ? cmdline : "");
    if (cmd_len > cmd_max || cmd_len > 0xffff) {
        snprintf(err, errlen, "-append: the command line is %zu bytes; this kernel takes at most %zu",
                 cmd_len, cmd_max);
        return -1;
    }
    /* The kernel decompresses in place: it needs init_size bytes from its
     * load address (protocol 2.10+), at least its own size. */
    uint64_t kernel_end = LINUXBOOT_KERNEL_ADDR + prot_len;
    if (version >= 0x20a && LINUXBOOT_KERNEL_ADDR + (uint64_t)le32(kernel + HDR_INIT_SIZE) > kernel_end)
        kernel_end = LINUXBOOT_KERNEL_ADDR + (uint64_t)le32(kernel + HDR_INIT_SIZE);
    uint64_t top = ram_below_4g > (1u << 20) ? ram_below_4g - (1u << 20) : 0;
    uint64_t addr_max = version >= 0x203 ? le32(kernel + HDR_INITRD_MAX) : 0x37ffffff;
    if (top > addr_max + 1)
        top = addr_max + 1;
    uint64_t initrd_addr = 0;
    if (initrd_len) {
        initrd_addr = top > initrd_len ? (top - initrd_len) & ~0xfffull : 0;
        if (initrd_len > UINT32_MAX || initrd_addr < kernel_end) {
            snprintf(err, errlen, "-initrd: not enough RAM for the kernel (%llu KiB) and the initrd "
                     "(%zu KiB); use a larger -m", (unsigned long long)((kernel_end - LINUXBOOT_KERNEL_ADDR) >> 10),
                     initrd_len >> 10);
            return -1;
        }
    } else if (kernel_end > top) {
        snprintf(err, errlen, "-kernel: not enough RAM for the kernel; use a larger -m");
        return -1;
    }

    uint8_t *setup = malloc(setup_len);
    char *cmd = malloc(cmd_len + 1);
    if (!setup || !cmd) {
        free(setup);
        free(cmd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(setup, kernel, setup_len);
    memcpy(cmd, cmdline ? cmdline : "", cmd_len + 1);
    setup[HDR_LOADER_TYPE] = 0xff;      /* a boot loader without an assigned ID */
    setup[HDR_LOADFLAGS] |= CAN_USE_HEAP;
    /* The heap ends 0x200 below the command line, which is at 0x20000. */
    setup[HDR_HEAP_END] = 0x00;
    setup[HDR_HEAP_END + 1] = (uint8_t)((LINUXBOOT_CMDLINE_ADDR - LINUXBOOT_SETUP_ADDR - 0x200) >> 8);
    put_le32(setup + HDR_CMDLINE_PTR, LINUXBOOT_CMDLINE_ADDR);
    put_le32(setup + HDR_RAMDISK, (uint32_t)initrd_addr);
    put_le32(setup + HDR_RAMDISK_SIZE, (uint32_t)initrd_len);

    uint8_t rom[LINUXBOOT_ROM_SIZE];
    build_rom(rom, (uint32_t)setup_len, (uint32_t)prot_len, (uint32_t)initrd_len, (uint32_t)initrd_addr,
              (uint32_t)cmd_len + 1);
    static const char bootorder[] = "/rom@" LINUXBOOT_ROM_NAME "\n";
    int rc = 0;
    /* The legacy items too, as QEMU provides them for other loaders. */
    if (fw_cfg_add_i32(f, FW_CFG_SETUP_ADDR, LINUXBOOT_SETUP_ADDR) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_SETUP_SIZE, (uint32_t)setup_len) < 0 ||
        fw_cfg_add_bytes(f, FW_CFG_SETUP_DATA, setup, setup_len) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_KERNEL_ADDR, LINUXBOOT_KERNEL_ADDR) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_KERNEL_SIZE, (uint32_t)prot_len) < 0 ||
        fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, kernel + setup_len, prot_len) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_INITRD_ADDR, (uint32_t)initrd_addr) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_INITRD_SIZE, (uint32_t)initrd_len) < 0 ||
        fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, initrd, initrd_len) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_CMDLINE_ADDR, LINUXBOOT_CMDLINE_ADDR) < 0 ||
        fw_cfg_add_i32(f, FW_CFG_CMDLINE_SIZE, (uint32_t)cmd_len + 1) < 0 ||
        fw_cfg_add_bytes(f, FW_CFG_CMDLINE_DATA, cmd, cmd_len + 1) < 0 ||
        fw_cfg_add_file(f, LINUXBOOT_ROM_NAME, rom, sizeof(rom)) < 0 ||
        fw_cfg_add_file(f, "bootorder", bootorder, sizeof(bootorder) - 1) < 0) {
        snprintf(err, errlen, "out of memory for the kernel in fw_cfg");
        rc = -1;
    }
    free(setup);
    free(cmd);
    return rc;
}
