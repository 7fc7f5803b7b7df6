; x87 as the CPU sees it: CPUID.FPU, #NM from CR0.EM and CR0.TS (WAIT only
; with MP and TS), CLTS, arithmetic results, and unmasked exceptions: #MF at
; the next waiting instruction with CR0.NE, FERR# (read back on port 0xE3)
; without it, no-wait forms not faulting, FNCLEX dropping FERR#, and the FPU
; instruction pointer naming the faulting instruction.
; Intel SDM vol. 3A 2.5 (CR0 bits; table 9-2 EM/MP/TS actions), vol. 1 8.7
; (exception handling, NE and FERR#), 8.1.8 (FPU instruction pointer),
; vol. 2 CPUID (EDX bit 0), WAIT/FWAIT.
%include "lib.inc"

CR0_MP  equ 2
CR0_EM  equ 4
CR0_TS  equ 8
CR0_NE  equ 0x20

; TRY label-suffix, instruction: store the vector it raised (-1: none)
%macro TRY 2
        mov dword [resume], %%after
        mov dword [last_vec], -1
        %2
%%after:
        mov eax, [last_vec]
        mov [%1], eax
%endmacro

%macro SETCR0 2         ; bits to set, bits to clear
        mov eax, cr0
        or eax, %1
        and eax, ~(%2)
        mov cr0, eax
%endmacro

        bits 32
main:
        mov eax, 1
        cpuid
        test edx, 1
        setnz al
        cmp al, 1
        CHECK "cpuid-reports-fpu"

        ; EM=1: every ESC raises #NM, WAIT does not
        SETCR0 CR0_EM, CR0_MP | CR0_TS
        TRY v_em_fld, fld1
        cmp dword [v_em_fld], 7
        CHECK "em-fld1-nm"
        TRY v_em_fnstsw, {fnstsw ax}
        cmp dword [v_em_fnstsw], 7
        CHECK "em-nowait-form-nm"
        TRY v_em_wait, fwait
        cmp dword [v_em_wait], -1
        CHECK "em-wait-no-fault"

        ; TS=1, MP=0: ESC #NM, WAIT not
        SETCR0 CR0_TS, CR0_EM | CR0_MP
        TRY v_ts_fld, fld1
        cmp dword [v_ts_fld], 7
        CHECK "ts-fld1-nm"
        TRY v_ts_wait, fwait
        cmp dword [v_ts_wait], -1
        CHECK "ts-mp0-wait-no-fault"
        ; TS=1, MP=1: WAIT #NM too
        SETCR0 CR0_TS | CR0_MP, CR0_EM
        TRY v_tsmp_wait, fwait
        cmp dword [v_tsmp_wait], 7
        CHECK "ts-mp1-wait-nm"
        clts
        mov eax, cr0
        test eax, CR0_TS
        CHECK "clts-clears-ts"
        TRY v_clts_fld, fninit
        cmp dword [v_clts_fld], -1
        CHECK "after-clts-fpu-runs"

        ; arithmetic: 1 + 1 = 2, 10 / 4 = 2.5 rounds to even 2, 7 * 3 = 21
        fninit
        fld1
        fld1
        faddp
        fistp dword [v_res]
        cmp dword [v_res], 2
        CHECK "fadd-1-plus-1"
        fild dword [ten]
        fidiv dword [four]
        fistp dword [v_res]
        cmp dword [v_res], 2
        CHECK "fidiv-round-to-even"
        fild dword [seven]
        fimul dword [three]
        fistp dword [v_res]
        cmp dword [v_res], 21
        CHECK "fimul"
        fnstsw ax
        and ax, 0x3800          ; TOP back to 0
        CHECK "stack-balanced"

        ; NE=1: unmasked divide-by-zero; #MF at the next waiting instruction
        SETCR0 CR0_NE, 0
        fninit
        fldcw [cw_zm_unmasked]
        fld1
        fldz
        mov dword [last_vec], -1
div_insn1:
        fdivp st1, st0          ; the exception is only recorded here
        mov eax, [last_vec]
        cmp eax, -1
        CHECK "unmasked-zd-no-fault-on-the-insn"
        fnstsw ax               ; no-wait: no fault
        mov [v_sw], ax
        test word [v_sw], 0x84  ; ES and ZE
        setnz al
        cmp al, 1
        CHECK "fnstsw-shows-es-ze"
        fnstenv [env]
        cmp dword [env + 12], div_insn1
        CHECK "fpu-ip-names-faulting-insn"
        fldenv [env]            ; no-wait: restores the pending state
        mov dword [resume], mf_after
        mov dword [last_vec], -1
v_mf_at:
        fwait
mf_after:
        mov eax, [last_vec]
        mov [v_mf], eax
        cmp dword [v_mf], 16
        CHECK "ne1-wait-raises-mf"
        cmp dword [last_eip], v_mf_at
        CHECK "mf-eip-is-the-wait"
        in al, 0xE3
        cmp al, 0
        CHECK "ne1-ferr-not-asserted"
        fnclex
        TRY v_after_clex, fwait
        cmp dword [v_after_clex], -1
        CHECK "fnclex-clears-pending"

        ; NE=0: no #MF; FERR# asserted at the next waiting instruction
        SETCR0 0, CR0_NE
        fninit
        fldcw [cw_zm_unmasked]
        fld1
        fldz
        fdivp st1, st0
        TRY v_ne0, fwait
        cmp dword [v_ne0], -1
        CHECK "ne0-wait-no-mf"
        in al, 0xE3
        cmp al, 1
        CHECK "ne0-ferr-asserted"
        fnclex
        in al, 0xE3
        cmp al, 0
        CHECK "ne0-fnclex-drops-ferr"

        ; masked exceptions set flags only: 1/0 = +inf with ZE
        fninit
        fld1
        fldz
        fdivp st1, st0
        fnstsw ax
        test ax, 0x80
        CHECK "masked-zd-no-es"
        fstp qword [v_q]
        cmp dword [v_q + 4], 0x7FF00000
        CHECK "masked-zd-gives-infinity"
        jmp finish

cw_zm_unmasked: dw 0x037B       ; all masked but ZM (bit 2), 64-bit precision
ten:    dd 10
four:   dd 4
seven:  dd 7
three:  dd 3
v_res:  dd 0
v_sw:   dw 0
        align 8
v_q:    dq 0
env:    times 28 db 0
v_em_fld:     dd 0
v_em_fnstsw:  dd 0
v_em_wait:    dd 0
v_ts_fld:     dd 0
v_ts_wait:    dd 0
v_tsmp_wait:  dd 0
v_clts_fld:   dd 0
v_mf:         dd 0
v_after_clex: dd 0
v_ne0:        dd 0
