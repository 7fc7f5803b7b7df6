/* The translator: a run of fast forms (struct fx_block) that has run often
 * becomes x86-64 host code, so that it executes without the interpreter's
 * per-instruction dispatch. Guest semantics are those of exec_fast
 * (exec_fast.h, Intel SDM vol. 2); host encodings per Intel SDM vol. 2
 * (2.1 instruction format, 2.2.1 REX prefixes, appendix A opcode map) and the
 * System V AMD64 calling convention (3.2).
 *
 * What the code keeps exact, as the interpreter does:
 * - the guest registers and the lazy flags are in struct cpu wherever C
 *   code or the loop can see them (a call, a fault, the run's end), so a
 *   fault, an interrupt at the run's end or the ordinary path after it sees
 *   the same state (registers a run keeps in host registers are stored
 *   there first, cache_store; flags that a later register form sets again
 *   before anything can see them are never stored, flags_replaced_at);
 * - a memory form that misses the inline TLB runs whole through the
 *   interpreter (gen_miss_steps, on a slow path placed after the run's
 *   code, gen_cold_paths, so that the inline paths follow each other
 *   without jumps; CALL and RET through their slow path), which records
 *   its fault point (the inline hit cannot fault); faults
 *   leave through cpu_raise's longjmp (the generated frames hold nothing
 *   to undo);
 *   cpu_run counts the instructions before the faulting one from c->run;
 * - a store that writes into the run's own code page clears c->run_stop, and
 *   the code ends the run after that instruction.
 * The simple register forms, loads, stores and branches are generated inline
 * (memory through an inline TLB hit for the privilege the run was made at,
 * segments flat or, for FS and GS, with a base), as are MUL and IMUL r32;
 * every other form calls cpu_fx_step, the interpreter's own code for one
 * fast form, and an ordinary instruction allowed in runs calls
 * cpu_fx_general. A run's end goes on into the next run's code when the
 * interpreter's loop would run that code next: in the same page to a
 * constant EIP linked straight to the target's code once it has been found
 * (jit_link), to a computed EIP through the run table (gen_enter_slot), in
 * another page through
 * cpu_fx_enter_page, which moves the fetch page. Host registers: rbx holds
 * the struct cpu, r12d the EIP the run began at (each instruction's EIP is
 * that plus a constant); the guest registers a run names most often stay in
 * rbp, rdi, r11 (and r8d-r10d in a run that keeps no lazy flags there) from
 * its entry to its exits, stored into struct cpu before every call and exit
 * and loaded again after a call (cache_choose). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cpu/cpu_int.h"
#include "emu/cpu/fast_forms.h"
#include "emu/emu_host.h"

#if defined(__x86_64__) && !defined(BAREMU_NO_JIT)

/* Host register numbers (SDM vol. 2 table 2-2). */
enum { H_EAX, H_ECX, H_EDX, H_EBX, H_ESP, H_EBP, H_ESI, H_EDI, H_R8 };

#define JIT_CODE_BYTES (32u << 20)  /* the code cache; full: everything is dropped */
/* The most code one run may take. A run of 16 memory forms with its
 * chaining exits needs about 3 KiB (with 2 KiB, 17,000 runs of the test
 * guest's boot did not fit and stayed interpreted); runs are up to
 * FXB_MAX (32) instructions long. */
#define JIT_MAX_BLOCK 32768
#define JIT_BITS 15
#define JIT_SLOTS (1u << JIT_BITS)

struct jit_state {
    uint8_t *mem;                  /* JIT_CODE_BYTES, writable and executable */
    size_t used;
    bool failed;                   /* the host gave no code memory: interpret */
    struct jit_block *slot[JIT_SLOTS];   /* by physical address of the run */
    uint64_t translated, flushes;
};

/* The lazy flags of an ALU form kept in r8d (a), r9d (b) and r10d (result)
 * instead of struct cpu (gen_alu with flags_defer): op (LF_*) and size,
 * whether it has operands (not a logic op); active while no later form has
 * set the flags again. */
struct flag_defer {
    bool active, operands;
    uint8_t lf, sz;
};

/* A grouped access's way back to the ordinary inline path (gen_group_hit):
 * where the jump to it is, where it comes back to, and what it accesses. */
struct group_fallback {
    uint8_t *from, *back;
    const struct dc_entry *e;
    int seg;
    unsigned size;
    bool write;
    /* A grouped access made on [r14 + disp] itself (gen_access): the
     * ordinary path makes it on [rsi + rdx] with these bytes, and comes
     * back after it. */
    bool direct;
    uint8_t plain[8], plain_len;
};

struct emit {
    uint8_t *p, *end;
    unsigned skip;   /* the run's instructions already counted (cpu_fx_general) where code is being made */
    bool flags_dead; /* the instruction being made need not leave its flags (flags_replaced_at) */
    bool flags_defer; /* ... except on a slow path before the next setter (flags_replaced_at) */
    struct flag_defer defer;
    /* The instruction being made: the run offset after it, the run's
     * instructions up to and including it, and whether it ends the run. */
    uint32_t next_off;
    unsigned count;
    bool last;
    bool user;       /* made at CPL 3: the inline TLB hit uses the user tags (flat_user) */
    /* The slow paths of the run's memory forms, made after the run's code
     * (gen_cold_paths) so that the inline paths follow each other without
     * a jump over each slow path: where they start from (the rel32 fields
     * of the inline path's misses), where they go back to, and the state
     * of the emitter they were asked with. */
    struct cold_path {
        struct group_fallback fb;
        struct flag_defer defer;   /* to store before the interpreter runs the form */
        uint8_t *from[4], *back;
        const struct dc_entry *e;
        uint32_t off, next_off;
        unsigned count, skip;
        bool last;
    } cold[FXB_MAX];
    unsigned n_cold;
    /* The segments whose flat bit the inline accesses rely on (bit s), and
     * where the run's entry test takes them (gen_flat_guard). */
    uint8_t flat_mask;
    uint8_t *flat_guard, *flat_and, *flat_cmp, *flat_bail;
    /* The run's base-register group (gen_group_setup): the guest register
     * whose [reg + disp] accesses use the host pointer the run's entry
     * found (-1: none), the span of bytes they touch relative to its value
     * at entry, whether any writes, the places the span is filled in
     * (gen_group_patch), the access whose offset gen_ea left to
     * gen_group_hit, and that access's fallback until gen_miss_steps takes
     * it. */
    int group_reg;
    int64_t group_lo, group_hi;
    bool group_live;   /* no instruction before this one may have changed the register */
    bool group_write, group_used;
    uint8_t *group_setup, *group_done, *group_lo_at, *group_hi_at, *group_tag_at, *group_neg_at;
    const struct dc_entry *group_e;
    struct group_fallback fb;
    bool direct_ok;   /* the access being made takes [r14 + disp] (gen_access) */
    /* The run's register cache (cache_choose): the host register that holds
     * each guest register for the whole run (-1: struct cpu holds it), the
     * cached registers the run may write (stored back before every call and
     * exit), the guest registers not to cache (cache_excluded), and those an
     * access the cache cannot take met (cache_conflict: a high byte
     * register, or an emitter that addresses struct cpu itself), for which
     * jit_translate makes the run again without them. */
    int8_t cache_host[8];
    uint8_t cache_dirty, cache_excluded, cache_conflict;
    /* The host's flags are the guest's as the last producer (P_ADD, P_SUB,
     * P_LOGIC, 32-bit) left them: its register form was made inline, with
     * only instructions that leave the flags alone since (fx_flags_untouched);
     * host_flags_in: so at the start of the instruction being made. */
    bool host_flags_live, host_flags_in;
};

static void b1(struct emit *x, uint8_t v)
{
    if (x->p < x->end)
        *x->p = v;
    x->p++;
}

static void b4(struct emit *x, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b1(x, (uint8_t)(v >> (8 * i)));
}

static void b8(struct emit *x, uint64_t v)
{
    b4(x, (uint32_t)v);
    b4(x, (uint32_t)(v >> 32));
}

static uint32_t greg(unsigned r);

/* ModRM for [rbx + disp] with host register REG (disp8 when it fits). */
static void rbx_mem(struct emit *x, int reg, uint32_t disp)
{
    if (disp >= greg(0) && disp < greg(8) && x->cache_host[(disp - greg(0)) / 4] >= 0)
        x->cache_conflict |= (uint8_t)(1u << (disp - greg(0)) / 4);   /* the cache holds it: made again without */
    if (disp < 128) {
        b1(x, (uint8_t)(0x40 | (reg & 7) << 3 | H_EBX));
        b1(x, (uint8_t)disp);
    } else {
        b1(x, (uint8_t)(0x80 | (reg & 7) << 3 | H_EBX));
        b4(x, disp);
    }
}

#define CPU_OFF(field) ((uint32_t)offsetof(struct cpu, field))

/* Where guest register R lives in struct cpu. */
static uint32_t greg(unsigned r) { return (uint32_t)offsetof(struct cpu, r) + 4u * r; }

/* The host register caching the guest register that struct cpu keeps at
 * DISP (the whole register, or its low byte or word), or -1: another byte
 * of a cached register (AH..BH) goes to struct cpu, where rbx_mem marks
 * the conflict. */
static int cache_at(const struct emit *x, uint32_t disp)
{
    if (disp < greg(0) || disp >= greg(8) || (disp - greg(0)) % 4)
        return -1;
    return x->cache_host[(disp - greg(0)) / 4];
}

/* OP (N bytes, after the operand-size prefix when O16) with ModRM.reg REG
 * (a host register or an operation digit) and as r/m the struct cpu field
 * at DISP, or the host register that caches it (BYTE: an 8-bit r/m, for
 * which rbp and rdi need a REX prefix to be bpl and dil). */
static void op_rm(struct emit *x, bool o16, const uint8_t *op, unsigned n, int reg, uint32_t disp, bool byte)
{
    int h = cache_at(x, disp);
    if (o16)
        b1(x, 0x66);
    if (h < 0) {
        if (reg >= 8)
            b1(x, 0x44);
        for (unsigned i = 0; i < n; i++)
            b1(x, op[i]);
        rbx_mem(x, reg, disp);
        return;
    }
    uint8_t rex = (uint8_t)(0x40 | (reg >= 8 ? 4 : 0) | (h >= 8 ? 1 : 0));
    if (rex != 0x40 || (byte && h >= 4))
        b1(x, rex);
    for (unsigned i = 0; i < n; i++)
        b1(x, op[i]);
    b1(x, (uint8_t)(0xc0 | (reg & 7) << 3 | (h & 7)));
}

/* op r32, [rbx+disp]: MOV 8B, ADD 03, OR 0B, AND 23, SUB 2B, XOR 33, CMP 3B. */
static void op_r_mem(struct emit *x, uint8_t op, int reg, uint32_t disp)
{
    op_rm(x, false, &op, 1, reg, disp, false);
}

/* mov [rbx+disp], r32 */
static void st_mem(struct emit *x, int reg, uint32_t disp)
{
    static const uint8_t mov = 0x89;
    op_rm(x, false, &mov, 1, reg, disp, false);
}

/* mov dword [rbx+disp], imm32 */
static void st_mem_imm(struct emit *x, uint32_t disp, uint32_t imm)
{
    static const uint8_t mov = 0xc7;
    op_rm(x, false, &mov, 1, 0, disp, false);
    b4(x, imm);
}

/* The cached guest registers the run writes into struct cpu (before a call
 * or an exit; they stay in their host registers), or all cached ones from
 * it (at the run's entry and after a call, which may have changed them). */
static void cache_move(struct emit *x, bool store, uint8_t which)
{
    for (unsigned g = 0; g < 8; g++) {
        int h = x->cache_host[g];
        if (h < 0 || !(which & (1u << g)))
            continue;
        if (h >= 8)
            b1(x, 0x44);                                 /* REX.R: r8-r15 */
        b1(x, store ? 0x89 : 0x8b);
        uint32_t disp = greg(g);
        b1(x, (uint8_t)(0x40 | (h & 7) << 3 | H_EBX));
        b1(x, (uint8_t)disp);
        _Static_assert(offsetof(struct cpu, r) + 32 < 128, "the guest registers lie within a disp8 of rbx");
    }
}

static void cache_store(struct emit *x) { cache_move(x, true, x->cache_dirty); }
static void cache_load(struct emit *x) { cache_move(x, false, 0xff); }

/* The host register that caches guest register R (0..7, whole), or -1. */
static int cached(const struct emit *x, int r)
{
    return r >= 0 && r < 8 ? x->cache_host[r] : -1;
}

/* A REX prefix for ModRM.reg REG and ModRM.rm RM when either is r8-r15. */
static void rex_rr(struct emit *x, int reg, int rm)
{
    if (reg >= 8 || rm >= 8)
        b1(x, (uint8_t)(0x40 | (reg >= 8 ? 4 : 0) | (rm >= 8 ? 1 : 0)));
}

/* mov r32, r32 for any two host registers. */
static void mov_rr(struct emit *x, int dst, int src)
{
    rex_rr(x, src, dst);
    b1(x, 0x89);
    b1(x, (uint8_t)(0xc0 | (src & 7) << 3 | (dst & 7)));
}

/* The inline access of a TLB hit (gen_tlb_hit): OP (N bytes, after the
 * operand-size prefix when O16) with ModRM.reg REG (eax, ecx or a cache
 * register) on [rsi + rdx]; for a grouped access that gen_group_hit left to
 * it (fb.direct), on [r14 + disp] instead, two instructions fewer, the
 * [rsi + rdx] form kept for its ordinary path (gen_cold_paths). */
static void gen_access(struct emit *x, bool o16, const uint8_t *op, unsigned n, int reg)
{
    uint8_t plain[8];
    unsigned len = 0;
    if (o16)
        plain[len++] = 0x66;
    if (reg >= 8)
        plain[len++] = 0x44;                           /* REX.R */
    for (unsigned i = 0; i < n; i++)
        plain[len++] = op[i];
    plain[len++] = (uint8_t)(0x04 | (reg & 7) << 3);    /* ModRM: SIB follows */
    plain[len++] = 0x16;                               /* SIB: rsi + rdx */
    if (!x->fb.direct || x->fb.back) {
        for (unsigned i = 0; i < len; i++)
            b1(x, plain[i]);
        return;
    }
    if (o16)
        b1(x, 0x66);
    b1(x, (uint8_t)(0x41 | (reg >= 8 ? 4 : 0)));        /* REX.B: r14 (and REX.R) */
    for (unsigned i = 0; i < n; i++)
        b1(x, op[i]);
    b1(x, (uint8_t)(0x86 | (reg & 7) << 3));            /* ModRM: [r14 + disp32] */
    b4(x, x->fb.e->disp);
    memcpy(x->fb.plain, plain, len);
    x->fb.plain_len = (uint8_t)len;
    x->fb.back = x->p;
}

/* mov [rsi+rdx], r32 (STORE) or mov r32, [rsi+rdx] for host register H. */
static void access_rsi_rdx(struct emit *x, bool store, int h)
{
    const uint8_t op = store ? 0x89 : 0x8b;
    gen_access(x, false, &op, 1, h);
}

/* mov r32, imm32 */
static void mov_imm(struct emit *x, int reg, uint32_t imm)
{
    if (reg >= 8)
        b1(x, 0x41);
    b1(x, (uint8_t)(0xb8 + (reg & 7)));
    b4(x, imm);
}

/* lea r32, [r12 + disp]: the EIP of an instruction of the run. */
static void lea_eip(struct emit *x, int reg, uint32_t disp)
{
    b1(x, 0x41);
    b1(x, 0x8d);
    b1(x, (uint8_t)(0x80 | (reg & 7) << 3 | 4));
    b1(x, 0x24);
    b4(x, disp);
}

/* ALU r32, r32 (ADD 01, OR 09, AND 21, SUB 29, XOR 31, CMP 39 with ModRM
 * reg = source, rm = destination), any two host registers. */
static void alu_rr(struct emit *x, unsigned aop, int dst, int src)
{
    rex_rr(x, src, dst);
    b1(x, (uint8_t)(aop << 3 | 1));
    b1(x, (uint8_t)(0xc0 | (src & 7) << 3 | (dst & 7)));
}

/* Calls FN with the arguments already in place (rdi = c is loaded here):
 * the C code sees the guest registers in struct cpu, and may change them. */
