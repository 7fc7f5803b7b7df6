/* The CPU's life cycle, run loop and event delivery (Intel SDM vol. 3A 9.1
 * reset state, 6.3-6.15 interrupts and exceptions: priorities, error codes,
 * double fault (table 6-5) and shutdown, 6.8.3 interrupt shadow; 20.1.4
 * real-mode interrupts; 20.3 V86 interrupt handling without VME). */
#include "emu/cpu/cpu_int.h"

#include <stdlib.h>

#include "baremu/platform.h"

/* The memory map's code-write hook: a write reached a page holding decoded
 * instructions, so every decoded instruction of that page becomes stale. */
static void code_written(void *opaque, uint64_t gpa, size_t len)
{
    struct cpu *c = opaque;
    if (!len)
        return;
    for (uint64_t p = gpa >> 12; p <= (gpa + len - 1) >> 12 && p < CODE_PAGES; p++) {
        c->code_ver[p]++;
        if (p == c->fetch_ppage) {
            c->fetch_ver = c->code_ver[p];
            c->fetch_key = (c->fetch_ver << 1) | (c->fetch_key & 1);
            c->run_stop = 0;    /* a run of fast forms in this page ends here */
        }
    }
}

struct cpu *cpu_create(struct guest_memory *mem, struct io_bus *io)
{
    struct cpu *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->dc = malloc(sizeof(struct dc_entry) * DC_SIZE);
    c->fxb = malloc(sizeof(struct fx_block) * FXB_SIZE);
    c->fxb_entries = malloc(sizeof(struct dc_entry) * FXB_MAX * FXB_SIZE);
    c->code_ver = calloc(CODE_PAGES, sizeof(uint32_t));
    if (!c->dc || !c->fxb || !c->fxb_entries || !c->code_ver) {
        cpu_destroy(c);
        return NULL;
    }
    for (int i = 0; i < DC_SIZE; i++)
        c->dc[i].pa = ~0u;
    for (int i = 0; i < FXB_SIZE; i++) {
        c->fxb[i].pa = ~0u;
        c->fxb[i].e = c->fxb_entries + (size_t)i * FXB_MAX;
    }
    tlb_flush(c, false);    /* a zeroed entry would match page 0 */
    c->mem = mem;
    c->io = io;
    gmem_set_code_write_hook(mem, code_written, c);
    c->jit_hot = JIT_HOT;
    cpu_reset(c);
    return c;
}

void cpu_set_jit_threshold(struct cpu *c, unsigned threshold)
{
    c->jit_hot = threshold;
}

void cpu_destroy(struct cpu *c)
{
    if (!c)
        return;
    if (c->mem && c->code_ver)
        gmem_set_code_write_hook(c->mem, NULL, NULL);
    jit_destroy(c);
    free(c->dc);
    free(c->fxb);
    free(c->fxb_entries);
    free(c->code_ver);
    free(c);
}

void cpu_reset(struct cpu *c)
{
    memset(c->r, 0, sizeof(c->r));
    /* SDM 9.1.4: EDX holds the processor signature after reset. */
    c->r[CPU_EDX] = 0x0633;
    c->flags = 2;
    c->lf_op = LF_NONE;
    c->eip = 0xfff0;
    for (int i = 0; i < 6; i++)
        c->s[i] = (struct seg){0, 0, 0xffff, 0x93};
    c->s[CPU_CS] = (struct seg){0xf000, 0xffff0000u, 0xffff, 0x9b};
    c->ldtr = (struct seg){0, 0, 0xffff, 0x82};
    c->tr = (struct seg){0, 0, 0xffff, 0x8b};
    c->gdt_base = c->idt_base = 0;
    c->gdt_limit = c->idt_limit = 0xffff;
    c->cr0 = CR0_CD | CR0_NW | CR0_ET;
    c->cr2 = c->cr3 = c->cr4 = 0;
    memset(c->dr, 0, sizeof(c->dr));
    c->dr[6] = 0xffff0ff0u;
    c->dr[7] = 0x400;
    c->cpl = 0;
    c->apic_base = 0xfee00000u | 0x800 | 0x100;
    c->sysenter_cs = c->sysenter_esp = c->sysenter_eip = 0;
    c->tsc_offset = 0;
    c->exc_depth = 0;
    c->int_shadow = 0;
    c->halted = false;
    c->nmi_pending = c->nmi_blocked = 0;
    c->a20_mask = 0xffffffffu;
    x87_power_on(&c->fpu);
    if (c->ferr_level && c->ferr)
        c->ferr(c->ferr_opaque, 0);
    c->ferr_level = 0;
    cpu_mem_changed(c);
    cpu_update_mode(c);
    cpu_flat_update(c);
}

