/* The guest's display and keyboard on the real machine (emu/emu_host.h
 * struct display_ops): VGA text modes drawn with the built-in font and
 * graphics modes (8/15/16/24/32 bpp) scaled by a whole factor and centred on
 * the GOP framebuffer (UEFI 2.9 12.9), only the cells or lines that changed;
 * the PS/2 keyboard's raw scan codes (set 1) passed on to the guest's 8042,
 * except the host combination Ctrl+Alt+2, which opens the appliance monitor
 * on the screen (as in QEMU's own displays). */
#include "kernel/display.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "emu/emu_host.h"
#include "kernel/appliance.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"

extern const int font_width, font_height;
extern const uint8_t font_glyphs[];

static uint32_t *fb;
static uint32_t fb_w, fb_h, stride, rmask, gmask, bmask;
static int suspended;          /* the monitor owns the screen */
static int need_full;          /* redraw everything at the next update */

/* What is on the screen now, to draw only the differences. */
static enum display_kind shown_kind = DISPLAY_BLANK;
static unsigned shown_cols, shown_rows, shown_w, shown_h, shown_bpp, scale, x0, y0;
static uint8_t *shown;         /* text: cells; graphics: a copy of the pixels */
static size_t shown_cap;
static unsigned shown_cur_col, shown_cur_row;
static int shown_cur_vis;
static uint32_t shown_palette[16];

static int ctrl_l, ctrl_r, alt_l, alt_r, e0;

static uint32_t channel(uint32_t mask, uint8_t v)
{
    if (!mask)
        return 0;
    int shift = __builtin_ctz(mask);
    return ((uint32_t)v * (mask >> shift) / 255u) << shift;
}

static uint32_t pixel(uint32_t rgb)
{
    return channel(rmask, (uint8_t)(rgb >> 16)) | channel(gmask, (uint8_t)(rgb >> 8)) |
           channel(bmask, (uint8_t)rgb);
}

static void fill(uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t px)
{
    for (uint32_t j = 0; j < h && y + j < fb_h; j++) {
        uint32_t *p = fb + (size_t)(y + j) * stride + x;
        for (uint32_t i = 0; i < w && x + i < fb_w; i++)
            p[i] = px;
    }
}

/* The built-in font is Latin-1; the VGA's characters are code page 437. The
 * printable ASCII range is the same; box drawing and blocks get look-alikes. */
static uint8_t cp437_to_font(uint8_t c)
{
    if (c >= 0x20 && c < 0x7f)
        return c;
    switch (c) {
    case 0xb3: case 0xba: return '|';
    case 0xc4: case 0xcd: return '-';
    case 0xb0: case 0xb1: case 0xb2: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf: return '#';
    case 0xf9: case 0xfa: case 0x07: return '.';
    case 0x00: case 0xff: return ' ';
    default: return (c >= 0xb4 && c <= 0xda) ? '+' : '?';
    }
}

static void draw_cell(const struct display_state *s, unsigned col, unsigned row, int cursor)
{
    const uint8_t *cell = s->cells + ((size_t)row * s->cols + col) * 2;
    uint8_t attr = cell[1];
    uint32_t fg = pixel(s->palette[attr & 15]), bg = pixel(s->palette[(attr >> 4) & 7]);
    const uint8_t *g = &font_glyphs[cp437_to_font(cell[0]) * font_height];
    uint32_t cx = x0 + col * (unsigned)font_width * scale, cy = y0 + row * (unsigned)font_height * scale;
    for (int y = 0; y < font_height; y++) {
        uint8_t bits = g[y];
        if (cursor && y >= font_height - 2)
            bits = 0xff;
        for (unsigned sy = 0; sy < scale; sy++) {
            uint32_t *p = fb + (size_t)(cy + (unsigned)y * scale + sy) * stride + cx;
            for (int x = 0; x < font_width; x++) {
                uint32_t px = (bits & (0x80 >> x)) ? fg : bg;
                for (unsigned sx = 0; sx < scale; sx++)
                    *p++ = px;
            }
        }
    }
}

static int reserve(size_t n)
{
    if (n <= shown_cap)
        return 0;
    uint8_t *p = realloc(shown, n);
    if (!p)
        return -1;
    shown = p;
    shown_cap = n;
    return 0;
}

