; Protected-mode checks: segmentation faults and error codes, interrupts,
; CPUID/RDTSC/MSRs, ring 3 (IOPL, I/O bitmap, gate DPL), call gates,
; SYSENTER/SYSEXIT, INTR/NMI/HLT/STI shadow, double fault, V86 mode.
; Intel SDM vol. 3A chapters 5, 6, 20 and vol. 2 (CPUID, SYSENTER).
%include "lib.inc"

        bits 32
main:
        mov ax, cs
        cmp ax, 0x08
        CHECK "pm-entry-cs"

        ; --- exceptions with the faulting EIP and error codes
        EXPECT .a1
        xor edx, edx
        xor ecx, ecx
        mov eax, 1
.de:    div ecx
.a1:    cmp dword [last_vec], 0
        CHECK "div0-de-vector"
        cmp dword [last_eip], .de
        CHECK "div0-de-eip-is-faulting-insn"

        EXPECT .a2
        ud2
.a2:    cmp dword [last_vec], 6
        CHECK "ud2-ud"

        EXPECT .a3
        mov ax, 0x38
        mov ds, ax
        mov eax, [0xFFE]        ; crosses the 0xFFF limit
.a3:    mov ax, 0x10
        mov ds, ax
        cmp dword [last_vec], 13
        CHECK "limit-gp"
        cmp dword [last_err], 0
        CHECK "limit-gp-errcode-0"

        EXPECT .a4
        mov ax, 0x38
        mov es, ax
        mov eax, [es:0xFFC]     ; last dword inside the limit: no fault
.a4:    mov ax, 0x10
        mov es, ax
        cmp dword [last_vec], -1
        CHECK "limit-inside-ok"

        EXPECT .a5
        mov ax, 0x1238
        mov es, ax
.a5:    mov ax, 0x10
        mov es, ax
        cmp dword [last_vec], 13
        CHECK "selector-beyond-gdt-gp"
        cmp dword [last_err], 0x1238
        CHECK "selector-beyond-gdt-errcode"

        EXPECT .a6
        mov ax, 0x50
        mov es, ax
.a6:    mov ax, 0x10
        mov es, ax
        cmp dword [last_vec], 11
        CHECK "not-present-np"
        cmp dword [last_err], 0x50
        CHECK "not-present-np-errcode"

        EXPECT .a7
        mov ax, 0x48
        mov es, ax
        mov dword [es:0x100000], 1
.a7:    mov ax, 0x10
        mov es, ax
        cmp dword [last_vec], 13
        CHECK "write-readonly-gp"

        EXPECT .a8
        mov ax, 0x10
        mov ss, ax
        mov esp, 0x90000
        mov ax, 0x48
        mov ss, ax              ; SS must be writable
.a8:    mov ax, 0x10
        mov ss, ax
        cmp dword [last_vec], 13
        CHECK "ss-readonly-gp"

        EXPECT .a9
        xor eax, eax
        mov ds, ax              ; null DS loads fine ...
        mov eax, [0x1000]       ; ... but using it faults
.a9:    mov ax, 0x10
        mov ds, ax
        cmp dword [last_vec], 13
        CHECK "null-ds-use-gp"

        mov dword [last_vec], -1
        int 0x30
        cmp dword [last_vec], 0x30
        CHECK "int-n"

        ; --- CPUID, RDTSC, MSRs
        xor eax, eax
        cpuid
        cmp ebx, 0x756e6547
        CHECK "cpuid-vendor"
        mov eax, 1
        cpuid
        and eax, 0xF00
        cmp eax, 0x600
        CHECK "cpuid-family-6"
        mov eax, 1
        cpuid
        cmp edx, 0x0100A939     ; FPU PSE TSC MSR CX8 SEP PGE CMOV FXSR
        CHECK "cpuid-features-exact"
        rdtsc
        mov ebx, eax
        mov esi, edx
        nop
        rdtsc
        sub eax, ebx
        sbb edx, esi
        test edx, edx
        jnz .tscbad
        cmp eax, 0
        jbe .tscbad
        cmp eax, eax
.tscbad:
        CHECK "rdtsc-advances"
        mov ecx, 0x175
        mov eax, 0x12345678
        xor edx, edx
        wrmsr
        xor eax, eax
        rdmsr
        cmp eax, 0x12345678
        CHECK "msr-sysenter-esp-roundtrip"
        EXPECT .b1
        mov ecx, 0x12345
        rdmsr
.b1:    cmp dword [last_vec], 13
        CHECK "rdmsr-unknown-gp"
        EXPECT .b2
        mov eax, cr4
        or eax, 1               ; VME is not implemented: reserved
        mov cr4, eax
