/* The kernel's GDT: a flat 64-bit code and data segment and a TSS whose IST1
 * stack catches double faults, NMIs and machine checks even when the kernel
 * stack is gone (Intel SDM vol. 3A 3.4.5, 7.2.3 and 7.7). */
#include <stdint.h>
#include <string.h>

#include "kernel/irq.h"

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3, iomap_base;
} __attribute__((packed));

static uint64_t gdt[5] __attribute__((aligned(16)));
static struct tss64 tss __attribute__((aligned(16)));
static uint8_t ist1_stack[16384] __attribute__((aligned(16)));

void gdt_init(void)
{
    gdt[0] = 0;
    gdt[1] = 0x00af9a000000ffffull;   /* 0x08: code, L=1, DPL 0 */
    gdt[2] = 0x00cf92000000ffffull;   /* 0x10: data */
    memset(&tss, 0, sizeof(tss));
    tss.ist[0] = (uint64_t)(uintptr_t)(ist1_stack + sizeof(ist1_stack));
    tss.iomap_base = sizeof(tss);     /* no I/O bitmap */
    uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;
    gdt[3] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ull << 40 /* present, 64-bit TSS */
           | ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    gdt[4] = base >> 32;

    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
        sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq $0x08\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw $0x10, %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        "xorw %%ax, %%ax\n\t"
        "movw %%ax, %%fs\n\t"
        "movw %%ax, %%gs\n\t"
        "movw $0x18, %%ax\n\t"
        "ltr %%ax\n\t"
        :: "m"(gdtr) : "rax", "memory");
}