void cpu_update_mode(struct cpu *c)
{
    fetch_drop(c);
    c->pe_mode = c->cr0 & CR0_PE;
    c->v86 = c->pe_mode && (c->flags & F_VM);
    if (!c->pe_mode)
        c->cpl = 0;
    else if (c->v86)
        c->cpl = 3;
    c->code32 = !c->v86 && (c->s[CPU_CS].attr & A_DB);
    c->stack32 = !c->v86 && (c->s[CPU_SS].attr & A_DB);
}

void cpu_push(struct cpu *c, uint32_t v, unsigned size)
{
    uint32_t sp = (c->r[CPU_ESP] - size) & sp_mask(c);
    mem_write(c, CPU_SS, sp, v, size);
    set_sp(c, sp);
}

uint32_t cpu_pop(struct cpu *c, unsigned size)
{
    uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
    uint32_t v = mem_read(c, CPU_SS, sp, size);
    set_sp(c, sp + size);
    return v;
}




_Noreturn void cpu_raise(struct cpu *c, int vec, uint32_t err)
{
    c->first_exc = c->first_exc; /* keep */
    c->pend_vec = vec;
    c->pend_err = err;
    longjmp(c->jb, 1);
}

_Noreturn void cpu_raise_noerr(struct cpu *c, int vec)
{
    cpu_raise(c, vec, 0);
}

static bool has_error_code(int vec)
{
    return vec == EX_DF || (vec >= EX_TS && vec <= EX_PF) || vec == EX_AC;
}

/* SDM table 6-4: exception classes for the double-fault decision. */
static int exc_class(int vec)
{
    if (vec == EX_PF)
        return 2;
    if (vec == EX_DE || (vec >= EX_TS && vec <= EX_GP))
        return 1;
    return 0;
}

static void real_mode_interrupt(struct cpu *c, int vec)
{
    if ((uint32_t)vec * 4 + 3 > c->idt_limit)
        cpu_raise(c, EX_GP, (uint32_t)vec * 8 + 2);
    uint32_t v = lin_read(c, c->idt_base + (uint32_t)vec * 4, 4, false);
    uint32_t fl = cpu_get_flags(c);
    uint32_t sp = c->r[CPU_ESP];
    /* Check the whole frame first, so a stack fault leaves no partial push. */
    seg_lin(c, CPU_SS, (sp - 6) & sp_mask(c), 6, true);
    cpu_push(c, fl & 0xffff, 2);
    cpu_push(c, c->s[CPU_CS].sel, 2);
    cpu_push(c, c->eip, 2);
    c->flags = fl & ~(F_IF | F_TF | F_AC | F_RF);
    seg_load_real(c, CPU_CS, (uint16_t)(v >> 16));
    c->eip = v & 0xffff;
}

void task_switch(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int source, bool has_err, uint32_t err);