.b2:    cmp dword [last_vec], 13
        CHECK "cr4-vme-reserved-gp"

        ; --- CMPXCHG8B, BSWAP, CMOV, XADD, BSF
        mov dword [scratch], 1
        mov dword [scratch + 4], 2
        mov eax, 1
        mov edx, 2
        mov ebx, 5
        mov ecx, 6
        cmpxchg8b [scratch]
        jnz .c8bad
        cmp dword [scratch + 4], 6
.c8bad:
        CHECK "cmpxchg8b"
        mov eax, 0x11223344
        bswap eax
        cmp eax, 0x44332211
        CHECK "bswap"
        mov eax, 1
        mov ebx, 2
        cmp eax, ebx
        cmovb eax, ebx
        cmp eax, 2
        CHECK "cmovb"
        mov dword [scratch], 10
        mov eax, 5
        xadd [scratch], eax
        cmp eax, 10
        jne .xbad
        cmp dword [scratch], 15
.xbad:
        CHECK "xadd"

        ; --- self-modifying code: a decoded instruction is re-decoded after a write
        mov eax, 5
        mov ebx, 3
        call smc_fn
        cmp eax, 8
        CHECK "smc-before-patch"
        mov byte [smc_fn], 0x29         ; add eax, ebx -> sub eax, ebx
        mov byte [smc_fn + 1], 0xD8
        mov eax, 5
        call smc_fn
        cmp eax, 2
        CHECK "smc-opcode-patch-seen"
        mov byte [smc_fn + 1], 0xC8     ; sub eax, ebx -> sub eax, ecx (ModRM)
        mov eax, 5
        mov ecx, 1
        call smc_fn
        cmp eax, 4
        CHECK "smc-modrm-patch-seen"

        ; --- external interrupt wakes HLT; STI shadow
        mov dword [last_vec], -1
        mov al, 0x50
        out 0xE0, al
        sti
        hlt
        cli
        cmp dword [last_vec], 0x50
        CHECK "intr-wakes-hlt"

        mov al, 0x51
        out 0xE0, al            ; pending while IF=0
        xor ecx, ecx
        sti
        inc ecx                 ; runs in the STI shadow
.shadow:
        nop
        cli
        cmp dword [last_ecx], 1
        CHECK "sti-shadow-one-insn"
        cmp dword [last_eip], .shadow
        CHECK "sti-shadow-eip"

        mov dword [last_vec], -1
        out 0xE1, al
        nop
        cmp dword [last_vec], 2
        CHECK "nmi"

        ; --- double fault: #DE with absent #DE and #NP gates -> #NP -> #DF
        and byte [idt + 0 * 8 + 5], 0x7F
        and byte [idt + 11 * 8 + 5], 0x7F
        EXPECT .df
        xor ecx, ecx
        div ecx
.df:    or byte [idt + 0 * 8 + 5], 0x80
        or byte [idt + 11 * 8 + 5], 0x80
        cmp dword [last_vec], 8
        CHECK "double-fault"
        cmp dword [last_err], 0
        CHECK "double-fault-errcode-0"

        ; --- ring 3 via IRET, then back via escape
        mov [escape_esp], esp
        mov dword [escape_eip], .back0
        mov dword [escape_to], 0        ; ring3 arms it for its final INT
        push dword 0x23
        push dword 0x80000
        push dword 0x0202       ; IF=1, IOPL=0
        push dword 0x1B
        push dword ring3
        iretd
.back0:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [r3_ok], 7
        CHECK "ring3-checks-ran"

        ; --- call gate from ring 3 to ring 0 with one parameter
        mov eax, gate_target
        mov [gdt + 0x40], ax
        shr eax, 16
        mov [gdt + 0x40 + 6], ax
        mov word [gdt + 0x40 + 2], 0x08
        mov byte [gdt + 0x40 + 4], 1      ; one dword parameter
        mov byte [gdt + 0x40 + 5], 0xEC   ; present, DPL 3, 32-bit call gate
        mov [escape_esp], esp
        mov dword [escape_eip], .back1
        mov dword [escape_to], 1
        push dword 0x23
        push dword 0x80000
        push dword 0x0202
        push dword 0x1B
        push dword ring3_gate
        iretd
.back1:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [gate_param], 0xCAFE
        CHECK "call-gate-param-copied"
        cmp dword [gate_cs], 0x1B
        CHECK "call-gate-caller-cs"
        cmp dword [gate_back], 1
        CHECK "call-gate-retf-to-ring3"

        ; --- SYSENTER / SYSEXIT
        mov ecx, 0x174
        mov eax, 0x08
        xor edx, edx
        wrmsr
        mov ecx, 0x175
        mov eax, 0x8E000
        wrmsr
        mov ecx, 0x176
        mov eax, sysenter_target
        wrmsr
        mov [escape_esp], esp
        mov dword [escape_eip], .back2
        mov dword [escape_to], 1
        push dword 0x23
        push dword 0x80000
        push dword 0x0202
        push dword 0x1B
        push dword ring3_sysenter
        iretd
.back2:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [sys_cs0], 0x08
        CHECK "sysenter-cs"
        cmp dword [sys_esp0], 0x8E000
        CHECK "sysenter-esp"
        cmp dword [sys_cs3], 0x1B
        CHECK "sysexit-cs"

        ; --- virtual-8086 mode
        mov [escape_esp], esp
        mov dword [escape_eip], .back3
        mov dword [escape_to], 0
        push dword 0            ; GS
        push dword 0            ; FS
        push dword 0x1000       ; DS
        push dword 0            ; ES
        push dword 0x7000       ; SS
        push dword 0xFFF0       ; ESP
        push dword 0x00020202   ; VM, IF, IOPL=0
        push dword 0x1000       ; CS
        push dword v86_code - 0x10000
        iretd
.back3:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [v86_ok], 3
        CHECK "v86-checks-ran"

        jmp finish

smc_fn:
        add eax, ebx
        ret

; ring 3 code: CPL, IOPL-sensitive CLI, gate DPL, I/O bitmap
ring3:
        mov ax, 0x23
        mov ds, ax
        mov es, ax
        mov ax, cs
        and eax, 3
        cmp eax, 3
        jne .r1
        or dword [r3_ok], 1
.r1:
        mov dword [resume], .r2
        mov dword [last_vec], -1
        cli
.r2:    cmp dword [last_vec], 13
        jne .r3
        or dword [r3_ok], 2
.r3:
        ; INT to a DPL-0 gate from ring 3: #GP(vector*8+2)
        and byte [idt + 0x41 * 8 + 5], 0x9F
        mov dword [resume], .r4
        mov dword [last_vec], -1
        int 0x41
.r4:    cmp dword [last_err], 0x41 * 8 + 2
        jne .r5
        or dword [r3_ok], 4
.r5:
        ; the I/O bitmap allows 0xE9 (the report port) but not 0x60
        mov esi, r3_msg
        call print
        mov dword [resume], .r6
        mov dword [last_vec], -1
        in al, 0x60
.r6:    cmp dword [last_vec], 13
        CHECK "ring3-io-bitmap-deny-gp"
        mov dword [escape_to], 1
        int 0x80

ring3_gate:
        mov ax, 0x23
        mov ds, ax
        push dword 0xCAFE
        call 0x43:0
        mov dword [gate_back], 1
        int 0x80

gate_target:
        mov eax, [esp + 8]      ; caller's ESP ... our param after EIP, CS
        mov eax, [esp + 8]
        mov [gate_param], eax
        mov eax, [esp + 4]
        mov [gate_cs], eax
        retf 4

ring3_sysenter:
        mov ax, 0x23
        mov ds, ax
        mov ecx, esp
        mov edx, .after
        sysenter
.after:
        mov ax, cs
        movzx eax, ax
        mov [sys_cs3], eax
        int 0x80

sysenter_target:
        mov ax, cs
        movzx eax, ax
        mov [sys_cs0], eax
        mov [sys_esp0], esp
        sysexit

        bits 16
v86_code:
        ; DS = 0x1000: offsets are label - 0x10000
        mov ax, cs
        cmp ax, 0x1000
        jne .v1
        or dword [v86_ok - 0x10000], 1
.v1:
        ; INT n with IOPL < 3 faults to the ring-0 #GP handler
        mov dword [resume - 0x10000], .v2 - 0x10000
        mov dword [last_vec - 0x10000], -1
        int 0x21
.v2:    cmp dword [last_vec - 0x10000], 13
        jne .v3
        or dword [v86_ok - 0x10000], 2
.v3:
        mov dword [escape_to - 0x10000], 1
        int 0x21                ; #GP again: escape to ring 0

        bits 32
r3_msg:     db "PASS ring3-io-bitmap-allows-report-port", 10, 0
r3_ok:      dd 0
gate_param: dd 0
gate_cs:    dd 0
gate_back:  dd 0
sys_cs0:    dd 0
sys_esp0:   dd 0
sys_cs3:    dd 0
v86_ok:     dd 0
scratch:    dq 0
