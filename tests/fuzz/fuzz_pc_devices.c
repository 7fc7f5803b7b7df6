/* libFuzzer harness for the PC machine's guest-reachable devices: it builds
 * the real "pc" machine as `baremu -machine pc` does (machine_create with
 * SeaBIOS, 16 or 2 MiB of RAM, IDE disks and ATAPI CD-ROMs in two layouts
 * on small images made once, the VGA, isa-debug-exit, -icount so time is the
 * machine's own), never runs the CPU, and plays the input as a program of
 * what a guest can do: port reads and writes of 1/2/4 bytes (biased toward
 * the devices' ports), MMIO reads and writes (the VGA window, the VBE linear
 * framebuffer, the BIOS area, anywhere), bytes written into guest RAM,
 * structured ATA commands, PIO data bursts, ATAPI packets, IDE bus master
 * DMA (PRD tables, the BM registers, DMA commands) and fw_cfg DMA
 * descriptors, PCI configuration cycles, interrupt acknowledges, host
 * keyboard/mouse input, and advances of the virtual clock with a display
 * attached that reads every byte of the screen the VGA describes. Any crash,
 * sanitizer report, leak or hang is a bug: bad guest input must get what
 * the hardware does (ignored, an error status, an aborted command). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baremu/platform.h"
#include "config/options.h"
#include "emu/emu_host.h"
#include "emu/io.h"
#include "emu/machine.h"
#include "emu/memory.h"

#define MAX_STEPS 512
#define LFB_BASE 0xfd000000u   /* where SeaBIOS puts the VGA's BAR 0 under QEMU */
#define PM_BASE 0x600u          /* SeaBIOS's PIIX4 PM I/O base */
#define BM_BASE 0xc000u         /* the IDE bus master (BAR4), where SeaBIOS puts it */

static char dir[64];
static char path_hda[96], path_hdb[96], path_cd[96], path_cd2[96];

static void cleanup(void)
{
    unlink(path_hda);
    unlink(path_hdb);
    unlink(path_cd);
    unlink(path_cd2);
    rmdir(dir);
}

static void make_image(const char *path, size_t size, unsigned seed)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    for (size_t i = 0; i < size; i++)
        fputc((int)((i * 131 + seed + (i >> 9)) & 0xff), f);
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    plat_log_level = LOG_ERROR;
    snprintf(dir, sizeof(dir), "%s/fuzzpc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        abort();
    snprintf(path_hda, sizeof(path_hda), "%s/hda.img", dir);
    snprintf(path_hdb, sizeof(path_hdb), "%s/hdb.img", dir);
    snprintf(path_cd, sizeof(path_cd), "%s/cd.iso", dir);
    snprintf(path_cd2, sizeof(path_cd2), "%s/cd2.iso", dir);
    /* A 1 MiB disk; a tiny one whose size is not a sector multiple; a
     * 128-block CD; a CD whose size is not a block multiple. */
    make_image(path_hda, 1u << 20, 1);
    make_image(path_hdb, 8 * 512 + 300, 2);
    make_image(path_cd, 128 * 2048, 3);
    make_image(path_cd2, 4 * 2048 + 1000, 4);
    atexit(cleanup);
    return 0;
}

/* ---- the input ---- */

struct in {
    const uint8_t *p;
    size_t left;
};

static uint32_t take(struct in *in, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n && in->left; i++, in->left--)
        v |= (uint32_t)*in->p++ << (8 * i);
    return v;
}

static uint64_t take64(struct in *in)
{
    uint64_t lo = take(in, 4);
    return lo | (uint64_t)take(in, 4) << 32;
}

/* ---- the host display and input ---- */

struct host {
    struct input_event ev[16];
    size_t nev;
    volatile uint32_t sum;
};

/* Reads every byte the display description points at, as a real display
 * would: ASan catches a description that reaches outside its buffers. */
