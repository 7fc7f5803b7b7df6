#!/usr/bin/env bash
# The test runner behind make check: runs every unit-test binary (one result
# per TEST case), then every script test tests/*/NAME.t.sh (one result each;
# exit 0 = pass, 77 = skipped with a reason, anything else = fail) under a
# timeout (BAREMU_JOBS at a time, default 2), keeps the logs of failures in build/test-logs/, and ends with the
# line "N passed, N failed" (skips on the line before). BAREMU_LONG=1 adds *.long.sh tests.
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

# Script tests run BAREMU_JOBS at a time (default 2: most of them wait on a
# guest or a peer). A test whose header says "# lock: NAME" never runs beside
# another test holding the same lock (a shared multicast group, say).
jobs_max=${BAREMU_JOBS:-2}
# Results of this run only: two runners at once (make check beside a long
# test) must not count each other's tests.
results=$(mktemp -d "$logs/.results.XXXXXX")
trap 'rm -rf "$results"' EXIT

run_one() {
  local t=$1 name=$2 limit=$3 lock=$4 log=$5 start secs rc line
  start=$(date +%s)
  if [ -n "$lock" ]; then
    flock "$logs/.lock.$lock" timeout --kill-after=10 "${limit:-600}" bash "$t" >"$log" 2>&1 </dev/null; rc=$?
  else
    timeout --kill-after=10 "${limit:-600}" bash "$t" >"$log" 2>&1 </dev/null; rc=$?
  fi
  secs=$(( $(date +%s) - start ))
  case "$rc" in
    0) line="PASS $name (${secs}s)"; echo pass >"$results/${name//\//_}";;
    77) line="SKIP $name: $(tail -n1 "$log")"; echo skip >"$results/${name//\//_}";;
    124|137) line="FAIL $name: timed out after ${limit:-600}s (log: ${log#$top/})"
             echo "fail $name" >"$results/${name//\//_}";;
    *) line="FAIL $name: exit $rc (log: ${log#$top/})"$'\n'"$(tail -n 15 "$log" | sed 's/^/    /')"
       echo "fail $name" >"$results/${name//\//_}";;
  esac
  printf '%s\n' "$line"
}

running=0
for t in "${scripts[@]}"; do
  name=${t#tests/}; name=${name%.sh}
  [[ -z "$pattern" || "$name" == *"$pattern"* ]] || continue
  limit=$(sed -n 's/^# timeout: *\([0-9]*\).*/\1/p' "$t" | head -n1)
  lock=$(sed -n 's/^# lock: *\([A-Za-z0-9_-]*\).*/\1/p' "$t" | head -n1)
  if [ "$running" -ge "$jobs_max" ]; then
    wait -n; running=$((running - 1))
  fi
  run_one "$t" "$name" "$limit" "$lock" "$logs/${name//\//_}.log" &
  running=$((running + 1))
done
wait
for r in "$results"/*; do
  [ -f "$r" ] || continue
  case "$(cat "$r")" in
    pass) passed=$((passed + 1));;
    skip) skipped=$((skipped + 1));;
    fail*) failed=$((failed + 1)); f=$(cat "$r"); failures+=("${f#fail }");;
  esac
done

[ "${#failures[@]}" -gt 0 ] && echo "failed: ${failures[*]}"
# The last line is exactly "N passed, N failed" (the project's contract);
# skips are counted on the line before it.
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
