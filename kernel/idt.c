/* The IDT and the C side of interrupt dispatch: device vectors go to their
 * handlers (then EOI to the local APIC), exceptions to a register dump on every
 * console followed by a clean halt (Intel SDM vol. 3A 6.10-6.15). */
#include <stdint.h>
#include <string.h>

#include "kernel/apic.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"

extern const uint8_t isr_stub0[];

struct idt_entry {
    uint16_t off0, sel;
    uint8_t ist, type;
    uint16_t off1;
    uint32_t off2, zero;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));
static struct { irq_handler h; void *ctx; } handlers[256];
static int next_vector = VEC_DEVICE0;
volatile int irq_pending;
int irq_exit_on_fault;

static const char *const exc_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
    "#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
    "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check", "#MC machine check",
    "#XM SIMD error", "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "#HV", "#VC", "#SX", "reserved 31",
};

void idt_init(void)
{
    uint64_t base = (uint64_t)(uintptr_t)isr_stub0;
    for (int v = 0; v < 256; v++) {
        uint64_t a = base + 16u * (unsigned)v;
        idt[v].off0 = (uint16_t)a;
        idt[v].sel = 0x08;
        /* The double fault, NMI and machine check run on the IST1 stack. */
        idt[v].ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
        idt[v].type = 0x8e;   /* present, DPL 0, 64-bit interrupt gate */
        idt[v].off1 = (uint16_t)(a >> 16);
        idt[v].off2 = (uint32_t)(a >> 32);
        idt[v].zero = 0;
    }
    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
        sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" :: "m"(idtr) : "memory");
}

void irq_set_handler(int vector, irq_handler h, void *ctx)
{
    if (vector < 0x20 || vector > 0xff)
        kpanic("irq_set_handler: vector %d is not a device vector", vector);
    handlers[vector].ctx = ctx;
    handlers[vector].h = h;
}

int irq_alloc_vector(void)
{
    return next_vector < VEC_PIC_BASE ? next_vector++ : -1;
}

static _Noreturn void exception_dump(const struct irq_frame *f)
{
    static int depth;
    if (depth++) {
        /* A fault while dumping: say so on serial only and stop. */
        const char *m = "\nEXCEPTION inside the exception dump: halting\n";
        while (*m)
            serial_putc(*m++);
        if (irq_exit_on_fault)
            debug_exit(EXIT_FAULT);
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    uint64_t cr2 = read_cr2(), cr3 = read_cr3();
    const struct kernel_image *img = &kernel_image;
    console_printf("\n*** EXCEPTION vector %lu (%s) error 0x%lx\n", (unsigned long)f->vector,
                   f->vector < 32 ? exc_names[f->vector] : "?", (unsigned long)f->error);
    console_printf("RIP=%016lx CS=%04lx RFLAGS=%08lx CR2=%016lx CR3=%016lx\n",
                   (unsigned long)f->rip, (unsigned long)f->cs, (unsigned long)f->rflags,
                   (unsigned long)cr2, (unsigned long)cr3);
    if (f->rip >= img->base && f->rip < img->base + img->size)
        console_printf("RIP is kernel image base %016lx + 0x%lx\n", (unsigned long)img->base,
                       (unsigned long)(f->rip - img->base));
    else
        console_printf("RIP is outside the kernel image (base %016lx size 0x%lx)\n",
                       (unsigned long)img->base, (unsigned long)img->size);
    console_printf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    console_printf("RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    console_printf("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n", f->r8, f->r9, f->r10, f->r11);
    console_printf("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n", f->r12, f->r13, f->r14, f->r15);
    console_printf("SS=%04lx\n", (unsigned long)f->ss);
    console_puts("*** halted\n");
    if (irq_exit_on_fault)
        debug_exit(EXIT_FAULT);
    for (;;)
        __asm__ volatile("cli; hlt");
}

__attribute__((visibility("hidden"))) void isr_dispatch(struct irq_frame *f);
void isr_dispatch(struct irq_frame *f)
{
    uint64_t v = f->vector;
    if (v < 32)
        exception_dump(f);
    if (v == VEC_SPURIOUS || (v >= VEC_PIC_BASE && v < VEC_PIC_BASE + 16))
        return;   /* spurious: no handler, no EOI (SDM 10.9) */
    irq_pending = 1;
    if (handlers[v].h)
        handlers[v].h(f, handlers[v].ctx);
    lapic_eoi();
}
