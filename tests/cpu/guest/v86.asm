; Virtual-8086 mode: entry by IRETD with VM set, real-mode segment
; arithmetic, the IOPL-sensitive instructions (CLI, STI, PUSHF, POPF, INT n,
; IRET) at IOPL 3 and IOPL 0, INT3 not being sensitive, the I/O permission
; bitmap applying whatever the IOPL, privileged and PM-only instructions, and
; the ring-0 interrupt frame from V86 (segment registers pushed, then zeroed).
; Intel SDM vol. 3A 20.2 (V86 execution), 20.2.7 (sensitive instructions),
; 20.3.1 (interrupts from V86: figure 20-2 frame), 18.5.2 (I/O bitmap), and
; vol. 2 INT n ("IF VM = 1 and IOPL < 3 AND INT n THEN #GP(0)").
%include "lib.inc"

        bits 32
main:
        ; vector 0x40: our frame-recording handler (interrupt gate, DPL 3)
        mov eax, v86_handler
        mov [idt + 0x40 * 8], ax
        shr eax, 16
        mov [idt + 0x40 * 8 + 6], ax
        ; vector 0x41: DPL 0, so INT 0x41 from V86 (CPL 3) is #GP(0x41*8+2)
        and byte [idt + 0x41 * 8 + 5], 0x9F

        ; ---- IOPL 3
        mov [escape_esp], esp
        mov dword [escape_eip], .back1
        mov dword [escape_to], 0
        push dword 0            ; GS
        push dword 0            ; FS
        push dword 0x1000       ; DS
        push dword 0            ; ES
        push dword 0x7000       ; SS
        push dword 0xFFF0       ; ESP
        push dword 0x00023202   ; VM, IOPL 3, IF
        push dword 0x1000       ; CS
        push dword v86_iopl3 - 0x10000
        iretd
.back1:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp word [r_cs], 0x1000
        CHECK "v86-cs-is-real-mode-segment"
        cmp byte [0x20010], 0x5A
        CHECK "v86-es-2000-writes-linear-20010"
        test word [r_cli], 0x200
        setz al
        cmp al, 1
        CHECK "v86-iopl3-cli-clears-if"
        test word [r_sti], 0x200
        setnz al
        cmp al, 1
        CHECK "v86-iopl3-sti-sets-if"
        mov ax, [r_popf]
        and ax, 0x3000
        cmp ax, 0x3000
        CHECK "v86-iopl3-popf-keeps-iopl"
        cmp dword [h_count], 1
        CHECK "v86-iopl3-int-n-through-idt"
        test dword [h_eflags], 0x20000
        setnz al
        cmp al, 1
        CHECK "v86-int-frame-eflags-has-vm"
        cmp dword [h_ds_entry], 0
        CHECK "v86-int-handler-ds-zeroed"
        cmp dword [h_es_entry], 0
        CHECK "v86-int-handler-es-zeroed"
        cmp word [h_ds], 0x1000
        CHECK "v86-int-frame-saved-ds"
        cmp word [h_es], 0x2000
        CHECK "v86-int-frame-saved-es"
        cmp word [h_ss], 0x7000
        CHECK "v86-int-frame-saved-ss"
        cmp word [h_cs], 0x1000
        CHECK "v86-int-frame-saved-cs"
        cmp word [h_eip], v86_after_int - 0x10000
        CHECK "v86-int-frame-saved-eip"
        cmp dword [h_esp0], 0x8F000 - 9 * 4
        CHECK "v86-int-uses-tss-esp0"
        cmp word [r_bx], 0x1234
        CHECK "v86-iret-back-to-v86"
        cmp dword [r_int3], 3
        CHECK "v86-iopl3-int3-bp"
        cmp dword [r_dpl0], 13
        CHECK "v86-int-dpl0-gate-gp"
        cmp dword [r_dpl0_err], 0x41 * 8 + 2
        CHECK "v86-int-dpl0-gate-errcode"
        cmp dword [r_in60], 13
        CHECK "v86-iopl3-io-bitmap-still-applies"
        cmp dword [r_hlt], 13
        CHECK "v86-hlt-gp"
        cmp dword [r_movcr], 13
        CHECK "v86-mov-cr0-gp"
        cmp dword [r_arpl], 6
        CHECK "v86-arpl-ud"

        ; ---- IOPL 0
        mov [escape_esp], esp
        mov dword [escape_eip], .back2
        mov dword [escape_to], 0
        push dword 0
        push dword 0
        push dword 0x1000
        push dword 0
        push dword 0x7000
        push dword 0xFFF0
        push dword 0x00020202   ; VM, IOPL 0, IF
        push dword 0x1000
        push dword v86_iopl0 - 0x10000
        iretd
