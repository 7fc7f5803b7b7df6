; The CPU benchmark guest (make bench, tools/bench-cpu.sh): a bootable disk
; image whose MBR loads the rest by INT 13h AH=42h (EDD 3.0 extended read),
; enters 32-bit flat protected mode and runs integer, memory and string loops,
; then the same loops again with paging on (4 KiB pages, SDM vol. 3A 4.3).
; Every phase is announced on the debug console (port 0xE9: QEMU isa-debugcon,
; Bochs port_e9_hack, baremu -debugcon) as "BENCH B name" / "BENCH E name
; count" so the host can time it; count is the number of instructions the
; phase retires (a REP string instruction counts one per element, as Bochs
; and QEMU's icount do). The end writes 0 to isa-debug-exit (QEMU, baremu:
; exit status 1) and "Shutdown" to port 0x8900 (Bochs's shutdown port).
        bits 16
        org 0x7c00

%ifndef DIV                 ; nasm -DDIV=N: a run N times shorter (profiling)
%define DIV 1
%endif
ITERS_INT   equ 8000000 / DIV   ; x 12 instructions
ITERS_MEM   equ 4000000 / DIV   ; x 15 instructions
ITERS_PAGE  equ 2000000 / DIV   ; x 8 instructions
REPS_STR    equ 150 / DIV       ; x (3 x 16384 + 4096 x 5 + 14) instructions
ARRAY       equ 0x200000    ; 64 KiB data array
BIGSPAN     equ 0x400000    ; 4 MiB region walked a page at a time
PGDIR       equ 0x1000000 - 0x10000   ; page directory and tables near 16 MiB
STACK       equ 0x90000

mbr:    cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        mov si, dap
        mov ah, 0x42
        int 0x13
        jc .fail
        in al, 0x92             ; fast A20 (port 92h bit 1)
        or al, 2
        and al, 0xfe
        out 0x92, al
        lgdt [gdtr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp 0x08:pm32
.fail:  mov al, 0x7f
        out 0xf4, al
        hlt
        jmp .fail

        align 8
gdt:    dq 0
        dq 0x00cf9a000000ffff   ; 0x08: code, flat 4 GiB
        dq 0x00cf92000000ffff   ; 0x10: data, flat 4 GiB
gdtr:   dw gdtr - gdt - 1
        dd gdt
dap:    db 0x10, 0
        dw (payload_end - payload + 511) / 512
        dw payload, 0
        dq 1
        times 510 - ($ - $$) db 0
        dw 0xaa55

payload:
        bits 32
pm32:   mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, STACK
        mov esi, msg_start
        call puts
        call phases
        call paging_on
        mov esi, msg_paging
        call puts
        call phases
        mov esi, msg_done
        call puts
        xor eax, eax
        out 0xf4, al            ; QEMU/baremu: exit status (0 << 1) | 1
        mov dx, 0x8900          ; Bochs: "Shutdown" ends the simulation
        mov esi, msg_shutdown
        mov ecx, 8
        rep outsb
.halt:  hlt
        jmp .halt

; The three phases, each bracketed by its markers.
phases:
        mov esi, name_int
        call begin
        call bench_int
        mov eax, ITERS_INT * 12
        call end
        mov esi, name_mem
        call begin
        call bench_mem
        mov eax, ITERS_MEM * 15
        call end
        mov esi, name_page
        call begin
        call bench_pages
        mov eax, ITERS_PAGE * 8
        call end
        mov esi, name_str
        call begin
        call bench_str
        mov eax, REPS_STR * (3 * 16384 + 4096 * 5 + 14)
        call end
        ret

; Integer ALU and branches: 12 instructions per iteration.
bench_int:
        mov ecx, ITERS_INT
        mov eax, 0x12345678
        mov ebx, 0x9abcdef0
        xor edx, edx
.l:     add eax, ebx
        xor ebx, ecx
        rol eax, 3
        imul edx, eax, 7
        sub edx, ecx
        and esi, edx
        or edi, eax
        shr edx, 2
        adc ebp, edx
        cmp eax, ebx
        dec ecx
        jnz .l
        ret

; Loads and stores over a 64 KiB array, push/pop and call/ret: 15 per iteration.
bench_mem:
        mov ecx, ITERS_MEM
        mov esi, ARRAY
        xor edi, edi
        xor ebx, ebx
.l:     mov eax, [esi + edi * 4]
        add ebx, eax
        mov [esi + edi * 4], ebx
        movzx edx, byte [esi + edi]
        add [esi + edx * 4 + 4], eax
        inc edi
        and edi, 0x3fff
        push eax
        call .leaf
        pop eax
        dec ecx
        jnz .l
        ret
.leaf:  mov edx, [esp + 4]      ; 3 instructions in the leaf and its return
        add edx, ebx
        ret

; One access per page over a 4 MiB span (1024 pages): 8 per iteration.
bench_pages:
        mov ecx, ITERS_PAGE
        mov esi, BIGSPAN
        xor edi, edi
.l:     mov eax, [esi + edi]
        add eax, ecx
        mov [esi + edi + 8], eax
        add edi, 4096 + 64
        and edi, 0x3fffff
        nop
        dec ecx
        jnz .l
        ret

; String instructions: REP MOVSD/STOSD/SCASD over 64 KiB, a LODSB/STOSB byte
; loop over 4 KiB: 3 x 16384 + 4096 x 5 + 14 per repetition.
bench_str:
        mov ebp, REPS_STR
.rep:   cld
        mov esi, ARRAY
        mov edi, ARRAY + 0x10000
        mov ecx, 16384
        rep movsd
        mov edi, ARRAY + 0x20000
        mov ecx, 16384
        mov eax, ebp
        rep stosd
        mov edi, ARRAY + 0x20000
        mov ecx, 16384
        rep scasd               ; all equal: runs the full count
        mov esi, ARRAY
        mov edi, ARRAY + 0x30000
        mov ecx, 4096
.b:     lodsb
        xor al, 0x5a
        stosb
        dec ecx
        jnz .b
        dec ebp
        jnz .rep
        ret

; Identity-map the first 32 MiB with 4 KiB pages and turn paging on.
paging_on:
        mov edi, PGDIR
        xor eax, eax
        mov ecx, 1024 * 9
        rep stosd               ; directory + 8 tables
        mov edi, PGDIR
        mov eax, PGDIR + 0x1000 + 3
        mov ecx, 8
.d:     stosd
        add eax, 0x1000
        loop .d
        mov edi, PGDIR + 0x1000
        mov eax, 3              ; present, writable
        mov ecx, 8 * 1024
.t:     stosd
        add eax, 0x1000
        loop .t
        mov eax, PGDIR
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .flush
.flush: ret

begin:  push esi
        mov esi, msg_b
        call puts
        pop esi
        call puts
        mov esi, msg_nl
        jmp puts

end:    push eax
        mov esi, msg_e
        call puts
        pop eax
        call puthex
        mov esi, msg_nl
        jmp puts

puts:   lodsb
        test al, al
        jz .r
        out 0xe9, al
        jmp puts
.r:     ret

puthex: mov ecx, 8
.l:     rol eax, 4
        mov edx, eax
        and edx, 15
        mov dl, [hexdig + edx]
        xchg eax, edx
        out 0xe9, al
        xchg eax, edx
        loop .l
        ret

hexdig:     db "0123456789abcdef"
msg_start:  db "BENCH start", 10, 0
msg_paging: db "BENCH paging", 10, 0
msg_done:   db "BENCH done", 10, 0
msg_b:      db "BENCH B ", 0
msg_e:      db "BENCH E ", 0
msg_nl:     db 10, 0
name_int:   db "int", 0
name_mem:   db "mem", 0
name_page:  db "pages", 0
name_str:   db "str", 0
msg_shutdown: db "Shutdown"
payload_end:
