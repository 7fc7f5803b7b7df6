# timeout: 150
# -fault ud: the kernel executes UD2 at fault_site_ud after boot; the exception
# dump must show vector 6 with RIP exactly at that symbol (image base plus its
# offset in the linked image) and end with EXIT_FAULT through isa-debug-exit.
. "$(dirname "$0")/lib.sh"
bm_require
bm_boot fault-ud pc "-exit-after-boot
-fault ud"
bm_expect_rc "$BM_RC_FAULT"
bm_expect 'boot: raising the exception asked for by -fault ud' "the announcement of the fault"
bm_expect '^\*\*\* EXCEPTION vector 6 \(#UD invalid opcode\) error 0x0$' "the #UD dump header"
bm_expect '^RIP=[0-9a-f]{16} CS=0008 RFLAGS=[0-9a-f]+ CR2=[0-9a-f]{16} CR3=[0-9a-f]{16}$' "RIP, CR2 and CR3"
bm_expect '^RAX=[0-9a-f]{16} RBX=[0-9a-f]{16} RCX=[0-9a-f]{16} RDX=[0-9a-f]{16}$' "the general registers"
bm_expect '^R12=[0-9a-f]{16} R13=' "registers r12-r15"
want=$(bm_symbol_offset fault_site_ud)
[ -n "$want" ] || bm_fail "fault_site_ud not found in build/efi/baremu.so"
base=$(bm_field 'image at 0x[0-9a-f]+' | grep -Eo '0x[0-9a-f]+$')
rip=$(bm_field '^RIP=[0-9a-f]{16}' | cut -d= -f2)
[ -n "$base" ] && [ -n "$rip" ] || bm_fail "image base or RIP missing"
[ $((16#$rip - base)) = $((16#$want)) ] ||
  bm_fail "RIP $rip is image base $base + $(printf %#x $((16#$rip - base))), expected fault_site_ud at +0x$want"
bm_expect "RIP is kernel image base 0*${base#0x} \\+ 0x${want#"${want%%[!0]*}"}$" "RIP located inside the kernel image"
bm_expect '^\*\*\* halted$' "the halt after the dump"
echo "ok: #UD at image+0x$want as expected"