static void call_fn(struct emit *x, const void *fn)
{
    cache_store(x);
    b1(x, 0x48); b1(x, 0x89); b1(x, 0xdf);            /* mov rdi, rbx */
    b1(x, 0x48); b1(x, 0xb8); b8(x, (uint64_t)(uintptr_t)fn);   /* mov rax, imm64 */
    b1(x, 0xff); b1(x, 0xd0);                          /* call rax */
    cache_load(x);
}

/* 64-bit op r64, [rbx+disp] (REX.W). */
static void op64_r_mem(struct emit *x, uint8_t op, int reg, uint32_t disp)
{
    b1(x, 0x48);
    b1(x, op);
    rbx_mem(x, reg, disp);
}

/* c->retired += the instructions of the first COUNT of the run not counted
 * yet (those up to an ordinary instruction were, by cpu_fx_general). */
_Static_assert(FXB_MAX < 128, "a run's count is a sign-extended imm8 (add_retired)");
static void add_retired(struct emit *x, unsigned count)
{
    if (count == x->skip)
        return;
    op64_r_mem(x, 0x83, 0, CPU_OFF(retired));
    b1(x, (uint8_t)(count - x->skip));
}

/* The code's frame, left by every exit; a chained run enters past it. */
#define JIT_PROLOGUE_BYTES 17

/* Leaves the code (eax = the next EIP); the guest registers must be in
 * struct cpu by then (cache_store). */
static void leave(struct emit *x)
{
    b1(x, 0x59);                                       /* pop rcx: the alignment slot */
    b1(x, 0x5d);                                       /* pop rbp */
    b1(x, 0x41); b1(x, 0x5f);                          /* pop r15 */
    b1(x, 0x41); b1(x, 0x5e);                          /* pop r14 */
    b1(x, 0x41); b1(x, 0x5d);                          /* pop r13 */
    b1(x, 0x41); b1(x, 0x5c);                          /* pop r12 */
    b1(x, 0x5b);                                       /* pop rbx */
    b1(x, 0xc3);                                       /* ret */
}

/* Leaves the run: EIP in eax, COUNT instructions of it retired. */
static void exit_run(struct emit *x, unsigned count)
{
    add_retired(x, count);
    cache_store(x);
    leave(x);
}

/* jcc rel32 to be patched; returns the place of the displacement. */
static uint8_t *jcc_fwd(struct emit *x, unsigned cc)
{
    b1(x, 0x0f);
    b1(x, (uint8_t)(0x80 | cc));
    uint8_t *at = x->p;
    b4(x, 0);
    return at;
}

static void patch_here(struct emit *x, uint8_t *at)
{
    if (x->p <= x->end) {
        uint32_t rel = (uint32_t)(x->p - (at + 4));
        memcpy(at, &rel, 4);
    }
}

/* The lazy-flag state the last inline instruction left, so that a Jcc can
 * evaluate its condition with the host's own flags. */
enum producer { P_UNKNOWN, P_ADD, P_SUB, P_LOGIC, P_INC, P_DEC, P_ADC, P_SBB, P_ARITH, P_ADD8, P_SUB8, P_LOGIC8,
                P_MUL };
/* P_ARITH: the flags are in c->flags (set_arith: shifts). P_MUL: LF_MUL
 * (MUL, IMUL). */

/* The memory operand's offset (fx_ea) into host register REG (edx or ecx:
 * eax takes the index). Base, scaled index and displacement are added by
 * one LEA: its 64-bit address truncated to the 32-bit destination is the
 * guest's 32-bit sum (both registers loaded zero-extended, the
 * displacement sign-extended). */
static bool group_holds(const struct emit *x, const struct dc_entry *e);

static void gen_ea(struct emit *x, const struct dc_entry *e, int reg)
{
    if (reg == H_EDX && group_holds(x, e)) {
        x->group_e = e;   /* the access that follows takes it (gen_group_hit) */
        return;
    }
    uint32_t disp = e->disp;
    bool d8 = (uint32_t)(int32_t)(int8_t)disp == disp;
    int hb = cached(x, e->base), hi = cached(x, e->index);
    if ((e->base < 0 || hb >= 0) && (e->index < 0 || hi >= 0) && (e->base >= 0 || e->index >= 0)) {
        /* lea reg, [hb + hi*scale + disp] straight from the cache (a base
         * rbp needs a displacement byte; no index is r12's SIB escape). */
        uint8_t mod = e->base < 0 ? 0x00 : !disp && (hb & 7) != H_EBP ? 0x00 : d8 ? 0x40 : 0x80;
        uint8_t rex = (uint8_t)(0x40 | (hi >= 8 ? 2 : 0) | (hb >= 8 ? 1 : 0));
        if (rex != 0x40)
            b1(x, rex);
        b1(x, 0x8d);
        if (e->index < 0 && (hb & 7) != 4) {
            b1(x, (uint8_t)(mod | reg << 3 | (hb & 7)));
        } else {
            b1(x, (uint8_t)(mod | reg << 3 | 4));
            b1(x, (uint8_t)((e->index < 0 ? 0 : e->scale) << 6 | (e->index < 0 ? 4 : hi & 7) << 3 |
                            (e->base < 0 ? 5 : hb & 7)));
        }
        if (mod == 0x40)
            b1(x, (uint8_t)disp);
        else if (mod == 0x80 || e->base < 0)
            b4(x, disp);
        return;
    }
    if (e->index >= 0)
        op_r_mem(x, 0x8b, H_EAX, greg((unsigned)e->index));
    if (e->base < 0 && e->index < 0) {
        mov_imm(x, reg, disp);
        return;
    }
    if (e->base < 0) {   /* lea reg, [rax*scale + disp32] */
        b1(x, 0x8d); b1(x, (uint8_t)(reg << 3 | 4)); b1(x, (uint8_t)(e->scale << 6 | 5)); b4(x, disp);
        return;
    }
    op_r_mem(x, 0x8b, reg, greg((unsigned)e->base));         /* mov reg, [base] */
    if (e->index < 0 && !disp)
        return;
    uint8_t mod = !disp ? 0x00 : d8 ? 0x40 : 0x80;
    b1(x, 0x8d);
    if (e->index < 0) {   /* lea reg, [reg + disp] */
        b1(x, (uint8_t)(mod | reg << 3 | reg));
    } else {              /* lea reg, [reg + rax*scale + disp] */
        b1(x, (uint8_t)(mod | reg << 3 | 4));
        b1(x, (uint8_t)(e->scale << 6 | H_EAX << 3 | reg));
    }
    if (mod == 0x40)
        b1(x, (uint8_t)disp);
    else if (mod == 0x80)
        b4(x, disp);
}

/* After a store: a write into the run's page cleared run_stop; leave with
 * the instructions up to and including this one. */
static void gen_stop_check(struct emit *x, uint32_t next_off, unsigned count)
{
    b1(x, 0x48); b1(x, 0x83);                          /* cmp qword [rbx+run_stop], 0 */
    rbx_mem(x, 7, CPU_OFF(run_stop));
    b1(x, 0);
    uint8_t *cont = jcc_fwd(x, 0x5);                   /* jne cont */
    lea_eip(x, H_EAX, next_off);
    exit_run(x, count);
    patch_here(x, cont);
}

/* The TLB hit inline for an access of SIZE bytes at offset edx of segment
 * SEG (lin_read/lin_write's fast path: the privilege the code was made for,
 * flat segment, which the run's entry tests once (gen_flat_guard), the tag
 * of the access's last page). On a hit rsi + rdx addresses the bytes; on a
 * miss it jumps to the returned places (rel32 fields; 0 where none), from
 * which the whole form runs through the interpreter (edx may hold the
 * linear address by then).
 * In a flat segment an access that wraps past 4 GiB needs no test of its
 * own: its last page (page 0 on) can never be the tag of the entry its
 * first page indexes. FS and GS may have a base (Linux's per-CPU data):
 * the offset is tested against the 4 GiB limit, then the base added. */
struct mem_miss {
    uint8_t *at[3];
};
_Static_assert(sizeof(struct tlb_entry) == 32 && (TLB_SIZE & (TLB_SIZE - 1)) == 0, "TLB index arithmetic");

/* The run's base-register group. Code that addresses its stack frame
 * (or a structure) through one register touches a few bytes around that
 * register's value, over and over: the run's entry (gen_group_setup) finds
 * the host address of those bytes once, when they lie in one page with a
 * TLB hit, and an access [reg + disp] then only tests that the register
 * still holds the value the entry saw (r15, zero-extended; -1 when the
 * entry found no host address) and uses r14 + disp. Any other value, or a
 * run whose entry failed, takes the ordinary inline path, made after the
 * run's code (gen_cold_paths). Only accesses before the first instruction
 * that may change the register are grouped (may_write_reg); an ordinary
 * instruction counts as changing every register, so no grouped access
 * follows one, and fast forms change no mapping: the bytes the entry
 * found stay the guest's for every grouped access. A store needs the
 * page's write tag, which a page holding code never has, so no store
 * through the group can change translated code. */
enum { GROUP_MIN = 3 };   /* fewer accesses do not pay for the entry's test */
static void rbx_mem32(struct emit *x, int reg, uint32_t disp);

/* Whether fast form KIND accesses a ModRM memory operand (fast_forms.h). */
static bool fx_has_mem(unsigned kind)
{
    if ((kind >= FX_ALU_RM && kind < FX_ALU_MI + 8) || (kind >= FX_ALU_RM8 && kind < FX_ALU_MI8 + 8))
        return true;
    switch (kind) {
    case FX_MOVX_RM: case FX_LOAD: case FX_STORE: case FX_LOAD8: case FX_STORE8: case FX_STORE_I:
    case FX_TEST_MI8: case FX_TEST_MR8: case FX_TEST_MR: case FX_STORE_I8: case FX_LOAD16: case FX_STORE16:
    case FX_INC_M: case FX_DEC_M: case FX_CALL_M: case FX_JMP_M: case FX_PUSH_M: case FX_SETCC_M:
    case FX_CMOV_RM:
        return true;
    default:
        return false;
    }
}

static bool group_candidate(const struct dc_entry *e)
{
    return fx_has_mem(e->kind) && e->base >= 0 && e->index < 0 && e->seg_default != CPU_FS &&
           e->seg_default != CPU_GS;
}

static bool group_holds(const struct emit *x, const struct dc_entry *e)
{
    return x->group_reg >= 0 && x->group_live && group_candidate(e) && e->base == x->group_reg;
}

/* Whether instruction E may change guest register R, taken broadly: an
 * ordinary instruction may change anything (a mapping too: INVLPG, a CR3
 * load); a fast form with a memory operand (and LEA) writes at most form.reg,
 * one without writes at most form.rm, whose form.reg is a source or the
 * ModRM's operation digit (SHR's /5 is not EBP); a byte register 4..7 is
 * part of register 0..3; stack forms move ESP. Only a choice of what to
 * group rests on this: a grouped access still tests the register's value. */
static bool may_write_reg(const struct dc_entry *e, unsigned r)
{
    if (e->kind < DC_FAST)
        return true;
    switch (e->kind) {
    case FX_PUSH_R: case FX_PUSH_I: case FX_POP_R: case FX_PUSH_M:
    case FX_CALL: case FX_RET: case FX_CALL_R: case FX_CALL_M:
        if (r == CPU_ESP)
            return true;
        break;
    default:
        break;
    }
    unsigned written = fx_has_mem(e->kind) || e->kind == FX_LEA ? e->form.reg : e->form.rm;
    return written == r || (written & 3) == r;
}

/* The register most of the run's memory operands are based on, up to the
 * first instruction that may change it, if at least GROUP_MIN are. */
static int group_choose(const struct dc_entry *ents, unsigned n)
{
    unsigned count[8] = {0};
    bool live[8] = {true, true, true, true, true, true, true, true};
    for (unsigned k = 0; k < n; k++) {
        const struct dc_entry *e = &ents[k];
        if (group_candidate(e) && live[e->base])
            count[e->base]++;
        for (unsigned r = 0; r < 8; r++)
            if (live[r] && may_write_reg(e, r))
                live[r] = false;
    }
    int best = 0;
    for (int r = 1; r < 8; r++)
        if (count[r] > count[best])
            best = r;
    return count[best] >= GROUP_MIN ? best : -1;
}

/* The TLB tag the group's page needs (tag_w if any access writes). */
static uint32_t tlb_tag_off(const struct emit *x, bool write)
{
    return CPU_OFF(tlb) + (write ? (uint32_t)offsetof(struct tlb_entry, tag_w) : (uint32_t)offsetof(struct tlb_entry, tag_r)) +
           (x->user ? 4u : 0u);
}

/* At the run's entry, after the flat-segment guard (which has made every
 * grouped access's segment flat: the offset is the linear address): r14 =
 * the host address of the base register's value V, r15 = V, when bytes
 * V + lo .. V + hi lie in one page that hits in the TLB; else r15 = -1.
 * The page of V + hi is compared with the tag of the entry V + lo's page
 * indexes, which holds that page only if both are one (as gen_tlb_hit
 * tests an access's last page); hi - lo < 4096 (gen_group_patch). lo, hi
 * and the tag are filled in once the run is made.
 *   mov r15, -1; mov eax, [reg]; lea edx, [rax+lo]; lea esi, [rax+hi];
 *   shr esi, 12; mov ecx, edx; shr ecx, 7; and ecx, index mask; cmp esi, [rbx+rcx+tag];
 *   jne done; mov r14, [rbx+rcx+host]; and edx, 0xfff;
 *   lea r14, [r14+rdx-lo]; mov r15, rax; done: */
static void gen_group_setup(struct emit *x)
{
    x->group_setup = x->p;
    b1(x, 0x49); b1(x, 0xc7); b1(x, 0xc7); b4(x, 0xffffffffu);   /* mov r15, -1 */
    b1(x, 0x8b); rbx_mem32(x, H_EAX, greg((unsigned)x->group_reg));   /* mov eax, [reg]: before cache_load */
    b1(x, 0x8d); b1(x, 0x90); x->group_lo_at = x->p; b4(x, 0);      /* lea edx, [rax+lo] */
    b1(x, 0x8d); b1(x, 0xb0); x->group_hi_at = x->p; b4(x, 0);      /* lea esi, [rax+hi] */
    b1(x, 0xc1); b1(x, 0xee); b1(x, 12);                            /* shr esi, 12 */
    b1(x, 0x89); b1(x, 0xd1);                                       /* mov ecx, edx */
    b1(x, 0xc1); b1(x, 0xe9); b1(x, 12 - 5);                        /* shr ecx, 7 */
    b1(x, 0x81); b1(x, 0xe1); b4(x, (TLB_SIZE - 1) << 5);          /* and ecx, (TLB_SIZE-1) * 32 */
    b1(x, 0x3b); b1(x, 0xb4); b1(x, 0x0b); x->group_tag_at = x->p; b4(x, 0);   /* cmp esi, [rbx+rcx+tag] */
    uint8_t *miss = jcc_fwd(x, 0x5);                                /* jne done */
    b1(x, 0x4c); b1(x, 0x8b); b1(x, 0xb4); b1(x, 0x0b);
    b4(x, CPU_OFF(tlb) + (uint32_t)offsetof(struct tlb_entry, host));   /* mov r14, [rbx+rcx+host] */
    b1(x, 0x81); b1(x, 0xe2); b4(x, 0xfff);                         /* and edx, 0xfff */
    b1(x, 0x4d); b1(x, 0x8d); b1(x, 0xb4); b1(x, 0x16); x->group_neg_at = x->p; b4(x, 0);   /* lea r14, [r14+rdx-lo] */
    b1(x, 0x49); b1(x, 0x89); b1(x, 0xc7);                          /* mov r15, rax */
    patch_here(x, miss);
    x->group_done = x->p;
    x->group_lo = INT64_MAX;
    x->group_hi = INT64_MIN;
    x->group_write = x->group_used = false;
    x->group_live = true;
}

/* Once the run is made: the span and tag into the entry's test, or, when
 * no access used the group or its span is wider than a page, a jump past
 * the test (r15 stays -1). */
