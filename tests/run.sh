#!/usr/bin/env bash
# The test runner behind make check: runs every unit-test binary (one result
# per TEST case), then every script test tests/*/NAME.t.sh (one result each;
# exit 0 = pass, 77 = skipped with a reason, anything else = fail) under a
# timeout, keeps the logs of failures in build/test-logs/, and ends with the
# line "N passed, N failed, N skipped". BAREMU_LONG=1 adds *.long.sh tests.
# Usage: tests/run.sh [PATTERN]   (only tests whose name contains PATTERN)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logs="$top/build/test-logs"
mkdir -p "$logs"
pattern="${1:-}"
passed=0 failed=0 skipped=0
failures=()

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export BAREMU_TOP="$top"

for bin in build/hosted-asan/unit/*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  [[ -z "$pattern" || "$name" == *"$pattern"* ]] || continue
  out=$(timeout 300 "$bin" 2>&1); rc=$?
  n_ok=$(grep -c '^ok ' <<<"$out")
  n_bad=$(grep -c '^not ok ' <<<"$out")
  passed=$((passed + n_ok)); failed=$((failed + n_bad))
  grep '^not ok ' <<<"$out" | sed "s/^/  $name: /"
  if [ "$rc" != 0 ] && [ "$n_bad" = 0 ]; then
    # A crash or a sanitizer report after the cases ran is a failure too.
    failed=$((failed + 1)); failures+=("$name (exit $rc)")
    printf '%s\n' "$out" > "$logs/$name.log"
    echo "FAIL $name: exit $rc (log: build/test-logs/$name.log)"
  elif [ "$n_bad" != 0 ]; then
    failures+=("$name"); printf '%s\n' "$out" > "$logs/$name.log"
  fi
  echo "unit $name: $n_ok passed, $n_bad failed"
done

shopt -s nullglob
scripts=(tests/*/*.t.sh)
[ -n "${BAREMU_LONG:-}" ] && scripts+=(tests/*/*.long.sh)
for t in "${scripts[@]}"; do
  name=${t#tests/}; name=${name%.sh}
  [[ -z "$pattern" || "$name" == *"$pattern"* ]] || continue
  limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$t" | head -n1)
  log="$logs/${name//\//_}.log"
  start=$(date +%s)
  timeout --kill-after=10 "${limit:-600}" bash "$t" >"$log" 2>&1 </dev/null; rc=$?
  secs=$(( $(date +%s) - start ))
  case "$rc" in
    0) passed=$((passed + 1)); echo "PASS $name (${secs}s)";;
    77) skipped=$((skipped + 1)); echo "SKIP $name: $(tail -n1 "$log")";;
    124|137) failed=$((failed + 1)); failures+=("$name"); echo "FAIL $name: timed out after ${limit:-600}s (log: ${log#$top/})";;
    *) failed=$((failed + 1)); failures+=("$name")
       echo "FAIL $name: exit $rc (log: ${log#$top/})"; tail -n 15 "$log" | sed 's/^/    /';;
  esac
done

[ "${#failures[@]}" -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
