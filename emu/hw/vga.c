/* The standard VGA and the Bochs VBE "DISPI" extension; follows the IBM VGA
 * Technical Reference (registers of the sequencer, CRT controller, graphics
 * controller, attribute controller and DAC; the memory map select, odd/even,
 * chain-4 and planar access with write modes 0-3 and read modes 0-1) and the
 * Bochs vbe_display_api (index/data ports 0x1CE/0x1CF, ID 0xB0C0-0xB0C5,
 * XRES/YRES/BPP/ENABLE/BANK/VIRT_WIDTH/VIRT_HEIGHT/X_OFFSET/Y_OFFSET/
 * VIDEO_MEMORY_64K, GETCAPS and LFB_ENABLED) as SeaBIOS's VGA BIOS drives it.
 * VRAM holds the four planes interleaved (byte i of plane p at 4*i + p), so
 * chain-4 and VBE modes see it as linear memory. */
#include "emu/hw/vga.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"

/* VBE DISPI registers. */
enum {
    VBE_ID, VBE_XRES, VBE_YRES, VBE_BPP, VBE_ENABLE, VBE_BANK, VBE_VIRT_WIDTH, VBE_VIRT_HEIGHT,
    VBE_X_OFFSET, VBE_Y_OFFSET, VBE_VIDEO_MEMORY_64K, VBE_NREGS
};
#define VBE_ID5           0xb0c5
#define VBE_ENABLED       0x01
#define VBE_GETCAPS       0x02
#define VBE_8BIT_DAC      0x20
#define VBE_LFB_ENABLED   0x40
#define VBE_NOCLEARMEM    0x80
#define VBE_MAX_XRES      2560
#define VBE_MAX_YRES      1600
#define VBE_MAX_BPP       32

struct vga {
    struct pci_device dev;
    uint8_t *vram;
    uint8_t *rom;
    /* registers */
    uint8_t misc;
    uint8_t sr_index, sr[8];
    uint8_t gr_index, gr[16];
    uint8_t cr_index, cr[32];
    uint8_t ar_index, ar[21];
    bool ar_flip;            /* false: the next 0x3C0 write is an index */
    uint8_t st1;
    uint8_t dac_read, dac_write, dac_state, dac_sub, dac_mask;
    uint8_t dac[256][3];
    uint8_t dac_latch[3];
    uint8_t latch[4];
    uint16_t vbe_index, vbe[VBE_NREGS];
    /* display scratch */
    uint8_t cells[256 * 128 * 2];
    uint32_t palette[256];
};

/* ---- legacy memory window ---- */

/* The window offset to a VRAM byte address, or -1 if outside the map. */
static int64_t window_offset(struct vga *v, uint64_t addr)
{
    addr += 0xa0000;
    switch ((v->gr[6] >> 2) & 3) {
    case 0: return (int64_t)(addr - 0xa0000);
    case 1: return addr < 0xb0000 ? (int64_t)(addr - 0xa0000) : -1;
    case 2: return addr >= 0xb0000 && addr < 0xb8000 ? (int64_t)(addr - 0xb0000) : -1;
    default: return addr >= 0xb8000 ? (int64_t)(addr - 0xb8000) : -1;
    }
}

static bool vbe_on(const struct vga *v)
{
    return v->vbe[VBE_ENABLE] & VBE_ENABLED;
}

static uint8_t mem_read8(struct vga *v, uint64_t addr)
{
    if (vbe_on(v)) {
        /* Banked access: 64 KiB pages of the linear VRAM at 0xA0000. */
        if (addr >= 0x10000)
            return 0xff;
        uint64_t a = (uint64_t)v->vbe[VBE_BANK] * 0x10000 + addr;
        return a < VGA_VRAM_SIZE ? v->vram[a] : 0xff;
    }
    int64_t off = window_offset(v, addr);
    if (off < 0)
        return 0xff;
    if (v->sr[4] & 0x08)                    /* chain 4 */
        return v->vram[off];
    if (v->gr[5] & 0x10) {                  /* odd/even */
        unsigned plane = (v->gr[4] & 2) | (off & 1);
        return v->vram[(off & ~1) * 4 + plane];
    }
    memcpy(v->latch, v->vram + off * 4, 4);
    if (!(v->gr[5] & 0x08))                 /* read mode 0 */
        return v->latch[v->gr[4] & 3];
    /* Read mode 1: a bit is set where every plane that counts matches the
     * colour compare value. */
    uint8_t r = 0xff;
    for (int p = 0; p < 4; p++) {
        if (!(v->gr[7] & (1 << p)))
            continue;
        uint8_t want = (v->gr[2] & (1 << p)) ? 0xff : 0x00;
        r &= (uint8_t)~(v->latch[p] ^ want);
    }
    return r;
}

