/* The public interface of the x86 CPU interpreter (P6-level integer core,
 * Intel SDM vol. 3A chapters 2-9): the PC machine creates one, runs it for a
 * budget of instructions and drives its INTR/NMI/A20 lines. */
#ifndef BAREMU_EMU_CPU_H
#define BAREMU_EMU_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct guest_memory;
struct io_bus;
struct cpu;

enum cpu_stop {
    CPU_STOP_BUDGET,    /* max_instructions retired */
    CPU_STOP_HLT,       /* HLT executed and no interrupt is deliverable */
    CPU_STOP_RESET,     /* triple fault (or shutdown): the machine should reset */
    CPU_STOP_REQUEST,   /* cpu_request_stop() was called */
};

/* Segment register indices, the encoding of the ModRM sreg field. */
enum { CPU_ES = 0, CPU_CS, CPU_SS, CPU_DS, CPU_FS, CPU_GS };
/* GPR indices in ModRM encoding order. */
enum { CPU_EAX = 0, CPU_ECX, CPU_EDX, CPU_EBX, CPU_ESP, CPU_EBP, CPU_ESI, CPU_EDI };

struct cpu_seg_state {
    uint16_t sel;
    uint32_t base, limit;   /* limit in bytes (already scaled by G) */
    uint16_t attr;          /* descriptor bits 40-47 (access) | 52-55 (AVL,L,D/B,G) << 8 */
};

struct cpu_regs {
    uint32_t gpr[8];
    uint32_t eip, eflags;
    struct cpu_seg_state seg[6], ldtr, tr;
    uint32_t gdt_base, idt_base;
    uint16_t gdt_limit, idt_limit;
    uint32_t cr0, cr2, cr3, cr4;
};

struct cpu *cpu_create(struct guest_memory *mem, struct io_bus *io);
void cpu_destroy(struct cpu *c);
void cpu_reset(struct cpu *c);   /* power-on/INIT state: CS:IP = F000:FFF0, base FFFF0000 */
enum cpu_stop cpu_run(struct cpu *c, uint64_t max_instructions);
void cpu_set_intr(struct cpu *c, int level);
void cpu_set_intr_ack(struct cpu *c, int (*ack)(void *opaque), void *opaque);
void cpu_set_nmi(struct cpu *c, int level);
void cpu_set_a20(struct cpu *c, bool enabled);
bool cpu_a20(struct cpu *c);
void cpu_request_stop(struct cpu *c);
uint64_t cpu_retired(const struct cpu *c);
void cpu_set_ferr(struct cpu *c, void (*ferr)(void *opaque, int level), void *opaque);
/* The time-stamp counter's source (RDTSC, MSR 0x10, before the guest's own
 * offset): by default the retired-instruction count; a machine gives its
 * virtual clock so the TSC keeps a fixed rate across HLT and against the
 * timer devices (Linux checks the TSC against the PIT/ACPI PM timer). */
/* Runs of instructions are translated to host code after THRESHOLD runs
 * (0: never, interpret only). */
void cpu_set_jit_threshold(struct cpu *c, unsigned threshold);
/* The translator's counters, for the monitor's "info jit". */
struct cpu_jit_stats {
    unsigned threshold;     /* 0: off */
    bool available;         /* the host gave code memory (false until first use) */
    uint64_t translated, flushes, code_bytes, code_capacity;
};
void cpu_get_jit_stats(const struct cpu *c, struct cpu_jit_stats *s);
void cpu_set_tsc_source(struct cpu *c, uint64_t (*ticks)(void *opaque), void *opaque);

/* Register access for tests and the debugger. cpu_set_regs reloads the
 * descriptor caches from the given state as-is (no checks) and derives the
 * mode (CPL = CS.sel RPL in protected mode, 3 in V86, 0 in real mode). */
void cpu_get_regs(const struct cpu *c, struct cpu_regs *r);
void cpu_set_regs(struct cpu *c, const struct cpu_regs *r);

#endif
