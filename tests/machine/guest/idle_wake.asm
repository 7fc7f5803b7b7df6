; A 64 KiB firmware image (-bios) that idles the way a tickless OS does:
; the 8254's channel 0 in mode 4 (one-shot, as Linux's clock event device)
; armed for ~10 ms, then STI; HLT until IRQ 0 arrives, 50 times; then it
; writes 0x2A to isa-debug-exit (port 0xF4), so baremu exits with 85. A
; machine that misses the wake-up of a halted CPU never exits.
bits 16
org 0
start:
  cli
  xor ax, ax
  mov ss, ax
  mov sp, 0x7000
  mov ds, ax
  mov word [0x08 * 4], irq0      ; IVT entry of vector 8 (IRQ 0)
  mov word [0x08 * 4 + 2], 0xf000
  mov al, 0x11                   ; master 8259: ICW1..ICW4, vectors 8-15
  out 0x20, al
  mov al, 0x08
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe                   ; only IRQ 0
  out 0x21, al
  mov al, 0x11                   ; slave 8259, all masked
  out 0xa0, al
  mov al, 0x70
  out 0xa1, al
  mov al, 0x02
  out 0xa1, al
  mov al, 0x01
  out 0xa1, al
  mov al, 0xff
  out 0xa1, al
  mov al, 0x38                   ; channel 0, LSB then MSB, mode 4
  out 0x43, al
  mov word [0x502], 0            ; ticks seen
  mov byte [0x500], 0            ; set by the handler
again:
  mov al, 0x9c                   ; 11932 ticks = 10 ms
  out 0x40, al
  mov al, 0x2e
  out 0x40, al
wloop:
  sti                            ; the interrupt shadow covers HLT, as in
  hlt                            ; Linux's safe_halt()
  cli
  cmp byte [0x500], 0
  je wloop
  mov byte [0x500], 0
  inc word [0x502]
  cmp word [0x502], 50
  jb again
  mov al, 0x2a
  out 0xf4, al
  hlt
irq0:
  push ax
  mov byte [0x500], 1
  mov al, 0x20                   ; non-specific EOI
  out 0x20, al
  pop ax
  iret
times 0xfff0-($-$$) db 0
  jmp 0xf000:start               ; the reset vector
times 0x10000-($-$$) db 0