static uint8_t alu(struct vga *v, uint8_t val, int p)
{
    switch ((v->gr[3] >> 3) & 3) {
    case 1: return val & v->latch[p];
    case 2: return val | v->latch[p];
    case 3: return val ^ v->latch[p];
    default: return val;
    }
}

static void mem_write8(struct vga *v, uint64_t addr, uint8_t val)
{
    if (vbe_on(v)) {
        if (addr >= 0x10000)
            return;
        uint64_t a = (uint64_t)v->vbe[VBE_BANK] * 0x10000 + addr;
        if (a < VGA_VRAM_SIZE)
            v->vram[a] = val;
        return;
    }
    int64_t off = window_offset(v, addr);
    if (off < 0)
        return;
    uint8_t mask = v->sr[2] & 0x0f;
    if (v->sr[4] & 0x08) {                  /* chain 4 */
        if (mask & (1 << (off & 3)))
            v->vram[off] = val;
        return;
    }
    if (!(v->sr[4] & 0x04)) {               /* odd/even: even to planes 0/2, odd to 1/3 */
        uint8_t planes = mask & ((off & 1) ? 0x0a : 0x05);
        for (int p = 0; p < 4; p++)
            if (planes & (1 << p))
                v->vram[(off & ~1) * 4 + p] = val;
        return;
    }
    uint8_t rot = v->gr[3] & 7;
    uint8_t r = (uint8_t)((val >> rot) | (val << (8 - rot)));
    uint8_t bitmask = v->gr[8];
    uint8_t out[4];
    switch (v->gr[5] & 3) {
    case 0:
        for (int p = 0; p < 4; p++) {
            uint8_t d = (v->gr[1] & (1 << p)) ? ((v->gr[0] & (1 << p)) ? 0xff : 0) : r;
            out[p] = alu(v, d, p);
        }
        break;
    case 1:
        memcpy(out, v->latch, 4);
        bitmask = 0xff;
        break;
    case 2:
        for (int p = 0; p < 4; p++)
            out[p] = alu(v, (val & (1 << p)) ? 0xff : 0, p);
        break;
    default:
        bitmask &= r;
        for (int p = 0; p < 4; p++)
            out[p] = alu(v, (v->gr[0] & (1 << p)) ? 0xff : 0, p);
        break;
    }
    for (int p = 0; p < 4; p++)
        if (mask & (1 << p))
            v->vram[off * 4 + p] = (uint8_t)((out[p] & bitmask) | (v->latch[p] & ~bitmask));
}

static uint64_t win_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < size; i++)
        r |= (uint64_t)mem_read8(opaque, offset + i) << (8 * i);
    return r;
}

static void win_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        mem_write8(opaque, offset + i, (uint8_t)(value >> (8 * i)));
}

static const struct mmio_ops win_ops = {win_read, win_write};

/* The linear framebuffer (BAR 0): VRAM as is. */
static uint64_t lfb_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint64_t r = 0;
    for (unsigned i = 0; i < size && offset + i < VGA_VRAM_SIZE; i++)
        r |= (uint64_t)v->vram[offset + i] << (8 * i);
    return r;
}

static void lfb_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size && offset + i < VGA_VRAM_SIZE; i++)
        v->vram[offset + i] = (uint8_t)(value >> (8 * i));
}

static const struct mmio_ops lfb_ops = {lfb_read, lfb_write};

/* ---- VBE ---- */