/* Chooses the scale and origin for a picture of w x h pixels. */
static void layout(unsigned w, unsigned h)
{
    scale = 1;
    while (w * (scale + 1) <= fb_w && h * (scale + 1) <= fb_h)
        scale++;
    x0 = w * scale < fb_w ? (fb_w - w * scale) / 2 : 0;
    y0 = h * scale < fb_h ? (fb_h - h * scale) / 2 : 0;
}

static void update_text(const struct display_state *s)
{
    size_t n = (size_t)s->cols * s->rows * 2;
    int full = need_full || shown_kind != DISPLAY_TEXT || s->cols != shown_cols || s->rows != shown_rows ||
               memcmp(shown_palette, s->palette, sizeof(shown_palette));
    if (full) {
        if (reserve(n) < 0)
            return;
        layout(s->cols * (unsigned)font_width, s->rows * (unsigned)font_height);
        if (s->cols * (unsigned)font_width * scale > fb_w || s->rows * (unsigned)font_height * scale > fb_h)
            return;   /* a text mode larger than the screen: not drawn */
        fill(0, 0, fb_w, fb_h, 0);
        shown_kind = DISPLAY_TEXT;
        shown_cols = s->cols;
        shown_rows = s->rows;
        memcpy(shown_palette, s->palette, sizeof(shown_palette));
        need_full = 0;
    }
    int vis = s->cursor_visible && s->cursor_col < s->cols && s->cursor_row < s->rows;
    for (unsigned r = 0; r < s->rows; r++)
        for (unsigned c = 0; c < s->cols; c++) {
            size_t o = ((size_t)r * s->cols + c) * 2;
            int cur = vis && c == s->cursor_col && r == s->cursor_row;
            int was = shown_cur_vis && c == shown_cur_col && r == shown_cur_row;
            if (full || cur != was || memcmp(shown + o, s->cells + o, 2)) {
                draw_cell(s, c, r, cur);
                memcpy(shown + o, s->cells + o, 2);
            }
        }
    shown_cur_vis = vis;
    shown_cur_col = s->cursor_col;
    shown_cur_row = s->cursor_row;
}

static uint32_t guest_pixel(const struct display_state *s, const uint8_t *line, unsigned x)
{
    switch (s->bpp) {
    case 8: return s->palette[line[x]];
    case 15: {
        uint16_t v = (uint16_t)(line[2 * x] | line[2 * x + 1] << 8);
        return (uint32_t)((v >> 10 & 31) * 255 / 31) << 16 | (uint32_t)((v >> 5 & 31) * 255 / 31) << 8 |
               (uint32_t)((v & 31) * 255 / 31);
    }
    case 16: {
        uint16_t v = (uint16_t)(line[2 * x] | line[2 * x + 1] << 8);
        return (uint32_t)((v >> 11 & 31) * 255 / 31) << 16 | (uint32_t)((v >> 5 & 63) * 255 / 63) << 8 |
               (uint32_t)((v & 31) * 255 / 31);
    }
    case 24: return (uint32_t)line[3 * x + 2] << 16 | (uint32_t)line[3 * x + 1] << 8 | line[3 * x];
    default: return (uint32_t)line[4 * x + 2] << 16 | (uint32_t)line[4 * x + 1] << 8 | line[4 * x];
    }
}