static void pm_interrupt(struct cpu *c, int vec, bool software, bool has_err, uint32_t err, bool ext)
{
    uint32_t gerr = (uint32_t)vec * 8 + 2 + (ext ? 1 : 0);
    if ((uint32_t)vec * 8 + 7 > c->idt_limit)
        cpu_raise(c, EX_GP, gerr);
    uint32_t lo = lin_read(c, c->idt_base + (uint32_t)vec * 8, 4, false);
    uint32_t hi = lin_read(c, c->idt_base + (uint32_t)vec * 8 + 4, 4, false);
    unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
    if (type != 5 && type != 6 && type != 7 && type != 14 && type != 15)
        cpu_raise(c, EX_GP, gerr);
    if (software && dpl < c->cpl)
        cpu_raise(c, EX_GP, gerr);
    if (!(hi & 0x8000))
        cpu_raise(c, EX_NP, gerr);
    if (type == 5) {
        uint16_t tsel = (uint16_t)(lo >> 16);
        uint32_t tlo, thi;
        if ((tsel & 4) || !desc_read(c, tsel, &tlo, &thi))
            cpu_raise(c, EX_TS, (tsel & ~3u) | ext);
        task_switch(c, tsel, tlo, thi, TS_INT, has_err, err);
        return;
    }
    bool gate32 = type & 8;
    uint16_t csel = (uint16_t)(lo >> 16);
    uint32_t off = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
    uint32_t clo, chi;
    if ((csel & ~3) == 0)
        cpu_raise(c, EX_GP, ext);
    if (!desc_read(c, csel, &clo, &chi))
        cpu_raise(c, EX_GP, (csel & ~3u) | ext);
    uint16_t ca = (chi >> 8) & 0xff;
    unsigned cdpl = A_DPL(ca);
    if (!(ca & A_S) || !(ca & A_CODE) || cdpl > c->cpl)
        cpu_raise(c, EX_GP, (csel & ~3u) | ext);
    if (!(ca & A_P))
        cpu_raise(c, EX_NP, (csel & ~3u) | ext);
    unsigned sz = gate32 ? 4 : 2;
    uint32_t fl = cpu_get_flags(c);
    unsigned ncpl = c->cpl;
    bool from_v86 = c->v86;
    if (!(ca & A_CONF) && cdpl < c->cpl) {
        if (from_v86 && cdpl != 0)
            cpu_raise(c, EX_GP, (csel & ~3u) | ext);
        uint16_t nss;
        uint32_t nesp = tss_stack(c, (int)cdpl, &nss);
        uint32_t slo, shi;
        if ((nss & ~3) == 0)
            cpu_raise(c, EX_TS, ext);
        if (!desc_read(c, nss, &slo, &shi))
            cpu_raise(c, EX_TS, (nss & ~3u) | ext);
        uint16_t sa = (shi >> 8) & 0xff;
        if ((nss & 3) != cdpl || A_DPL(sa) != cdpl || !(sa & A_S) || (sa & A_CODE) || !(sa & A_RW))
            cpu_raise(c, EX_TS, (nss & ~3u) | ext);
        if (!(sa & A_P))
            cpu_raise(c, EX_SS, (nss & ~3u) | ext);
        uint32_t oss = c->s[CPU_SS].sel, oesp = c->r[CPU_ESP];
        uint16_t osegs[4] = {c->s[CPU_ES].sel, c->s[CPU_DS].sel, c->s[CPU_FS].sel, c->s[CPU_GS].sel};
        ncpl = cdpl;
        c->cpl = (uint8_t)cdpl;
        c->flags = fl & ~F_VM;
        c->lf_op = LF_NONE;
        desc_set_accessed(c, nss, shi);
        seg_set_cache(&c->s[CPU_SS], nss, slo, shi | 0x100);
        cpu_update_mode(c);
        c->r[CPU_ESP] = nesp;
        if (from_v86) {
            cpu_push(c, osegs[3], sz);
            cpu_push(c, osegs[2], sz);
            cpu_push(c, osegs[1], sz);
            cpu_push(c, osegs[0], sz);
            for (int i = 0; i < 6; i++)
                if (i != CPU_CS && i != CPU_SS)
                    c->s[i] = (struct seg){0, 0, 0, 0};
        }
        cpu_push(c, oss, sz);
        cpu_push(c, oesp, sz);
    } else if (from_v86) {
        cpu_raise(c, EX_GP, (csel & ~3u) | ext);
    }
    cpu_push(c, fl, sz);
    cpu_push(c, c->s[CPU_CS].sel, sz);
    cpu_push(c, c->eip, sz);
    if (has_err)
        cpu_push(c, err, sz);
    desc_set_accessed(c, csel, chi);
    seg_set_cache(&c->s[CPU_CS], (uint16_t)((csel & ~3u) | ncpl), clo, chi | 0x100);
    c->cpl = (uint8_t)ncpl;
    c->flags = (c->flags & ~(F_TF | F_NT | F_RF | F_VM)) & ~((type & 1) ? 0 : F_IF);
    cpu_update_mode(c);
    c->eip = off;
}