static void vbe_enable(struct vga *v, uint16_t val)
{
    uint16_t bpp = v->vbe[VBE_BPP] ? v->vbe[VBE_BPP] : 8;
    if (val & VBE_ENABLED) {
        unsigned bytes = (bpp + 7) / 8;
        uint64_t need = (uint64_t)v->vbe[VBE_XRES] * v->vbe[VBE_YRES] * bytes;
        v->vbe[VBE_ENABLE] = val & (VBE_GETCAPS | VBE_8BIT_DAC);
        if ((bpp != 4 && bpp != 8 && bpp != 15 && bpp != 16 && bpp != 24 && bpp != 32) ||
            !v->vbe[VBE_XRES] || !v->vbe[VBE_YRES] || v->vbe[VBE_XRES] > VBE_MAX_XRES ||
            v->vbe[VBE_YRES] > VBE_MAX_YRES || need > VGA_VRAM_SIZE) {
            LOGD("vga", "VBE mode %ux%ux%u rejected", v->vbe[VBE_XRES], v->vbe[VBE_YRES], bpp);
            return;  /* stays disabled */
        }
        v->vbe[VBE_BPP] = bpp;
        v->vbe[VBE_VIRT_WIDTH] = v->vbe[VBE_XRES];
        v->vbe[VBE_VIRT_HEIGHT] = (uint16_t)(VGA_VRAM_SIZE / ((uint32_t)v->vbe[VBE_XRES] * bytes) > 0xffff
                                                 ? 0xffff
                                                 : VGA_VRAM_SIZE / ((uint32_t)v->vbe[VBE_XRES] * bytes));
        v->vbe[VBE_X_OFFSET] = v->vbe[VBE_Y_OFFSET] = 0;
        if (!(val & VBE_NOCLEARMEM))
            memset(v->vram, 0, need);
        /* A graphics mode in the legacy registers too, as the VBE BIOS expects. */
        v->gr[6] = (v->gr[6] & ~0x0c) | 0x05;
        v->sr[4] |= 0x08;
    }
    v->vbe[VBE_ENABLE] = val & (VBE_ENABLED | VBE_GETCAPS | VBE_8BIT_DAC | VBE_LFB_ENABLED | VBE_NOCLEARMEM);
}

static uint16_t vbe_read(struct vga *v)
{
    uint16_t i = v->vbe_index;
    if (i >= VBE_NREGS)
        return 0;
    if (v->vbe[VBE_ENABLE] & VBE_GETCAPS) {
        switch (i) {
        case VBE_XRES: return VBE_MAX_XRES;
        case VBE_YRES: return VBE_MAX_YRES;
        case VBE_BPP: return VBE_MAX_BPP;
        default: break;
        }
    }
    if (i == VBE_VIDEO_MEMORY_64K)
        return VGA_VRAM_SIZE >> 16;
    return v->vbe[i];
}

static void vbe_write(struct vga *v, uint16_t val)
{
    uint16_t i = v->vbe_index;
    switch (i) {
    case VBE_ID:
        if (val >= 0xb0c0 && val <= VBE_ID5)
            v->vbe[VBE_ID] = val;
        break;
    case VBE_XRES: case VBE_YRES: case VBE_BPP:
        if (!vbe_on(v))
            v->vbe[i] = val;
        break;
    case VBE_ENABLE:
        if ((val & VBE_ENABLED) && !vbe_on(v))
            vbe_enable(v, val);
        else
            v->vbe[VBE_ENABLE] = val & (VBE_ENABLED | VBE_GETCAPS | VBE_8BIT_DAC | VBE_LFB_ENABLED | VBE_NOCLEARMEM);
        break;
    case VBE_BANK:
        v->vbe[VBE_BANK] = val < (VGA_VRAM_SIZE >> 16) ? val : 0;
        break;
    case VBE_VIRT_WIDTH: case VBE_X_OFFSET: case VBE_Y_OFFSET:
        v->vbe[i] = val;
        break;
    default:
        break;
    }
}

/* ---- I/O ports ---- */

static bool color_io(const struct vga *v)
{
    return v->misc & 1;
}

