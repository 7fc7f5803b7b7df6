/* Descriptor tables and interrupt dispatch: the kernel's own GDT (with a TSS
 * for the double-fault stack), its IDT, the exception dump, and handlers for
 * device vectors (Intel SDM vol. 3A chapters 3, 6 and 7). */
#ifndef BAREMU_KERNEL_IRQ_H
#define BAREMU_KERNEL_IRQ_H

#include <stdint.h>

struct irq_frame {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t vector, error;
    uint64_t rip, cs, rflags, rsp, ss;   /* pushed by the CPU */
};

/* Vector plan: 0-31 exceptions, 0x20.. device vectors from the local APIC,
 * 0xe0-0xef the masked legacy PIC's (spurious only), 0xff APIC spurious. */
enum {
    VEC_TIMER = 0x20,     /* local APIC timer: the event loop's deadline */
    VEC_KBD = 0x21,       /* IOAPIC: ISA IRQ 1 */
    VEC_COM1 = 0x22,      /* IOAPIC: ISA IRQ 4 */
    VEC_MOUSE = 0x23,     /* IOAPIC: ISA IRQ 12 */
    VEC_DEVICE0 = 0x30,   /* first vector handed out to drivers */
    VEC_PIC_BASE = 0xe0,
    VEC_SPURIOUS = 0xff,
};

/* Runs with interrupts disabled on the interrupted stack. It must not call
 * malloc or stdio (newlib is not reentrant here); console_* is fine. */
typedef void (*irq_handler)(struct irq_frame *f, void *ctx);

void gdt_init(void);
void idt_init(void);
/* Installs the handler of a device vector (>= 0x20); EOI is sent for it. */
void irq_set_handler(int vector, irq_handler h, void *ctx);
/* A free vector for a driver (MSI or IOAPIC line), or -1. */
int irq_alloc_vector(void);

/* Set when any device interrupt ran; the event loop clears it. */
extern volatile int irq_pending;

/* After an exception dump: write EXIT_FAULT to isa-debug-exit (tests) before
 * halting. */
extern int irq_exit_on_fault;

/* The deliberate faults of -fault (kernel/isr.S). */
void fault_raise_ud(void);
void fault_raise_gp(void);
void fault_raise_pf(uint64_t addr);
void fault_raise_de(void);

#endif