static void display_update(void *ctx, const struct display_state *s)
{
    struct host *h = ctx;
    uint32_t sum = 0;
    if (s->kind == DISPLAY_TEXT) {
        for (size_t i = 0; i < (size_t)s->cols * s->rows * 2; i++)
            sum += s->cells[i];
        for (int i = 0; i < 16; i++)
            sum += s->palette[i];
    } else if (s->kind == DISPLAY_GRAPHICS) {
        size_t line = ((size_t)s->width * s->bpp + 7) / 8;
        for (unsigned y = 0; y < s->height; y++)
            for (size_t x = 0; x < line; x += 61)
                sum += s->pixels[(size_t)y * s->stride + x];
        for (unsigned y = 0; y < s->height; y++)
            if (line)
                sum += s->pixels[(size_t)y * s->stride + line - 1];
        if (s->bpp == 8)
            for (int i = 0; i < 256; i++)
                sum += s->palette[i];
    }
    h->sum += sum;
}

static size_t input_poll(void *ctx, struct input_event *ev, size_t max)
{
    struct host *h = ctx;
    size_t n = h->nev < max ? h->nev : max;
    memcpy(ev, h->ev, n * sizeof(*ev));
    h->nev = 0;
    return n;
}

static const struct display_ops display = {display_update, input_poll};

/* ---- the machine ---- */

static struct machine *make_machine(unsigned variant)
{
    const char *argv[32];
    int n = 0;
    argv[n++] = "baremu";
    argv[n++] = "-machine";
    argv[n++] = "pc";
    argv[n++] = "-m";
    argv[n++] = variant & 1 ? "2" : "16";
    argv[n++] = "-icount";
    argv[n++] = "shift=0";
    argv[n++] = "-rtc";
    argv[n++] = "base=2024-02-28T23:59:50";
    argv[n++] = "-snapshot";
    argv[n++] = "-display";
    argv[n++] = "none";
    argv[n++] = "-serial";
    argv[n++] = "null";
    argv[n++] = "-serial";
    argv[n++] = "null";
    argv[n++] = "-debugcon";
    argv[n++] = "null";
    argv[n++] = "-device";
    argv[n++] = "isa-debug-exit,iobase=0x501,iosize=2";
    if (variant & 2)
        argv[n++] = "-no-reboot";
    argv[n++] = "-hda";
    argv[n++] = path_hda;
    argv[n++] = "-cdrom";
    argv[n++] = path_cd;
    /* Either a disk beside the first disk and a second CD beside the first
     * CD, or a CD beside the first disk (a mixed channel) and no device
     * beside the first CD (an absent slave). */
    char cd2[160];
    if (variant & 4) {
        snprintf(cd2, sizeof(cd2), "file=%s,media=cdrom,index=1", path_cd2);
    } else {
        argv[n++] = "-hdb";
        argv[n++] = path_hdb;
        snprintf(cd2, sizeof(cd2), "file=%s,media=cdrom,index=3", path_cd2);
    }
    argv[n++] = "-drive";
    argv[n++] = cd2;
    struct options o;
    char err[600];
    options_init(&o);
    if (options_parse_argv(&o, n, (char **)argv, 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_pc_devices: %s\n", err);
        abort();
    }
    struct machine *m = machine_create(&o, err, sizeof(err));
    if (!m || options_check_used(&o, err, sizeof(err)) < 0) {
        fprintf(stderr, "fuzz_pc_devices: cannot build the machine: %s\n", err);
        abort();
    }
    options_free(&o);
    return m;
}

static void pci_cfg_write(struct io_bus *io, unsigned devfn, unsigned off, uint32_t v, unsigned size)
{
    io_write(io, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc), 4);
    io_write(io, (uint16_t)(0xcfc + (off & 3)), v, size);
}

static uint32_t pci_cfg_read(struct io_bus *io, unsigned devfn, unsigned off, unsigned size)
{
    io_write(io, 0xcf8, 0x80000000u | devfn << 8 | (off & 0xfc), 4);
    return io_read(io, (uint16_t)(0xcfc + (off & 3)), size);
}

/* What SeaBIOS leaves before an OS runs: the PICs initialised (vectors 8 and
 * 0x70, all unmasked), the PM I/O space at 0x600, the VGA's framebuffer at
 * 0xFD000000 and its I/O decode on, the IDE function's I/O decode and bus
 * mastering on with its bus master registers (BAR4) at 0xC000. */