static void update_graphics(const struct display_state *s)
{
    unsigned bytes_pp = s->bpp == 15 ? 2 : (s->bpp + 7) / 8;
    size_t line_bytes = (size_t)s->width * bytes_pp;
    int full = need_full || shown_kind != DISPLAY_GRAPHICS || s->width != shown_w || s->height != shown_h ||
               s->bpp != shown_bpp || s->bpp == 8;   /* 8 bpp: the palette may change under the pixels */
    if (!s->width || !s->height || line_bytes > s->stride)
        return;
    if (full) {
        if (reserve(line_bytes * s->height) < 0)
            return;
        layout(s->width, s->height);
        fill(0, 0, fb_w, fb_h, 0);
        shown_kind = DISPLAY_GRAPHICS;
        shown_w = s->width;
        shown_h = s->height;
        shown_bpp = s->bpp;
        need_full = 0;
    }
    unsigned w = s->width * scale <= fb_w ? s->width : fb_w / scale;
    unsigned h = s->height * scale <= fb_h ? s->height : fb_h / scale;
    for (unsigned y = 0; y < h; y++) {
        const uint8_t *line = s->pixels + (size_t)y * s->stride;
        uint8_t *copy = shown + (size_t)y * line_bytes;
        if (!full && !memcmp(copy, line, line_bytes))
            continue;
        memcpy(copy, line, line_bytes);
        for (unsigned sy = 0; sy < scale; sy++) {
            uint32_t *p = fb + (size_t)(y0 + y * scale + sy) * stride + x0;
            for (unsigned x = 0; x < w; x++) {
                uint32_t px = pixel(guest_pixel(s, line, x));
                for (unsigned sx = 0; sx < scale; sx++)
                    *p++ = px;
            }
        }
    }
}

static void disp_update(void *ctx, const struct display_state *s)
{
    (void)ctx;
    if (!fb || suspended)
        return;
    switch (s->kind) {
    case DISPLAY_TEXT:
        if (s->cells && s->palette)
            update_text(s);
        break;
    case DISPLAY_GRAPHICS:
        if (s->pixels && s->palette)
            update_graphics(s);
        break;
    default:
        if (shown_kind != DISPLAY_BLANK || need_full) {
            fill(0, 0, fb_w, fb_h, 0);
            shown_kind = DISPLAY_BLANK;
            need_full = 0;
        }
        break;
    }
}

/* Raw scan codes (set 1) to key events; Ctrl+Alt+2 opens the monitor. */
static size_t disp_input(void *ctx, struct input_event *ev, size_t max)
{
    (void)ctx;
    size_t n = 0;
    int sc;
    while (n + 2 < max && (sc = ps2kbd_get_scancode()) >= 0) {
        if (sc == 0xe0) {
            e0 = 1;
            continue;
        }
        int down = !(sc & 0x80);
        uint16_t code = (uint16_t)((sc & 0x7f) | (e0 ? 0xe000 : 0));
        e0 = 0;
        switch (code) {
        case 0x1d: ctrl_l = down; break;
        case 0xe01d: ctrl_r = down; break;
        case 0x38: alt_l = down; break;
        case 0xe038: alt_r = down; break;
        default: break;
        }
        if (code == 0x03 && down && (ctrl_l || ctrl_r) && (alt_l || alt_r)) {
            /* The guest saw Ctrl and Alt go down: let them go up for it. */
            ev[n++] = (struct input_event){.type = INPUT_KEY, .code = ctrl_r ? 0xe01d : 0x1d, .down = false};
            ev[n++] = (struct input_event){.type = INPUT_KEY, .code = alt_r ? 0xe038 : 0x38, .down = false};
            ctrl_l = ctrl_r = alt_l = alt_r = 0;
            appliance_monitor_screen(1);
            break;
        }
        ev[n++] = (struct input_event){.type = INPUT_KEY, .code = code, .down = down != 0};
    }
    int dx, dy;
    unsigned buttons;
    if (n < max && ps2mouse_get(&dx, &dy, &buttons))
        ev[n++] = (struct input_event){.type = INPUT_MOUSE, .dx = dx, .dy = dy, .buttons = buttons};
    return n;
}

static const struct display_ops ops = {disp_update, disp_input};

const struct display_ops *display_init(void)
{
    const struct boot_info *bi = kernel_boot_info;
    if (!bi || !bi->fb.present)
        return NULL;
    fb = (uint32_t *)(uintptr_t)bi->fb.base;
    fb_w = bi->fb.width;
    fb_h = bi->fb.height;
    stride = bi->fb.stride;
    rmask = bi->fb.red_mask;
    gmask = bi->fb.green_mask;
    bmask = bi->fb.blue_mask;
    need_full = 1;
    return &ops;
}

void display_take_screen(void)
{
    fbcon_set_enabled(0);
    ps2kbd_set_raw(1);
    suspended = 0;
    need_full = 1;
}

void display_release_screen(void)
{
    suspended = 1;
    ps2kbd_set_raw(0);
    fbcon_set_enabled(1);
}
