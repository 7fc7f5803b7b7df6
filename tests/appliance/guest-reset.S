/* A 64 KiB guest firmware for tests/appliance/guest-reset.t.sh: counts its
 * starts in guest RAM (0x500 survives a reset; only power-on clears RAM),
 * prints the count on the debug console (port 0x402), then ends start 1 with
 * a triple fault (an IDT limit of 0: int3 -> #GP -> #DF -> shutdown, SDM 3A
 * 6.15 "Interrupt 8"), start 2 with a hard reset through the PIIX3 reset
 * control register 0xCF9, and start 3 by writing 5 to isa-debug-exit. */
    .code16
    .text
    .org 0
start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    incb 0x500
    mov 0x500, %al
    add $'0', %al
    mov $0x402, %dx
    out %al, %dx
    mov $'\n', %al
    out %al, %dx
    cmpb $1, 0x500
    je triple
    cmpb $2, 0x500
    je cf9
    mov $5, %al
    out %al, $0xf4
1:  hlt
    jmp 1b
triple:
    lidtw %cs:zero_idt
    int3
    jmp triple
cf9:
    mov $0xcf9, %dx
    mov $6, %al
    out %al, %dx
2:  hlt
    jmp 2b
zero_idt:
    .word 0
    .long 0
    .org 0xfff0
    ljmp $0xf000, $start
    .org 0x10000
