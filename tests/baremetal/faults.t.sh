# timeout: 300
# -fault gp|pf|de on q35: each exception's dump shows its vector, error code and
# RIP at the matching fault_site_* symbol; #PF also CR2 = 0x10 (page 0 is left
# unmapped by the kernel's own page tables, so this checks them too).
. "$(dirname "$0")/lib.sh"
bm_require
check() {  # kind vector name error
  local kind=$1 vec=$2 name=$3 err=$4
  bm_boot "fault-$kind" q35 "-exit-after-boot -fault $kind"
  bm_expect_rc "$BM_RC_FAULT"
  bm_expect "^\\*\\*\\* EXCEPTION vector $vec \\($name[^)]*\\) error $err\$" "the $name dump header"
  local want base rip
  want=$(bm_symbol_offset "fault_site_$kind")
  base=$(bm_field 'image at 0x[0-9a-f]+' | grep -Eo '0x[0-9a-f]+$')
  rip=$(bm_field '^RIP=[0-9a-f]{16}' | cut -d= -f2)
  [ -n "$want" ] && [ -n "$base" ] && [ -n "$rip" ] || bm_fail "symbol, base or RIP missing for $kind"
  [ $((16#$rip - base)) = $((16#$want)) ] || bm_fail "$kind: RIP $rip is not fault_site_$kind (base $base + 0x$want)"
}
check gp 13 '#GP' 0x0
check pf 14 '#PF' 0x0
bm_expect 'CR2=0000000000000010 ' "CR2 = 0x10 for the NULL-page fault"
check de 0 '#DE' 0x0
echo "ok: #GP, #PF (CR2 0x10) and #DE dumps at their fault sites"