void cpu_interrupt(struct cpu *c, int vec, bool software, bool has_err, uint32_t err)
{
    if (c->pe_mode)
        pm_interrupt(c, vec, software, has_err, err, false);
    else
        real_mode_interrupt(c, vec);
}

/* Delivers the exception recorded by cpu_raise, escalating to #DF and to
 * shutdown per SDM table 6-5. Returns false on shutdown (triple fault). */
static bool deliver_exception(struct cpu *c)
{
    int vec = c->pend_vec;
    uint32_t err = c->pend_err;
    c->eip = c->eip_start;
    c->r[CPU_ESP] = c->esp_start;
    if (c->exc_depth >= 2) {
        LOGW("cpu", "triple fault (exception %d while delivering #DF) at %04x:%08x",
             vec, c->s[CPU_CS].sel, c->eip);
        return false;
    }
    if (c->exc_depth == 1) {
        int a = exc_class(c->first_exc), b = exc_class(vec);
        if ((a == 1 && b == 1) || (a == 2 && b != 0)) {
            vec = EX_DF;
            err = 0;
            c->exc_depth = 2;
        }
    } else {
        c->exc_depth = 1;
    }
    c->first_exc = vec;
    c->halted = false;
    /* A fault while delivering an exception sets EXT in its error code
     * (SDM 6.13): the event being delivered is not the program's INT n. */
    if (c->pe_mode)
        pm_interrupt(c, vec, false, has_error_code(vec), err, true);
    else
        real_mode_interrupt(c, vec);
    c->exc_depth = 0;
    return true;
}

static void deliver_external(struct cpu *c, int vec, bool nmi)
{
    c->eip_start = c->eip;
    c->esp_start = c->r[CPU_ESP];
    c->exc_depth = 1;
    c->first_exc = -1;
    c->halted = false;
    if (c->pe_mode)
        pm_interrupt(c, vec, false, false, 0, true);
    else
        real_mode_interrupt(c, vec);
    c->exc_depth = 0;
    (void)nmi;
}

/* The slow path at an instruction boundary: a stop request, the interrupt
 * shadow, NMI, INTR, HLT. Returns -1 to go on executing, else why to stop. */
int cpu_events(struct cpu *c)
{
    if (c->stop_req) {
        c->stop_req = false;
        return CPU_STOP_REQUEST;
    }
    if (c->int_shadow) {
        c->int_shadow = 0;
    } else if (c->nmi_pending && !c->nmi_blocked) {
        c->nmi_pending = 0;
        c->nmi_blocked = 1;
        deliver_external(c, EX_NMI, true);
    } else if (c->intr && (c->flags & F_IF) && c->intr_ack) {
        int vec = c->intr_ack(c->intr_opaque);
        if (vec >= 0)
            deliver_external(c, vec & 0xff, false);
    }
    return c->halted ? CPU_STOP_HLT : -1;
}

enum cpu_stop cpu_run(struct cpu *c, uint64_t max_instructions)
{
    uint64_t end = c->retired + max_instructions;
    cpu_sync_mem(c);
    /* Faults longjmp here from anywhere in the instruction (cpu_raise). */
    if (setjmp(c->jb)) {
        if (c->run) {
            /* A fault inside a run of fast forms: the instructions before
             * the faulting one (at eip_start) retired. */
            uint32_t eip = c->run_skip ? c->run_skip_eip : c->run_eip;
            for (unsigned i = c->run_skip; i < c->run->n && eip != c->eip_start; i++) {
                eip += fx_entry_len(&c->run->e[i]);
                c->retired++;
            }
            c->run = NULL;
        }
        if (!deliver_exception(c)) {
            c->exc_depth = 0;
            c->halted = false;
            return CPU_STOP_RESET;
        }
        c->retired++;
    }
    return cpu_exec_loop(c, end);
}

