; Hardware task switches: CALL to a TSS (NT and the previous-task link),
; IRET back through the link, resuming at the saved EIP, an INT through a
; task gate, busy bits and CR0.TS. Intel SDM vol. 3A 7.3-7.4.
%include "lib.inc"

        bits 32
main:
        ; TSS 2 at selector 0x58
        mov eax, tss2
        mov [gdt + 0x58 + 2], ax
        shr eax, 16
        mov [gdt + 0x58 + 4], al
        mov [gdt + 0x58 + 7], ah
        mov word [gdt + 0x58], 0x67
        mov byte [gdt + 0x58 + 5], 0x89
        mov dword [tss2 + 0x20], task2      ; EIP
        mov dword [tss2 + 0x24], 0x2        ; EFLAGS
        mov dword [tss2 + 0x38], 0x8A000    ; ESP
        mov dword [tss2 + 0x48], 0x10       ; ES
        mov dword [tss2 + 0x4C], 0x08       ; CS
        mov dword [tss2 + 0x50], 0x10       ; SS
        mov dword [tss2 + 0x54], 0x10       ; DS
        mov dword [tss2 + 0x58], 0x10       ; FS
        mov dword [tss2 + 0x5C], 0x10       ; GS
        ; IDT 0x60: task gate to TSS 2
        mov word [idt + 0x60 * 8 + 2], 0x58
        mov byte [idt + 0x60 * 8 + 5], 0x85

        mov ebx, 0x1234
        call 0x58:0
        cmp dword [t2_count], 1
        CHECK "call-tss-runs-task"
        cmp word [t2_tr], 0x58
        CHECK "new-task-tr"
        test dword [t2_fl], 0x4000
        setnz al
        cmp al, 1
        CHECK "call-sets-nt"
        cmp word [tss2], 0x28
        CHECK "previous-task-link"
        cmp ebx, 0x1234
        CHECK "registers-restored-on-return"
        str ax
        cmp ax, 0x28
        CHECK "iret-returns-to-old-task"
        mov al, [gdt + 0x58 + 5]
        cmp al, 0x89
        CHECK "iret-clears-busy"
        mov al, [gdt + 0x28 + 5]
        cmp al, 0x8B
        CHECK "old-task-busy-again"
        mov eax, cr0
        test eax, 8
        setnz al
        cmp al, 1
        CHECK "task-switch-sets-ts"
        clts

        call 0x58:0
        cmp dword [t2_count], 2
        CHECK "task-resumes-at-saved-eip"

        int 0x60
        cmp dword [t2_count], 3
        CHECK "int-task-gate"

        ; JMP to a busy TSS (our own) is #GP
        EXPECT .j1
        jmp 0x28:0
.j1:    cmp dword [last_vec], 13
        CHECK "jmp-busy-tss-gp"

        ; JMP to TSS 3 (selector 0x30): no NT, no link, the old task's busy
        ; bit cleared; task 3 JMPs back to us (SDM 7.3, table 7-2)
        mov eax, tss3
        mov [gdt + 0x30 + 2], ax
        shr eax, 16
        mov [gdt + 0x30 + 4], al
        mov [gdt + 0x30 + 7], ah
        mov word [gdt + 0x30], 0x67
        mov byte [gdt + 0x30 + 5], 0x89
        mov dword [tss3 + 0x20], task3
        mov dword [tss3 + 0x24], 0x2
        mov dword [tss3 + 0x38], 0x89000
        mov dword [tss3 + 0x48], 0x10
        mov dword [tss3 + 0x4C], 0x08
        mov dword [tss3 + 0x50], 0x10
        mov dword [tss3 + 0x54], 0x10
        mov dword [tss3 + 0x58], 0x10
        mov dword [tss3 + 0x5C], 0x10
        mov word [tss3], 0x7777             ; the link must stay untouched
        jmp 0x30:0
        ; task 3 jumped back here (our saved EIP)
        cmp dword [t3_count], 1
        CHECK "jmp-tss-runs-task"
        test dword [t3_fl], 0x4000
        CHECK "jmp-tss-no-nt"
        cmp word [tss3], 0x7777
        CHECK "jmp-tss-no-link"
        cmp byte [t3_old_busy], 0x89
        CHECK "jmp-clears-old-busy"
        cmp byte [gdt + 0x30 + 5], 0x89
        CHECK "jmp-back-clears-task3-busy"
        str ax
        cmp ax, 0x28
        CHECK "jmp-back-tr"

        ; #GP through a task gate (TSS 4, selector 0x40): the error code is
        ; pushed on the handler task's stack; its IRET (NT) returns to the
        ; faulting instruction, which it fixed via our saved EAX (SDM 6.12.2)
        mov eax, tss4
        mov [gdt + 0x40 + 2], ax
        shr eax, 16
        mov [gdt + 0x40 + 4], al
        mov [gdt + 0x40 + 7], ah
        mov word [gdt + 0x40], 0x67
        mov byte [gdt + 0x40 + 5], 0x89
        mov byte [gdt + 0x40 + 6], 0
        mov dword [tss4 + 0x20], task4
        mov dword [tss4 + 0x24], 0x2
        mov dword [tss4 + 0x38], 0x88000
        mov dword [tss4 + 0x48], 0x10
        mov dword [tss4 + 0x4C], 0x08
        mov dword [tss4 + 0x50], 0x10
        mov dword [tss4 + 0x54], 0x10
        mov dword [tss4 + 0x58], 0x10
        mov dword [tss4 + 0x5C], 0x10
        mov word [idt + 13 * 8], 0
        mov word [idt + 13 * 8 + 2], 0x40
        mov byte [idt + 13 * 8 + 5], 0x85
        mov word [idt + 13 * 8 + 6], 0
        mov eax, 0x1234         ; beyond the GDT: #GP(0x1234)
        mov ds, eax             ; task 4 sets our EAX to 0x10: retried, passes
        cmp dword [t4_count], 1
        CHECK "gp-task-gate-runs-task"
        cmp dword [t4_err], 0x1234
        CHECK "gp-task-gate-errcode-on-new-stack"
        cmp dword [t4_esp], 0x88000 - 4
        CHECK "gp-task-gate-new-stack"
        mov ax, ds
        cmp ax, 0x10
        CHECK "gp-task-gate-returns-to-faulting-insn"
        cmp word [tss4], 0x28
        CHECK "exception-task-link"
        jmp finish

task3:
        inc dword [t3_count]
        pushfd
        pop eax
        mov [t3_fl], eax
        mov al, [gdt + 0x28 + 5]
        mov [t3_old_busy], al
        jmp 0x28:0

task4:
        mov [t4_esp], esp
        pop eax
        mov [t4_err], eax
        inc dword [t4_count]
        mov dword [tss + 0x28], 0x10        ; the faulting task's saved EAX
        iretd
        jmp task4

task2:
        str ax
        mov [t2_tr], ax
        pushfd
        pop eax
        mov [t2_fl], eax
        inc dword [t2_count]
        mov ebx, 0x5555
        iretd
        jmp task2

t2_tr:    dd 0
t2_fl:    dd 0
t2_count: dd 0
t3_count: dd 0
t3_fl:    dd 0
t3_old_busy: dd 0
t4_count: dd 0
t4_err:   dd 0
t4_esp:   dd 0
        align 16
tss2:   times 0x68 db 0
        align 16
tss3:   times 0x68 db 0
        align 16
tss4:   times 0x68 db 0
