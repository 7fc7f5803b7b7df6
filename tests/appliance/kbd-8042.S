/* A 64 KiB guest firmware for tests/appliance/kbd-8042.t.sh: enables the
 * PS/2 keyboard (command 0xF4 through port 0x60) and the mouse (0xA8 enables
 * the auxiliary port, 0xD4 sends the next byte, 0xF4, to the mouse), prints
 * "kbd-ready" on COM1, then prints every byte the 8042 delivers (status port
 * 0x64 bit 0 = output buffer full, bit 5 = the byte is the mouse's, data at
 * 0x60; IBM PC/AT technical reference, 8042) as two hex digits and a space,
 * a mouse byte with an "m" in front. */
    .code16
    .text
    .org 0
start:
    cli
1:  in $0x64, %al             /* wait for an empty input buffer (bit 1) */
    test $2, %al
    jnz 1b
    mov $0xf4, %al
    out %al, $0x60
    mov $0xa8, %al
    call ctl_cmd
    mov $0xd4, %al
    call ctl_cmd
    call wait_in
    mov $0xf4, %al
    out %al, $0x60
    mov $msg, %si
2:  mov %cs:(%si), %bl
    test %bl, %bl
    jz loop
    call putc
    inc %si
    jmp 2b
loop:
    in $0x64, %al
    test $1, %al
    jz loop
    test $0x20, %al
    jz 5f
    mov $'m', %bl
    call putc
5:  in $0x60, %al
    mov %al, %cl
    shr $4, %al
    call hexdigit
    mov %cl, %al
    and $0x0f, %al
    call hexdigit
    mov $' ', %bl
    call putc
    jmp loop
wait_in:                      /* until the 8042's input buffer is empty */
    push %ax
6:  in $0x64, %al
    test $2, %al
    jnz 6b
    pop %ax
    ret
ctl_cmd:                      /* the controller command in %al */
    call wait_in
    out %al, $0x64
    ret
hexdigit:                     /* the nibble in %al */
    add $'0', %al
    cmp $'9', %al
    jbe 3f
    add $('a' - '0' - 10), %al
3:  mov %al, %bl
putc:                         /* the byte in %bl, to COM1 */
    mov $0x3fd, %dx
4:  in %dx, %al
    test $0x20, %al
    jz 4b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    ret
msg:
    .asciz "kbd-ready\n"
    .org 0xfff0
    ljmp $0xf000, $start
    .org 0x10000
