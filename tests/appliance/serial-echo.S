/* A 64 KiB guest firmware for tests/appliance/keyboard-guest.t.sh: prints
 * "echo-ready" on COM1, then echoes every byte received on COM1 (16550:
 * LSR bit 0 = data ready, bit 5 = transmitter holding register empty;
 * PC16550D datasheet, line status register). */
    .code16
    .text
    .org 0
start:
    cli
    mov $msg, %si
1:  mov %cs:(%si), %bl
    test %bl, %bl
    jz echo
    call putc
    inc %si
    jmp 1b
echo:
    mov $0x3fd, %dx
    in %dx, %al
    test $1, %al
    jz echo
    mov $0x3f8, %dx
    in %dx, %al
    mov %al, %bl
    call putc
    jmp echo
putc:                     /* the byte in %bl */
    mov $0x3fd, %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    ret
msg:
    .asciz "echo-ready\n"
    .org 0xfff0
    ljmp $0xf000, $start
    .org 0x10000
