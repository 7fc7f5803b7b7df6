/* The CPU's internal state and the helpers shared by its files (Intel SDM
 * vol. 3A: 2.1 system registers, 3.4 segment descriptor caches, 4.3 paging;
 * vol. 1 3.4.3 EFLAGS). Not for use outside emu/cpu/. */
#ifndef BAREMU_EMU_CPU_INT_H
#define BAREMU_EMU_CPU_INT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "emu/cpu/cpu.h"
#include "emu/io.h"
#include "emu/memory.h"
#include "emu/cpu/x87.h"

/* EFLAGS bits (SDM vol. 1, 3.4.3). */
#define F_CF 0x0001u
#define F_PF 0x0004u
#define F_AF 0x0010u
#define F_ZF 0x0040u
#define F_SF 0x0080u
#define F_TF 0x0100u
#define F_IF 0x0200u
#define F_DF 0x0400u
#define F_OF 0x0800u
#define F_IOPL 0x3000u
#define F_NT 0x4000u
#define F_RF 0x10000u
#define F_VM 0x20000u
#define F_AC 0x40000u
#define F_ID 0x200000u
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)

#define CR0_PE 0x1u
#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_TS 0x8u
#define CR0_ET 0x10u
#define CR0_NE 0x20u
#define CR0_WP 0x10000u
#define CR0_AM 0x40000u
#define CR0_NW 0x20000000u
#define CR0_CD 0x40000000u
#define CR0_PG 0x80000000u
#define CR4_VME 0x1u
#define CR4_PVI 0x2u
#define CR4_TSD 0x4u
#define CR4_DE 0x8u
#define CR4_PSE 0x10u
#define CR4_PGE 0x80u

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum { EX_DE = 0, EX_DB = 1, EX_NMI = 2, EX_BP = 3, EX_OF = 4, EX_BR = 5, EX_UD = 6, EX_NM = 7,
       EX_DF = 8, EX_TS = 10, EX_NP = 11, EX_SS = 12, EX_GP = 13, EX_PF = 14, EX_MF = 16,
       EX_AC = 17 };

/* Lazy flags: the last flag-setting arithmetic op and its operands; the six
 * arithmetic flags are computed only when read. Ops with irregular flags
 * (shifts, multiplies, BCD) write EFLAGS directly and set LF_NONE. */
enum lf_op { LF_NONE = 0, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC };

/* A descriptor cache (SDM vol. 3A 3.4.3). */
struct seg {
    uint16_t sel;
    uint32_t base, limit;
    uint16_t attr;          /* access byte | (flags nibble << 8) */
};
#define A_P 0x80u
#define A_S 0x10u
#define A_CODE 0x08u
#define A_CONF 0x04u    /* code: conforming */
#define A_EXPD 0x04u    /* data: expand-down */
#define A_RW 0x02u      /* code: readable, data: writable */
#define A_ACC 0x01u
#define A_DB 0x400u
#define A_G 0x800u
#define A_DPL(a) (((a) >> 5) & 3)

#define TLB_SIZE 256
/* TLB permission bits: what this cached translation allows without a walk. */
#define TP_RS 1u   /* supervisor read */
#define TP_WS 2u   /* supervisor write (D already set) */
#define TP_RU 4u   /* user read */
#define TP_WU 8u   /* user write (D already set) */

struct tlb_entry {
    uint32_t lpage;         /* linear page number, or ~0 when empty */
    uint32_t ppage;         /* physical page number (A20 applied) */
    uint8_t *host_r, *host_w; /* host page for RAM reads/writes, else NULL */
    uint8_t perm;
    uint8_t global;
};

struct cpu {
    uint32_t r[8];
    uint32_t eip;
    uint32_t flags;         /* EFLAGS, arithmetic bits valid only when lf_op == LF_NONE */
    uint32_t lf_res, lf_a, lf_b, lf_cin;
    uint8_t lf_op, lf_sz;
    struct seg s[6], ldtr, tr;
    uint32_t gdt_base, idt_base;
    uint16_t gdt_limit, idt_limit;
    uint32_t cr0, cr2, cr3, cr4;
    uint32_t dr[8];
    uint8_t cpl;
    bool code32, stack32, pe_mode, v86;

    /* MSRs (SDM vol. 4) */
    uint64_t tsc_offset, apic_base;
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;