static void firmware_setup(struct io_bus *io)
{
    static const uint8_t icw[2][5] = {{0x20, 0x11, 0x08, 0x04, 0x01}, {0xa0, 0x11, 0x70, 0x02, 0x01}};
    for (int c = 0; c < 2; c++) {
        io_write(io, icw[c][0], icw[c][1], 1);
        for (int i = 2; i < 5; i++)
            io_write(io, (uint16_t)(icw[c][0] + 1), icw[c][i], 1);
        io_write(io, (uint16_t)(icw[c][0] + 1), 0x00, 1);
    }
    pci_cfg_write(io, 0x0b, 0x40, PM_BASE | 1, 4);  /* 00:01.3 PMBA */
    pci_cfg_write(io, 0x0b, 0x80, 1, 1);            /* PMREGMISC: PM I/O on */
    pci_cfg_write(io, 0x10, 0x10, LFB_BASE, 4);     /* 00:02.0 BAR 0 */
    pci_cfg_write(io, 0x10, 0x04, 3, 2);            /* I/O and memory decode */
    pci_cfg_write(io, 0x09, 0x20, BM_BASE | 1, 4);  /* 00:01.1 IDE: BAR4 */
    pci_cfg_write(io, 0x09, 0x04, 5, 2);            /* 00:01.1 IDE: I/O, bus master */
}

/* ---- operations ---- */

/* The devices' ports, so that most port accesses reach one. */
static const uint16_t ports[] = {
    0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5, 0x1f6, 0x1f7, 0x3f6, 0x3f7,           /* IDE 0 */
    0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376, 0x377,           /* IDE 1 */
    0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,                                           /* PICs, ELCR */
    0x40, 0x41, 0x42, 0x43, 0x61,                                                   /* PIT */
    0x70, 0x71, 0x60, 0x64, 0x92,                                                   /* RTC, 8042, A20 */
    0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff,                         /* COM1 */
    0x2f8, 0x2f9, 0x2fa, 0x2fb, 0x2fc, 0x2fd, 0x2fe, 0x2ff,                         /* COM2 */
    0x3c0, 0x3c1, 0x3c2, 0x3c4, 0x3c5, 0x3c6, 0x3c7, 0x3c8, 0x3c9, 0x3cc, 0x3ce,    /* VGA */
    0x3cf, 0x3b4, 0x3b5, 0x3ba, 0x3d4, 0x3d5, 0x3da, 0x1ce, 0x1cf, 0x1d0,
    0x510, 0x511, 0x514, 0x518,                                                     /* fw_cfg */
    PM_BASE, PM_BASE + 2, PM_BASE + 4, PM_BASE + 8, 0xb2, 0xb3, 0xafe0, 0xafe2,     /* ACPI */
    0xae00, 0xae08, 0xcf8, 0xcf9, 0xcfc, 0xcfd, 0xcfe, 0xcff,                       /* hotplug, PCI */
    0x402, 0xe9, 0x501, 0x502, 0x80,
};
#define NPORTS (sizeof(ports) / sizeof(ports[0]))

static uint16_t pick_port(struct in *in)
{
    unsigned sel = take(in, 1);
    if (sel < NPORTS)
        return ports[sel];
    if (sel < 0xf0)
        return ports[sel % NPORTS] + (sel & 1);
    return (uint16_t)take(in, 2);
}

static unsigned pick_size(struct in *in)
{
    return 1u << (take(in, 1) % 3);
}

/* A guest physical address for an MMIO access of size bytes (within a page). */
static uint64_t pick_mmio(struct in *in, unsigned size)
{
    unsigned sel = take(in, 1);
    uint32_t off = take(in, 4);
    uint64_t a;
    switch (sel % 4) {
    case 0: a = 0xa0000 + off % 0x20000; break;          /* the VGA window */
    case 1: a = LFB_BASE + off % (16u << 20); break;     /* VBE linear framebuffer */
    case 2: a = 0xc0000 + off % 0x40000; break;          /* option ROMs and BIOS, PAM */
    default: a = off; break;                              /* anywhere below 4 GiB */
    }
    return a & ~(uint64_t)(size - 1);
}

