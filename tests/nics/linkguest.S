/* A boot sector that plays a NIC driver's link watch on real hardware
 * paths: finds the e1000 (8086:100E) or RTL8139 (10EC:8139) on PCI bus 0
 * through 0xCF8/0xCFC, takes its I/O BAR as SeaBIOS assigned it, and polls
 * the link bit a driver reads (e1000: STATUS.LU through IOADDR/IODATA;
 * RTL8139: BMSR bit 2), printing on the debug console (port 0xE9):
 *   "<U>" link up, "<D>" down, then "<I>" when the interrupt cause register
 *   holds the link-change cause (e1000 ICR.LSC, RTL8139 ISR.LinkChg), and
 *   "<U>" again; then it exits through isa-debug-exit (0xF4) with 0x21.
 * tests/nics/set_link.t.sh turns the link off and on from the monitor. */
    .code16
    .text
    .globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %ss
    mov $0x7c00, %sp
    /* Scan slots 0..31 of bus 0. */
    xor %si, %si
scan:
    mov %si, %ax
    shl $11, %eax
    and $0xffff, %eax
    or $0x80000000, %eax
    mov %eax, %ebx            /* config address of the slot */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    cmp $0x100e8086, %eax
    je found_e1000
    cmp $0x813910ec, %eax
    je found_rtl
    inc %si
    cmp $32, %si
    jb scan
    mov $0x7f, %al
    out %al, $0xf4
    hlt

found_e1000:
    movb $1, kind
    mov $0x14, %al            /* BAR1: I/O */
    jmp bar
found_rtl:
    movb $2, kind
    mov $0x10, %al            /* BAR0: I/O */
bar:
    mov %ebx, %ecx
    movzbl %al, %eax
    or %ecx, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %eax
    and $0xfffc, %ax
    mov %ax, iobase
    /* Enable I/O decoding and bus mastering. */
    mov %ebx, %eax
    or $4, %eax
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0xcfc, %dx
    mov $0x0007, %ax
    out %ax, %dx

    mov $1, %bl               /* wait for up */
    call wait_link
    mov $'U', %al
    call mark
    mov $0, %bl               /* wait for down */
    call wait_link
    mov $'D', %al
    call mark
    call cause
    jz 1f
    mov $'I', %al
    call mark
1:  mov $1, %bl
    call wait_link
    mov $'U', %al
    call mark
    mov $0x21, %al
    out %al, $0xf4
    hlt

/* Loops until the link bit equals bl. */
wait_link:
    call link
    cmp %bl, %al
    jne wait_link
    ret

/* al = 1 when the link is up. */
link:
    mov iobase, %dx
    cmpb $1, kind
    jne 2f
    mov $0x8, %eax            /* e1000 STATUS */
    out %eax, %dx
    add $4, %dx
    in %dx, %eax
    shr $1, %eax
    and $1, %al
    ret
2:  add $0x64, %dx            /* RTL8139 BMSR */
    in %dx, %ax
    shr $2, %ax
    and $1, %al
    ret

/* ZF clear when the link-change interrupt cause is pending. */
cause:
    mov iobase, %dx
    cmpb $1, kind
    jne 3f
    mov $0xc0, %eax           /* e1000 ICR */
    out %eax, %dx
    add $4, %dx
    in %dx, %eax
    test $4, %al
    ret
3:  add $0x3e, %dx            /* RTL8139 ISR */
    in %dx, %ax
    test $0x20, %al
    ret

/* Prints "<c>" on port 0xE9. */
mark:
    push %ax
    mov $'<', %al
    out %al, $0xe9
    pop %ax
    out %al, $0xe9
    mov $'>', %al
    out %al, $0xe9
    mov $'\n', %al
    out %al, $0xe9
    ret

kind:   .byte 0
iobase: .word 0
    .org 510
    .byte 0x55, 0xaa
