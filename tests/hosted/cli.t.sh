# timeout: 60
# The hosted program's command line: --help, --version, and clear errors
# naming the offending option with a non-zero exit; -accel tcg accepted as
# QEMU users write it, other accelerators and -enable-kvm refused; -smp 1
# accepted, more CPUs refused.
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
# -accel tcg and -smp 1 pass option checking: the run then stops at the missing kernel.
out=$("$b" -m 16 -display none -accel tcg,thread=single -smp 1,sockets=1 -kernel /nonexistent </dev/null 2>&1); rc=$?
[ "$rc" != 0 ] && grep -q -- "-kernel: cannot open '/nonexistent'" <<<"$out" || fail "-accel tcg -smp 1: $out"
for opt in "-accel kvm" "-enable-kvm" "-accel tcg,thread=multi" "-smp 2" "-smp 1,maxcpus=2"; do
    # shellcheck disable=SC2086
    out=$("$b" -m 16 -display none $opt -kernel /nonexistent </dev/null 2>&1); rc=$?
    [ "$rc" != 0 ] && grep -q -- "${opt%%,*}.*not available" <<<"$out" || fail "$opt: $out"
done
echo "cli ok"