static void ide_command(struct io_bus *io, struct in *in)
{
    static const uint8_t cmds[] = {
        0xec, 0xa1, 0x20, 0x24, 0xc4, 0x29, 0x30, 0x34, 0xc5, 0x39, 0x40, 0x42, 0xc6,
        0x91, 0x10, 0x70, 0xef, 0xe0, 0xe7, 0xea, 0x90, 0xf8, 0x08, 0xa0, 0xc8, 0xca, 0x25,
    };
    uint16_t base = take(in, 1) & 1 ? 0x170 : 0x1f0;
    uint8_t sel = (uint8_t)take(in, 1);
    io_write(io, base + 6, sel, 1);
    io_write(io, base + 1, take(in, 1), 1);
    /* Twice each for LBA48: the first write becomes the high-order byte. */
    unsigned hob = take(in, 1);
    for (int r = 2; r <= 5; r++) {
        if (hob & (1u << r))
            io_write(io, (uint16_t)(base + r), take(in, 1), 1);
        io_write(io, (uint16_t)(base + r), take(in, 1), 1);
    }
    unsigned c = take(in, 1);
    io_write(io, base + 7, c < 2 * sizeof(cmds) ? cmds[c % sizeof(cmds)] : c, 1);
}

/* A bus master DMA transfer as a driver programs one (Linux libata-sff's
 * order, or Start first): a PRD table of 1-8 entries written into RAM
 * (regions in RAM or anywhere, any byte counts, the end bit maybe missing),
 * BMIDTP, BMIS cleared, the direction, then a READ/WRITE DMA (EXT) or a
 * PACKET with the DMA bit (READ(10)/(12), READ CD, a reply), Start after
 * the command unless it came first, and maybe Stop. */
static void bm_dma(struct machine *m, struct io_bus *io, struct in *in, unsigned ch)
{
    struct guest_memory *mem = machine_memory(m);
    uint32_t ram = (uint32_t)gmem_ram_size(mem);
    unsigned f = take(in, 1);
    uint16_t bm = (uint16_t)(BM_BASE + 8 * ch), base = ch ? 0x170 : 0x1f0;
    uint32_t table = f & 1 ? take(in, 4) : take(in, 3) % (ram - 64);
    unsigned n = take(in, 1) % 8 + 1;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = take(in, 1);
        uint32_t addr = k & 1 ? take(in, 4) : take(in, 3) % ram;
        uint32_t cnt = k & 2 ? take(in, 2) : ((k >> 2) & 0x1f) * 512u;
        if (i == n - 1 ? !(f & 2) : (k & 0x80))
            cnt |= 0x80000000u;
        uint8_t e[8];
        for (int j = 0; j < 4; j++) {
            e[j] = (uint8_t)(addr >> (8 * j));
            e[4 + j] = (uint8_t)(cnt >> (8 * j));
        }
        gmem_dma_write(mem, (uint64_t)(table & ~3u) + 8 * i, e, sizeof(e));
    }
    uint8_t dir = f & 4 ? 0x08 : 0x00;
    io_write(io, bm + 4, table, 4);
    io_write(io, bm + 2, 0x06 | (f & 0x60), 1);
    io_write(io, bm, dir, 1);
    if (f & 8)
        io_write(io, bm, 1 | dir, 1);
    io_write(io, base + 6, 0xe0 | (take(in, 1) & 0x10), 1);
    if (f & 16) {
        static const uint8_t ops[] = {0x28, 0xa8, 0xbe, 0x12, 0x03, 0x25, 0x43, 0x5a};
        uint8_t p[12];
        for (int i = 0; i < 12; i++)
            p[i] = (uint8_t)take(in, 1);
        p[0] = ops[p[0] % sizeof(ops)];
        if (!(p[1] & 0x80))  /* mostly inside the 128-block CD */
            p[2] = p[3] = p[4] = p[6] = p[7] = 0;
        io_write(io, base + 1, 1, 1);
        io_write(io, base + 7, 0xa0, 1);
        for (int i = 0; i < 12; i += 2)
            io_write(io, base, p[i] | p[i + 1] << 8, 2);
    } else {
        static const uint8_t cmds[] = {0xc8, 0xca, 0x25, 0x35};
        unsigned c = take(in, 1);
        if (c & 2) {  /* LBA48: the high-order bytes first */
            io_write(io, base + 2, c & 4 ? take(in, 1) : 0, 1);
            io_write(io, base + 3, 0, 1);
            io_write(io, base + 4, 0, 1);
            io_write(io, base + 5, 0, 1);
        }
        io_write(io, base + 2, take(in, 1), 1);
        io_write(io, base + 3, take(in, 1), 1);
        io_write(io, base + 4, take(in, 1) & (c & 8 ? 0xff : 0x07), 1);
        io_write(io, base + 5, 0, 1);
        io_write(io, base + 7, cmds[c % 4], 1);
    }
    if (!(f & 8))
        io_write(io, bm, 1 | dir, 1);
    (void)io_read(io, bm + 2, 1);
    (void)io_read(io, base + 7, 1);
    if (f & 0x80)
        io_write(io, bm, dir, 1);
}

