; Exception and interrupt ordering: the single-step trap (TF) after an
; instruction, a fault taking priority over the trap, MOV SS holding off the
; trap for one instruction, NMI before INTR when both are pending, a benign
; exception followed by a contributory one (no #DF), contributory pairs (#DF
; with error code 0), and the EXT bit in IDT error codes.
; Intel SDM vol. 3A 6.9 (priority among simultaneous events, table 6-2),
; 6.15 interrupt 8 (table 6-4 classes, 6-5 #DF conditions), 6.13 (error
; code EXT/IDT bits), 6.8.3 (MOV SS blocking), 17.3.1.4 (single-step).
%include "lib.inc"

        bits 32
main:
        ; our #DB handler: counts, records EIP and DR6, clears TF in the frame
        mov eax, db_handler
        mov [idt + 1 * 8], ax
        shr eax, 16
        mov [idt + 1 * 8 + 6], ax
        ; tracing handlers for NMI and vector 0x52
        mov eax, nmi_trace
        mov [idt + 2 * 8], ax
        shr eax, 16
        mov [idt + 2 * 8 + 6], ax
        mov eax, intr_trace
        mov [idt + 0x52 * 8], ax
        shr eax, 16
        mov [idt + 0x52 * 8 + 6], ax

        ; ---- single step: the trap comes after the instruction following
        ; the POPF that sets TF, with DR6.BS
        xor eax, eax
        mov dr6, eax
        pushfd
        or dword [esp], 0x100
        popfd
        mov eax, 1
step1:  nop
        cmp dword [db_count], 1
        CHECK "tf-one-trap"
        cmp dword [db_eip], step1
        CHECK "tf-trap-eip-after-insn"
        test dword [db_dr6], 0x4000
        setnz al
        cmp al, 1
        CHECK "tf-dr6-bs"

        ; ---- a faulting instruction under TF: the fault wins, no trap for it
        mov dword [db_count], 0
        xor ecx, ecx
        EXPECT .f1
        pushfd
        or dword [esp], 0x100
        popfd
        div ecx                 ; #DE: frame EIP = div, TF in the frame
.f1:    nop                     ; the handler's IRET restores TF: trap after this
step2:  nop
        cmp dword [last_vec], 0
        CHECK "fault-beats-trap"
        cmp dword [db_count], 1
        CHECK "trap-resumes-after-handler"
        cmp dword [db_eip], step2
        CHECK "trap-after-first-insn-of-resume"

        ; ---- MOV SS blocks the trap for one instruction (SDM 6.8.3)
        mov dword [db_count], 0
        mov ax, ss
        pushfd
        or dword [esp], 0x100
        popfd
        mov ss, ax              ; trap held off ...
        nop                     ; ... and taken after this one
step3:  nop
        cmp dword [db_count], 1
        CHECK "mov-ss-one-trap"
        cmp dword [db_eip], step3
        CHECK "mov-ss-delays-trap"

        ; ---- NMI before INTR (table 6-2: NMI priority 5, INTR 6)
        cli
        mov dword [trace_n], 0
        mov al, 0x52
        out 0xE0, al            ; INTR pending, masked
        sti                     ; shadow covers the next instruction
        out 0xE1, al            ; NMI now pending too
        nop
        nop
        cli
        cmp dword [trace_n], 2
        CHECK "nmi-and-intr-delivered"
        cmp dword [trace], 2
        CHECK "nmi-first"
        cmp dword [trace + 4], 0x52
        CHECK "intr-second"

        ; ---- benign then contributory: #UD whose gate is absent gives #NP
        ; (not #DF), error code = vector*8 + IDT(2) + EXT(1)
        and byte [idt + 6 * 8 + 5], 0x7F
        EXPECT .u1
        ud2
.u1:    or byte [idt + 6 * 8 + 5], 0x80
        cmp dword [last_vec], 11
        CHECK "benign-then-contributory-no-df"
        cmp dword [last_err], 6 * 8 + 3
        CHECK "np-errcode-idt-ext"

        ; ---- INT n to an absent gate: #NP with EXT clear (software)
        and byte [idt + 0x60 * 8 + 5], 0x7F
        EXPECT .n1
        int 0x60
.n1:    or byte [idt + 0x60 * 8 + 5], 0x80
        cmp dword [last_vec], 11
        CHECK "int-n-absent-gate-np"
        cmp dword [last_err], 0x60 * 8 + 2
        CHECK "int-n-errcode-no-ext"

        ; ---- vector beyond the IDT limit: #GP(vector*8+2)
        mov word [idt_ptr], 0x60 * 8 - 1
        lidt [idt_ptr]
        EXPECT .l1
        int 0x70
.l1:    mov word [idt_ptr], 256 * 8 - 1
        lidt [idt_ptr]
        cmp dword [last_vec], 13
        CHECK "vector-beyond-idt-limit-gp"
        cmp dword [last_err], 0x70 * 8 + 2
        CHECK "vector-beyond-idt-limit-errcode"

        ; ---- contributory then contributory: #GP whose gate is absent
        ; -> #NP while delivering -> #DF (error code 0)
        and byte [idt + 13 * 8 + 5], 0x7F
        EXPECT .d1
        mov ax, 0x1234          ; beyond the GDT: #GP
        mov ds, ax
.d1:    or byte [idt + 13 * 8 + 5], 0x80
        mov ax, 0x10
        mov ds, ax
        cmp dword [last_vec], 8
        CHECK "gp-then-np-double-fault"
        cmp dword [last_err], 0
        CHECK "double-fault-errcode-zero"
        jmp finish

db_handler:
        push eax
        mov eax, [esp + 4]
        mov [db_eip], eax
        mov eax, dr6
        mov [db_dr6], eax
        and dword [esp + 12], ~0x100
        inc dword [db_count]
        pop eax
        iretd

nmi_trace:
        push eax
        mov eax, [trace_n]
        mov dword [trace + eax * 4], 2
        inc dword [trace_n]
        pop eax
        iretd

intr_trace:
        push eax
        mov eax, [trace_n]
        mov dword [trace + eax * 4], 0x52
        inc dword [trace_n]
        pop eax
        iretd

db_count:   dd 0
db_eip:     dd 0
db_dr6:     dd 0
trace_n:    dd 0
trace:      times 8 dd 0