/* A line that rises, or a stop asked for, during a run (a device access
 * inside it) also ends the run after that instruction (run_stop), so that
 * translated code chaining runs needs no test of its own for events. (A line
 * already up when a chain began is fxb_run's run_stop 2, or is masked until
 * STI or POPF, which end the run themselves.) */
void cpu_set_intr(struct cpu *c, int level)
{
    if (level && !c->intr)
        c->run_stop = 0;
    c->intr = level != 0;   /* 0/1: the loop ANDs it with IF */
}
void cpu_set_intr_ack(struct cpu *c, int (*ack)(void *opaque), void *opaque)
{
    c->intr_ack = ack;
    c->intr_opaque = opaque;
}
void cpu_set_nmi(struct cpu *c, int level)
{
    if (level && !c->nmi_line) {
        c->nmi_pending = 1;   /* NMI is edge-triggered */
        c->run_stop = 0;
    }
    c->nmi_line = level;
}
void cpu_set_a20(struct cpu *c, bool enabled)
{
    uint32_t m = enabled ? 0xffffffffu : ~(1u << 20);
    if (m != c->a20_mask) {
        c->a20_mask = m;
        tlb_flush(c, false);
    }
}
bool cpu_a20(struct cpu *c) { return c->a20_mask & (1u << 20); }
void cpu_request_stop(struct cpu *c)
{
    c->stop_req = true;
    c->run_stop = 0;
}
uint64_t cpu_retired(const struct cpu *c) { return c->retired; }
void cpu_set_tsc_source(struct cpu *c, uint64_t (*ticks)(void *opaque), void *opaque)
{
    c->tsc_ticks = ticks;
    c->tsc_opaque = opaque;
}
void cpu_set_ferr(struct cpu *c, void (*ferr)(void *opaque, int level), void *opaque)
{
    c->ferr = ferr;
    c->ferr_opaque = opaque;
}

static void seg_out(struct cpu_seg_state *o, const struct seg *s)
{
    o->sel = s->sel;
    o->base = s->base;
    o->limit = s->limit;
    o->attr = s->attr;
}

static void seg_in(struct seg *s, const struct cpu_seg_state *o)
{
    s->sel = o->sel;
    s->base = o->base;
    s->limit = o->limit;
    s->attr = o->attr;
}

void cpu_get_regs(const struct cpu *c, struct cpu_regs *r)
{
    struct cpu *m = (struct cpu *)c;   /* materialising lazy flags is not a visible change */
    memcpy(r->gpr, c->r, sizeof(r->gpr));
    r->eip = c->eip;
    r->eflags = cpu_get_flags(m);
    for (int i = 0; i < 6; i++)
        seg_out(&r->seg[i], &c->s[i]);
    seg_out(&r->ldtr, &c->ldtr);
    seg_out(&r->tr, &c->tr);
    r->gdt_base = c->gdt_base;
    r->gdt_limit = c->gdt_limit;
    r->idt_base = c->idt_base;
    r->idt_limit = c->idt_limit;
    r->cr0 = c->cr0;
    r->cr2 = c->cr2;
    r->cr3 = c->cr3;
    r->cr4 = c->cr4;
}

void cpu_set_regs(struct cpu *c, const struct cpu_regs *r)
{
    memcpy(c->r, r->gpr, sizeof(c->r));
    c->eip = r->eip;
    c->flags = r->eflags | 2;
    c->lf_op = LF_NONE;
    for (int i = 0; i < 6; i++)
        seg_in(&c->s[i], &r->seg[i]);
    seg_in(&c->ldtr, &r->ldtr);
    seg_in(&c->tr, &r->tr);
    c->gdt_base = r->gdt_base;
    c->gdt_limit = r->gdt_limit;
    c->idt_base = r->idt_base;
    c->idt_limit = r->idt_limit;
    c->cr0 = r->cr0;
    c->cr2 = r->cr2;
    c->cr3 = r->cr3;
    c->cr4 = r->cr4;
    c->cpl = (uint8_t)(c->s[CPU_CS].sel & 3);
    c->halted = false;
    tlb_flush(c, false);
    cpu_update_mode(c);
    cpu_flat_update(c);
}
