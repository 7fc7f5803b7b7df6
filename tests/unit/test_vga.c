/* The VGA as SeaVGABIOS and Linux use it: PCI identity and the BARs, VBE
 * DISPI detection (ID, GETCAPS, video memory), a VBE mode through the banked
 * window and the display state it gives, mode-3 style text through the
 * B8000 odd/even window and its cells/cursor, planar write mode 0 with
 * set/reset and the bit mask, read mode 1 colour compare, chain-4. */
#include "check.h"
#include "emu/hw/vga.h"

static struct guest_memory *mem;
static int map_mmio(void *c, uint64_t g, uint64_t l, const struct mmio_ops *o, void *op, const char *n)
{
    return gmem_map_mmio(mem, g, l, o, op, n);
}
static int map_rom(void *c, uint64_t g, const void *d, uint64_t l) { return gmem_map_rom(mem, g, d, l); }
static void unmap(void *c, uint64_t g, uint64_t l) { gmem_unmap(mem, g, l); }
static const struct pci_mem_ops pmem = {map_mmio, map_rom, unmap};

static struct io_bus *io;
static void vbe(uint16_t idx, uint16_t val)
{
    io_write(io, 0x1ce, idx, 2);
    io_write(io, 0x1cf, val, 2);
}
static uint16_t vbe_rd(uint16_t idx)
{
    io_write(io, 0x1ce, idx, 2);
    return (uint16_t)io_read(io, 0x1cf, 2);
}
static void reg(uint16_t port, uint8_t idx, uint8_t val)
{
    io_write(io, port, idx, 1);
    io_write(io, port + 1, val, 1);
}

