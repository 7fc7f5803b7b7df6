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
#define CR4_OSFXSR 0x200u

/* Exception vectors (SDM vol. 3A, table 6-1). */
enum { EX_DE = 0, EX_DB = 1, EX_NMI = 2, EX_BP = 3, EX_OF = 4, EX_BR = 5, EX_UD = 6, EX_NM = 7,
       EX_DF = 8, EX_TS = 10, EX_NP = 11, EX_SS = 12, EX_GP = 13, EX_PF = 14, EX_MF = 16,
       EX_AC = 17 };

/* Lazy flags: the last flag-setting arithmetic op and its operands; the six
 * arithmetic flags are computed only when read. Ops with irregular flags
 * (shifts, multiplies, BCD) write EFLAGS directly and set LF_NONE. */
enum { SHADOW_STI = 1, SHADOW_SS = 2 };

/* The small helpers of the per-instruction path: always inlined, as GCC
 * gives up inlining into the large interpreter switch on its own. */
#define CPU_INLINE static inline __attribute__((always_inline))

enum lf_op { LF_NONE = 0, LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_LOGIC, LF_INC, LF_DEC, LF_MUL };
/* LF_MUL (translated MUL and IMUL, jit_x64.c): SF, ZF and PF from lf_res,
 * CF = OF = lf_cin (the product did not fit), AF clear, as the
 * interpreter's do_mul and imul2 set them. INC, DEC and MUL keep CF in
 * lf_cin, in this order (the translator tests the three at once). */
/* ORed into a pending lf_op by ROL/ROR: SF/ZF/AF/PF still come from the
 * lazy op, CF and OF from c->flags (what the rotate wrote). */
#define LF_ROT 0x80u

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

#define TLB_SIZE 1024
/* TLB permission bits: what this cached translation allows without a walk. */
#define TP_RS 1u   /* supervisor read */
#define TP_WS 2u   /* supervisor write (D already set) */
#define TP_RU 4u   /* user read */
#define TP_WU 8u   /* user write (D already set) */

/* The hit test of an inline access is one compare: tag_r[user] (tag_w[user])
 * holds the linear page number when a read (write) at that privilege may go
 * straight to host memory, else ~0, and the access compares it with the page
 * of its last byte, which also sends page-crossing accesses to the slow path
 * (the next page never maps to the same slot). Direct writes need RAM behind
 * both reads and writes at the same host page, and no decoded code in it. */
struct tlb_entry {
    uint32_t tag_r[2], tag_w[2];    /* [user] */
    uint8_t *host;          /* host page for direct reads (RAM or ROM), else NULL */
    uint32_t lpage;         /* linear page number, or ~0 when empty */
    uint32_t ppage : 20;    /* physical page number (A20 applied) */
    uint32_t perm : 4;      /* TP_* */
    uint32_t global : 1;
};
_Static_assert(sizeof(struct tlb_entry) == 32, "tlb_entry is 32 bytes");

/* One decoded instruction head (prefixes, opcode byte, ModRM/SIB/displacement)
 * keyed by the physical address of its first byte. Valid while the page's
 * code version (bumped by the memory map's code-write hook) and the memory
 * map generation are unchanged. Immediates are still read from the page.
 * One entry per byte offset, direct-mapped: 2^18 entries (8 MiB) cover
 * 256 KiB of code. With 2^16 the boot's user-mode part (fork, exec, many
 * short programs) decoded again over a million instructions whose entries
 * another page had taken; 2^18 took 0.963 of the CPU time (median of six
 * pairs, all below 1), 2^19 gained nothing more (0.995). */
#define DC_BITS 18
#define DC_SIZE (1 << DC_BITS)   /* entries, indexed by (pa ^ pa >> DC_BITS) mod DC_SIZE */
#define CODE_PAGES (1u << 20)   /* 4 GiB of 32-bit physical space */
/* The prefixes of an instruction and the operand/address sizes they select. */
struct cpu_prefixes {
    int8_t seg_ovr;
    bool op32, ad32, lock;
    uint8_t rep;
    /* In a decode-cache entry that is not a fast form: the instruction's
     * whole length if it may run inside a run of fast forms (dc_mark_in_run,
     * exec.c), else 0. */
    uint8_t run_len;
    uint8_t pad[2];         /* 8 bytes: a decode-cache hit copies them with one move */
};