/* Reads or writes up to 4 KiB through a channel's data port, as a driver's
 * REP INSW/OUTSW of a sector or a CD block does; a selector byte of 0xC0 or
 * more makes it a bus master DMA transfer instead. */
static void ide_pio(struct machine *m, struct io_bus *io, struct in *in)
{
    unsigned f = take(in, 1);
    if (f >= 0xc0) {
        bm_dma(m, io, in, f & 1);
        return;
    }
    uint16_t port = f & 1 ? 0x170 : 0x1f0;
    unsigned size = f & 2 ? 4 : 2;
    unsigned count = take(in, 2) % (4096 / size + 1);
    if (f & 4) {
        for (unsigned i = 0; i < count; i++)
            (void)io_read(io, port, size);
    } else {
        uint32_t pat = take(in, 4);
        for (unsigned i = 0; i < count; i++)
            io_write(io, port, in->left && (f & 8) ? take(in, size) : pat + i, size);
    }
    (void)io_read(io, port + 7, 1);
}

static void atapi_packet(struct io_bus *io, struct in *in)
{
    static const uint8_t ops[] = {0x00, 0x03, 0x12, 0x1b, 0x1e, 0x25, 0x28, 0xa8, 0x43, 0x4a, 0x5a, 0x46, 0xbe};
    unsigned f = take(in, 1);
    uint16_t base = f & 1 ? 0x170 : 0x1f0;
    io_write(io, base + 6, f & 2 ? 0xb0 : 0xa0, 1);
    io_write(io, base + 1, f & 4 ? 1 : 0, 1);            /* DMA bit */
    io_write(io, base + 4, take(in, 1), 1);               /* byte count limit */
    io_write(io, base + 5, take(in, 1), 1);
    io_write(io, base + 7, 0xa0, 1);
    uint8_t p[12];
    for (int i = 0; i < 12; i++)
        p[i] = (uint8_t)take(in, 1);
    if (p[0] < 2 * sizeof(ops))
        p[0] = ops[p[0] % sizeof(ops)];
    for (int i = 0; i < 12; i += 2)
        io_write(io, base, p[i] | p[i + 1] << 8, 2);
}

/* A fw_cfg DMA descriptor (big-endian control, length, address) placed in
 * RAM, and the two register writes that start it. */
static void fw_cfg_dma(struct machine *m, struct io_bus *io, struct in *in)
{
    struct guest_memory *mem = machine_memory(m);
    uint64_t ram = gmem_ram_size(mem);
    uint32_t desc = take(in, 3) % (uint32_t)(ram - 16);
    uint32_t control = take(in, 4), len = take(in, 4);
    unsigned f = take(in, 1);
    if (f & 1)
        control = (control & 0xffff0000u) | (control & 0x1e);
    if (f & 2)
        len &= 0xffff;
    uint64_t addr = f & 4 ? take64(in) : take(in, 3) % ram;
    uint8_t d[16];
    for (int i = 0; i < 4; i++) {
        d[i] = (uint8_t)(control >> (24 - 8 * i));
        d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
    }
    for (int i = 0; i < 8; i++)
        d[8 + i] = (uint8_t)(addr >> (56 - 8 * i));
    gmem_dma_write(mem, desc, d, sizeof(d));
    /* The guest writes the address big-endian: a little-endian OUTL of the
     * byte-swapped value. */
    uint32_t hi = f & 8 ? take(in, 4) : 0;
    io_write(io, 0x514, __builtin_bswap32(hi), 4);
    io_write(io, 0x518, __builtin_bswap32(desc), 4);
}

