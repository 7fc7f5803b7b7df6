# timeout: 60
# The hosted program's command line: --help, --version, and clear errors
# naming the offending option with a non-zero exit.
set -u
b="$BAREMU_TOP/build/hosted-asan/baremu"
fail() { echo "FAIL: $*"; exit 1; }
out=$("$b" --help) || fail "--help exited $?"
grep -q -- '-netdev' <<<"$out" || fail "--help does not list -netdev"
out=$("$b" --version) || fail "--version exited $?"
grep -q '^baremu ' <<<"$out" || fail "--version printed: $out"
out=$("$b" -frobnicate 2>&1); rc=$?
[ "$rc" != 0 ] || fail "an unknown option exited 0"
grep -q -- '-frobnicate' <<<"$out" || fail "the error does not name the option: $out"
out=$("$b" -m 2>&1); rc=$?
[ "$rc" != 0 ] || fail "a missing argument exited 0"
grep -q -- 'requires an argument' <<<"$out" || fail "unclear error: $out"
echo "cli ok"
