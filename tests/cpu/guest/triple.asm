; Triple fault: with an empty IDT an INT3 raises #GP, then #DF, then the
; CPU shuts down, which the harness must see as a reset request
; (Intel SDM vol. 3A 6.15, interrupt 8: "shutdown").
%include "lib.inc"

        bits 32
main:
        mov dword [last_vec], -1
        int 0x30
        cmp dword [last_vec], 0x30
        CHECK "idt-works-before"
        lidt [empty_idt]
        int3
        mov esi, fail_msg
        call print
        jmp finish
fail_msg:  db "FAIL no-shutdown-after-int3-with-empty-idt", 10, 0
empty_idt: dw 0
           dd 0
