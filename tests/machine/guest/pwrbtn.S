/* A 64 KiB guest firmware for tests/machine/monitor.t.sh: maps the PIIX4
 * power-management registers at 0x600 (82371AB datasheet 3.4.2: PMBA at
 * function 3's config 0x40, PMREGMISC 0x80 bit 0 = PMIOSE), enables the
 * power button in PM1_EN (7.2.2, bit 8 PWRBTN_EN), prints "pm-ready" on
 * COM1 and waits until PM1_STS (7.2.1) reports PWRBTN_STS (bit 8), which
 * the monitor's system_powerdown raises; it then writes 0x42 to
 * isa-debug-exit at 0xf4, so baremu exits with status 0x85 = 133. */
    .code16
    .text
    .org 0
start:
    cli
    mov $0x80000b40, %eax       /* bus 0, device 1, function 3, register 0x40 */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $0x00000601, %eax       /* PMBA = 0x600 (bit 0: I/O space) */
    mov $0xcfc, %dx
    out %eax, %dx
    mov $0x80000b80, %eax       /* register 0x80: PMREGMISC */
    mov $0xcf8, %dx
    out %eax, %dx
    mov $1, %al                 /* PMIOSE */
    mov $0xcfc, %dx
    out %al, %dx
    mov $0x602, %dx             /* PM1_EN: PWRBTN_EN */
    mov $0x0100, %ax
    out %ax, %dx
    mov $msg, %si
1:  mov %cs:(%si), %bl
    test %bl, %bl
    jz wait
    mov $0x3fd, %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $0x3f8, %dx
    mov %bl, %al
    out %al, %dx
    inc %si
    jmp 1b
wait:
    mov $0x600, %dx             /* PM1_STS */
    in %dx, %ax
    test $0x0100, %ax
    jz wait
    mov $0x42, %al
    out %al, $0xf4
    hlt
msg:
    .asciz "pm-ready\n"
    .org 0xfff0
    ljmp $0xf000, $start
    .org 0x10000
