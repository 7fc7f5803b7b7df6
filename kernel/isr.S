/* The 256 interrupt entry stubs and the common save/restore path (Intel SDM
 * vol. 3A 6.12-6.14: 64-bit interrupt frames, error codes). Each stub is 16
 * bytes long so the IDT code finds stub v at isr_stub0 + 16*v without a table
 * of absolute addresses (which would need relocations). The frame handed to C
 * is struct irq_frame in kernel/irq.h; SSE/x87 state is saved with FXSAVE
 * because C handlers may use those registers. */
    .text
    .hidden isr_dispatch

    .balign 16
    .globl isr_stub0
    .hidden isr_stub0
isr_stub0:
    .set v, 0
    .rept 256
    .balign 16
    /* Vectors that push an error code: #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX. */
    .if v != 8 && v != 10 && v != 11 && v != 12 && v != 13 && v != 14 && v != 17 && v != 21 && v != 29 && v != 30
    pushq $0
    .endif
    pushq $v
    jmp isr_common
    .set v, v + 1
    .endr

    .balign 16
isr_common:
    cld
    pushq %r15
    pushq %r14
    pushq %r13
    pushq %r12
    pushq %r11
    pushq %r10
    pushq %r9
    pushq %r8
    pushq %rbp
    pushq %rdi
    pushq %rsi
    pushq %rdx
    pushq %rcx
    pushq %rbx
    pushq %rax
    movq %rsp, %rdi
    movq %rsp, %rbx          /* callee-saved: the frame, to come back to */
    subq $512, %rsp
    andq $-16, %rsp
    fxsave (%rsp)
    call isr_dispatch
    fxrstor (%rsp)
    movq %rbx, %rsp
    popq %rax
    popq %rbx
    popq %rcx
    popq %rdx
    popq %rsi
    popq %rdi
    popq %rbp
    popq %r8
    popq %r9
    popq %r10
    popq %r11
    popq %r12
    popq %r13
    popq %r14
    popq %r15
    addq $16, %rsp           /* vector and error code */
    iretq

/* The deliberate faults of -fault: each has a global label at the faulting
 * instruction so the tests can check the dumped RIP against the symbol table. */
    .globl fault_raise_ud, fault_site_ud
    .hidden fault_raise_ud, fault_site_ud
fault_raise_ud:
fault_site_ud:
    ud2
    ret

    .globl fault_raise_gp, fault_site_gp
    .hidden fault_raise_gp, fault_site_gp
fault_raise_gp:
    movabsq $0x8000000000000000, %rax   /* non-canonical: #GP(0) */
fault_site_gp:
    movq (%rax), %rax
    ret

    .globl fault_raise_pf, fault_site_pf
    .hidden fault_raise_pf, fault_site_pf
fault_raise_pf:
    movq %rdi, %rax                     /* an unmapped address, given by C */
fault_site_pf:
    movq (%rax), %rax
    ret

    .globl fault_raise_de, fault_site_de
    .hidden fault_raise_de, fault_site_de
fault_raise_de:
    xorl %ecx, %ecx
    movl $1, %eax
    xorl %edx, %edx
fault_site_de:
    divl %ecx
    ret

    .section .note.GNU-stack, "", @progbits