static uint32_t vga_read(void *opaque, uint16_t port, unsigned size)
{
    struct vga *v = opaque;
    if (port == 0x1ce)
        return v->vbe_index;
    if (port == 0x1cf || port == 0x1d0)
        return vbe_read(v);
    /* The mono or colour CRTC/status ports, whichever misc bit 0 selects. */
    if ((port >= 0x3b0 && port <= 0x3bf && color_io(v)) || (port >= 0x3d0 && port <= 0x3df && !color_io(v)))
        return 0xff;
    switch (port) {
    case 0x3c0: return v->ar_index;
    case 0x3c1:
        /* The attribute controller has registers 0x00-0x14 (IBM VGA
         * Technical Reference); the rest of the 5-bit index reads 0, as on
         * QEMU's VGA, instead of whatever lies past ar[]. */
        return (v->ar_index & 0x1f) < sizeof(v->ar) ? v->ar[v->ar_index & 0x1f] : 0;
    case 0x3c2: return 0x10;                 /* input status 0: switch sense */
    case 0x3c3: return 1;
    case 0x3c4: return v->sr_index;
    case 0x3c5: return v->sr[v->sr_index & 7];
    case 0x3c6: return v->dac_mask;
    case 0x3c7: return v->dac_state;
    case 0x3c8: return v->dac_write;
    case 0x3c9: {
        uint8_t r = v->dac[v->dac_read][v->dac_sub];
        if (++v->dac_sub == 3) {
            v->dac_sub = 0;
            v->dac_read++;
        }
        return r;
    }
    case 0x3ca: return 0;
    case 0x3cc: return v->misc;
    case 0x3ce: return v->gr_index;
    case 0x3cf: return v->gr[v->gr_index & 15];
    case 0x3b4: case 0x3d4: return v->cr_index;
    case 0x3b5: case 0x3d5: return v->cr_index < 32 ? v->cr[v->cr_index] : 0xff;
    case 0x3ba: case 0x3da:
        /* Input status 1: toggling retrace and display-enable lets polling
         * loops finish; the read resets the attribute flip-flop. */
        v->ar_flip = false;
        v->st1 ^= 0x09;
        return v->st1;
    default:
        return 0xff;
    }
}

static void vga_write1(struct vga *v, uint16_t port, uint8_t val)
{
    if ((port >= 0x3b0 && port <= 0x3bf && color_io(v)) || (port >= 0x3d0 && port <= 0x3df && !color_io(v)))
        return;
    switch (port) {
    case 0x3c0:
        if (!v->ar_flip)
            v->ar_index = val & 0x3f;
        else if ((v->ar_index & 0x1f) < 21)
            v->ar[v->ar_index & 0x1f] = val;
        v->ar_flip = !v->ar_flip;
        break;
    case 0x3c2: v->misc = val; break;
    case 0x3c3: break;
    case 0x3c4: v->sr_index = val; break;
    case 0x3c5: v->sr[v->sr_index & 7] = val; break;
    case 0x3c6: v->dac_mask = val; break;
    case 0x3c7: v->dac_read = val; v->dac_sub = 0; v->dac_state = 0; break;
    case 0x3c8: v->dac_write = val; v->dac_sub = 0; v->dac_state = 3; break;
    case 0x3c9:
        v->dac_latch[v->dac_sub] = (v->vbe[VBE_ENABLE] & VBE_8BIT_DAC) ? val : val & 0x3f;
        if (++v->dac_sub == 3) {
            memcpy(v->dac[v->dac_write], v->dac_latch, 3);
            v->dac_sub = 0;
            v->dac_write++;
        }
        break;
    case 0x3ce: v->gr_index = val; break;
    case 0x3cf: v->gr[v->gr_index & 15] = val; break;
    case 0x3b4: case 0x3d4: v->cr_index = val; break;
    case 0x3b5: case 0x3d5:
        if (v->cr_index >= 32)
            break;
        /* CR11 bit 7 write-protects CR0-CR7 (except CR7 bit 4). */
        if (v->cr_index <= 7 && (v->cr[0x11] & 0x80)) {
            if (v->cr_index == 7)
                v->cr[7] = (uint8_t)((v->cr[7] & ~0x10) | (val & 0x10));
            break;
        }
        v->cr[v->cr_index] = val;
        break;
    default:
        break;
    }
}