TEST(vga_pci_vbe_text_planar)
{
    io = io_bus_create();
    mem = gmem_create(16u << 20, 16u << 20);
    gmem_unmap(mem, 0xa0000, 0x20000);
    struct pci_bus *bus = pci_bus_create(io, &pmem, NULL);
    pci_bus_set_mmio_window(bus, 0x1000000, 0xfec00000u);
    static const uint8_t rom[512] = {0x55, 0xaa, 1};
    struct vga *v = vga_create(bus, io, mem, rom, sizeof(rom));
    CHECK(v != NULL);
    CHECK_EQ_INT(pci_config_read(bus, PCI_DEVFN(2, 0), 0, 4), 0x11111234);
    CHECK_EQ_INT(pci_config_read(bus, PCI_DEVFN(2, 0), 0x08, 4) >> 8, 0x030000);
    pci_config_write(bus, PCI_DEVFN(2, 0), 0x10, 0xffffffff, 4);
    CHECK_EQ_INT(pci_config_read(bus, PCI_DEVFN(2, 0), 0x10, 4), 0xff000008);  /* 16 MiB, prefetchable */
    pci_config_write(bus, PCI_DEVFN(2, 0), 0x10, 0xfd000000, 4);
    pci_config_write(bus, PCI_DEVFN(2, 0), 0x04, PCI_CMD_IO | PCI_CMD_MEMORY, 2);

    /* VBE DISPI as SeaVGABIOS probes it. */
    vbe(0, 0xb0c0);
    CHECK_EQ_INT(vbe_rd(0), 0xb0c0);
    vbe(0, 0xb0c5);
    CHECK_EQ_INT(vbe_rd(10), 256);                /* 16 MiB in 64 KiB units */
    vbe(4, 0x02);                                 /* GETCAPS */
    CHECK_EQ_INT(vbe_rd(1), 2560);
    CHECK_EQ_INT(vbe_rd(3), 32);
    vbe(4, 0);
    vbe(1, 640);
    vbe(2, 480);
    vbe(3, 32);
    vbe(4, 0x41);                                 /* enabled, LFB */
    CHECK_EQ_INT(vbe_rd(6), 640);
    /* The LFB and the banked window see the same VRAM. */
    gmem_write(mem, 0xfd000000u + 640 * 4 + 4, 0x00ff8040, 4);
    vbe(5, 0);
    CHECK_EQ_INT(gmem_read(mem, 0xa0000 + 640 * 4 + 4, 4), 0x00ff8040);
    vbe(5, 1);
    gmem_write(mem, 0xa0000, 0x11, 1);
    CHECK_EQ_INT(gmem_read(mem, 0xfd010000u, 1), 0x11);
    struct display_state st;
    vga_display_state(v, &st);
    CHECK_EQ_INT(st.kind, DISPLAY_GRAPHICS);
    CHECK(st.width == 640 && st.height == 480 && st.bpp == 32 && st.stride == 2560);
    CHECK_EQ_INT(st.pixels[640 * 4 + 5], 0x80);
    vbe(4, 0);
    /* A bad mode stays disabled. */
    vbe(1, 4000);
    vbe(4, 0x01);
    CHECK_EQ_INT(vbe_rd(4) & 1, 0);

    /* Mode 3 style text: odd/even at B8000, 80x25 cells of 16 lines. */
    io_write(io, 0x3c2, 0x67, 1);
    reg(0x3c4, 0x04, 0x02);
    reg(0x3c4, 0x02, 0x03);
    reg(0x3ce, 0x05, 0x10);
    reg(0x3ce, 0x06, 0x0e);
    reg(0x3d4, 0x01, 79);
    reg(0x3d4, 0x07, 0x1f);
    reg(0x3d4, 0x09, 0x0f);
    reg(0x3d4, 0x12, 0x8f);
    reg(0x3d4, 0x13, 40);
    reg(0x3d4, 0x0e, 0);
    reg(0x3d4, 0x0f, 81);                         /* row 1, column 1 */
    reg(0x3d4, 0x0a, 0x0e);
    io_read(io, 0x3da, 1);                        /* attribute flip-flop to index */
    io_write(io, 0x3c0, 0x20, 1);                 /* palette source: display on */
    gmem_write(mem, 0xb8000, 0x1f69 << 16 | 0x0748, 4);  /* "H" grey, "i" white on blue */
    CHECK_EQ_INT(gmem_read(mem, 0xb8002, 2), 0x1f69);
    vga_display_state(v, &st);
    CHECK_EQ_INT(st.kind, DISPLAY_TEXT);
    CHECK(st.cols == 80 && st.rows == 25);
    CHECK(st.cells[0] == 'H' && st.cells[1] == 0x07 && st.cells[2] == 'i' && st.cells[3] == 0x1f);
    CHECK(st.cursor_visible && st.cursor_row == 1 && st.cursor_col == 1);
    /* The characters are in plane 0, the attributes in plane 1. */
    reg(0x3c4, 0x04, 0x06);                       /* planar, sequential */
    reg(0x3ce, 0x05, 0x00);
    reg(0x3ce, 0x06, 0x05);                       /* graphics, A0000 64 KiB */
    reg(0x3ce, 0x04, 0);
    CHECK_EQ_INT(gmem_read(mem, 0xa0000 + 2, 1), 'i');
    reg(0x3ce, 0x04, 1);
    CHECK_EQ_INT(gmem_read(mem, 0xa0000 + 2, 1), 0x1f);

    /* Write mode 0: set/reset on planes 0 and 2, bit mask 0xF0. */
    reg(0x3c4, 0x02, 0x0f);
    reg(0x3ce, 0x00, 0x05);
    reg(0x3ce, 0x01, 0x0f);
    reg(0x3ce, 0x08, 0xf0);
    gmem_read(mem, 0xa0100, 1);                   /* load latches (zeros) */
    gmem_write(mem, 0xa0100, 0x00, 1);
    reg(0x3ce, 0x04, 0);
    CHECK_EQ_INT(gmem_read(mem, 0xa0100, 1), 0xf0);
    reg(0x3ce, 0x04, 1);
    CHECK_EQ_INT(gmem_read(mem, 0xa0100, 1), 0x00);
    reg(0x3ce, 0x04, 2);
    CHECK_EQ_INT(gmem_read(mem, 0xa0100, 1), 0xf0);
    /* Read mode 1: pixels of colour 5 (planes 0 and 2 set). */
    reg(0x3ce, 0x02, 0x05);
    reg(0x3ce, 0x07, 0x0f);
    reg(0x3ce, 0x05, 0x08);
    CHECK_EQ_INT(gmem_read(mem, 0xa0100, 1), 0xf0);
    /* Chain 4: byte i is pixel i. */
    reg(0x3c4, 0x04, 0x0e);
    gmem_write(mem, 0xa0007, 0x42, 1);
    CHECK_EQ_INT(gmem_read(mem, 0xa0007, 1), 0x42);
    vga_destroy(v);
    pci_bus_destroy(bus);
    gmem_destroy(mem);
    io_bus_destroy(io);
}
