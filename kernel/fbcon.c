/* A text console drawn on the GOP linear framebuffer (32-bit pixels, UEFI spec
 * 2.9 section 12.9) with the 8xN font converted at build time from a
 * console-setup-linux PSF file (tools/psf2c.c). Scrolls by moving pixel rows. */
#include <string.h>

#include "kernel/bootinfo.h"
#include "kernel/console.h"

extern const int font_width, font_height;
extern const uint8_t font_glyphs[];

static uint32_t *fb;
static uint32_t stride, width, height, cols, rows, col, row, fg, bg;
static uint32_t rmask, gmask, bmask;
static int enabled = 1;

void fbcon_set_enabled(int on)
{
    enabled = on;
}

int fbcon_init(const struct boot_fb *b)
{
    if (!b->present || b->width < 8 * 20 || b->height < 16 * 5)
        return -1;
    fb = (uint32_t *)(uintptr_t)b->base;
    stride = b->stride;
    width = b->width;
    height = b->height;
    rmask = b->red_mask;
    gmask = b->green_mask;
    bmask = b->blue_mask;
    cols = b->width / (uint32_t)font_width;
    rows = b->height / (uint32_t)font_height;
    /* Light grey on black, whatever the channel order. */
    fg = (b->red_mask | b->green_mask | b->blue_mask) & 0xc0c0c0c0u;
    fg |= fg >> 1;
    bg = 0;
    for (uint32_t y = 0; y < b->height; y++)
        for (uint32_t x = 0; x < b->width; x++)
            fb[y * stride + x] = bg;
    col = row = 0;
    return 0;
}

void fbcon_size(int *c, int *r)
{
    *c = fb ? (int)cols : 0;
    *r = fb ? (int)rows : 0;
}

static void draw(uint32_t cx, uint32_t cy, uint8_t ch)
{
    const uint8_t *g = &font_glyphs[ch * font_height];
    uint32_t *p = fb + cy * (uint32_t)font_height * stride + cx * (uint32_t)font_width;
    for (int y = 0; y < font_height; y++, p += stride)
        for (int x = 0; x < font_width; x++)
            p[x] = (g[y] & (0x80 >> x)) ? fg : bg;
}

/* Spreads 8 bits of colour over a channel mask (any position and width). */
static uint32_t channel(uint32_t mask, uint8_t v)
{
    if (!mask)
        return 0;
    int shift = __builtin_ctz(mask);
    uint32_t bits = mask >> shift;
    return ((uint32_t)v * bits / 255u) << shift;
}

void fbcon_set_colors(uint32_t fg_rgb, uint32_t bg_rgb)
{
    fg = channel(rmask, (uint8_t)(fg_rgb >> 16)) | channel(gmask, (uint8_t)(fg_rgb >> 8)) |
         channel(bmask, (uint8_t)fg_rgb);
    bg = channel(rmask, (uint8_t)(bg_rgb >> 16)) | channel(gmask, (uint8_t)(bg_rgb >> 8)) |
         channel(bmask, (uint8_t)bg_rgb);
}

void fbcon_clear(void)
{
    if (!fb)
        return;
    for (uint32_t y = 0; y < height; y++)
        for (uint32_t x = 0; x < width; x++)
            fb[y * stride + x] = bg;
    col = row = 0;
}

/* At the bottom the text moves up by half a screen at once: each scroll
 * rereads the framebuffer (slow, write-combined memory on real boards; a
 * big copy under emulation), so doing it once per rows/2 lines instead of
 * per line keeps a chatty guest console cheap. */
static void newline(void)
{
    col = 0;
    if (++row < rows)
        return;
    uint32_t keep = rows / 2, drop = rows - keep;
    size_t line = (size_t)stride * (uint32_t)font_height;
    memmove(fb, fb + drop * line, (size_t)keep * line * sizeof(uint32_t));
    for (size_t i = keep * line; i < (size_t)rows * line; i++)
        fb[i] = bg;
    row = keep;
}

void fbcon_putc(char c)
{
    if (!fb || !enabled)
        return;
    switch (c) {
    case '\n': newline(); return;
    case '\r': col = 0; return;
    case '\b': if (col) draw(--col, row, ' '); return;
    case '\t': do fbcon_putc(' '); while (col % 8); return;
    default: break;
    }
    draw(col, row, (uint8_t)c);
    if (++col == cols)
        newline();
}