static void vga_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    if (port == 0x1ce) {
        v->vbe_index = (uint16_t)value;
        return;
    }
    if (port == 0x1cf || port == 0x1d0) {
        vbe_write(v, (uint16_t)value);
        return;
    }
    /* A 16-bit OUT to an index port writes index then data. */
    vga_write1(v, port, (uint8_t)value);
    if (size >= 2)
        vga_write1(v, (uint16_t)(port + 1), (uint8_t)(value >> 8));
}

static const struct io_ops vga_io = {vga_read, vga_write};

/* ---- display ---- */

static uint32_t dac_rgb(const struct vga *v, uint8_t i)
{
    const uint8_t *c = v->dac[i & v->dac_mask];
    if (v->vbe[VBE_ENABLE] & VBE_8BIT_DAC)
        return (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
    /* 6-bit DAC values scaled to 8 bits. */
    return (uint32_t)(c[0] << 2 | c[0] >> 4) << 16 | (uint32_t)(c[1] << 2 | c[1] >> 4) << 8 |
           (uint32_t)(c[2] << 2 | c[2] >> 4);
}

/* The DAC index of attribute colour c (the attribute palette and colour
 * select, AR10 bit 7 choosing the P5:P4 source). */
static uint8_t attr_color(const struct vga *v, unsigned c)
{
    uint8_t p = v->ar[c & 15] & 0x3f;
    if (v->ar[0x10] & 0x80)
        p = (uint8_t)((p & 0x0f) | (v->ar[0x14] & 0x0f) << 4);
    else
        p = (uint8_t)(p | (v->ar[0x14] & 0x0c) << 4);
    return p;
}

void vga_display_state(struct vga *v, struct display_state *s)
{
    memset(s, 0, sizeof(*s));
    s->palette = v->palette;
    if (vbe_on(v)) {
        unsigned bpp = v->vbe[VBE_BPP];
        unsigned bytes = (bpp + 7) / 8;
        for (int i = 0; i < 256; i++)
            v->palette[i] = dac_rgb(v, (uint8_t)i);
        if (bpp < 8)
            return;  /* 4-bit planar VBE modes are not rendered */
        s->kind = DISPLAY_GRAPHICS;
        s->width = v->vbe[VBE_XRES];
        s->height = v->vbe[VBE_YRES];
        s->bpp = bpp;
        s->stride = v->vbe[VBE_VIRT_WIDTH] * bytes;
        uint64_t start = (uint64_t)v->vbe[VBE_Y_OFFSET] * s->stride + (uint64_t)v->vbe[VBE_X_OFFSET] * bytes;
        if (start + (uint64_t)s->stride * (s->height - 1) + (uint64_t)s->width * bytes > VGA_VRAM_SIZE) {
            s->kind = DISPLAY_BLANK;
            return;
        }
        s->pixels = v->vram + start;
        return;
    }
    if ((v->sr[1] & 0x20) || !(v->ar_index & 0x20))
        return;  /* screen off (SR1 bit 5) or the palette being loaded */
    unsigned start = (unsigned)v->cr[0x0c] << 8 | v->cr[0x0d];
    if (!(v->gr[6] & 1)) {
        /* Text: cells of (character, attribute) at CRTC word addresses. */
        unsigned cols = v->cr[1] + 1u;
        unsigned vde = v->cr[0x12] | (v->cr[7] & 0x02) << 7 | (v->cr[7] & 0x40) << 3;
        unsigned ch = (v->cr[9] & 0x1f) + 1u;
        unsigned rows = (vde + 1) / ch;
        unsigned stride = v->cr[0x13] * 2u;   /* cells per line */
        if (cols > 256 || rows > 128 || !rows || stride < cols)
            return;
        for (unsigned r = 0; r < rows; r++) {
            for (unsigned c = 0; c < cols; c++) {
                unsigned a = ((start + r * stride + c) * 2) & 0xffff;
                v->cells[(r * cols + c) * 2] = v->vram[a * 4];
                v->cells[(r * cols + c) * 2 + 1] = v->vram[a * 4 + 1];
            }
        }
        unsigned cur = ((unsigned)v->cr[0x0e] << 8 | v->cr[0x0f]) - start;
        s->kind = DISPLAY_TEXT;
        s->cells = v->cells;
        s->cols = cols;
        s->rows = rows;
        s->cursor_visible = !(v->cr[0x0a] & 0x20) && cur < cols * rows;
        s->cursor_col = s->cursor_visible ? cur % cols : 0;
        s->cursor_row = s->cursor_visible ? cur / cols : 0;
        for (int i = 0; i < 16; i++)
            v->palette[i] = dac_rgb(v, attr_color(v, (unsigned)i));
        return;
    }
    if ((v->sr[4] & 0x08) && (v->gr[5] & 0x40)) {
        /* Mode 13h style chain-4 256 colours, pixels doubled horizontally
         * by the 8-bit pixel clock: show it at its logical width. */
        unsigned width = (v->cr[1] + 1u) * 4;
        unsigned vde = v->cr[0x12] | (v->cr[7] & 0x02) << 7 | (v->cr[7] & 0x40) << 3;
        unsigned height = (vde + 1) / (((v->cr[9] & 0x1f) + 1u) * ((v->cr[9] & 0x80) ? 2 : 1));
        unsigned stride = v->cr[0x13] * 8u;
        if (!width || !height || (uint64_t)start * 4 + (uint64_t)stride * height > 0x40000)
            return;
        for (int i = 0; i < 256; i++)
            v->palette[i] = dac_rgb(v, (uint8_t)i);
        s->kind = DISPLAY_GRAPHICS;
        s->width = width;
        s->height = height;
        s->bpp = 8;
        s->stride = stride;
        s->pixels = v->vram + start * 4;
    }
    /* 16-colour planar modes are not rendered. */
}

/* ---- setup ---- */

void vga_reset(struct vga *v)
{
    v->misc = 0x01;  /* colour I/O addresses */
    memset(v->sr, 0, sizeof(v->sr));
    memset(v->gr, 0, sizeof(v->gr));
    memset(v->cr, 0, sizeof(v->cr));
    memset(v->ar, 0, sizeof(v->ar));
    v->sr_index = v->gr_index = v->cr_index = v->ar_index = 0;
    v->ar_flip = false;
    v->st1 = 0;
    v->dac_mask = 0xff;
    v->dac_read = v->dac_write = v->dac_sub = v->dac_state = 0;
    memset(v->vbe, 0, sizeof(v->vbe));
    v->vbe[VBE_ID] = VBE_ID5;
    v->vbe_index = 0;
}

struct vga *vga_create(struct pci_bus *bus, struct io_bus *io, struct guest_memory *mem,
                       const uint8_t *rom, size_t rom_len)
{
    struct vga *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->vram = calloc(1, VGA_VRAM_SIZE);
    if (!v->vram || (rom_len && !(v->rom = malloc(rom_len)))) {
        vga_destroy(v);
        return NULL;
    }
    pci_device_init(&v->dev, "vga", 0x1234, 0x1111, 0x030000, 0x02);
    pci_set_bar(&v->dev, 0, PCI_BAR_MEM32, VGA_VRAM_SIZE, NULL, &lfb_ops, v);
    v->dev.config[PCI_BAR0] |= 0x08;  /* prefetchable */
    if (rom_len) {
        memcpy(v->rom, rom, rom_len);
        pci_set_rom(&v->dev, v->rom, (uint32_t)rom_len);
    }
    if (pci_register(bus, &v->dev, PCI_DEVFN(2, 0)) < 0) {
        vga_destroy(v);
        return NULL;
    }
    io_register(io, 0x3b0, 0x30, &vga_io, v, "vga");
    io_register(io, 0x1ce, 3, &vga_io, v, "vbe");
    if (gmem_map_mmio(mem, 0xa0000, 0x20000, &win_ops, v, "vga-window") < 0)
        LOGW("vga", "cannot map the legacy VGA window");
    vga_reset(v);
    return v;
}

void vga_destroy(struct vga *v)
{
    if (!v)
        return;
    free(v->vram);
    free(v->rom);
    free(v);
}
