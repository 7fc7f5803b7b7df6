; SYSENTER/SYSEXIT: the flat selectors derived from IA32_SYSENTER_CS
; (CS, SS = CS + 8 on entry; CS + 16, SS + 24 with RPL 3 on exit), ESP/EIP
; from the MSRs and from ECX/EDX, IF and VM cleared on entry, #GP(0) for
; SYSENTER with a null SYSENTER_CS and for SYSEXIT outside ring 0, CPUID.SEP.
; Intel SDM vol. 2 SYSENTER, SYSEXIT; vol. 3A 5.8.7; vol. 4 MSRs 174h-176h.
%include "lib.inc"

        bits 32
main:
        mov eax, 1
        cpuid
        test edx, 1 << 11
        setnz al
        cmp al, 1
        CHECK "cpuid-sep"

        ; SYSENTER with IA32_SYSENTER_CS = 0: #GP(0)
        mov ecx, 0x174
        xor eax, eax
        xor edx, edx
        wrmsr
        EXPECT .g1
        sysenter
.g1:    cmp dword [last_vec], 13
        CHECK "sysenter-null-cs-gp"
        cmp dword [last_err], 0
        CHECK "sysenter-null-cs-errcode-0"

        mov ecx, 0x174
        mov eax, 0x08
        xor edx, edx
        wrmsr
        mov ecx, 0x174
        rdmsr
        cmp eax, 0x08
        CHECK "sysenter-cs-msr-roundtrip"
        mov ecx, 0x175
        mov eax, 0x8E000
        wrmsr
        mov ecx, 0x176
        mov eax, kernel_entry
        wrmsr

        ; to ring 3 with IF set, then SYSENTER from there
        mov [escape_esp], esp
        mov dword [escape_eip], .back
        mov dword [escape_to], 0
        push dword 0x23
        push dword 0x80000
        push dword 0x0202
        push dword 0x1B
        push dword user
        iretd
.back:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [k_cs], 0x08
        CHECK "sysenter-cs"
        cmp dword [k_ss], 0x10
        CHECK "sysenter-ss-is-cs-plus-8"
        cmp dword [k_esp], 0x8E000
        CHECK "sysenter-esp-from-msr"
        test dword [k_fl], 0x200
        CHECK "sysenter-clears-if"
        cmp dword [u_cs], 0x1B
        CHECK "sysexit-cs-is-cs-plus-16-rpl3"
        cmp dword [u_ss], 0x23
        CHECK "sysexit-ss-is-cs-plus-24-rpl3"
        cmp dword [u_esp], 0x7F000
        CHECK "sysexit-esp-from-ecx"
        cmp dword [u_gp], 13
        CHECK "sysexit-from-ring3-gp"
        jmp finish

kernel_entry:
        mov ax, cs
        movzx eax, ax
        mov [ss:k_cs], eax
        mov ax, ss
        movzx eax, ax
        mov [ss:k_ss], eax
        mov [ss:k_esp], esp
        pushfd
        pop eax
        mov [ss:k_fl], eax
        mov ecx, 0x7F000        ; user ESP
        mov edx, user_back      ; user EIP
        sysexit

user:
        mov ax, 0x23
        mov ds, ax
        mov es, ax
        sysenter
user_back:
        mov ax, cs
        movzx eax, ax
        mov [u_cs], eax
        mov ax, ss
        movzx eax, ax
        mov [u_ss], eax
        mov [u_esp], esp
        ; SYSEXIT at CPL 3: #GP(0)
        mov dword [resume], .u1
        mov dword [last_vec], -1
        sysexit
.u1:    mov eax, [last_vec]
        mov [u_gp], eax
        mov dword [escape_to], 1
        int 0x80

k_cs:   dd 0
k_ss:   dd 0
k_esp:  dd 0
k_fl:   dd 0
u_cs:   dd 0
u_ss:   dd 0
u_esp:  dd 0
u_gp:   dd 0