static unsigned pick_devfn(struct in *in)
{
    static const uint8_t fns[] = {0x00, 0x08, 0x09, 0x0b, 0x10};
    unsigned s = take(in, 1);
    return s < 0xf0 ? fns[s % sizeof(fns)] : take(in, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct host host;
    struct in in = {data, size};
    struct machine *m = make_machine(take(&in, 1));
    struct io_bus *io = machine_io(m);
    struct guest_memory *mem = machine_memory(m);
    uint64_t ram = gmem_ram_size(mem);
    host.nev = 0;
    machine_set_display(m, &display, &host);
    firmware_setup(io);
    for (int step = 0; in.left && step < MAX_STEPS; step++) {
        switch (take(&in, 1) % 16) {
        case 0: case 1: {
            uint16_t port = pick_port(&in);
            unsigned sz = pick_size(&in);
            io_write(io, port, take(&in, sz), sz);
            break;
        }
        case 2: {
            uint16_t port = pick_port(&in);
            (void)io_read(io, port, pick_size(&in));
            break;
        }
        case 3: {               /* guest RAM: descriptors, packets, anything */
            uint32_t a = take(&in, 1) & 1 ? take(&in, 2) : take(&in, 3) % (uint32_t)ram;
            unsigned n = take(&in, 1) % 65;
            uint8_t buf[64];
            for (unsigned i = 0; i < n; i++)
                buf[i] = (uint8_t)take(&in, 1);
            if (a + n > ram)
                n = (unsigned)(ram - a);
            gmem_dma_write(mem, a, buf, n);
            break;
        }
        case 4: {
            unsigned sz = 1u << (take(&in, 1) % 4);
            uint64_t a = pick_mmio(&in, sz);
            gmem_write(mem, a, take64(&in), sz);
            break;
        }
        case 5: {
            unsigned sz = 1u << (take(&in, 1) % 4);
            (void)gmem_read(mem, pick_mmio(&in, sz), sz);
            break;
        }
        case 6: {               /* time passes while the CPU idles */
            unsigned e = take(&in, 1);
            uint64_t ns = ((uint64_t)1 << (e % 40)) + take(&in, 1);
            machine_advance(m, ns);
            /* The CPU takes the interrupts, ending each with an EOI. */
            for (int i = 0; i < 4; i++) {
                int v = machine_intr_ack(m);
                if (v < 0)
                    break;
                if (e & 0x80) {
                    if (v >= 0x70)
                        io_write(io, 0xa0, 0x20, 1);
                    io_write(io, 0x20, 0x20, 1);
                }
            }
            break;
        }
        case 7:
            (void)machine_intr_ack(m);
            break;
        case 8:
            ide_command(io, &in);
            break;
        case 9:
            ide_pio(m, io, &in);
            break;
        case 10:
            atapi_packet(io, &in);
            break;
        case 11:
            fw_cfg_dma(m, io, &in);
            break;
        case 12: {
            unsigned devfn = pick_devfn(&in);
            unsigned off = take(&in, 1);
            unsigned sz = pick_size(&in);
            pci_cfg_write(io, devfn, off & ~(sz - 1), take(&in, sz), sz);
            break;
        }
        case 13: {
            unsigned devfn = pick_devfn(&in);
            unsigned sz = pick_size(&in);
            (void)pci_cfg_read(io, devfn, take(&in, 1) & ~(sz - 1), sz);
            break;
        }
        case 14: {              /* host input, delivered at the next advance */
            if (host.nev == sizeof(host.ev) / sizeof(host.ev[0]))
                break;
            struct input_event *e = &host.ev[host.nev++];
            unsigned k = take(&in, 1);
            memset(e, 0, sizeof(*e));
            if (k & 1) {
                e->type = INPUT_MOUSE;
                e->dx = (int16_t)take(&in, 2);
                e->dy = (int16_t)take(&in, 2);
                e->buttons = take(&in, 1);
            } else {
                e->type = INPUT_KEY;
                e->code = (uint16_t)take(&in, 2);
                e->down = k & 2;
            }
            break;
        }
        default: {              /* a burst on one port: DAC loads, fw_cfg reads, FIFOs */
            uint16_t port = pick_port(&in);
            unsigned sz = pick_size(&in);
            unsigned n = take(&in, 2) % 1024;
            bool wr = take(&in, 1) & 1;
            uint32_t v = take(&in, sz);
            for (unsigned i = 0; i < n; i++) {
                if (wr)
                    io_write(io, port, v + i, sz);
                else
                    (void)io_read(io, port, sz);
            }
            break;
        }
        }
    }
    machine_advance(m, 1000000);
    machine_destroy(m);
    return 0;
}
