#!/usr/bin/env bash
# timeout: 300
# The CPU against 184,011 single-instruction tests recorded from a real 80286
# in real mode (../shared/cpu-tests/80286-real): every test not in the runner's
# documented 286-vs-P6 skip list must pass.
set -u
top=${BAREMU_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
dir="$top/../shared/cpu-tests/80286-real"
[ -d "$dir" ] || dir=/work/shared/cpu-tests/80286-real
if [ ! -d "$dir" ]; then echo "no recorded tests at $top/../shared/cpu-tests/80286-real"; exit 77; fi
bin="$top/build/hosted-asan/cpu-sst"
[ -x "$bin" ] || bin="$top/build/hosted/cpu-sst"
[ -x "$bin" ] || { echo "cpu-sst not built (make hosted)"; exit 1; }
out=$("$bin" -v "$dir" 2>&1); rc=$?
printf '%s\n' "$out" | grep '^FAIL' | head -n 50
summary=$(printf '%s\n' "$out" | tail -n 1)
echo "$summary"
if ! [[ "$summary" =~ ^([0-9]+)\ passed,\ 0\ failed ]]; then
  echo "FAIL: recorded 286 tests failed"; exit 1
fi
[ "${BASH_REMATCH[1]}" -gt 180000 ] || { echo "FAIL: only ${BASH_REMATCH[1]} tests ran"; exit 1; }
[ "$rc" = 0 ] || { echo "FAIL: cpu-sst exited $rc"; exit 1; }
exit 0