/* The register fields of a ModRM byte, as decode_modrm hands them out (the
 * first four bytes of its struct modrm): a hit copies them in one move. */
struct modrm_form {
    uint8_t mod, reg, rm;
    bool mem;               /* mod != 3 */
};

/* What a decode-cache entry holds (dc_entry.kind). */
enum { DC_HEAD = 0,     /* prefixes and opcode */
       DC_MODRM = 1,    /* ... and the ModRM form */
       DC_FAST = 2 };   /* and up: a fast form, the whole instruction decoded (exec_fast.h) */

struct dc_entry {
    uint32_t pa;            /* ~0: empty */
    uint32_t key;           /* code version * 2 + code32 (the default sizes it was decoded with) */
    uint8_t pre_len;        /* bytes a hit skips at once: prefixes + opcode (+ ModRM form, see dc_record_modrm) */
    uint8_t op;
    uint8_t kind;           /* DC_HEAD, DC_MODRM or a fast form */
    uint8_t modrm_len;      /* what decode_modrm still skips */
    union {
        struct cpu_prefixes pfx;    /* DC_HEAD, DC_MODRM */
        struct {                    /* a fast form */
            uint8_t len;            /* the whole instruction */
            uint8_t aux;            /* condition code, shift or extension kind */
            uint8_t pad[2];
            uint32_t imm;           /* immediate or branch displacement, sign-extended */
        } fx;
    };
    /* ModRM form, once decode_modrm has run for it; a fast form keeps its
     * destination register in form.rm and the other register in form.reg,
     * and in seg_default the segment after any override. */
    struct modrm_form form;
    uint8_t scale;
    int8_t base, index, seg_default;
    uint32_t disp;
};
/* 32 bytes: the lookup scales the index with a shift. */
_Static_assert(sizeof(struct dc_entry) == 32, "dc_entry is 32 bytes");

/* A run of fast forms that follow each other in one code page, copied out of
 * the decode cache so that cpu_exec_loop runs them back to back: one lookup
 * and one event test per run instead of per instruction, and the entries lie
 * next to each other in memory (in the decode cache they are spread out, one
 * slot per byte offset). A run ends after a branch, before an instruction
 * that is neither a fast form nor an ordinary instruction allowed in runs
 * (dc_mark_in_run), at FXB_MAX, or at the end of the fetch window.
 * Valid under the same key as its entries (the page's code version and
 * code32); the code-write hook changes fetch_key, which ends a run early when
 * it writes its own page. 16 Ki slots of up to 32 instructions: the
 * boot's user-mode part runs much code a few times each, and with 8 Ki
 * slots of 64 the loop found another run in the slot it looked up 4.8 M
 * times a boot, each a call to fxb_build, whose decode-cache reads miss
 * the host's caches; 16 Ki of 32 took 0.970
 * of the CPU time (six pairs), with the entries' memory unchanged (16
 * MiB). 32 Ki of 16 was slower (1.010 against 16 Ki of 32), 32 Ki of 32
 * and 16 Ki of 48 no faster (0.998, 0.999). With 2 Ki slots the boot was
 * 4-13% slower than with 8 Ki. The slots (32 bytes each) hold what lookups
 * and translated chains test; the entries lie apart, read only to
 * interpret or build. */
#define FXB_BITS 14
#define FXB_SIZE (1 << FXB_BITS)
#define FXB_MAX 32
struct fx_block {
    uint32_t pa;            /* of the first instruction; ~0: empty */
    uint32_t key;           /* as dc_entry.key */
    uint16_t last_off;      /* page offset of the last instruction */
    uint8_t n;              /* instructions */
    bool open;              /* ended before an instruction not decoded yet */
    uint32_t hits;          /* times run since it was built (the translator's trigger) */
    const struct jit_block *jit;   /* its host code (jit_x64.c), or NULL */
    struct dc_entry *e;     /* its FXB_MAX entries, in cpu.fxb_entries */
};
_Static_assert(sizeof(struct fx_block) == 32, "fx_block is 32 bytes (the translated chain's slot arithmetic)");