.back2:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [r0_cli], 13
        CHECK "v86-iopl0-cli-gp"
        cmp dword [r0_sti], 13
        CHECK "v86-iopl0-sti-gp"
        cmp dword [r0_pushf], 13
        CHECK "v86-iopl0-pushf-gp"
        cmp dword [r0_popf], 13
        CHECK "v86-iopl0-popf-gp"
        cmp dword [r0_intn], 13
        CHECK "v86-iopl0-int-n-gp"
        cmp dword [r0_intn_eip], r0_int_insn - 0x10000
        CHECK "v86-iopl0-int-n-gp-eip-at-insn"
        cmp dword [r0_iret], 13
        CHECK "v86-iopl0-iret-gp"
        cmp dword [r0_int3], 3
        CHECK "v86-iopl0-int3-not-sensitive"
        cmp dword [r0_in_e9], -1
        CHECK "v86-io-bitmap-allows-port"
        cmp dword [r0_in_ea_w], 13
        CHECK "v86-io-bitmap-word-straddles-denied-port"
        cmp dword [r0_sp], 0xFFF0
        CHECK "v86-faults-restore-sp"
        jmp finish

; Interrupt from V86 (vector 0x40): record the frame and the data segment
; registers at entry; DS is null here, so store through SS.
v86_handler:
        push eax
        mov eax, ds
        mov [ss:h_ds_entry], eax
        mov eax, es
        mov [ss:h_es_entry], eax
        lea eax, [esp + 4]
        mov [ss:h_esp0], eax
        mov eax, [esp + 4]
        mov [ss:h_eip], eax
        mov eax, [esp + 8]
        mov [ss:h_cs], eax
        mov eax, [esp + 12]
        mov [ss:h_eflags], eax
        mov eax, [esp + 20]
        mov [ss:h_ss], eax
        mov eax, [esp + 24]
        mov [ss:h_es], eax
        mov eax, [esp + 28]
        mov [ss:h_ds], eax
        inc dword [ss:h_count]
        pop eax
        iretd

; V86TRY slot, instruction: run it expecting maybe a fault, store the vector
; (-1: none) into slot. Runs in V86 with DS = 0x1000.
%macro V86TRY 2
        mov dword [resume - 0x10000], %%after - 0x10000
        mov dword [last_vec - 0x10000], -1
        %2
%%after:
        mov eax, [last_vec - 0x10000]
        mov [%1 - 0x10000], eax
%endmacro

        bits 16
v86_iopl3:
        mov ax, cs
        mov [r_cs - 0x10000], ax
        mov ax, 0x2000
        mov es, ax
        mov byte [es:0x10], 0x5A
        cli
        pushf
        pop ax
        mov [r_cli - 0x10000], ax
        sti
        pushf
        pop ax
        mov [r_sti - 0x10000], ax
        push word 0x0202        ; IOPL 0 in the image
        popf
        pushf
        pop ax
        mov [r_popf - 0x10000], ax
        mov bx, 0x1234
        int 0x40
v86_after_int:
        mov [r_bx - 0x10000], bx
        V86TRY r_int3, int3
        V86TRY r_dpl0, {int 0x41}
        mov eax, [last_err - 0x10000]
        mov [r_dpl0_err - 0x10000], eax
        V86TRY r_in60, {in al, 0x60}
        V86TRY r_hlt, hlt
        V86TRY r_movcr, {mov eax, cr0}
        V86TRY r_arpl, {arpl [bx], ax}
        mov dword [escape_to - 0x10000], 1
        int 0x41                ; #GP: escape to ring 0

v86_iopl0:
        V86TRY r0_cli, cli
        V86TRY r0_sti, sti
        V86TRY r0_pushf, pushf
        push word 0x0202
        V86TRY r0_popf, popf
        pop ax
        mov dword [resume - 0x10000], r0_after_int - 0x10000
        mov dword [last_vec - 0x10000], -1
r0_int_insn:
        int 0x40
r0_after_int:
        mov eax, [last_vec - 0x10000]
        mov [r0_intn - 0x10000], eax
        mov eax, [last_eip - 0x10000]
        mov [r0_intn_eip - 0x10000], eax
        V86TRY r0_iret, iret
        V86TRY r0_int3, int3
        V86TRY r0_in_e9, {in al, 0xE9}
        V86TRY r0_in_ea_w, {in ax, 0xE9}
        mov [r0_sp - 0x10000], sp
        mov dword [escape_to - 0x10000], 1
        cli                     ; #GP: escape to ring 0

        bits 32
r_cs:       dd 0
r_cli:      dd 0
r_sti:      dd 0
r_popf:     dd 0
r_bx:       dd 0
r_int3:     dd 0
r_dpl0:     dd 0
r_dpl0_err: dd 0
r_in60:     dd 0
r_hlt:      dd 0
r_movcr:    dd 0
r_arpl:     dd 0
h_count:    dd 0
h_ds_entry: dd -1
h_es_entry: dd -1
h_esp0:     dd 0
h_eip:      dd 0
h_cs:       dd 0
h_eflags:   dd 0
h_ss:       dd 0
h_es:       dd 0
h_ds:       dd 0
r0_cli:     dd 0
r0_sti:     dd 0
r0_pushf:   dd 0
r0_popf:    dd 0
r0_intn:    dd 0
r0_intn_eip: dd 0
r0_iret:    dd 0
r0_int3:    dd 0
r0_in_e9:   dd 0
r0_in_ea_w: dd 0
r0_sp:      dd 0