    /* instruction being executed */
    uint32_t eip_start, esp_start;
    int seg_ovr;            /* -1 or segment index */
    bool op32, ad32, lock;
    int rep;                /* 0, 0xF2, 0xF3 */

    /* exceptions */
    jmp_buf jb;
    int exc_depth;          /* 0: none, 1: delivering one, 2: delivering #DF */
    int first_exc;
    int pend_vec;
    uint32_t pend_err;
    bool int_shadow;        /* MOV SS / POP SS / STI: no interrupt before the next insn */

    /* lines and machine glue */
    struct guest_memory *mem;
    struct io_bus *io;
    uint32_t mem_gen;
    uint32_t a20_mask;
    int intr, nmi_pending, nmi_line, nmi_blocked;
    bool halted, stop_req;
    int (*intr_ack)(void *);
    void *intr_opaque;
    void (*ferr)(void *, int);
    int ferr_level;
    struct x87 fpu;
    void *ferr_opaque;
    uint64_t retired;

    struct tlb_entry tlb[TLB_SIZE];
};

/* cpu.c */
_Noreturn void cpu_raise(struct cpu *c, int vec, uint32_t err);
_Noreturn void cpu_raise_noerr(struct cpu *c, int vec);
void cpu_interrupt(struct cpu *c, int vec, bool software, bool has_err, uint32_t err);
void cpu_update_mode(struct cpu *c);
uint32_t cpu_get_flags(struct cpu *c);
void cpu_set_flags(struct cpu *c, uint32_t v, uint32_t mask);
bool cpu_cond(struct cpu *c, int cc);
void cpu_exec_one(struct cpu *c);   /* exec.c */

/* mmu.c: linear-address accesses through the TLB (faults raise #PF) */
void tlb_flush(struct cpu *c, bool keep_global);
void tlb_flush_page(struct cpu *c, uint32_t lin);
uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, bool user);
void lin_write(struct cpu *c, uint32_t lin, uint32_t v, unsigned size, bool user);
uint8_t lin_fetch8(struct cpu *c, uint32_t lin);
uint32_t phys_read32(struct cpu *c, uint32_t pa);

/* seg.c */
void seg_load(struct cpu *c, int sreg, uint16_t sel);       /* MOV/POP sreg semantics */
void seg_load_real(struct cpu *c, int sreg, uint16_t sel);
void seg_set_cache(struct seg *s, uint16_t sel, uint32_t lo, uint32_t hi);
bool desc_read(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi); /* false: beyond table limit */
void desc_set_accessed(struct cpu *c, uint16_t sel, uint32_t hi);
void far_jump(struct cpu *c, uint16_t sel, uint32_t off, bool call, bool op32);
void far_return(struct cpu *c, bool op32, uint16_t imm);
void iret(struct cpu *c, bool op32);
void task_switch(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int source, bool has_err, uint32_t err);
enum { TS_JMP, TS_CALL, TS_IRET, TS_INT };
uint32_t tss_stack(struct cpu *c, int dpl, uint16_t *ss);
/* data-segment access checks with #GP/#SS */
uint32_t seg_lin(struct cpu *c, int s, uint32_t off, unsigned size, bool write);

static inline uint32_t sz_mask(unsigned sz)
{
    return sz == 4 ? 0xffffffffu : sz == 2 ? 0xffffu : 0xffu;
}

static inline bool is_user(const struct cpu *c) { return c->cpl == 3; }

static inline uint32_t mem_read(struct cpu *c, int s, uint32_t off, unsigned size)
{
    return lin_read(c, seg_lin(c, s, off, size, false), size, is_user(c));
}

static inline void mem_write(struct cpu *c, int s, uint32_t off, uint32_t v, unsigned size)
{
    lin_write(c, seg_lin(c, s, off, size, true), v, size, is_user(c));
}

/* Stack helpers: SS.B selects ESP or SP. */
static inline uint32_t sp_mask(const struct cpu *c) { return c->stack32 ? 0xffffffffu : 0xffffu; }
static inline void set_sp(struct cpu *c, uint32_t v)
{
    uint32_t m = sp_mask(c);
    c->r[CPU_ESP] = (c->r[CPU_ESP] & ~m) | (v & m);
}
void cpu_push(struct cpu *c, uint32_t v, unsigned size);
uint32_t cpu_pop(struct cpu *c, unsigned size);

#endif