/* The length of a run's entry E: a fast form's, or that of an ordinary
 * instruction allowed in runs (cpu_prefixes.run_len). */
static inline uint32_t fx_entry_len(const struct dc_entry *e)
{
    return e->kind >= DC_FAST ? e->fx.len : e->pfx.run_len;
}

/* The bytes run B covers, from its first instruction to its end. */
static inline uint32_t fxb_span(const struct fx_block *b)
{
    return b->last_off - (b->pa & 0xfff) + fx_entry_len(&b->e[b->n - 1]);
}

/* The run-of-fast-forms slot of the instruction at physical address PA. */
static inline uint32_t fxb_index(uint32_t pa)
{
    return (pa ^ pa >> FXB_BITS ^ pa >> (2 * FXB_BITS)) & (FXB_SIZE - 1);
}

/* A run translated to host code: the code runs the whole run from EIP, and
 * the translated runs it chains to in the same page while the interpreter's
 * loop would run them too, adds the instructions it ran to c->retired and
 * returns the next EIP (a store into the run's page ends it early). The
 * run's entries are kept with it for the forms it hands to cpu_fx_step. */
struct cpu;
typedef uint32_t (*jit_code_fn)(struct cpu *c, uint32_t eip);
struct jit_block {
    jit_code_fn code;
    /* The run it was made from (pa, key, last_off, n; open: its end
     * returns to the loop), as a slot of its own whose entries are e: c->run
     * points here when code linked straight to this one enters it (the slot
     * of its address may hold another run by then), and cpu_run counts a
     * fault from c->run. */
    struct fx_block view;
    struct dc_entry e[];
};
/* A run is translated after this many runs from the same build (the
 * default of cpu_set_jit_threshold). */
#define JIT_HOT 16

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
    uint64_t (*tsc_ticks)(void *);   /* NULL: the TSC counts retired instructions */
    void *tsc_opaque;
    uint32_t sysenter_cs, sysenter_esp, sysenter_eip;

    /* instruction being executed */
    uint32_t eip_start, esp_start;
    union {                 /* the prefix state, copied as one unit from the decode cache */
        struct cpu_prefixes pfx;
        struct {
            int8_t seg_ovr; /* -1 or segment index */
            bool op32, ad32, lock;
            uint8_t rep;    /* 0, 0xF2, 0xF3 */
            uint8_t pfx_pad[3];
        };
    };

    /* exceptions */
    jmp_buf jb;
    int exc_depth;          /* 0: none, 1: delivering one, 2: delivering #DF */
    int first_exc;
    int pend_vec;
    uint32_t pend_err;
    /* The event flags, overlaid by one word so that the loop tests them all
     * with one load per instruction. int_shadow: MOV SS / POP SS / STI, no
     * interrupt before the next instruction; the SS forms also hold off the
     * single-step trap (SDM 6.8.3). nmi_pending: NMI is edge-triggered. */
    union {
        uint32_t ev;
        struct {
            bool halted, stop_req;
            uint8_t int_shadow, nmi_pending;
        };
    };

    /* lines and machine glue */
    struct guest_memory *mem;
    struct io_bus *io;
    uint32_t mem_gen;
    uint32_t a20_mask;
    int intr, nmi_line, nmi_blocked;
    int (*intr_ack)(void *);
    void *intr_opaque;
    void (*ferr)(void *, int);
    int ferr_level;
    struct x87 fpu;
    void *ferr_opaque;
    uint64_t retired;
    uint64_t run_end;           /* cpu_exec_loop runs while retired < run_end */

    struct tlb_entry tlb[TLB_SIZE];
    /* The code page being executed: instruction fetch skips the TLB while
     * EIP stays in it. Dropped on any TLB flush and on every CS/CPL change. */
    uint32_t fetch_lpage, fetch_ppage;
    const uint8_t *fetch_host;
    uint32_t fetch_ver;         /* code_ver[fetch_ppage], kept current by the code-write hook */
    /* The same page seen from EIP, for the decode-cache lookup: EIP values
     * fetch_eip_lo .. fetch_eip_lo + fetch_eip_n - 1 lie in the fetch page
     * with 15 bytes below the CS limit (and the 16-bit IP wrap), so a hit
     * needs no limit check; fetch_eip_n is 0 while there is no fetch page.
     * fetch_key: what a valid entry's key must be (fetch_ver * 2 + code32). */
    uint32_t fetch_eip_lo, fetch_eip_n, fetch_pa_lo, fetch_key;
    uint32_t fetch_dc_xor;      /* decode-cache index = page offset ^ this */

    struct dc_entry *dc;        /* DC_SIZE entries */
    struct fx_block *fxb;       /* FXB_SIZE runs, indexed by fxb_index(pa) */
    struct dc_entry *fxb_entries;   /* their entries, FXB_MAX each, apart so
                                     * that the slots the chains test stay small */
    /* The slots filled since the last flush while they are few, so that a
     * flush (every reset, every memory map change) does not sweep the whole
     * table after a short run; fxb_built_n > FXB_LOG means "sweep it all". */
#define FXB_LOG 64
    uint16_t fxb_built[FXB_LOG];
    unsigned fxb_built_n;
    uint32_t *code_ver;         /* per physical page, bumped on code writes */
    /* The run of fast forms executing, or NULL, and the EIP it began at:
     * cpu_exec_loop stores EIP and the retired count only at a run's end,
     * so a fault inside a run counts the instructions before the faulting
     * one from here (cpu_run). Until the run ends, devices reading the
     * retired count see it as at the run's start. */
    const struct fx_block *run;
    uint32_t run_eip;
    /* An ordinary instruction inside the run (cpu_fx_general) adds the
     * run's instructions up to and including itself to the retired count at
     * once, so that it sees the exact count: run_skip of the run's
     * instructions are counted, the next one at run_skip_eip. Every run
     * starts with run_skip 0. */
    unsigned run_skip;
    uint32_t run_skip_eip;
    /* Bit s: segment s is a present, writable, expand-up data segment with
     * base 0 and a 4 GiB limit, so a fast form's access needs only the
     * 4 GiB test (fx_seg_lin). Kept by cpu_flat_update wherever segments
     * may have changed before a run: cpu_exec_loop's entry, after the
     * ordinary path and after events, cpu_reset, cpu_set_regs. Runs
     * themselves never load a segment. */
    uint8_t flat_rw;
    /* flat_rw outside user mode, 0 at CPL 3 (which runs change no more than
     * segments): the entry of code translated outside user mode tests this
     * one byte for the segments its inline TLB hits (supervisor tags) take
     * as flat (gen_flat_guard); flat_user is the
     * converse, for code translated at CPL 3 (user tags). Code that runs at
     * the other privilege than it was made for always misses, so it stays
     * exact. */
    uint8_t flat_sup;
    uint8_t flat_user;
    /* The same for segments as flat but for any base (Linux's per-CPU FS):
     * the inline hit adds the base after the 4 GiB limit test. */
    uint8_t based_sup;
    uint8_t based_user;
    /* The address of the entry after the run's last one to execute; 0 ends
     * the run after the current instruction. Whatever changes fetch_key
     * (the code-write hook, fetch_drop) clears it, so the run's loop tests
     * one word per instruction for both its end and a write to its page.
     * So does whatever makes an event pending inside a run: an interrupt
     * line or NMI raised, a stop requested (cpu.c), STI, POPF setting IF
     * or TF (cpu_fx_general); so while it is 1, the runs that follow need
     * no event or TF test (translated code chains on it alone; fxb_run sets
     * 2 when an interrupt already waits, and the code then does not chain). */
    uintptr_t run_stop;
    /* Set by translated code that found, on entry, a segment of its inline
     * accesses no longer flat (jit_x64.c, gen_flat_guard): the next run
     * fxb_run starts is interpreted, whatever code it has. */
    bool jit_bail;
    struct dc_entry *cur;       /* the entry of the executing instruction, or NULL */
    struct jit_state *jit;      /* the translator's code cache (jit_x64.c), made on first use */
    unsigned jit_hot;           /* runs before a run is translated; 0: never */
    unsigned jit_cache_min;     /* uses for a guest register to be kept in a host register (jit_x64.c); 0: the default */
    uint64_t dc_misses;
};

/* The current CF without materialising the other lazy flags. */
static inline bool cpu_cf(const struct cpu *c)
{
    switch (c->lf_op) {   /* the cases that need no operands first: INC/DEC ask after every op */
    case LF_NONE: return c->flags & F_CF;
    case LF_LOGIC: return false;
    case LF_INC: case LF_DEC: case LF_MUL: return c->lf_cin;
    default: break;
    }
    uint32_t m = c->lf_sz == 4 ? 0xffffffffu : c->lf_sz == 2 ? 0xffffu : 0xffu;
    uint32_t r = c->lf_res & m, a = c->lf_a & m, b = c->lf_b & m;
    switch (c->lf_op) {
    case LF_ADD: return r < a;
    case LF_ADC: return r < a || (c->lf_cin && r == a);
    case LF_SUB: return a < b;
    case LF_SBB: return a < b || (c->lf_cin && a == b);
    default: return c->flags & F_CF;   /* LF_ROT: the rotate wrote CF */
    }
}

/* Recomputes c->flat_rw from the segment caches. */
static inline void cpu_flat_update(struct cpu *c)
{
    unsigned f = 0, b = 0;
    for (int i = 0; i < 6; i++) {
        const struct seg *s = &c->s[i];
        unsigned plain = (s->attr & (A_P | A_CODE | A_EXPD | A_RW)) == (A_P | A_RW) && s->limit == 0xffffffffu;
        b |= plain << i;
        f |= (plain && s->base == 0) << i;
    }
    c->flat_rw = (uint8_t)f;
    c->flat_sup = c->cpl == 3 ? 0 : (uint8_t)f;
    c->flat_user = c->cpl == 3 ? (uint8_t)f : 0;
    c->based_sup = c->cpl == 3 ? 0 : (uint8_t)b;
    c->based_user = c->cpl == 3 ? (uint8_t)b : 0;
}

/* Drops the cached code page (TLB flush, CS or CPL change). */
static inline void fetch_drop(struct cpu *c)
{
    c->fetch_lpage = ~0u;
    c->fetch_eip_n = 0;
    c->fetch_key = ~0u;
    c->run_stop = 0;        /* ends a run of fast forms (struct fx_block) at once */
}

/* cpu.c */
_Noreturn void cpu_raise(struct cpu *c, int vec, uint32_t err);
_Noreturn void cpu_raise_noerr(struct cpu *c, int vec);
void cpu_interrupt(struct cpu *c, int vec, bool software, bool has_err, uint32_t err);
void cpu_update_mode(struct cpu *c);
uint32_t cpu_get_flags(struct cpu *c);
void cpu_set_flags(struct cpu *c, uint32_t v, uint32_t mask);
bool cpu_cond(struct cpu *c, int cc);
int cpu_events(struct cpu *c);
enum cpu_stop cpu_exec_loop(struct cpu *c, uint64_t end);   /* exec.c */

/* mmu.c: linear-address accesses through the TLB (faults raise #PF) */
void tlb_flush(struct cpu *c, bool keep_global);
void tlb_flush_page(struct cpu *c, uint32_t lin);
void tlb_mark_code_page(struct cpu *c, uint32_t ppage);
void fxb_flush(struct cpu *c);
uint32_t lin_read_slow(struct cpu *c, uint32_t lin, unsigned size, bool user);
void lin_write_slow(struct cpu *c, uint32_t lin, uint32_t v, unsigned size, bool user);

/* The TLB-hit path of a linear read/write to RAM within one page, inline in
 * every access; misses, MMIO, code pages and page crossings go to mmu.c. */
CPU_INLINE uint32_t lin_read(struct cpu *c, uint32_t lin, unsigned size, bool user)
{
    const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (__builtin_expect(e->tag_r[user] == (lin + size - 1) >> 12, 1)) {
        const uint8_t *p = e->host + (lin & 0xfff);
        if (size == 4) {
            uint32_t v;
            memcpy(&v, p, 4);
            return v;
        }
        if (size == 2) {
            uint16_t v;
            memcpy(&v, p, 2);
            return v;
        }
        return *p;
    }
    return lin_read_slow(c, lin, size, user);
}

CPU_INLINE void lin_write(struct cpu *c, uint32_t lin, uint32_t v, unsigned size, bool user)
{
    const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (__builtin_expect(e->tag_w[user] == (lin + size - 1) >> 12, 1)) {
        uint8_t *p = e->host + (lin & 0xfff);
        if (size == 4) {
            memcpy(p, &v, 4);
        } else if (size == 2) {
            uint16_t w = (uint16_t)v;
            memcpy(p, &w, 2);
        } else {
            *p = (uint8_t)v;
        }
        return;
    }
    lin_write_slow(c, lin, v, size, user);
}
uint8_t lin_fetch8(struct cpu *c, uint32_t lin);
/* Makes the page of LIN the fetch page as lin_fetch8 does, but only when
 * the TLB already maps it to RAM for a fetch at the current CPL, so that it
 * cannot fault; false (and nothing changed) otherwise. */
bool fetch_window_try(struct cpu *c, uint32_t lin);
/* The memory map changed (a new generation): drops the TLB, and every
 * decoded instruction when a page holding code was remapped. */
void cpu_map_changed(struct cpu *c);
/* Drops the TLB and every decoded instruction (reset, new code bytes). */
void cpu_mem_changed(struct cpu *c);

/* The translator (jit_x64.c). jit_translate gives run B host code (b->jit)
 * if it can; jit_lookup finds code made earlier for the run B now holds;
 * jit_flush forgets all code (the memory map changed); jit_destroy frees it. */
void jit_translate(struct cpu *c, struct fx_block *b);
const struct jit_block *jit_lookup(struct cpu *c, const struct fx_block *b);
void jit_flush(struct cpu *c);
void jit_destroy(struct cpu *c);
/* The interpreter's pieces the translated code calls (exec.c): one fast
 * form, a fast form's memory read and write, a condition, CF, EFLAGS, the code
 * of the run at EIP in another page, the ordinary instruction E that is
 * instruction K of the run. */
uint32_t cpu_fx_step(struct cpu *c, const struct dc_entry *e, uint32_t eip);
uint32_t cpu_fx_cond(struct cpu *c, int cc);
uint32_t cpu_fx_cf(struct cpu *c);
uint32_t cpu_fx_flags(struct cpu *c);
bool cpu_fx_is_branch(unsigned kind);
const void *cpu_fx_enter_page(struct cpu *c, uint32_t eip);
uint32_t cpu_fx_general(struct cpu *c, const struct dc_entry *e, uint32_t eip, unsigned k);
/* Flushes the TLB if the guest memory map changed (after device accesses). */
static inline void cpu_sync_mem(struct cpu *c)
{
    if (c->mem_gen != gmem_generation(c->mem))
        cpu_map_changed(c);
}
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

CPU_INLINE uint32_t sz_mask(unsigned sz)
{
    return sz == 4 ? 0xffffffffu : sz == 2 ? 0xffffu : 0xffu;
}

/* Jcc's common cases inline: ZF/NZ straight from a lazy result (the loop
 * counter's DEC/SUB/CMP), the rest straight from a pending CMP/SUB (as
 * cpu_cond does it) or TEST/AND/OR/XOR (CF = OF = 0, SDM vol. 2 AND);
 * everything else through cpu_cond. */
CPU_INLINE bool cpu_cond_fast(struct cpu *c, int cc)
{
    if (c->lf_op != LF_NONE && (cc >> 1) == 2)
        return ((c->lf_res & sz_mask(c->lf_sz)) == 0) ^ (cc & 1);
    if (c->lf_op == LF_SUB || c->lf_op == LF_LOGIC) {
        unsigned sh = 32 - c->lf_sz * 8;
        uint32_t m = sz_mask(c->lf_sz);
        int32_t res = (int32_t)(c->lf_res << sh);
        bool r;
        switch (cc >> 1) {
        case 1: r = c->lf_op == LF_SUB && (c->lf_a & m) < (c->lf_b & m); break;
        case 3: r = c->lf_op == LF_SUB ? (c->lf_a & m) <= (c->lf_b & m) : res == 0; break;
        case 4: r = res < 0; break;
        case 6: r = c->lf_op == LF_SUB ? (int32_t)(c->lf_a << sh) < (int32_t)(c->lf_b << sh) : res < 0; break;
        case 7: r = c->lf_op == LF_SUB ? (int32_t)(c->lf_a << sh) <= (int32_t)(c->lf_b << sh) : res <= 0; break;
        default: return cpu_cond(c, cc);   /* O and P */
        }
        return r ^ (cc & 1);
    }
    return cpu_cond(c, cc);
}

/* Data-segment type and limit checks (SDM 5.3, 5.5) with #GP/#SS; returns the linear address. */
CPU_INLINE uint32_t seg_lin(struct cpu *c, int s, uint32_t off, unsigned size, bool write)
{
    const struct seg *sg = &c->s[s];
    uint16_t a = sg->attr;
    /* The common case, a present writable expand-up data segment, passes
     * the type checks in every mode: only the limit remains. */
    if (__builtin_expect((a & (A_P | A_CODE | A_EXPD | A_RW)) == (A_P | A_RW), 1)) {
        if ((uint64_t)off + size - 1 > sg->limit)
            cpu_raise(c, s == CPU_SS ? EX_SS : EX_GP, 0);
        return sg->base + off;
    }
    int vec = s == CPU_SS ? EX_SS : EX_GP;
    if (c->pe_mode && !c->v86) {
        if (!(a & A_P))
            cpu_raise(c, vec, 0);
        if (write ? ((a & A_CODE) || !(a & A_RW)) : ((a & A_CODE) && !(a & A_RW)))
            cpu_raise(c, EX_GP, 0);
    }
    uint64_t last = (uint64_t)off + size - 1;
    if (!(a & A_CODE) && (a & A_EXPD)) {
        uint32_t top = (a & A_DB) ? 0xffffffffu : 0xffffu;
        if (off <= sg->limit || last > top)
            cpu_raise(c, vec, 0);
    } else if (last > sg->limit) {
        cpu_raise(c, vec, 0);
    }
    return sg->base + off;
}

CPU_INLINE bool is_user(const struct cpu *c) { return c->cpl == 3; }

CPU_INLINE uint32_t mem_read(struct cpu *c, int s, uint32_t off, unsigned size)
{
    return lin_read(c, seg_lin(c, s, off, size, false), size, is_user(c));
}

CPU_INLINE void mem_write(struct cpu *c, int s, uint32_t off, uint32_t v, unsigned size)
{
    lin_write(c, seg_lin(c, s, off, size, true), v, size, is_user(c));
}

/* Stack helpers: SS.B selects ESP or SP. */
CPU_INLINE uint32_t sp_mask(const struct cpu *c) { return c->stack32 ? 0xffffffffu : 0xffffu; }
CPU_INLINE void set_sp(struct cpu *c, uint32_t v)
{
    uint32_t m = sp_mask(c);
    c->r[CPU_ESP] = (c->r[CPU_ESP] & ~m) | (v & m);
}
void cpu_push(struct cpu *c, uint32_t v, unsigned size);
uint32_t cpu_pop(struct cpu *c, unsigned size);

#endif
