#!/usr/bin/env bash
# timeout: 120
# Protected mode, paging, exceptions and interrupts, task switches, V86,
# x87 (CR0 bits, #MF, FERR#), SYSENTER/SYSEXIT and shutdown: each guest
# program in tests/cpu/guest/*.asm (assembled into build/cpu-guest/) runs on
# the real CPU under build/hosted-asan/cpu-guest and reports PASS/FAIL lines.
set -u
top=${BAREMU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
bin="$top/build/hosted-asan/cpu-guest"
[ -x "$bin" ] || bin="$top/build/hosted/cpu-guest"
[ -x "$bin" ] || { echo "cpu-guest not built (make hosted)"; exit 1; }
status=0 total=0
for src in "$top"/tests/cpu/guest/*.asm; do
  name=$(basename "$src" .asm)
  img="$top/build/cpu-guest/$name.bin"
  [ -f "$img" ] || { echo "FAIL $name: $img not built"; status=1; continue; }
  args=()
  # A program that ends in shutdown says so in its first line.
  head -n 1 "$src" | grep -qi 'triple fault' && args=(--expect-reset)
  out=$("$bin" "${args[@]}" "$img" 2>&1); rc=$?
  printf '%s\n' "$out" | sed "s/^/$name: /"
  n=$(grep -c '^PASS' <<<"$out")
  total=$((total + n))
  if [ "$rc" != 0 ] || grep -q '^FAIL' <<<"$out"; then status=1; fi
done
echo "$total guest checks passed"
[ "$total" -ge 190 ] || { echo "FAIL: too few guest checks ran"; exit 1; }
exit $status
