#!/usr/bin/env python3
"""Checks that a QEMU screendump (binary PPM) shows TEXT drawn with the kernel's
built-in font (build/efi/gen/font.c) on some text row, light on dark, and
optionally that the background has colour BG (RRGGBB hex, within 0x20).
With --grid COLSxROWS the text is looked for in a guest text mode of that
size drawn by kernel/display.c: scaled by the largest whole factor that fits
and centred. Usage: screen_text.py SCREEN.ppm FONT.c TEXT [BG] [--grid 80x25]"""
import re
import sys

args = sys.argv[1:]
grid = None
if "--grid" in args:
    i = args.index("--grid")
    grid = [int(v) for v in args[i + 1].split("x")]
    del args[i:i + 2]
ppm, font_c, text = args[0], open(args[1]).read(), args[2]
bg = args[3] if len(args) > 3 else None
w, h = [int(x) for x in re.search(r"font_width = (\d+), font_height = (\d+)", font_c).groups()]
body = font_c[font_c.index("= {") + 3:]
glyphs = [int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body)]
data = open(ppm, "rb").read()
m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
if not m:
    sys.exit("screendump is not a binary PPM")
W, H = int(m.group(1)), int(m.group(2))
pix = data[m.end():]
scale, ox, oy = 1, 0, 0
if grid:
    cols, rows = grid
    while cols * w * (scale + 1) <= W and rows * h * (scale + 1) <= H:
        scale += 1
    ox = max(0, (W - cols * w * scale) // 2)
    oy = max(0, (H - rows * h * scale) // 2)


def rgb(x, y):
    o = (y * W + x) * 3
    return pix[o], pix[o + 1], pix[o + 2]


def lit(x, y):
    return sum(rgb(ox + x * scale, oy + y * scale)) > 3 * 0x60


def mismatches(row):
    bad = 0
    for i, ch in enumerate(text):
        if ox + (i + 1) * w * scale > W:
            return 1 << 30
        g = glyphs[ord(ch) * h:(ord(ch) + 1) * h]
        for y in range(h):
            for x in range(w):
                if lit(i * w + x, row * h + y) != bool(g[y] & (0x80 >> x)):
                    bad += 1
    return bad


results = [(mismatches(r), r) for r in range((grid[1] if grid else H // h))]
best = min(results)
if best[0]:
    sys.exit("no text row matches %r: best is row %d with %d differing pixels" % (text, best[1], best[0]))
if bg:
    want = [int(bg[i:i + 2], 16) for i in (0, 2, 4)]
    got = rgb(W - 1, H - 1)
    if any(abs(a - b) > 0x20 for a, b in zip(got, want)):
        sys.exit("background is %02x%02x%02x, expected %s" % (got + (bg,)))
print("screen row %d shows %r (%d glyphs of %dx%d, scale %d)" % (best[1], text, len(text), w, h, scale))
