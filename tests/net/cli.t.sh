# timeout: 60
# baremu's network command line and stdio monitor: -machine none with links
# and "-monitor stdio" answers help / info network / set_link / quit; errors
# name the offending option; options of the PC machine are refused under
# -machine none.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted-asan/baremu"
p=$(free_port tcp)
out=$(printf 'help\ninfo network\nset_link l0 off\ninfo network\nset_link nope on\nquit\n' |
      timeout 20 "$b" -machine none -netdev "socket,id=l0,listen=127.0.0.1:$p" \
      -net "socket,listen=127.0.0.1:0,vlan=5" -monitor stdio 2>&1); rc=$?
[ $rc = 0 ] || fail "quit on the stdio monitor exited $rc: $out"
for want in 'info network --' 'set_link NAME on|off' 'l0: type=socket socket,listen=127.0.0.1' \
            '(link down)' 'hub 5' "Device 'nope' not found"; do
    grep -qF -- "$want" <<<"$out" || fail "monitor output lacks '$want':
$out"
done
out=$("$b" -machine none -netdev socket,id=x,lisen=127.0.0.1:0 2>&1); rc=$?
[ $rc != 0 ] && grep -q -- "-netdev socket,id=x,lisen=127.0.0.1:0: .*lisen" <<<"$out" ||
    fail "a misspelt key is not named: $out"
out=$("$b" -machine none -netdev socket,id=x,listen=127.0.0.1:0 -device e1000,netdev=x 2>&1); rc=$?
[ $rc != 0 ] && grep -q "NIC model 'e1000' is not implemented" <<<"$out" || fail "-device e1000: $out"
out=$("$b" -machine none -netdev socket,id=x,listen=127.0.0.1:0 -serial stdio 2>&1); rc=$?
[ $rc != 0 ] && grep -q -- "-serial: not supported" <<<"$out" || fail "-serial with -machine none: $out"
out=$("$b" -machine none 2>&1); rc=$?
[ $rc != 0 ] && grep -q "nothing to run" <<<"$out" || fail "-machine none alone: $out"
echo "net cli ok"
