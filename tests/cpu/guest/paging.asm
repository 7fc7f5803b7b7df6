; Paging checks: 4 KiB pages, 4 MiB PSE pages, not-present and protection
; #PF error codes and CR2, CR0.WP, A/D bits, INVLPG, user/supervisor, A20.
; Intel SDM vol. 3A 4.3 (32-bit paging), 4.6-4.8, 4.10.4 (INVLPG).
%include "lib.inc"

PD      equ 0x200000
PT0     equ 0x201000            ; maps linear 0-4 MiB
PTE_P   equ 1
PTE_W   equ 2
PTE_U   equ 4
PTE_A   equ 0x20
PTE_D   equ 0x40
PTE_PS  equ 0x80

        bits 32
main:
        ; identity-map 0-4 MiB with user, writable 4 KiB pages
        mov edi, PT0
        mov eax, PTE_P | PTE_W | PTE_U
        mov ecx, 1024
.pt:    stosd
        add eax, 0x1000
        loop .pt
        mov edi, PD
        xor eax, eax
        mov ecx, 1024
        rep stosd
        mov dword [PD + 0], PT0 | PTE_P | PTE_W | PTE_U
        ; PD[1]: a 4 MiB page, linear 0x400000 -> physical 0x800000
        mov dword [PD + 4], 0x800000 | PTE_P | PTE_W | PTE_PS
        ; the page tables themselves (0x200000-0x201fff) sit in PT0's identity map
        ; 0x300000: read-only, supervisor
        mov dword [PT0 + (0x300000 >> 12) * 4], 0x300000 | PTE_P
        ; 0x304000: supervisor-only, writable
        mov dword [PT0 + (0x304000 >> 12) * 4], 0x304000 | PTE_P | PTE_W
        ; 0x305000: not present
        mov dword [PT0 + (0x305000 >> 12) * 4], 0x305000

        mov eax, cr4
        or eax, 0x10            ; PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov eax, cr0
        test eax, eax
        sets al
        cmp al, 1
        CHECK "paging-enabled-still-running"

        ; 4 MiB page: write through linear 0x400010, read physical 0x800010
        ; through a 4 KiB alias (PT0 entry 0x306 -> 0x800000)
        mov dword [PT0 + (0x306000 >> 12) * 4], 0x800000 | PTE_P | PTE_W
        mov dword [0x400010], 0xA5A5F00D
        cmp dword [0x306010], 0xA5A5F00D
        CHECK "pse-4m-page-maps-0x800000"
        test dword [PD + 4], PTE_D
        setnz al
        cmp al, 1
        CHECK "pse-4m-dirty-set"

        ; not-present PDE (linear 0x800000): read #PF, err 0, CR2
        EXPECT .p1
        mov eax, [0x800123]
.p1:    cmp dword [last_vec], 14
        CHECK "pf-not-present-pde"
        cmp dword [last_err], 0
        CHECK "pf-not-present-errcode-0"
        mov eax, cr2
        cmp eax, 0x800123
        CHECK "pf-cr2"

        ; not-present PTE, write: err 2
        EXPECT .p2
        mov dword [0x305004], 1
.p2:    cmp dword [last_err], 2
        CHECK "pf-not-present-pte-write-errcode-2"

        ; supervisor write to a read-only page: allowed with WP=0 ...
        EXPECT .p3
        mov dword [0x300000], 0x1234
.p3:    cmp dword [last_vec], -1
        CHECK "ro-page-supervisor-write-wp0-ok"
        ; ... #PF err 3 with WP=1
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        EXPECT .p4
        mov dword [0x300000], 0x5678
.p4:    cmp dword [last_vec], 14
        CHECK "ro-page-supervisor-write-wp1-pf"
        cmp dword [last_err], 3
        CHECK "ro-page-wp1-errcode-3"
        cmp dword [0x300000], 0x1234
        CHECK "ro-page-unchanged"

        ; accessed and dirty bits
        mov dword [PT0 + (0x302000 >> 12) * 4], 0x302000 | PTE_P | PTE_W
        invlpg [0x302000]
        mov eax, [0x302000]
        mov eax, [PT0 + (0x302000 >> 12) * 4]
        and eax, PTE_A | PTE_D
        cmp eax, PTE_A
        CHECK "read-sets-accessed-only"
        mov dword [0x302000], 7
        mov eax, [PT0 + (0x302000 >> 12) * 4]
        and eax, PTE_A | PTE_D
        cmp eax, PTE_A | PTE_D
        CHECK "write-sets-dirty"

        ; INVLPG: remap 0x303000 to 0x302000's frame
        mov dword [0x303000], 0x33
        mov eax, [0x303000]
        mov dword [PT0 + (0x303000 >> 12) * 4], 0x302000 | PTE_P | PTE_W
        invlpg [0x303000]
        cmp dword [0x303000], 7
        CHECK "invlpg-sees-new-mapping"
        ; CR3 reload flushes too
        mov dword [PT0 + (0x303000 >> 12) * 4], 0x303000 | PTE_P | PTE_W
        mov eax, cr3
        mov cr3, eax
        cmp dword [0x303000], 0x33
        CHECK "cr3-reload-flushes"

        ; a page-crossing dword write where the second page is absent: #PF, nothing written
        mov dword [0x304ffc], 0
        EXPECT .p5
        mov dword [0x304ffe], 0xFFFFFFFF
.p5:    mov eax, cr2
        cmp eax, 0x305000
        CHECK "split-write-pf-cr2-second-page"
        cmp dword [0x304ffc], 0
        CHECK "split-write-pf-no-partial-write"

        ; user access to a supervisor page from ring 3: #PF err 5 (P, U, read)
        mov [escape_esp], esp
        mov dword [escape_eip], .back
        mov dword [escape_to], 0
        push dword 0x23
        push dword 0x80000
        push dword 0x0202
        push dword 0x1B
        push dword ring3
        iretd
.back:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        cmp dword [u_vec], 14
        CHECK "user-read-supervisor-page-pf"
        cmp dword [u_err], 5
        CHECK "user-read-supervisor-page-errcode-5"
        cmp dword [u_err2], 7
        CHECK "user-write-ro-page-errcode-7"

        ; paging off again, then A20 masking: 0x100000 aliases 0
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax
        mov dword [0x000500], 0x11111111
        mov dword [0x100500], 0x22222222
        mov al, 0
        out 0xE2, al
        mov eax, [0x100500]
        push eax
        mov al, 1
        out 0xE2, al
        pop eax
        cmp eax, 0x11111111
        CHECK "a20-masked-wraps"
        cmp dword [0x100500], 0x22222222
        CHECK "a20-enabled-distinct"
        jmp finish

ring3:
        mov ax, 0x23
        mov ds, ax
        mov dword [resume], .u1
        mov dword [last_vec], -1
        mov eax, [0x304000]
.u1:    mov eax, [last_vec]
        mov [u_vec], eax
        mov eax, [last_err]
        mov [u_err], eax
        mov dword [PT0 + (0x300000 >> 12) * 4], 0x300000 | PTE_P | PTE_U
        mov dword [resume], .u2
        mov dword [last_vec], -1
        mov dword [0x300000], 1
.u2:    mov eax, [last_err]
        mov [u_err2], eax
        mov dword [escape_to], 1
        int 0x80

u_vec:  dd 0
u_err:  dd 0
u_err2: dd 0
