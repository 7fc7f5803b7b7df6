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
        jmp finish

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
        align 16
tss2:   times 0x68 db 0
