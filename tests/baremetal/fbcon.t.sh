# timeout: 150
# The GOP text console: after boot, QEMU's monitor takes a screendump and the
# character cells of the banner line ("baremu ...", text row 1 after the
# leading newline, or wherever scrolling moved it) must hold exactly the glyphs of the font the kernel was
# built with (build/efi/gen/font.c), drawn light on black.
. "$(dirname "$0")/lib.sh"
bm_require
command -v socat >/dev/null || { echo "skip: socat not installed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 not installed"; exit 77; }
font=$top/build/efi/gen/font.c
[ -f "$font" ] || { echo "skip: $font not generated (make efi)"; exit 77; }
mkdir -p "$top/build/tmp"; work=$(mktemp -d "$top/build/tmp/fbcon.XXXXXX")
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$BM_LOGDIR"
BM_LOG=$BM_LOGDIR/baremetal-fbcon.serial.log
rm -f "$BM_LOG"   # a stale log must not satisfy the waits below
mon=$work/mon
# No config file at all: the kernel runs with defaults (and the monitor quits).
"$top/tools/run-qemu-efi.sh" --efi "$BM_EFI" --machine q35 \
    --serial "file:$work/serial" --timeout "$BM_QEMU_TIMEOUT" -- -monitor "unix:$mon,server,nowait" &
qpid=$!
monitor() { printf '%s\n' "$@" | socat - "UNIX-CONNECT:$mon" >/dev/null; }
for _ in $(seq 1 120); do
  [ -f "$work/serial" ] && tr -d '\r' < "$work/serial" > "$BM_LOG"
  grep -q 'loop: deadline met' "$BM_LOG" 2>/dev/null && break
  kill -0 "$qpid" 2>/dev/null || bm_fail "QEMU ended before the main loop"
  sleep 0.5
done
grep -q 'loop: deadline met' "$BM_LOG" || bm_fail "the main loop was not reached"
bm_expect 'config: no \\baremu\\baremu.cfg: defaults' "the defaults taken without a config file"
monitor "screendump $work/screen.ppm"
for _ in $(seq 1 20); do [ -s "$work/screen.ppm" ] && break; sleep 0.5; done
monitor quit || true
wait "$qpid" 2>/dev/null; qpid=
[ -s "$work/screen.ppm" ] || bm_fail "no screendump"
cp "$work/screen.ppm" "$BM_LOGDIR/baremetal-fbcon.ppm"
banner=$(grep -Eo '^baremu [^ ]+ - bare-metal' "$BM_LOG" | head -n1)
[ -n "$banner" ] || bm_fail "no banner on serial"
python3 - "$work/screen.ppm" "$font" "$banner" <<'PY' || bm_fail "framebuffer text does not match the banner (screendump kept in build/test-logs/baremetal-fbcon.ppm)"
import re, sys
ppm, font_c, text = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
w, h = [int(x) for x in re.search(r"font_width = (\d+), font_height = (\d+)", font_c).groups()]
body = font_c[font_c.index("= {") + 3:]
glyphs = [int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", body)]
data = open(ppm, "rb").read()
m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
if not m:
    sys.exit("screendump is not a binary PPM")
W, H = int(m.group(1)), int(m.group(2))
pix = data[m.end():]
def lit(x, y):
    o = (y * W + x) * 3
    return sum(pix[o:o + 3]) > 3 * 0x60
def mismatches(row):
    bad = 0
    for i, ch in enumerate(text):
        g = glyphs[ord(ch) * h:(ord(ch) + 1) * h]
        for y in range(h):
            for x in range(w):
                if lit(i * w + x, row * h + y) != bool(g[y] & (0x80 >> x)):
                    bad += 1
    return bad
# Row 1 unless the console has scrolled (small screens): any row may hold it.
results = [(mismatches(r), r) for r in range(H // h)]
best = min(results)
if best[0]:
    sys.exit("no text row matches %r: best is row %d with %d differing pixels" % (text, best[1], best[0]))
print("framebuffer row %d matches %r (%d glyphs, %dx%d)" % (best[1], text, len(text), w, h))
PY
echo "ok: banner drawn on the framebuffer with the built-in font"