static void gen_group_patch(struct emit *x)
{
    if (x->group_reg < 0 || x->p > x->end)
        return;
    if (!x->group_used || x->group_hi - x->group_lo >= 0x1000) {
        uint8_t *at = x->group_setup + 7;
        at[0] = 0xe9;
        uint32_t rel = (uint32_t)(x->group_done - (at + 5));
        memcpy(at + 1, &rel, 4);
        return;
    }
    uint32_t lo = (uint32_t)x->group_lo, hi = (uint32_t)x->group_hi, neg = (uint32_t)-x->group_lo;
    uint32_t tag = tlb_tag_off(x, x->group_write);
    memcpy(x->group_lo_at, &lo, 4);
    memcpy(x->group_hi_at, &hi, 4);
    memcpy(x->group_tag_at, &tag, 4);
    memcpy(x->group_neg_at, &neg, 4);
}

/* A grouped access (gen_ea left it, x->group_e): rsi + rdx address its
 * bytes when the base register still holds the entry's value; otherwise
 * the ordinary inline path runs (made by gen_cold_paths from x->fb, which
 * gen_miss_steps keeps with the form's slow path) and comes back here. */
static struct mem_miss gen_group_hit(struct emit *x, int seg, unsigned size, bool write)
{
    const struct dc_entry *e = x->group_e;
    int64_t disp = (int32_t)e->disp;
    x->group_e = NULL;
    if (disp < x->group_lo)
        x->group_lo = disp;
    if (disp + size - 1 > x->group_hi)
        x->group_hi = disp + size - 1;
    x->group_write |= write;
    x->group_used = true;
    x->flat_mask |= (uint8_t)(1u << seg);                   /* the entry's guard makes the offset linear */
    int h = cached(x, x->group_reg);
    if (h >= 0) {                                           /* zero-extended, as every 32-bit write leaves it */
        b1(x, (uint8_t)(0x4c | (h >= 8 ? 1 : 0))); b1(x, 0x39); b1(x, (uint8_t)(0xf8 | (h & 7)));   /* cmp h, r15 */
    } else {
        op_r_mem(x, 0x8b, H_EAX, greg((unsigned)x->group_reg));   /* mov eax, [reg] */
        b1(x, 0x4c); b1(x, 0x39); b1(x, 0xf8);              /* cmp rax, r15 */
    }
    uint8_t *from = jcc_fwd(x, 0x5);                        /* jne the ordinary path */
    x->fb = (struct group_fallback){.from = from, .e = e, .seg = seg, .size = size, .write = write};
    if (x->direct_ok) {
        x->fb.direct = true;   /* gen_access makes the access on r14 and sets back */
    } else {
        b1(x, 0x4c); b1(x, 0x89); b1(x, 0xf6);              /* mov rsi, r14 */
        b1(x, 0x48); b1(x, 0xc7); b1(x, 0xc2); b4(x, e->disp);   /* mov rdx, disp (sign-extended) */
        x->fb.back = x->p;
    }
    x->direct_ok = false;
    return (struct mem_miss){{NULL, NULL, NULL}};
}

static struct mem_miss gen_tlb_hit(struct emit *x, int seg, unsigned size, bool write)
{
    if (x->group_e)
        return gen_group_hit(x, seg, size, write);
    x->direct_ok = false;
    struct mem_miss m;
    uint32_t tlb = CPU_OFF(tlb);
    uint32_t tag = tlb_tag_off(x, write) - tlb;
    m.at[0] = NULL;
    m.at[2] = NULL;
    if (seg != CPU_FS && seg != CPU_GS) {
        x->flat_mask |= (uint8_t)(1u << seg);                   /* tested once, at the run's entry */
    } else {
        uint32_t based = x->user ? CPU_OFF(based_user) : CPU_OFF(based_sup);
        b1(x, 0xf6); rbx_mem(x, 0, based); b1(x, (uint8_t)(1u << seg));   /* test byte [based_sup/based_user], bit */
        m.at[0] = jcc_fwd(x, 0x4);                              /* jz miss: another privilege, or not flat */
        b1(x, 0x83); b1(x, 0xfa); b1(x, (uint8_t)(0x100 - size));   /* cmp edx, -size */
        m.at[2] = jcc_fwd(x, 0x7);                              /* ja miss: past the limit */
        op_r_mem(x, 0x03, H_EDX, CPU_OFF(s) + (uint32_t)seg * (uint32_t)sizeof(struct seg) +
                                 (uint32_t)offsetof(struct seg, base));   /* add edx, [seg.base] */
    }
    b1(x, 0x89); b1(x, 0xd0);                                   /* mov eax, edx */
    b1(x, 0xc1); b1(x, 0xe8); b1(x, 12 - 5);                    /* shr eax, 7: page * 32-byte entries */
    b1(x, 0x25); b4(x, (TLB_SIZE - 1) << 5);                    /* and eax, (TLB_SIZE-1) * 32 */
    b1(x, 0x8d); b1(x, 0x72); b1(x, (uint8_t)(size - 1));       /* lea esi, [rdx+size-1] (wraps at 4 GiB) */
    b1(x, 0xc1); b1(x, 0xee); b1(x, 12);                        /* shr esi, 12 */
    b1(x, 0x3b); b1(x, 0xb4); b1(x, 0x03); b4(x, tlb + tag);   /* cmp esi, [rbx+rax+tag] */
    m.at[1] = jcc_fwd(x, 0x5);                                  /* jne miss */
    b1(x, 0x48); b1(x, 0x8b); b1(x, 0xb4); b1(x, 0x03);
    b4(x, tlb + (uint32_t)offsetof(struct tlb_entry, host));   /* mov rsi, [rbx+rax+host] */
    b1(x, 0x81); b1(x, 0xe2); b4(x, 0xfff);                     /* and edx, 0xfff */
    return m;
}

static void patch_miss(struct emit *x, const struct mem_miss *m)
{
    for (int i = 0; i < 3; i++)
        if (m->at[i])
            patch_here(x, m->at[i]);
}

/* The inline half of a load of SIZE bytes at offset edx of segment SEG
 * into eax (zero-extended); returns the places of its miss. */
static struct mem_miss gen_load_hit(struct emit *x, int seg, unsigned size)
{
    x->direct_ok = true;
    struct mem_miss m = gen_tlb_hit(x, seg, size, false);
    const uint8_t op[2] = {size == 4 ? 0x8b : 0x0f, size == 1 ? 0xb6 : 0xb7};
    gen_access(x, false, op, size == 4 ? 1 : 2, H_EAX);   /* mov eax / movzx eax, [rsi+rdx] */
    return m;
}

/* The inline half of a store of ecx's low SIZE bytes at offset edx of
 * segment SEG; returns the places of its miss. */
static struct mem_miss gen_store_hit(struct emit *x, int seg, unsigned size)
{
    x->direct_ok = true;
    struct mem_miss m = gen_tlb_hit(x, seg, size, true);
    const uint8_t op = size == 1 ? 0x88 : 0x89;
    gen_access(x, size == 2, &op, 1, H_ECX);               /* mov [rsi+rdx], cl/cx/ecx */
    return m;
}

/* One fast form through the interpreter (cpu_fx_step); eax = next EIP. */
static void gen_step(struct emit *x, const struct dc_entry *e, uint32_t off)
{
    b1(x, 0x48); b1(x, 0xbe); b8(x, (uint64_t)(uintptr_t)e);   /* mov rsi, imm64 */
    lea_eip(x, H_EDX, off);
    call_fn(x, (const void *)cpu_fx_step);
}

/* Sets the lazy flags of an ALU op (SZ-byte operands, zero-extended) whose
 * operands are in host registers A and B, computes it into A and returns
 * what producer it was (gen_alu: eax and ecx). */
static enum producer gen_alu_on(struct emit *x, unsigned aop, unsigned sz, int a, int b)
{
    unsigned host = aop == 7 ? 5 : aop;     /* CMP computes as SUB */
    bool logic = aop == 1 || aop == 4 || aop == 6;
    unsigned lf = logic ? LF_LOGIC : aop == 0 ? LF_ADD : LF_SUB;
    if (x->flags_dead) {
        alu_rr(x, host, a, b);
        return P_UNKNOWN;
    }
    if (x->flags_defer) {
        if (!logic) {
            mov_rr(x, 8, a);                           /* mov r8d, a */
            mov_rr(x, 9, b);                           /* mov r9d, b */
        }
        alu_rr(x, host, a, b);
        mov_rr(x, 10, a);                              /* mov r10d, result */
        x->defer = (struct flag_defer){.active = true, .operands = !logic, .lf = (uint8_t)lf, .sz = (uint8_t)sz};
        return P_UNKNOWN;   /* struct cpu does not hold them: no reader may follow (flags_replaced_at) */
    }
    if (!logic) {
        st_mem(x, a, CPU_OFF(lf_a));
        st_mem(x, b, CPU_OFF(lf_b));
    }
    /* Byte operands arrive zero-extended: the 32-bit result is alu()'s
     * unmasked one, which it keeps in lf_res. */
    alu_rr(x, host, a, b);
    st_mem(x, a, CPU_OFF(lf_res));
    b1(x, 0x66); b1(x, 0xc7);                          /* mov word [rbx+lf_op], op | sz << 8 */
    rbx_mem(x, 0, CPU_OFF(lf_op));
    b1(x, (uint8_t)lf); b1(x, (uint8_t)sz);
    if (sz == 1)
        return logic ? P_LOGIC8 : aop == 0 ? P_ADD8 : P_SUB8;
    return logic ? P_LOGIC : aop == 0 ? P_ADD : P_SUB;
}

static enum producer gen_alu(struct emit *x, unsigned aop, unsigned sz)
{
    return gen_alu_on(x, aop, sz, H_EAX, H_ECX);
}

static enum producer gen_alu32(struct emit *x, unsigned aop)
{
    return gen_alu(x, aop, 4);
}

static bool gen_host_flags(struct emit *x, enum producer p, unsigned cc);

/* Whether producer P's host instruction (on 32-bit operands) sets every
 * flag as the guest's would (ADD, SUB/CMP, logic ops, TEST). */
static bool host_flags_match(enum producer p)
{
    return p == P_ADD || p == P_SUB || p == P_LOGIC;
}

/* gen_host_flags, unless the host's flags are still the producer's. */
static bool gen_host_flags_again(struct emit *x, enum producer p, unsigned cc)
{
    if (x->host_flags_in && host_flags_match(p))
        return true;
    return gen_host_flags(x, p, cc);
}

/* Host flags equal to the guest's for condition CC, from the lazy state a
 * known producer left; false if this producer cannot give them. */
static bool gen_host_flags(struct emit *x, enum producer p, unsigned cc)
{
    switch (p) {
    case P_ADD: case P_SUB:
        op_r_mem(x, 0x8b, H_EAX, CPU_OFF(lf_a));
        op_r_mem(x, p == P_ADD ? 0x03 : 0x3b, H_EAX, CPU_OFF(lf_b));
        return true;
    case P_LOGIC:
        op_r_mem(x, 0x8b, H_EAX, CPU_OFF(lf_res));
        b1(x, 0x85); b1(x, 0xc0);                      /* test eax, eax */
        return true;
    case P_ADD8: case P_SUB8:
        op_r_mem(x, 0x8a, H_EAX, CPU_OFF(lf_a));       /* mov al, [lf_a] */
        op_r_mem(x, p == P_ADD8 ? 0x02 : 0x3a, H_EAX, CPU_OFF(lf_b));   /* add/cmp al, [lf_b] */
        return true;
    case P_LOGIC8:
        op_r_mem(x, 0x8a, H_EAX, CPU_OFF(lf_res));
        b1(x, 0x84); b1(x, 0xc0);                      /* test al, al */
        return true;
    case P_ADC: case P_SBB:
        /* The same operation again on the host, with the carry it took in. */
        op_r_mem(x, 0x8b, H_EAX, CPU_OFF(lf_a));
        b1(x, 0x0f); b1(x, 0xba); rbx_mem(x, 4, CPU_OFF(lf_cin)); b1(x, 0);   /* bt dword [lf_cin], 0 */
        op_r_mem(x, p == P_ADC ? 0x13 : 0x1b, H_EAX, CPU_OFF(lf_b));        /* adc/sbb eax, [lf_b] */
        return true;
    case P_MUL:
        /* O and B: CF = OF = lf_cin; Z, S and P from the product's low half. */
        switch (cc >> 1) {
        case 0:
            op_r_mem(x, 0x8a, H_EAX, CPU_OFF(lf_cin));     /* mov al, [lf_cin] */
            b1(x, 0x04); b1(x, 0x7f);                      /* add al, 0x7f: OF = the bit */
            return true;
        case 1:
            b1(x, 0x0f); b1(x, 0xba); rbx_mem(x, 4, CPU_OFF(lf_cin)); b1(x, 0);   /* bt dword [lf_cin], 0 */
            return true;
        case 2: case 4: case 5:
            op_r_mem(x, 0x8b, H_EAX, CPU_OFF(lf_res));
            b1(x, 0x85); b1(x, 0xc0);                      /* test eax, eax */
            return true;
        default:
            return false;
        }
    case P_INC: case P_DEC:
        /* INC/DEC keep CF: the host's add/sub would not. */
        if (cc == 2 || cc == 3 || cc == 6 || cc == 7)
            return false;
        op_r_mem(x, 0x8b, H_EAX, CPU_OFF(lf_a));
        b1(x, 0x83); b1(x, p == P_INC ? 0xc0 : 0xe8); b1(x, 1);   /* add/sub eax, 1 */
        return true;
    default:
        return false;
    }
}

/* The event and stop tests of a chain (fxb_run's): leave through the
 * returned place unless run_stop is still 1. fxb_run sets 1 when no event
 * is pending and TF is clear (2 when an interrupt waits out the shadow of an
 * STI: the run goes on, the chain does not), and whatever since made an
 * event pending or set TF cleared it, as did a store into this page or a
 * TLB flush (struct cpu, run_stop). */
static int gen_chain_tests(struct emit *x, uint8_t **ret)
{
    int n = 0;
    op64_r_mem(x, 0x83, 7, CPU_OFF(run_stop)); b1(x, 1);   /* cmp qword [run_stop], 1 */
    ret[n++] = jcc_fwd(x, 0x5);                             /* jne ret */
    return n;
}


/* A direct link (QEMU's goto_tb, made on first use): a same-page chain to a
 * constant EIP starts with a 5-byte jump (the site), followed by its stub,
 * at first to the slot test after the stub (gen_enter_slot). The first time
 * that test finds translated code there (of a closed run), it calls
 * jit_link, which fills the stub with that code's figures and points the
 * site at the stub; from then on the chain tests only what can change
 * while both translations live: the budget and the fetch window. The slot test is not needed: the target
 * lies in the same page under the same key (run_stop would be clear
 * otherwise), and a translation lives as long as the code cache, which is
 * dropped whole. c->run then points at the target's own view of its run,
 * since its slot may hold another run by then. The stub, always 85 bytes:
 *   0  mov rdx, [rbx+retired]     7  add rdx, n (imm32 at 10)
 *  14  cmp rdx, [rbx+run_end]    21  ja ret
 *  27  cmp dword [rbx+fetch_eip_n], last_off (imm32 at 33)   37  jbe ret
 *  43  mov rax, view (imm64 at 45)   53  mov [rbx+run], rax
 *  60  mov dword [rbx+run_skip], 0   70  mov r12d, r13d
 *  73  mov [rbx+run_eip], r12d      80  jmp code + prologue (rel32 at 81) */
enum { STUB_N = 10, STUB_LAST_OFF = 33, STUB_VIEW = 45, STUB_JMP = 81, STUB_BYTES = 85 };

static void rbx_mem32(struct emit *x, int reg, uint32_t disp)
{
    b1(x, (uint8_t)(0x80 | (reg & 7) << 3 | H_EBX));
    b4(x, disp);
}

/* The stub, with its fields 0 (every field has a fixed size, so its
 * layout is STUB_*); its exits leave through the places added to RET. */
static int gen_link_stub(struct emit *x, uint8_t **ret, int n)
{
    b1(x, 0x48); b1(x, 0x8b); rbx_mem32(x, H_EDX, CPU_OFF(retired));
    b1(x, 0x48); b1(x, 0x81); b1(x, 0xc2); b4(x, 0);
    b1(x, 0x48); b1(x, 0x3b); rbx_mem32(x, H_EDX, CPU_OFF(run_end));
    ret[n++] = jcc_fwd(x, 0x7);
    b1(x, 0x81); rbx_mem32(x, 7, CPU_OFF(fetch_eip_n)); b4(x, 0);
    ret[n++] = jcc_fwd(x, 0x6);
    b1(x, 0x48); b1(x, 0xb8); b8(x, 0);
    b1(x, 0x48); b1(x, 0x89); rbx_mem32(x, H_EAX, CPU_OFF(run));
    b1(x, 0xc7); rbx_mem32(x, 0, CPU_OFF(run_skip)); b4(x, 0);
    b1(x, 0x45); b1(x, 0x89); b1(x, 0xec);
    b1(x, 0x44); b1(x, 0x89); rbx_mem32(x, 4, CPU_OFF(run_eip));
    b1(x, 0xe9); b4(x, 0);
    _Static_assert(sizeof(((struct cpu *)0)->run_skip) == 4, "run_skip is stored as a dword");
    return n;
}

/* Called by translated code (gen_enter_slot; C is there only because
 * call_fn passes it) with the closed run T's code found for the chain at
 * SITE: fills SITE's stub STUB and jumps the site to it. */
static void jit_link(struct cpu *c, uint8_t *site, const struct jit_block *t, uint8_t *stub)
{
    (void)c;
    uint32_t n = t->view.n, last_off = t->view.last_off;
    uint64_t view = (uint64_t)(uintptr_t)&t->view;
    int32_t to_code = (int32_t)((const uint8_t *)(const void *)t->code + JIT_PROLOGUE_BYTES - (stub + STUB_BYTES));
    int32_t to_stub = (int32_t)(stub - (site + 5));
    memcpy(stub + STUB_N, &n, 4);
    memcpy(stub + STUB_LAST_OFF, &last_off, 4);
    memcpy(stub + STUB_VIEW, &view, 8);
    memcpy(stub + STUB_JMP, &to_code, 4);
    memcpy(site + 1, &to_stub, 4);
}

/* With rax = the run slot for physical address esi and r13d = the next
 * EIP: enter that slot's code if fxb_run would run it next (it holds this
 * address and the current page version, lies in the fetch window, has
 * code, the budget takes it whole); else leave through the places added
 * to RET. With SITE, a closed run's code found there is linked to the
 * site first (jit_link) and entered through it. */
static int gen_enter_slot(struct emit *x, uint8_t **ret, int n, const uint8_t *site, const uint8_t *stub)
{
    b1(x, 0x39); b1(x, 0x70); b1(x, (uint8_t)offsetof(struct fx_block, pa));   /* cmp [rax+pa], esi */
    ret[n++] = jcc_fwd(x, 0x5);
    op_r_mem(x, 0x8b, H_ECX, CPU_OFF(fetch_key));
    b1(x, 0x3b); b1(x, 0x48); b1(x, (uint8_t)offsetof(struct fx_block, key));   /* cmp ecx, [rax+key] */
    ret[n++] = jcc_fwd(x, 0x5);
    b1(x, 0x0f); b1(x, 0xb7); b1(x, 0x48); b1(x, (uint8_t)offsetof(struct fx_block, last_off));   /* movzx ecx, [rax+last_off] */
    op_r_mem(x, 0x3b, H_ECX, CPU_OFF(fetch_eip_n));        /* cmp ecx, [fetch_eip_n] */
    ret[n++] = jcc_fwd(x, 0x3);                             /* jae ret */
    b1(x, 0x48); b1(x, 0x8b); b1(x, 0x48); b1(x, (uint8_t)offsetof(struct fx_block, jit));   /* mov rcx, [rax+jit] */
    b1(x, 0x48); b1(x, 0x85); b1(x, 0xc9);                 /* test rcx, rcx */
    ret[n++] = jcc_fwd(x, 0x4);
    b1(x, 0x0f); b1(x, 0xb6); b1(x, 0x50); b1(x, (uint8_t)offsetof(struct fx_block, n));   /* movzx edx, [rax+n] */
    op64_r_mem(x, 0x03, H_EDX, CPU_OFF(retired));          /* add rdx, [retired] */
    op64_r_mem(x, 0x3b, H_EDX, CPU_OFF(run_end));          /* cmp rdx, [run_end] */
    ret[n++] = jcc_fwd(x, 0x7);                             /* ja ret */
    if (site) {
        /* Link a closed run's code (jit_link), then chain through the site. */
        b1(x, 0x80); b1(x, 0x79); b1(x, (uint8_t)(offsetof(struct jit_block, view) + offsetof(struct fx_block, open))); b1(x, 0);   /* cmp byte [rcx+view.open], 0 */
        uint8_t *open = jcc_fwd(x, 0x5);                    /* jne open: no link */
        b1(x, 0x48); b1(x, 0x89); b1(x, 0xca);              /* mov rdx, rcx */
        b1(x, 0x48); b1(x, 0xbe); b8(x, (uint64_t)(uintptr_t)site);   /* mov rsi, site */
        b1(x, 0x48); b1(x, 0xb9); b8(x, (uint64_t)(uintptr_t)stub);   /* mov rcx, stub */
        call_fn(x, (const void *)jit_link);
        b1(x, 0xe9); b4(x, (uint32_t)(site - (x->p + 4)));  /* jmp site */
        patch_here(x, open);
    }
    op64_r_mem(x, 0x89, H_EAX, CPU_OFF(run));               /* mov [run], rax */
    st_mem_imm(x, CPU_OFF(run_skip), 0);
    b1(x, 0x45); b1(x, 0x89); b1(x, 0xec);                 /* mov r12d, r13d */
    b1(x, 0x44); b1(x, 0x89); rbx_mem(x, 4, CPU_OFF(run_eip));   /* mov [run_eip], r12d */
    b1(x, 0x48); b1(x, 0x8b); b1(x, 0x49); b1(x, (uint8_t)offsetof(struct jit_block, code));   /* mov rcx, [rcx+code] */
    b1(x, 0x48); b1(x, 0x83); b1(x, 0xc1); b1(x, JIT_PROLOGUE_BYTES);   /* add rcx, prologue */
    b1(x, 0xff); b1(x, 0xe1);                               /* jmp rcx */
    return n;
}

/* With r13d = the next EIP, outside the fetch page, and the chain tests
 * made: enter the code of the run there if cpu_exec_loop would run it next
 * (cpu_fx_enter_page switches the fetch page); else leave through the
 * places added to RET. */
static int gen_enter_page(struct emit *x, uint8_t **ret, int n)
{
    b1(x, 0x44); b1(x, 0x89); b1(x, 0xee);                 /* mov esi, r13d */
    call_fn(x, (const void *)cpu_fx_enter_page);
    b1(x, 0x48); b1(x, 0x85); b1(x, 0xc0);                 /* test rax, rax */
    ret[n++] = jcc_fwd(x, 0x4);                             /* jz ret */
    b1(x, 0x45); b1(x, 0x89); b1(x, 0xec);                 /* mov r12d, r13d */
    b1(x, 0x48); b1(x, 0x8b); b1(x, 0x48); b1(x, (uint8_t)offsetof(struct jit_block, code));   /* mov rcx, [rax+code] */
    b1(x, 0x48); b1(x, 0x83); b1(x, 0xc1); b1(x, JIT_PROLOGUE_BYTES);   /* add rcx, prologue */
    b1(x, 0xff); b1(x, 0xe1);                               /* jmp rcx */
    return n;
}

/* The run's end with COUNT instructions done and the next EIP the run's
 * EIP + TARGET: when that lies in the same page, the code goes on into the
 * next instruction's translated run when cpu_exec_loop would run it next
 * (gen_chain_tests, gen_enter_slot); otherwise it returns to the loop. */
static void gen_chain_or_exit(struct emit *x, struct cpu *c, const struct fx_block *b, uint32_t target,
                              unsigned count)
{
    add_retired(x, count);
    cache_store(x);
    int64_t page_off = (int64_t)(b->pa & 0xfff) + (int32_t)target;
    uint8_t *ret[16];
    int n = 0;
    if (page_off >= 0 && page_off < 0x1000) {
        uint32_t pa = (b->pa & ~0xfffu) + (uint32_t)page_off;
        n = gen_chain_tests(x, ret);
        b1(x, 0x45); b1(x, 0x8d); b1(x, 0xac); b1(x, 0x24); b4(x, target);   /* lea r13d, [r12+target] */
        uint8_t *site = x->p;
        b1(x, 0xe9); uint8_t *to_slow = x->p; b4(x, 0);     /* jmp slow (jit_link: jmp stub) */
        uint8_t *stub = x->p;
        n = gen_link_stub(x, ret, n);                       /* reached only once linked */
        patch_here(x, to_slow);
        mov_imm(x, H_ESI, pa);
        b1(x, 0x48); b1(x, 0xb8); b8(x, (uint64_t)(uintptr_t)&c->fxb[fxb_index(pa)]);   /* mov rax, slot */
        n = gen_enter_slot(x, ret, n, site, stub);
    } else {
        n = gen_chain_tests(x, ret);
        b1(x, 0x45); b1(x, 0x8d); b1(x, 0xac); b1(x, 0x24); b4(x, target);   /* lea r13d, [r12+target] */
        n = gen_enter_page(x, ret, n);
    }
    for (int i = 0; i < n; i++)
        patch_here(x, ret[i]);
    lea_eip(x, H_EAX, target);
    leave(x);
}

/* The same for a next EIP known only when the code runs (RET, indirect
 * branches), in eax: the fetch window (the page the run lies in) gives
 * its physical address, as cpu_exec_loop finds it. */
static void gen_chain_dynamic(struct emit *x, struct cpu *c, unsigned count)
{
    b1(x, 0x41); b1(x, 0x89); b1(x, 0xc5);                 /* mov r13d, eax */
    add_retired(x, count);
    cache_store(x);
    uint8_t *ret[16];
    int n = gen_chain_tests(x, ret);
    b1(x, 0x44); b1(x, 0x89); b1(x, 0xe8);                 /* mov eax, r13d */
    op_r_mem(x, 0x2b, H_EAX, CPU_OFF(fetch_eip_lo));       /* sub eax, [fetch_eip_lo] */
    op_r_mem(x, 0x3b, H_EAX, CPU_OFF(fetch_eip_n));        /* cmp eax, [fetch_eip_n] */
    uint8_t *other = jcc_fwd(x, 0x3);                       /* jae other: another page */
    op_r_mem(x, 0x03, H_EAX, CPU_OFF(fetch_pa_lo));        /* add eax, [fetch_pa_lo]: pa */
    b1(x, 0x89); b1(x, 0xc6);                               /* mov esi, eax */
    b1(x, 0x89); b1(x, 0xc2);                               /* mov edx, eax */
    b1(x, 0xc1); b1(x, 0xea); b1(x, FXB_BITS);             /* shr edx, FXB_BITS */
    b1(x, 0x31); b1(x, 0xc2);                               /* xor edx, eax */
    b1(x, 0xc1); b1(x, 0xe8); b1(x, 2 * FXB_BITS);         /* shr eax, 2 * FXB_BITS */
    b1(x, 0x31); b1(x, 0xc2);                               /* xor edx, eax */
    b1(x, 0x81); b1(x, 0xe2); b4(x, FXB_SIZE - 1);         /* and edx, FXB_SIZE - 1 (fxb_index) */
    b1(x, 0xc1); b1(x, 0xe2); b1(x, 5);                     /* shl edx, 5: 32-byte slots (cpu_int.h) */
    b1(x, 0x48); b1(x, 0xb8); b8(x, (uint64_t)(uintptr_t)c->fxb);   /* mov rax, c->fxb */
    b1(x, 0x48); b1(x, 0x01); b1(x, 0xd0);                 /* add rax, rdx */
    n = gen_enter_slot(x, ret, n, NULL, NULL);
    patch_here(x, other);
    n = gen_enter_page(x, ret, n);
    for (int i = 0; i < n; i++)
        patch_here(x, ret[i]);
    b1(x, 0x44); b1(x, 0x89); b1(x, 0xe8);                 /* mov eax, r13d */
    leave(x);
}

/* A near branch to the run's EIP + TARGET: beyond the CS limit the
 * interpreter's form raises #GP (gen_step); otherwise on to the target. */
static void gen_branch_exit(struct emit *x, struct cpu *c, const struct fx_block *b, const struct dc_entry *e,
                            uint32_t off, uint32_t target, unsigned count)
{
    lea_eip(x, H_EAX, target);
    op_r_mem(x, 0x3b, H_EAX, CPU_OFF(s) + CPU_CS * (uint32_t)sizeof(struct seg) +
                             (uint32_t)offsetof(struct seg, limit));   /* cmp eax, [cs.limit] */
    uint8_t *slow = jcc_fwd(x, 0x7);                   /* ja slow */
    gen_chain_or_exit(x, c, b, target, count);
    patch_here(x, slow);
    gen_step(x, e, off);
    exit_run(x, count);
}

/* Where byte register R (AL..BL, AH..BH) and word register R live. */
static uint32_t greg8(unsigned r) { return greg(r & 3) + (r >> 2); }

/* eax = guest 8- or 16-bit register R, zero- or sign-extended. */
static void ld_reg_ext(struct emit *x, unsigned r, unsigned size, bool sign)
{
    const uint8_t op[2] = {0x0f, (uint8_t)((size == 1 ? 0xb6 : 0xb7) + (sign ? 8 : 0))};
    op_rm(x, false, op, 2, H_EAX, size == 1 ? greg8(r) : greg(r), size == 1);
}

/* Guest 8- or 16-bit register R = al / ax (ecx is clobbered, the flags
 * are not). In struct cpu the whole register is written again, merged in
 * ecx: a later 32-bit load of it would wait for a byte or word store to
 * leave the store buffer (no store-to-load forwarding from a narrower
 * store), as ADC EBX after SETB BL did in the kernel's multiply loop. */
static void st_reg_part(struct emit *x, unsigned r, unsigned size)
{
    unsigned whole = size == 1 ? r & 3 : r;
    if (cached(x, (int)whole) >= 0) {
        const uint8_t op = size == 1 ? 0x88 : 0x89;
        op_rm(x, size == 2, &op, 1, H_EAX, size == 1 ? greg8(r) : greg(r), size == 1);
        return;
    }
    op_r_mem(x, 0x8b, H_ECX, greg(whole));                          /* mov ecx, [r] */
    if (size == 2)
        b1(x, 0x66);
    b1(x, size == 1 ? 0x88 : 0x89);
    b1(x, (uint8_t)(size == 1 && r >= 4 ? 0xc5 : 0xc1));            /* mov cl/ch/cx, al/ax */
    st_mem(x, H_ECX, greg(whole));                                 /* mov [r], ecx */
}

/* movzx ecx, guest byte register R. */
static void ld_byte_ecx(struct emit *x, unsigned r)
{
    static const uint8_t movzx[2] = {0x0f, 0xb6};
    op_rm(x, false, movzx, 2, H_ECX, greg8(r), true);
}

/* add or sub dword [guest ESP], 4 (group 1 digit 0 or 5). */
static void esp_add4(struct emit *x, bool sub)
{
    static const uint8_t grp1 = 0x83;
    op_rm(x, false, &grp1, 1, sub ? 5 : 0, greg(CPU_ESP), false);
    b1(x, 4);
}

/* movzx eax, word [lf_op]: the lazy op and its size in one compare
 * (lf_op | lf_sz << 8; LF_ROT in lf_op matches no key, so it falls through
 * to the interpreter). */
_Static_assert(offsetof(struct cpu, lf_sz) == offsetof(struct cpu, lf_op) + 1, "lf_op, lf_sz: one word");
static void gen_lazy_key(struct emit *x)
{
    b1(x, 0x0f); b1(x, 0xb7); rbx_mem(x, H_EAX, CPU_OFF(lf_op));
}

/* cmp eax, KEY; jne: returns the place of the jump, taken when the lazy
 * state is not KEY. */
static uint8_t *jne_key(struct emit *x, unsigned key)
{
    b1(x, 0x3d); b4(x, key);
    return jcc_fwd(x, 0x5);
}

#define LF_KEY(op, size) ((unsigned)(op) | (unsigned)(size) << 8)

/* The end of one case of a run-time dispatch on the lazy word
 * (gen_cf_edx_lazy, gen_cond): a jump to its end (added to DONE), and the
 * next case's test from NEXT on. */
static void jmp_done(struct emit *x, uint8_t *next, uint8_t **done, int *n)
{
    b1(x, 0xe9); done[(*n)++] = x->p; b4(x, 0);
    patch_here(x, next);
}

/* A case of gen_cf_edx_lazy: for lazy word KEY, CF into dl from the host
 * flags of producer P. */
static void gen_cf_case(struct emit *x, unsigned key, enum producer p, uint8_t **done, int *n)
{
    uint8_t *next = jne_key(x, key);
    gen_host_flags(x, p, 2);
    b1(x, 0x0f); b1(x, 0x92); b1(x, 0xc2);                      /* setc dl */
    jmp_done(x, next, done, n);
}

/* The guest's CF into edx (0 or 1) from whatever lazy state the code finds
 * when it runs (cpu_cf inline): the frequent states are tested in turn, in
 * the order of a Linux boot's counts (a CMP or SUB, EFLAGS whole, SBB, a
 * logic op, ADD, INC/DEC), anything else calls cpu_fx_cf. An INC or DEC
 * that begins a run, after a CMP and a Jcc that ended the run before,
 * needs this, as do ADC and SBB there (75 M a boot, each a call before). */
static void gen_cf_edx_lazy(struct emit *x)
{
    uint8_t *done[6];
    int n = 0;
    gen_lazy_key(x);
    gen_cf_case(x, LF_KEY(LF_SUB, 4), P_SUB, done, &n);
    b1(x, 0x84); b1(x, 0xc0);                                   /* test al, al: LF_NONE */
    uint8_t *next = jcc_fwd(x, 0x5);
    op_r_mem(x, 0x8b, H_EDX, CPU_OFF(flags));                   /* EFLAGS whole: its CF */
    jmp_done(x, next, done, &n);
    gen_cf_case(x, LF_KEY(LF_SBB, 4), P_SBB, done, &n);
    b1(x, 0x3c); b1(x, LF_LOGIC);                               /* cmp al, LF_LOGIC (any size) */
    next = jcc_fwd(x, 0x5);
    b1(x, 0x31); b1(x, 0xd2);                                   /* xor edx, edx: CF clear */
    jmp_done(x, next, done, &n);
    gen_cf_case(x, LF_KEY(LF_ADD, 4), P_ADD, done, &n);
    _Static_assert(LF_DEC == LF_INC + 1 && LF_MUL == LF_INC + 2, "INC, DEC, MUL in a row");
    b1(x, 0x2c); b1(x, LF_INC);                                 /* sub al, LF_INC */
    b1(x, 0x3c); b1(x, 2);                                      /* cmp al, 2: INC, DEC or MUL (any size) */
    next = jcc_fwd(x, 0x7);                                     /* ja: none of them */
    op_r_mem(x, 0x8b, H_EDX, CPU_OFF(lf_cin));                  /* CF is there */
    jmp_done(x, next, done, &n);
    call_fn(x, (const void *)cpu_fx_cf);
    b1(x, 0x89); b1(x, 0xc2);                                   /* mov edx, eax */
    for (int i = 0; i < n; i++)
        patch_here(x, done[i]);
    b1(x, 0x83); b1(x, 0xe2); b1(x, 1);                         /* and edx, 1 (setc left the rest) */
}

/* The guest's CF into edx (0 or 1), from the host's flags when the producer
 * is known, else from the lazy state when the code runs. */
static bool cf_known(enum producer prod)
{
    return prod != P_UNKNOWN;
}

static void gen_cf_edx(struct emit *x, enum producer prod)
{
    if (prod == P_INC || prod == P_DEC) {
        op_r_mem(x, 0x8b, H_EDX, CPU_OFF(lf_cin));              /* INC/DEC kept the CF before them */
    } else if (prod == P_ARITH) {
        op_r_mem(x, 0x8b, H_EDX, CPU_OFF(flags));
        b1(x, 0x83); b1(x, 0xe2); b1(x, 1);                     /* and edx, CF */
    } else if (prod != P_UNKNOWN) {
        gen_host_flags_again(x, prod, 2);
        b1(x, 0x0f); b1(x, 0x92); b1(x, 0xc2);                  /* setc dl */
        b1(x, 0x0f); b1(x, 0xb6); b1(x, 0xd2);                  /* movzx edx, dl */
    } else {
        gen_cf_edx_lazy(x);
    }
}

/* c->flags' six arithmetic bits = ecx, the lazy op none (as set_arith). */
static void gen_set_arith(struct emit *x)
{
    op_r_mem(x, 0x8b, H_EAX, CPU_OFF(flags));
    b1(x, 0x25); b4(x, ~(uint32_t)F_ARITH);                     /* and eax, ~F_ARITH */
    b1(x, 0x09); b1(x, 0xc8);                                   /* or eax, ecx */
    st_mem(x, H_EAX, CPU_OFF(flags));
    b1(x, 0xc6); rbx_mem(x, 0, CPU_OFF(lf_op)); b1(x, LF_NONE); /* mov byte [lf_op], LF_NONE */
}

/* ecx = the host's CF, PF, ZF and SF after the last host instruction (lahf;
 * AF is left out: the interpreter clears it for these forms). */
static void gen_host_szpc(struct emit *x, uint8_t mask)
{
    b1(x, 0x9f);                                                /* lahf */
    b1(x, 0x0f); b1(x, 0xb6); b1(x, 0xcc);                      /* movzx ecx, ah */
    b1(x, 0x83); b1(x, 0xe1); b1(x, mask);                      /* and ecx, mask (sign-extended imm8) */
}

/* A deferred lazy state into struct cpu, before the interpreter runs a
 * form on a slow path (it may fault, and a fault's frame holds EFLAGS). */
static void gen_defer_store(struct emit *x, const struct flag_defer *d)
{
    if (d->operands) {
        b1(x, 0x44); b1(x, 0x89); rbx_mem(x, 0, CPU_OFF(lf_a));    /* mov [lf_a], r8d */
        b1(x, 0x44); b1(x, 0x89); rbx_mem(x, 1, CPU_OFF(lf_b));    /* mov [lf_b], r9d */
    }
    b1(x, 0x44); b1(x, 0x89); rbx_mem(x, 2, CPU_OFF(lf_res));      /* mov [lf_res], r10d */
    b1(x, 0x66); b1(x, 0xc7); rbx_mem(x, 0, CPU_OFF(lf_op));       /* mov word [lf_op], op | sz << 8 */
    b1(x, d->lf); b1(x, d->sz);
}

/* The same registers again after the call (which may clobber them): the
 * form run there (a move, a push or a pop) left the lazy state alone, and
 * a later slow path stores it again. */
static void gen_defer_reload(struct emit *x, const struct flag_defer *d)
{
    if (d->operands) {
        b1(x, 0x44); b1(x, 0x8b); rbx_mem(x, 0, CPU_OFF(lf_a));    /* mov r8d, [lf_a] */
        b1(x, 0x44); b1(x, 0x8b); rbx_mem(x, 1, CPU_OFF(lf_b));    /* mov r9d, [lf_b] */
    }
    b1(x, 0x44); b1(x, 0x8b); rbx_mem(x, 2, CPU_OFF(lf_res));      /* mov r10d, [lf_res] */
}

/* The end of a memory form whose inline path (TLB hit) has just been made:
 * its miss (the places of M, and SLOW when not NULL) runs the whole form
 * through the interpreter, on a slow path made after the run's code
 * (gen_cold_paths), which comes back here. Only that path can reach a
 * device, fault, or store into code, so only it tests run_stop after the
 * form (gen_stop_check), and the inline path needs no test. The inline
 * path must change nothing before its access can miss. */
static void gen_miss_steps(struct emit *x, const struct mem_miss *m, uint8_t *slow, const struct dc_entry *e,
                           uint32_t off)
{
    if (x->n_cold == FXB_MAX) {   /* one per instruction at most: cannot happen */
        x->p = x->end + 1;        /* the run stays interpreted */
        return;
    }
    struct cold_path *k = &x->cold[x->n_cold++];
    *k = (struct cold_path){.fb = x->fb, .defer = x->defer, .from = {m->at[0], m->at[1], m->at[2], slow}, .back = x->p, .e = e,
                            .off = off, .next_off = x->next_off, .count = x->count, .skip = x->skip,
                            .last = x->last};
    x->fb = (struct group_fallback){0};
}

/* The slow paths gen_miss_steps asked for, each with the emitter's state
 * of its own instruction, back to the instruction after it. */
static void gen_cold_paths(struct emit *x)
{
    int group_reg = x->group_reg;
    x->group_reg = -1;   /* gen_ea makes ordinary offsets here */
    for (unsigned i = 0; i < x->n_cold; i++) {
        const struct cold_path *k = &x->cold[i];
        if (k->fb.from) {
            /* A grouped access whose base register moved, or whose run's
             * entry found no host address: the ordinary inline path, back
             * to the access; its misses go on to the slow path below. */
            patch_here(x, k->fb.from);
            gen_ea(x, k->fb.e, H_EDX);
            struct mem_miss m = gen_tlb_hit(x, k->fb.seg, k->fb.size, k->fb.write);
            for (unsigned i = 0; i < k->fb.plain_len; i++)
                b1(x, k->fb.plain[i]);                      /* the access itself, when the hit made it on r14 */
            b1(x, 0xe9); b4(x, (uint32_t)(k->fb.back - (x->p + 4)));   /* jmp back to (or past) the access */
            patch_miss(x, &m);
        }
        for (int j = 0; j < 4; j++)
            if (k->from[j])
                patch_here(x, k->from[j]);
        x->skip = k->skip;
        if (k->defer.active)
            gen_defer_store(x, &k->defer);
        gen_step(x, k->e, k->off);
        if (!k->last)
            gen_stop_check(x, k->next_off, k->count);
        if (k->defer.active)
            gen_defer_reload(x, &k->defer);
        b1(x, 0xe9); b4(x, (uint32_t)(k->back - (x->p + 4)));   /* jmp back */
    }
    x->group_reg = group_reg;
}

/* SHL/SAL, SHR or SAR (group 2 operation OP, 4 to 7) of the SIZE-byte
 * (2 or 4) guest register R by COUNT (1..size*8-1), or by cl when COUNT is
 * 0 (cl already 1..31): all six flags from the result as the interpreter's
 * shift() sets them (AF clear; OF: SHL the result's sign ^ CF, SHR the
 * operand's sign, SAR 0), into c->flags (P_ARITH). */
static void gen_shift(struct emit *x, unsigned r, unsigned op, unsigned size, unsigned count)
{
    unsigned ext = op == 6 ? 4 : op;
    if (size == 2)
        ld_reg_ext(x, r, 2, false);
    else
        op_r_mem(x, 0x8b, H_EAX, greg(r));
    if (ext == 5 && !x->flags_dead) {   /* SHR: OF = the operand's sign */
        b1(x, 0x89); b1(x, 0xc2);                          /* mov edx, eax */
        b1(x, 0xc1); b1(x, 0xea); b1(x, (uint8_t)(size * 8 - 1));   /* shr edx, sign bit */
        b1(x, 0xc1); b1(x, 0xe2); b1(x, 11);               /* shl edx, 11 */
    }
    if (size == 2)
        b1(x, 0x66);
    if (count) {
        b1(x, 0xc1); b1(x, (uint8_t)(0xc0 | ext << 3)); b1(x, (uint8_t)count);   /* shl/shr/sar r, n */
    } else {
        b1(x, 0xd3); b1(x, (uint8_t)(0xc0 | ext << 3));   /* shl/shr/sar r, cl */
    }
    if (size == 2)                   /* before LAHF, which writes ah */
        st_reg_part(x, r, 2);
    else
        st_mem(x, H_EAX, greg(r));
    if (x->flags_dead)
        return;
    gen_host_szpc(x, 0xc5);
    if (ext == 4) {                  /* SHL: OF = SF ^ CF */
        b1(x, 0x89); b1(x, 0xca);                          /* mov edx, ecx */
        b1(x, 0xc1); b1(x, 0xea); b1(x, 7);                /* shr edx, 7 */
        b1(x, 0x31); b1(x, 0xca);                          /* xor edx, ecx */
        b1(x, 0x83); b1(x, 0xe2); b1(x, 1);                /* and edx, 1 */
        b1(x, 0xc1); b1(x, 0xe2); b1(x, 11);               /* shl edx, 11 */
    }
    if (ext != 7) {
        b1(x, 0x09); b1(x, 0xd1);                          /* or ecx, edx */
    }
    gen_set_arith(x);
}

/* ROL or ROR (RIGHT) of the 32-bit guest register R by COUNT (1..31), as
 * the interpreter's shift() does it: CF and OF written into c->flags from
 * the result (ROL: CF its bit 0, OF its sign ^ CF; ROR: CF its sign, OF its
 * two top bits XORed), SF, ZF, AF and PF kept, so a pending lazy op is
 * marked LF_ROT instead of being made whole. */
static void gen_rotate(struct emit *x, unsigned r, bool right, unsigned count)
{
    op_r_mem(x, 0x8b, H_EAX, greg(r));
    b1(x, 0xc1); b1(x, (uint8_t)(right ? 0xc8 : 0xc0)); b1(x, (uint8_t)count);   /* ror/rol eax, n */
    st_mem(x, H_EAX, greg(r));
    b1(x, 0x89); b1(x, 0xc2);                              /* mov edx, eax */
    b1(x, 0xc1); b1(x, 0xea); b1(x, 31);                   /* shr edx, 31: the sign */
    b1(x, 0x89); b1(x, 0xc1);                              /* mov ecx, eax */
    if (right) {
        b1(x, 0xc1); b1(x, 0xe9); b1(x, 30);               /* shr ecx, 30 */
        b1(x, 0x83); b1(x, 0xe1); b1(x, 1);                /* and ecx, 1: bit 30 */
        b1(x, 0x31); b1(x, 0xd1);                          /* xor ecx, edx: OF */
        b1(x, 0xc1); b1(x, 0xe1); b1(x, 11);               /* shl ecx, 11 */
        b1(x, 0x09); b1(x, 0xd1);                          /* or ecx, edx: CF = the sign */
    } else {
        b1(x, 0x83); b1(x, 0xe1); b1(x, 1);                /* and ecx, 1: CF = bit 0 */
        b1(x, 0x31); b1(x, 0xca);                          /* xor edx, ecx: OF */
        b1(x, 0xc1); b1(x, 0xe2); b1(x, 11);               /* shl edx, 11 */
        b1(x, 0x09); b1(x, 0xd1);                          /* or ecx, edx */
    }
    op_r_mem(x, 0x8b, H_EAX, CPU_OFF(flags));
    b1(x, 0x25); b4(x, ~(uint32_t)(F_CF | F_OF));          /* and eax, ~(CF | OF) */
    b1(x, 0x09); b1(x, 0xc8);                              /* or eax, ecx */
    st_mem(x, H_EAX, CPU_OFF(flags));
    b1(x, 0x80); rbx_mem(x, 7, CPU_OFF(lf_op)); b1(x, LF_NONE);   /* cmp byte [lf_op], LF_NONE */
    uint8_t *none = jcc_fwd(x, 0x4);
    b1(x, 0x80); rbx_mem(x, 1, CPU_OFF(lf_op)); b1(x, (uint8_t)LF_ROT);   /* or byte [lf_op], LF_ROT */
    patch_here(x, none);
}

/* The lazy flags of a multiply whose low half is in eax (LF_MUL): CF = OF
 * = the host flag SETCC (0F SETcc's second byte) reads, as the
 * interpreter's do_mul and imul2 set them; the rest follows from the low
 * half when something reads them. Five instructions where making EFLAGS
 * whole took thirteen (IMUL is common in the kernel's multiprecision
 * arithmetic, its flags rarely read). */
static void gen_product_flags(struct emit *x, uint8_t setcc)
{
    b1(x, 0x0f); b1(x, setcc); b1(x, 0xc2);                /* setcc dl */
    b1(x, 0x0f); b1(x, 0xb6); b1(x, 0xd2);                 /* movzx edx, dl */
    st_mem(x, H_EDX, CPU_OFF(lf_cin));
    st_mem(x, H_EAX, CPU_OFF(lf_res));
    b1(x, 0x66); b1(x, 0xc7); rbx_mem(x, 0, CPU_OFF(lf_op));
    b1(x, LF_MUL); b1(x, 4);                               /* mov word [lf_op], LF_MUL | 4 << 8 */
}

/* Whether ordinary instruction E is MUL or IMUL r32 (F7 /4, /5, register
 * operand, 32-bit, no prefix that matters), which gen_mul makes inline. */
static bool mul_inline(const struct dc_entry *e)
{
    return e->kind == DC_MODRM && e->op == 0xf7 && (e->form.reg == 4 || e->form.reg == 5) && !e->form.mem &&
           e->pfx.op32 && !e->pfx.rep && !e->pfx.lock;
}

/* EDX:EAX = EAX * guest register R, unsigned or (SIGNED) signed, with the
 * interpreter's flags (do_mul): CF = OF = the upper half is needed (the
 * host's own), SF, ZF and PF from the low half, AF clear; lazily
 * (LF_MUL, P_MUL). */
static void gen_mul(struct emit *x, unsigned r, bool sign)
{
    op_r_mem(x, 0x8b, H_EAX, greg(CPU_EAX));
    static const uint8_t grp3 = 0xf7;
    op_rm(x, false, &grp3, 1, sign ? 5 : 4, greg(r), false);   /* mul/imul dword [r] */
    st_mem(x, H_EAX, greg(CPU_EAX));
    st_mem(x, H_EDX, greg(CPU_EDX));
    gen_product_flags(x, 0x92);                            /* CF: the upper half is needed */
}

/* Host flags from the guest EFLAGS in eax: SF, ZF, AF, PF and CF through
 * SAHF, and OF (which SAHF leaves alone) first, for the conditions that
 * read it, by an 8-bit add that overflows exactly when OF is set. */
static void gen_eflags_to_host(struct emit *x, unsigned cc)
{
    unsigned t = cc >> 1;
    if (t == 0 || t == 6 || t == 7) {
        b1(x, 0x89); b1(x, 0xc1);                               /* mov ecx, eax */
        b1(x, 0xc1); b1(x, 0xe9); b1(x, 11);                    /* shr ecx, 11 */
        b1(x, 0x83); b1(x, 0xe1); b1(x, 1);                     /* and ecx, 1 */
        b1(x, 0x80); b1(x, 0xc1); b1(x, 0x7f);                  /* add cl, 0x7f: OF = the bit */
    }
    b1(x, 0x88); b1(x, 0xc4);                                   /* mov ah, al */
    b1(x, 0x9e);                                                /* sahf */
}

/* The guest's condition CC into host flags for a jcc/setcc/cmovcc with the
 * same condition code; false: eax = cond(c, cc) through the interpreter
 * (then test with jnz/setnz/cmovnz). A producer not known here is looked at
 * when the code runs: the frequent lazy states (a 32- or 8-bit CMP/SUB or
 * logic op, a 32-bit ADD, INC or DEC) give the host flags from their
 * operands, EFLAGS already whole (shifts, IMUL, the ordinary path's flags)
 * through gen_eflags_to_host, anything else after cpu_fx_flags has made
 * EFLAGS whole. */
static bool gen_cond(struct emit *x, enum producer prod, unsigned cc)
{
    if (gen_host_flags_again(x, prod, cc))
        return true;
    if (prod == P_ARITH) {
        op_r_mem(x, 0x8b, H_EAX, CPU_OFF(flags));
        gen_eflags_to_host(x, cc);
        return true;
    }
    if (prod != P_UNKNOWN) {   /* INC/DEC and a condition on CF */
        mov_imm(x, H_ESI, cc);
        call_fn(x, (const void *)cpu_fx_cond);
        b1(x, 0x85); b1(x, 0xc0);                               /* test eax, eax */
        return false;
    }
    /* The lazy states a Linux boot leaves most often before a condition
     * the code could not see produced (30 M a boot): DEC 32 is a loop
     * counter whose DEC ended the run before. */
    static const struct { unsigned key; enum producer p; } known[] = {
        { LF_KEY(LF_SUB, 4), P_SUB }, { LF_KEY(LF_DEC, 4), P_DEC }, { LF_KEY(LF_LOGIC, 4), P_LOGIC },
        { LF_KEY(LF_SUB, 1), P_SUB8 }, { LF_KEY(LF_ADD, 4), P_ADD }, { LF_KEY(LF_INC, 4), P_INC },
        { LF_KEY(LF_LOGIC, 1), P_LOGIC8 },
    };
    uint8_t *done[sizeof known / sizeof known[0]];
    int n = 0;
    gen_lazy_key(x);
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if ((known[i].p == P_INC || known[i].p == P_DEC) && (cc == 2 || cc == 3 || cc == 6 || cc == 7))
            continue;   /* a condition on CF: INC/DEC's host flags lack it */
        uint8_t *next = jne_key(x, known[i].key);
        gen_host_flags(x, known[i].p, cc);
        jmp_done(x, next, done, &n);
    }
    b1(x, 0x84); b1(x, 0xc0);                                   /* test al, al (LF_NONE) */
    uint8_t *lazy = jcc_fwd(x, 0x5);
    op_r_mem(x, 0x8b, H_EAX, CPU_OFF(flags));
    b1(x, 0xe9); uint8_t *have = x->p; b4(x, 0);
    patch_here(x, lazy);
    call_fn(x, (const void *)cpu_fx_flags);
    patch_here(x, have);
    gen_eflags_to_host(x, cc);
    for (int i = 0; i < n; i++)
        patch_here(x, done[i]);
    return true;
}

/* A read-modify-write of a 32-bit memory operand (ALU [m], r/imm; INC/DEC
 * [m]) inline only on a TLB write hit; anything else runs the whole form in
 * the interpreter, which checks the segment for writing before it reads. */
static bool rmw_inline(unsigned aop) { return aop != 2 && aop != 3; }

/* Whether the shift by an immediate E is generated inline (gen_shift):
 * SHL/SAL, SHR, SAR by 1..31 (32-bit) or 1..15 (16-bit). */
static bool shift_inline(const struct dc_entry *e)
{
    unsigned n = e->fx.imm & 31;
    return e->fx.aux >= 4 && n && (e->kind == FX_SHIFT_RI || (e->kind == FX_SHIFT_RI16 && n < 16));
}

/* Whether form E is generated inline as a register-only instruction that
 * sets all six arithmetic flags without reading them (CF included, unlike
 * INC/DEC), and cannot fault or leave the run. */
static bool fx_sets_all_flags(const struct dc_entry *e)
{
    unsigned kind = e->kind, aop;
    if ((kind >= FX_ALU_RR && kind < FX_ALU_RR + 16) || (kind >= FX_ALU_RR8 && kind < FX_ALU_RR8 + 16)) {
        aop = (kind - (kind >= FX_ALU_RR8 ? FX_ALU_RR8 : FX_ALU_RR)) & 7;
        return aop != 2 && aop != 3;   /* ADC and SBB read CF */
    }
    switch (kind) {
    case FX_TEST_RR: case FX_TEST_RI: case FX_TEST_RR8: case FX_TEST_RI8:
    case FX_NEG_R: case FX_IMUL_RR: case FX_IMUL_RRI:
        return true;
    case FX_SHIFT_RI: case FX_SHIFT_RI16:
        return shift_inline(e);
    default:
        return false;
    }
}

/* Whether form E neither touches the flags nor can fault or leave the run
 * (inline register moves). */
static bool fx_flags_untouched(const struct dc_entry *e)
{
    switch (e->kind) {
    case FX_MOV_RR: case FX_MOV_RI: case FX_MOVX_RR: case FX_LEA: case FX_NOT_R:
    case FX_MOV_RR8: case FX_MOV_RI8: case FX_MOV_RR16: case FX_NOP:
        return true;
    default:
        return false;
    }
}

/* Whether form E moves data through memory or the stack without touching
 * the flags, generated inline with its only call on a slow path. */
static bool fx_memory_move(const struct dc_entry *e)
{
    switch (e->kind) {
    case FX_LOAD: case FX_LOAD8: case FX_LOAD16: case FX_MOVX_RM:
    case FX_STORE: case FX_STORE8: case FX_STORE16: case FX_STORE_I: case FX_STORE_I8:
    case FX_PUSH_R: case FX_POP_R: case FX_PUSH_I:
        return true;
    default:
        return false;
    }
}

/* Whether instruction K of the run need not leave its flags in struct cpu:
 * a later instruction sets them all again before anything could read them,
 * fault (an exception frame holds EFLAGS) or end the run. Only register
 * forms generated inline qualify, so nothing between can see the
 * difference: the dropped stores are the lazy state (lf_*) or EFLAGS.
 * With ACROSS_MEMORY, loads, stores, pushes and pops may come between too:
 * the flags are then dead on the inline path only, and those forms' slow
 * paths (the only places they could fault) store K's lazy state first
 * (gen_defer_store); the inline path keeps it in r8d-r10d. */
static bool flags_replaced_at(const struct dc_entry *ents, unsigned n, unsigned k, bool across_memory)
{
    /* INC and DEC keep CF, so their lazy state is the whole state only
     * with the one before; a later setter with nothing between that can
     * read or fault replaces both, but r8d-r10d (across memory forms)
     * keep one ALU form's state. */
    bool inc_dec = ents[k].kind == FX_INC_R || ents[k].kind == FX_DEC_R;
    if (!fx_sets_all_flags(&ents[k]) && (across_memory || !inc_dec))
        return false;
    for (unsigned j = k + 1; j < n; j++) {
        if (fx_sets_all_flags(&ents[j]))
            return true;
        if (!fx_flags_untouched(&ents[j]) && !(across_memory && fx_memory_move(&ents[j])))
            return false;
    }
    return false;   /* the run's end: the flags are live */
}

static void gen_flat_guard(struct emit *x);
enum { FLAT_GUARD_BYTES = 16 };   /* gen_flat_guard: mov al 6, and 2, cmp 2, jne 6 */

/* The code of run B (its entries copied at ENTS) into X, up to its exits;
 * gen_run adds the slow paths. */
/* A form whose flags no one reads (flags_dead), on cached registers only:
 * one host instruction on the host registers themselves (TEST leaves
 * nothing), shifts by a constant and IMUL r, r; returns false for anything
 * else (ALU forms: gen_cached_alu). */
static bool gen_cached_form(struct emit *x, const struct dc_entry *e)
{
    unsigned kind = e->kind, d = e->form.rm, s = e->form.reg, cc = e->fx.aux;
    int hd = cached(x, (int)d), hs = cached(x, (int)s);
    if (!x->flags_dead || hd < 0)
        return false;
    if (kind == FX_TEST_RR || kind == FX_TEST_RI)
        return kind == FX_TEST_RI || hs >= 0;
    if (kind == FX_SHIFT_RI && cc >= 4 && cc != 6 && (e->fx.imm & 31)) {
        rex_rr(x, 0, hd);
        b1(x, 0xc1); b1(x, (uint8_t)(0xc0 | cc << 3 | (hd & 7))); b1(x, (uint8_t)(e->fx.imm & 31));   /* shl/shr/sar hd, n */
        return true;
    }
    if (kind == FX_IMUL_RR && hs >= 0) {
        rex_rr(x, hd, hs);
        b1(x, 0x0f); b1(x, 0xaf); b1(x, (uint8_t)(0xc0 | (hd & 7) << 3 | (hs & 7)));   /* imul hd, hs */
        return true;
    }
    return false;
}

/* A 32-bit ALU form r, r / r, imm (not ADC, SBB) on a cached destination
 * (and source): gen_alu_on on the host registers themselves (CMP into eax,
 * an immediate in ecx), nothing for a CMP whose flags are dead. Returns
 * false for anything else. */
static bool gen_cached_alu(struct emit *x, const struct dc_entry *e, enum producer *prod)
{
    unsigned kind = e->kind;
    bool ri = kind >= FX_ALU_RI && kind < FX_ALU_RI + 8;
    if (!ri && !(kind >= FX_ALU_RR && kind < FX_ALU_RR + 8))
        return false;
    unsigned aop = kind - (ri ? FX_ALU_RI : FX_ALU_RR);
    int a = cached(x, e->form.rm), b = cached(x, e->form.reg);
    if (aop == 2 || aop == 3 || a < 0 || (!ri && b < 0))
        return false;   /* ADC and SBB read CF (gen_cf_edx) */
    *prod = P_UNKNOWN;
    if (aop == 7 && x->flags_dead)
        return true;
    if (ri) {
        mov_imm(x, H_ECX, e->fx.imm);
        b = H_ECX;
    }
    if (aop == 7) {
        mov_rr(x, H_EAX, a);
        a = H_EAX;
    }
    *prod = gen_alu_on(x, aop, 4, a, b);
    return true;
}

/* The host registers the cache may use, in the order it takes them: rbp
 * (saved by the prologue) and rdi, r11 (free between calls), then, in a run
 * that keeps no lazy flags in registers (flag_defer), r8d-r10d. */
static const int8_t cache_pool[] = {H_EBP, H_EDI, 11, 8, 9, 10};
enum { CACHE_POOL_DEFER = 3 };
enum { CACHE_MIN = 3 };   /* fewer uses do not pay for the load at entry and the stores at exits */

/* Chooses the guest registers the run keeps in host registers: those it
 * names most often (as operands, bases and indexes: each a load or store of
 * struct cpu saved), at least MIN_USES times (CACHE_MIN but in tests), not
 * excluded; and which of
 * them it may write (may_write_reg, as the stores at calls and exits need). */
static void cache_choose(struct emit *x, const struct dc_entry *ents, unsigned n, unsigned min_uses)
{
    unsigned uses[8] = {0};
    uint8_t written = 0;
    bool defers = false;
    for (unsigned k = 0; k < n; k++) {
        const struct dc_entry *e = &ents[k];
        defers |= !flags_replaced_at(ents, n, k, false) && flags_replaced_at(ents, n, k, true);
        for (unsigned r = 0; r < 8; r++)
            if (may_write_reg(e, r))
                written |= (uint8_t)(1u << r);
        if (e->kind < DC_FAST && !mul_inline(e))
            continue;   /* the interpreter runs it: the cache only stores and loads around it */
        if (mul_inline(e)) {
            uses[CPU_EAX] += 2;
            uses[CPU_EDX]++;
            uses[e->form.rm & 7]++;
            continue;
        }
        bool mem = fx_has_mem(e->kind) || e->kind == FX_LEA;
        if (mem && e->base >= 0)
            uses[e->base]++;
        if (mem && e->index >= 0)
            uses[e->index]++;
        uses[e->form.reg & 7]++;
        if (!mem)
            uses[e->form.rm & 7]++;
        if (may_write_reg(e, CPU_ESP) && e->form.rm != CPU_ESP && e->form.reg != CPU_ESP)
            uses[CPU_ESP] += 2;   /* a stack form loads and stores ESP */
    }
    memset(x->cache_host, -1, sizeof x->cache_host);
    uint8_t cached = 0;
    for (unsigned i = 0; i < (defers ? CACHE_POOL_DEFER : sizeof cache_pool); i++) {
        int best = -1;
        for (int r = 0; r < 8; r++)
            if (!(cached & (1u << r)) && !(x->cache_excluded & (1u << r)) && uses[r] >= min_uses &&
                (best < 0 || uses[r] > uses[best]))
                best = r;
        if (best < 0)
            break;
        cached |= (uint8_t)(1u << best);
        x->cache_host[best] = cache_pool[i];
    }
    x->cache_dirty = cached & written;
}

static void gen_run_body(struct emit *x, struct cpu *c, const struct fx_block *b, const struct dc_entry *ents)
{
    b1(x, 0x53);                                       /* push rbx */
    b1(x, 0x41); b1(x, 0x54);                          /* push r12 */
    b1(x, 0x41); b1(x, 0x55);                          /* push r13: a scratch that calls keep */
    b1(x, 0x41); b1(x, 0x56);                          /* push r14: the group's host pointer */
    b1(x, 0x41); b1(x, 0x57);                          /* push r15: the group's base value */
    b1(x, 0x55);                                       /* push rbp: a cached guest register */
    b1(x, 0x50);                                       /* push rax: calls need rsp 16-byte aligned */
    b1(x, 0x48); b1(x, 0x89); b1(x, 0xfb);             /* mov rbx, rdi */
    b1(x, 0x41); b1(x, 0x89); b1(x, 0xf4);             /* mov r12d, esi */
    cache_choose(x, ents, b->n, c->jit_cache_min ? c->jit_cache_min : CACHE_MIN);
    bool cache_takes_defer = false;   /* r8d-r10d hold guest registers: no lazy flags kept there */
    for (unsigned g = 0; g < 8; g++)
        cache_takes_defer |= x->cache_host[g] >= 8 && x->cache_host[g] <= 10;
    gen_flat_guard(x);   /* after the prologue: chains enter here */
    x->group_reg = group_choose(ents, b->n);
    if (x->group_reg >= 0)
        gen_group_setup(x);
    cache_load(x);
    enum producer prod = P_UNKNOWN;
    uint32_t off = 0;
    for (unsigned k = 0; k < b->n; k++) {
        const struct dc_entry *e = &ents[k];
        uint32_t next = off + fx_entry_len(e), imm = e->fx.imm;
        unsigned d = e->form.rm, s = e->form.reg, kind = e->kind, cc = e->fx.aux;
        int seg = e->seg_default;
        bool last = k + 1 == b->n, called = false;
        if (x->group_e || x->fb.from)
            x->p = x->end + 1;   /* an access left unfinished: cannot happen; the run stays interpreted */
        if (k && x->group_reg >= 0 && may_write_reg(&ents[k - 1], (unsigned)x->group_reg))
            x->group_live = false;   /* the accesses after it are not grouped */
        x->host_flags_in = x->host_flags_live;
        x->host_flags_live = false;
        x->flags_dead = flags_replaced_at(ents, b->n, k, false);
        x->flags_defer = !x->flags_dead && !cache_takes_defer && flags_replaced_at(ents, b->n, k, true);
        if (fx_sets_all_flags(e))
            x->defer.active = false;   /* its flags replace the deferred ones */
        x->next_off = next;
        x->count = k + 1;
        x->last = last;
        if (mul_inline(e)) {
            gen_mul(x, e->form.rm, e->form.reg == 5);
            prod = P_MUL;
        } else if (kind >= DC_FAST && gen_cached_form(x, e)) {
            prod = P_UNKNOWN;
        } else if (kind >= DC_FAST && gen_cached_alu(x, e, &prod)) {
            x->host_flags_live = host_flags_match(prod);
        } else if (kind < DC_FAST) {   /* an ordinary instruction: the interpreter runs it */
            b1(x, 0x48); b1(x, 0xbe); b8(x, (uint64_t)(uintptr_t)e);   /* mov rsi, imm64 */
            lea_eip(x, H_EDX, off);
            mov_imm(x, H_ECX, k);
            call_fn(x, (const void *)cpu_fx_general);
            x->skip = k + 1;
            /* It may end the run, with EIP where it went (eax). */
            op64_r_mem(x, 0x83, 7, CPU_OFF(run_stop)); b1(x, 0);   /* cmp qword [run_stop], 0 */
            uint8_t *cont = jcc_fwd(x, 0x5);                        /* jne cont */
            leave(x);
            patch_here(x, cont);
            prod = P_UNKNOWN;
            off = next;
            continue;
        } else if (kind >= FX_ALU_RR && kind < FX_ALU_RR + 16) {   /* ALU r, r / r, imm */
            bool ri = kind >= FX_ALU_RI;
            unsigned aop = kind - (ri ? FX_ALU_RI : FX_ALU_RR);
            if (aop == 2 || aop == 3) {      /* ADC, SBB: r = a +/- b +/- CF */
                gen_cf_edx(x, prod);
                called = !cf_known(prod);
                st_mem(x, H_EDX, CPU_OFF(lf_cin));
                op_r_mem(x, 0x8b, H_EAX, greg(d));
                if (ri)
                    mov_imm(x, H_ECX, imm);
                else
                    op_r_mem(x, 0x8b, H_ECX, greg(s));
                st_mem(x, H_EAX, CPU_OFF(lf_a));
                st_mem(x, H_ECX, CPU_OFF(lf_b));
                alu_rr(x, aop == 2 ? 0 : 5, H_EAX, H_ECX);
                alu_rr(x, aop == 2 ? 0 : 5, H_EAX, H_EDX);
                st_mem(x, H_EAX, CPU_OFF(lf_res));
                b1(x, 0x66); b1(x, 0xc7); rbx_mem(x, 0, CPU_OFF(lf_op));
                b1(x, (uint8_t)(aop == 2 ? LF_ADC : LF_SBB)); b1(x, 4);
                st_mem(x, H_EAX, greg(d));
                prod = aop == 2 ? P_ADC : P_SBB;
            } else {
                op_r_mem(x, 0x8b, H_EAX, greg(d));
                if (ri)
                    mov_imm(x, H_ECX, imm);
                else
                    op_r_mem(x, 0x8b, H_ECX, greg(s));
                prod = gen_alu32(x, aop);
                if (aop != 7)
                    st_mem(x, H_EAX, greg(d));
                x->host_flags_live = host_flags_match(prod);
            }
        } else if (kind >= FX_ALU_RM && kind < FX_ALU_RM + 8 && kind - FX_ALU_RM != 2 && kind - FX_ALU_RM != 3) {
            unsigned aop = kind - FX_ALU_RM;  /* r op= [m] */
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_load_hit(x, seg, 4);
            b1(x, 0x89); b1(x, 0xc1);                          /* mov ecx, eax */
            op_r_mem(x, 0x8b, H_EAX, greg(s));
            prod = gen_alu32(x, aop);
            if (aop != 7)
                st_mem(x, H_EAX, greg(s));
            /* The interpreter's path leaves the same lazy flags (alu()). */
            gen_miss_steps(x, &m, NULL, e, off);
        } else if ((kind >= FX_ALU_MR && kind < FX_ALU_MR + 16 && rmw_inline((kind - FX_ALU_MR) & 7))) {
            bool mi = kind >= FX_ALU_MI;
            unsigned aop = (kind - FX_ALU_MR) & 7;
            gen_ea(x, e, H_EDX);
            if (aop == 7) {               /* CMP [m], r/imm only reads */
                struct mem_miss m = gen_load_hit(x, seg, 4);
                if (mi)
                    mov_imm(x, H_ECX, imm);
                else
                    op_r_mem(x, 0x8b, H_ECX, greg(s));
                prod = gen_alu32(x, 7);
                gen_miss_steps(x, &m, NULL, e, off);
            } else {
                struct mem_miss m = gen_tlb_hit(x, seg, 4, true);
                b1(x, 0x8b); b1(x, 0x04); b1(x, 0x16);          /* mov eax, [rsi+rdx] */
                if (mi)
                    mov_imm(x, H_ECX, imm);
                else
                    op_r_mem(x, 0x8b, H_ECX, greg(s));
                prod = gen_alu32(x, aop);
                b1(x, 0x89); b1(x, 0x04); b1(x, 0x16);          /* mov [rsi+rdx], eax */
                gen_miss_steps(x, &m, NULL, e, off);
                prod = P_UNKNOWN;   /* the two paths leave different knowledge */
            }
        } else if ((kind >= FX_ALU_RR8 && kind < FX_ALU_RR8 + 16 && ((kind - FX_ALU_RR8) & 7) != 2 &&
                    ((kind - FX_ALU_RR8) & 7) != 3) || kind == FX_TEST_RR8 || kind == FX_TEST_RI8) {
            /* Byte ALU r8, r8 / r8, imm8 and TEST. */
            bool test = kind == FX_TEST_RR8 || kind == FX_TEST_RI8;
            bool ri = kind == FX_TEST_RI8 || (kind >= FX_ALU_RI8 && kind < FX_ALU_RI8 + 8);
            unsigned aop = test ? 4 : (kind - FX_ALU_RR8) & 7;
            ld_reg_ext(x, d, 1, false);
            if (ri)
                mov_imm(x, H_ECX, imm & 0xff);
            else {
                ld_byte_ecx(x, s);   /* movzx ecx, r8 */
            }
            prod = gen_alu(x, aop, 1);
            if (!test && aop != 7)
                st_reg_part(x, d, 1);
        } else if (kind >= FX_ALU_RM8 && kind < FX_ALU_RM8 + 8 && kind - FX_ALU_RM8 != 2 && kind - FX_ALU_RM8 != 3) {
            unsigned aop = kind - FX_ALU_RM8;  /* r8 op= [m8] */
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_load_hit(x, seg, 1);
            b1(x, 0x89); b1(x, 0xc1);                          /* mov ecx, eax */
            ld_reg_ext(x, s, 1, false);
            prod = gen_alu(x, aop, 1);
            if (aop != 7)
                st_reg_part(x, s, 1);
            gen_miss_steps(x, &m, NULL, e, off);
        } else if (kind == FX_NOT_R) {
            static const uint8_t grp3 = 0xf7;
            op_rm(x, false, &grp3, 1, 2, greg(d), false);      /* not dword [d] */
        } else if (kind == FX_NEG_R) {
            b1(x, 0x31); b1(x, 0xc0);                          /* xor eax, eax: 0 - r */
            op_r_mem(x, 0x8b, H_ECX, greg(d));
            prod = gen_alu32(x, 5);
            st_mem(x, H_EAX, greg(d));
        } else if (kind == FX_CMOV_RM) {
            /* The condition first (no side effects) into r13d, then the
             * load, which may fault and happens either way. */
            bool host = gen_cond(x, prod, cc);
            b1(x, 0x41); b1(x, 0x0f); b1(x, (uint8_t)(0x90 | (host ? cc : 0x5))); b1(x, 0xc5);   /* setcc r13b */
            b1(x, 0x45); b1(x, 0x0f); b1(x, 0xb6); b1(x, 0xed);   /* movzx r13d, r13b */
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_load_hit(x, seg, 4);
            b1(x, 0x45); b1(x, 0x85); b1(x, 0xed);                 /* test r13d, r13d */
            uint8_t *skip = jcc_fwd(x, 0x4);
            st_mem(x, H_EAX, greg(s));
            patch_here(x, skip);
            gen_miss_steps(x, &m, NULL, e, off);
            called = !host;
        } else if (kind == FX_TEST_MI8 || kind == FX_ALU_MI8 + 7 || kind == FX_TEST_MR8 || kind == FX_TEST_MR) {
            /* TEST [m], imm8/r8/r32 and CMP [m8], imm8 only read memory. */
            unsigned size = kind == FX_TEST_MR ? 4 : 1;
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_load_hit(x, seg, size);
            if (kind == FX_TEST_MR)
                op_r_mem(x, 0x8b, H_ECX, greg(s));
            else if (kind == FX_TEST_MR8)
                { ld_byte_ecx(x, s); }   /* movzx ecx, r8 */
            else
                mov_imm(x, H_ECX, imm & 0xff);
            prod = gen_alu(x, kind == FX_ALU_MI8 + 7 ? 7 : 4, size);
            gen_miss_steps(x, &m, NULL, e, off);
        } else if (kind == FX_TEST_RR || kind == FX_TEST_RI) {
            op_r_mem(x, 0x8b, H_EAX, greg(d));
            if (kind == FX_TEST_RR)
                op_r_mem(x, 0x8b, H_ECX, greg(s));
            else
                mov_imm(x, H_ECX, imm);
            prod = gen_alu32(x, 4);
            x->host_flags_live = host_flags_match(prod);
        } else if (kind == FX_MOV_RR && cached(x, (int)d) >= 0 && cached(x, (int)s) >= 0) {
            mov_rr(x, cached(x, (int)d), cached(x, (int)s));
        } else if (kind == FX_MOV_RR) {
            op_r_mem(x, 0x8b, H_EAX, greg(s));
            st_mem(x, H_EAX, greg(d));
        } else if (kind == FX_MOV_RI) {
            st_mem_imm(x, greg(d), imm);
        } else if (kind == FX_MOV_RR8 || kind == FX_MOV_RR16) {
            unsigned size = kind == FX_MOV_RR8 ? 1 : 2;
            ld_reg_ext(x, s, size, false);
            st_reg_part(x, d, size);
        } else if (kind == FX_MOV_RI8) {
            mov_imm(x, H_EAX, imm);
            st_reg_part(x, d, 1);
        } else if (kind == FX_MOVX_RR && cached(x, (int)d) >= 0 && cached(x, (int)s) >= 0 && ((cc & 1) || s < 4)) {
            int hd = cached(x, (int)d), hs = cached(x, (int)s);
            /* movzx/movsx hd, hs8/hs16 (a REX makes 4..7 bpl, dil; s < 4: no high byte) */
            if (hd >= 8 || hs >= 8 || (!(cc & 1) && (hs & 7) >= 4))
                b1(x, (uint8_t)(0x40 | (hd >= 8 ? 4 : 0) | (hs >= 8 ? 1 : 0)));
            b1(x, 0x0f); b1(x, (uint8_t)(((cc & 1) ? 0xb7 : 0xb6) + ((cc & 2) ? 8 : 0)));
            b1(x, (uint8_t)(0xc0 | (hd & 7) << 3 | (hs & 7)));
        } else if (kind == FX_MOVX_RR) {
            ld_reg_ext(x, s, (cc & 1) ? 2 : 1, (cc & 2) != 0);
            st_mem(x, H_EAX, greg(d));
        } else if (kind == FX_LEA) {
            gen_ea(x, e, H_ECX);
            st_mem(x, H_ECX, greg(s));
        } else if (kind == FX_NOP) {
            /* nothing */
        } else if ((kind == FX_LOAD || kind == FX_STORE) && cached(x, (int)s) >= 0) {
            bool store = kind == FX_STORE;                 /* straight from or to the host register */
            gen_ea(x, e, H_EDX);
            x->direct_ok = true;
            struct mem_miss m = gen_tlb_hit(x, seg, 4, store);
            access_rsi_rdx(x, store, cached(x, (int)s));
            gen_miss_steps(x, &m, NULL, e, off);
        } else if (kind == FX_LOAD || kind == FX_LOAD8 || kind == FX_LOAD16 || kind == FX_MOVX_RM) {
            unsigned size = kind == FX_LOAD ? 4 : kind == FX_LOAD8 ? 1 : kind == FX_LOAD16 ? 2 : (cc & 1) ? 2 : 1;
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_load_hit(x, seg, size);
            if (kind == FX_MOVX_RM && (cc & 2)) {
                b1(x, 0x0f); b1(x, size == 1 ? 0xbe : 0xbf); b1(x, 0xc0);   /* movsx eax, al/ax */
            }
            if (kind == FX_LOAD8 || kind == FX_LOAD16)
                st_reg_part(x, s, size);
            else
                st_mem(x, H_EAX, greg(s));
            gen_miss_steps(x, &m, NULL, e, off);
        } else if (kind == FX_STORE || kind == FX_STORE8 || kind == FX_STORE16 || kind == FX_STORE_I ||
                   kind == FX_STORE_I8) {
            unsigned size = kind == FX_STORE8 || kind == FX_STORE_I8 ? 1 : kind == FX_STORE16 ? 2 : 4;
            gen_ea(x, e, H_EDX);
            if (kind == FX_STORE_I || kind == FX_STORE_I8)
                mov_imm(x, H_ECX, imm);
            else if (kind == FX_STORE8)
                { ld_byte_ecx(x, s); }   /* movzx ecx, r8 */
            else
                op_r_mem(x, 0x8b, H_ECX, greg(s));
            struct mem_miss m = gen_store_hit(x, seg, size);
            gen_miss_steps(x, &m, NULL, e, off);
        } else if (kind == FX_PUSH_R || kind == FX_PUSH_I || kind == FX_POP_R) {
            /* 32-bit stacks inline; a 16-bit SP goes through the interpreter. */
            b1(x, 0x80); rbx_mem(x, 7, CPU_OFF(stack32)); b1(x, 0);   /* cmp byte [stack32], 0 */
            uint8_t *sp16 = jcc_fwd(x, 0x4);
            op_r_mem(x, 0x8b, H_EDX, greg(CPU_ESP));
            struct mem_miss m;
            if (kind == FX_POP_R) {
                m = gen_load_hit(x, CPU_SS, 4);
                esp_add4(x, false);
                st_mem(x, H_EAX, greg(d));                            /* POP ESP: the popped value wins */
            } else {
                b1(x, 0x83); b1(x, 0xea); b1(x, 4);                    /* sub edx, 4 */
                if (kind == FX_PUSH_I)
                    mov_imm(x, H_ECX, imm);
                else
                    op_r_mem(x, 0x8b, H_ECX, greg(d));                /* PUSH ESP pushes the old value */
                m = gen_store_hit(x, CPU_SS, 4);
                esp_add4(x, true);
            }
            gen_miss_steps(x, &m, sp16, e, off);
        } else if ((kind == FX_INC_R || kind == FX_DEC_R) && x->flags_dead) {
            static const uint8_t grp5 = 0xff;
            op_rm(x, false, &grp5, 1, kind == FX_DEC_R ? 1 : 0, greg(d), false);   /* inc/dec r (or [r]) */
            prod = P_UNKNOWN;
        } else if (kind == FX_INC_R || kind == FX_DEC_R) {
            bool dec = kind == FX_DEC_R;
            gen_cf_edx(x, prod);                       /* CF stays: INC/DEC keep it in lf_cin */
            called = !cf_known(prod);
            st_mem(x, H_EDX, CPU_OFF(lf_cin));
            op_r_mem(x, 0x8b, H_EAX, greg(d));
            st_mem(x, H_EAX, CPU_OFF(lf_a));
            st_mem_imm(x, CPU_OFF(lf_b), 1);
            b1(x, 0x83); b1(x, dec ? 0xe8 : 0xc0); b1(x, 1);   /* add/sub eax, 1 */
            st_mem(x, H_EAX, CPU_OFF(lf_res));
            b1(x, 0x66); b1(x, 0xc7);
            rbx_mem(x, 0, CPU_OFF(lf_op));
            b1(x, (uint8_t)(dec ? LF_DEC : LF_INC)); b1(x, 4);
            st_mem(x, H_EAX, greg(d));
            prod = dec ? P_DEC : P_INC;
        } else if (kind == FX_SHIFT_RI && cc < 2 && (imm & 31)) {
            gen_rotate(x, d, cc == 1, imm & 31);
            prod = P_UNKNOWN;
        } else if ((kind == FX_SHIFT_RI || kind == FX_SHIFT_RI16) && shift_inline(e)) {
            gen_shift(x, d, cc, kind == FX_SHIFT_RI16 ? 2 : 4, imm & 31);
            prod = x->flags_dead ? P_UNKNOWN : P_ARITH;
        } else if (kind == FX_SHIFT_RC && cc >= 4) {
            /* By CL: a count of 0 changes nothing, flags included. */
            ld_byte_ecx(x, CPU_ECX);                                 /* movzx ecx, cl */
            b1(x, 0x83); b1(x, 0xe1); b1(x, 31);                   /* and ecx, 31 */
            uint8_t *zero = jcc_fwd(x, 0x4);                        /* jz: nothing */
            gen_shift(x, d, cc, 4, 0);
            patch_here(x, zero);
            prod = P_UNKNOWN;
        } else if (kind == FX_INC_M || kind == FX_DEC_M) {
            /* CF first (INC/DEC keep it, in lf_cin), kept in r13d, stored
             * only on the inline path: the interpreter's path reads the
             * lazy state as it was. */
            bool dec = kind == FX_DEC_M;
            gen_cf_edx(x, prod);
            called = !cf_known(prod);
            b1(x, 0x41); b1(x, 0x89); b1(x, 0xd5);                 /* mov r13d, edx */
            gen_ea(x, e, H_EDX);
            struct mem_miss m = gen_tlb_hit(x, seg, 4, true);
            b1(x, 0x8b); b1(x, 0x04); b1(x, 0x16);                 /* mov eax, [rsi+rdx] */
            b1(x, 0x44); b1(x, 0x89); rbx_mem(x, 5, CPU_OFF(lf_cin));   /* mov [lf_cin], r13d */
            st_mem(x, H_EAX, CPU_OFF(lf_a));
            st_mem_imm(x, CPU_OFF(lf_b), 1);
            b1(x, 0x83); b1(x, dec ? 0xe8 : 0xc0); b1(x, 1);       /* add/sub eax, 1 */
            b1(x, 0x89); b1(x, 0x04); b1(x, 0x16);                 /* mov [rsi+rdx], eax */
            st_mem(x, H_EAX, CPU_OFF(lf_res));
            b1(x, 0x66); b1(x, 0xc7);
            rbx_mem(x, 0, CPU_OFF(lf_op));
            b1(x, (uint8_t)(dec ? LF_DEC : LF_INC)); b1(x, 4);
            gen_miss_steps(x, &m, NULL, e, off);
            prod = P_UNKNOWN;   /* the two paths leave different knowledge */
        } else if (kind == FX_IMUL_RR || kind == FX_IMUL_RRI) {
            /* CF = OF = the signed product does not fit; SF, ZF, PF from the
             * low half; AF clear (imul2). */
            if (kind == FX_IMUL_RR) {
                op_r_mem(x, 0x8b, H_EAX, greg(d));
                static const uint8_t imul[2] = {0x0f, 0xaf};
                op_rm(x, false, imul, 2, H_EAX, greg(s), false);        /* imul eax, [s] */
            } else {
                static const uint8_t imul = 0x69;
                op_rm(x, false, &imul, 1, H_EAX, greg(s), false);       /* imul eax, [s], imm32 */
                b4(x, imm);
            }
            st_mem(x, H_EAX, greg(d));
            prod = P_UNKNOWN;
            if (!x->flags_dead) {
                gen_product_flags(x, 0x90);                        /* CF, OF: seto */
                prod = P_MUL;
            }
        } else if (kind == FX_SETCC_R) {
            bool host = gen_cond(x, prod, cc);
            called = !host;
            b1(x, 0x0f); b1(x, (uint8_t)(0x90 | (host ? cc : 0x5))); b1(x, 0xc0);   /* setcc al */
            st_reg_part(x, d, 1);
        } else if (kind == FX_CMOV_RR) {
            bool host = gen_cond(x, prod, cc);
            called = !host;
            op_r_mem(x, 0x8b, H_ECX, greg(d));
            const uint8_t cmov[2] = {0x0f, (uint8_t)(0x40 | (host ? cc : 0x5))};
            op_rm(x, false, cmov, 2, H_ECX, greg(s), false);       /* cmovcc ecx, [s] */
            st_mem(x, H_ECX, greg(d));
        } else if (kind == FX_JCC && last) {
            bool host = gen_cond(x, prod, cc);
            uint8_t *taken = jcc_fwd(x, host ? cc : 0x5);
            gen_chain_or_exit(x, c, b, next, k + 1);
            patch_here(x, taken);
            gen_branch_exit(x, c, b, e, off, next + imm, k + 1);
            return;
        } else if (kind == FX_JMP && last) {
            gen_branch_exit(x, c, b, e, off, next + imm, k + 1);
            return;
        } else if ((kind == FX_CALL || kind == FX_RET) && last) {
            /* The target is checked before the stack moves (fx_branch first);
             * a 16-bit SP, a target beyond the CS limit or a stack access
             * that misses the inline TLB: the interpreter runs the form. */
            b1(x, 0x80); rbx_mem(x, 7, CPU_OFF(stack32)); b1(x, 0);
            uint8_t *slow1 = jcc_fwd(x, 0x4);
            op_r_mem(x, 0x8b, H_EDX, greg(CPU_ESP));
            uint8_t *slow2;
            struct mem_miss miss;
            if (kind == FX_CALL) {
                lea_eip(x, H_EAX, next + imm);
                op_r_mem(x, 0x3b, H_EAX, CPU_OFF(s) + CPU_CS * (uint32_t)sizeof(struct seg) +
                                         (uint32_t)offsetof(struct seg, limit));
                slow2 = jcc_fwd(x, 0x7);
                b1(x, 0x83); b1(x, 0xea); b1(x, 4);                /* sub edx, 4 */
                lea_eip(x, H_ECX, next);
                miss = gen_store_hit(x, CPU_SS, 4);
                esp_add4(x, true);
                gen_chain_or_exit(x, c, b, next + imm, k + 1);
            } else {
                miss = gen_load_hit(x, CPU_SS, 4);
                op_r_mem(x, 0x3b, H_EAX, CPU_OFF(s) + CPU_CS * (uint32_t)sizeof(struct seg) +
                                         (uint32_t)offsetof(struct seg, limit));
                slow2 = jcc_fwd(x, 0x7);
                esp_add4(x, false);
                gen_chain_dynamic(x, c, k + 1);   /* eax: the return address */
            }
            patch_here(x, slow1);
            patch_here(x, slow2);
            patch_miss(x, &miss);
            gen_step(x, e, off);
            exit_run(x, k + 1);
            return;
        } else {
            gen_step(x, e, off);
            prod = P_UNKNOWN;
            called = true;
            if (last && cpu_fx_is_branch(kind)) {
                gen_chain_dynamic(x, c, k + 1);   /* eax: the EIP the form chose */
                return;
            }
        }
        /* A call may have stored into the run's page (or changed the memory
         * map): the interpreter's loop tests run_stop after each form. A
         * memory form tests it on its miss path only (gen_miss_steps). */
        if (called && !last)
            gen_stop_check(x, next, k + 1);
        if (fx_flags_untouched(e))
            x->host_flags_live = x->host_flags_in;   /* register moves: no host instruction that sets flags */
        off = next;
    }
    if (b->open) {   /* the loop looks at an open run's successor (fxb_check_open) */
        lea_eip(x, H_EAX, off);
        exit_run(x, b->n);
    } else {
        gen_chain_or_exit(x, c, b, off, b->n);
    }
}

/* The run's entry test of the segments its inline accesses take as flat
 * (base 0, 4 GiB, writable data, at the privilege the code was made for:
 * flat_sup or flat_user), made before the first instruction, where chains
 * enter too: runs load no segment and change no privilege, so one test
 * holds for the whole run, where every access tested its own bit before.
 * The mask is filled in once the run's code is made (gen_flat_patch).
 * When a bit is clear the code leaves before its first instruction with
 * jit_bail set, and fxb_run interprets the run instead (whose accesses
 * check their segments). */
static void gen_flat_guard(struct emit *x)
{
    x->flat_mask = 0;
    x->flat_guard = x->p;
    b1(x, 0x8a); rbx_mem32(x, H_EAX, x->user ? CPU_OFF(flat_user) : CPU_OFF(flat_sup));   /* mov al, [flat] */
    b1(x, 0x24); x->flat_and = x->p; b1(x, 0);                  /* and al, mask */
    b1(x, 0x3c); x->flat_cmp = x->p; b1(x, 0);                  /* cmp al, mask */
    x->flat_bail = jcc_fwd(x, 0x5);                             /* jne bail */
    if (x->p <= x->end && x->p - x->flat_guard != FLAT_GUARD_BYTES)
        x->p = x->end + 1;   /* cannot happen (fixed encodings): the run stays interpreted */
}

/* The guard's mask and its exit; a run with no inline access through a
 * flat segment (registers only, or FS/GS) needs no guard, which becomes two
 * NOPs (16 bytes: mov al 6, and 2, cmp 2, jne 6). */
static void gen_flat_patch(struct emit *x)
{
    if (x->p > x->end)
        return;
    if (!x->flat_mask) {
        static const uint8_t nops[FLAT_GUARD_BYTES] = {0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0,   /* 10-byte NOP */
                                                       0x66, 0x0f, 0x1f, 0x44, 0, 0};                 /* 6-byte NOP */
        memcpy(x->flat_guard, nops, sizeof nops);
        return;
    }
    *x->flat_and = x->flat_mask;
    *x->flat_cmp = x->flat_mask;
    patch_here(x, x->flat_bail);
    b1(x, 0xc6); rbx_mem32(x, 0, CPU_OFF(jit_bail)); b1(x, 1);  /* mov byte [jit_bail], 1 */
    b1(x, 0x44); b1(x, 0x89); b1(x, 0xe0);                      /* mov eax, r12d: the run's EIP */
    leave(x);
}

/* Translates run B (its entries copied at ENTS) into X. */
static void gen_run(struct emit *x, struct cpu *c, const struct fx_block *b, const struct dc_entry *ents)
{
    x->n_cold = 0;
    x->group_e = NULL;
    x->fb = (struct group_fallback){0};
    x->defer = (struct flag_defer){0};
    gen_run_body(x, c, b, ents);
    gen_cold_paths(x);
    gen_group_patch(x);
    gen_flat_patch(x);
}

static void jit_drop_all(struct cpu *c)
{
    struct jit_state *j = c->jit;
    memset(j->slot, 0, sizeof(j->slot));
    j->used = 0;
    j->flushes++;
    /* Runs past the threshold are translated again on their next whole
     * visit (fxb_run). */
    for (unsigned i = 0; i < FXB_SIZE; i++)
        c->fxb[i].jit = NULL;
}

static unsigned jit_index(uint32_t pa)
{
    return (pa ^ pa >> JIT_BITS ^ pa >> (2 * JIT_BITS)) & (JIT_SLOTS - 1);
}

static struct jit_state *jit_state(struct cpu *c)
{
    if (!c->jit) {
        c->jit = calloc(1, sizeof(struct jit_state));
        if (!c->jit)
            return NULL;
        c->jit->mem = emu_host_code_alloc(JIT_CODE_BYTES);
        c->jit->failed = !c->jit->mem;
    }
    return c->jit->failed ? NULL : c->jit;
}

void jit_translate(struct cpu *c, struct fx_block *b)
{
    struct jit_state *j = c->jit_hot ? jit_state(c) : NULL;
    if (!j)
        return;
    size_t head = sizeof(struct jit_block) + sizeof(struct dc_entry) * b->n;
    size_t need = head + JIT_MAX_BLOCK;
    if (j->used + need > JIT_CODE_BYTES)
        jit_drop_all(c);
    struct jit_block *t = (struct jit_block *)(j->mem + j->used);
    memcpy(t->e, b->e, sizeof(struct dc_entry) * b->n);
    t->view = (struct fx_block){.pa = b->pa, .key = b->key, .last_off = b->last_off, .n = b->n,
                                .open = b->open, .jit = t, .e = t->e};
    uint8_t *code = j->mem + j->used + head;
    /* A cached register that met an access the cache cannot take is left
     * to struct cpu in the next try; with none cached there is no conflict. */
    struct emit x;
    uint8_t excluded = 0;
    do {
        x = (struct emit){.p = code, .end = code + JIT_MAX_BLOCK, .user = c->cpl == 3, .cache_excluded = excluded};
        gen_run(&x, c, b, t->e);
        excluded |= x.cache_conflict;
    } while (x.cache_conflict && x.p <= x.end);
    if (x.p > x.end)
        return;   /* too long for its space: it stays interpreted */
    t->code = (jit_code_fn)(void *)code;
    j->used += head + (size_t)(x.p - code);
    j->used = (j->used + 15) & ~(size_t)15;
    j->slot[jit_index(b->pa)] = t;
    j->translated++;
    b->jit = t;
}

const struct jit_block *jit_lookup(struct cpu *c, const struct fx_block *b)
{
    struct jit_state *j = c->jit;
    if (!j || j->failed)
        return NULL;
    const struct jit_block *t = j->slot[jit_index(b->pa)];
    const struct fx_block *v = t ? &t->view : NULL;
    if (v && v->pa == b->pa && v->key == b->key && v->n == b->n && v->last_off == b->last_off &&
        v->open == b->open)
        return t;
    return NULL;
}

void cpu_get_jit_stats(const struct cpu *c, struct cpu_jit_stats *s)
{
    const struct jit_state *j = c->jit;
    *s = (struct cpu_jit_stats){.threshold = c->jit_hot, .code_capacity = JIT_CODE_BYTES};
    if (j) {
        s->available = !j->failed;
        s->translated = j->translated;
        s->flushes = j->flushes;
        s->code_bytes = j->used;
    }
}

void jit_flush(struct cpu *c)
{
    if (c->jit && !c->jit->failed)
        jit_drop_all(c);
}

void jit_destroy(struct cpu *c)
{
    if (c->jit) {
        emu_host_code_free(c->jit->mem, JIT_CODE_BYTES);
        free(c->jit);
        c->jit = NULL;
    }
}

#else   /* no translator for this host: runs stay interpreted */

void jit_translate(struct cpu *c, struct fx_block *b) { (void)c; (void)b; }
const struct jit_block *jit_lookup(struct cpu *c, const struct fx_block *b) { (void)c; (void)b; return NULL; }
void jit_flush(struct cpu *c) { (void)c; }
void cpu_get_jit_stats(const struct cpu *c, struct cpu_jit_stats *s)
{
    *s = (struct cpu_jit_stats){.threshold = c->jit_hot};
}
void jit_destroy(struct cpu *c) { (void)c; }

#endif
