/* Segmentation and protected-mode control transfers (Intel SDM vol. 3A
 * 3.4-3.5 descriptors, 5.3-5.8 limit/type/privilege checks, call gates and
 * far returns, 6.12 interrupt returns; vol. 2 JMP/CALL/RET/IRET pseudocode). */
#include "emu/cpu/cpu_int.h"

#include "baremu/platform.h"

void seg_set_cache(struct seg *s, uint16_t sel, uint32_t lo, uint32_t hi)
{
    s->sel = sel;
    s->base = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000u);
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
    if (hi & 0x00800000u)
        limit = (limit << 12) | 0xfff;
    s->limit = limit;
    s->attr = (uint16_t)(((hi >> 8) & 0xff) | ((hi >> 12) & 0xf00));
}

void seg_load_real(struct cpu *c, int sreg, uint16_t sel)
{
    struct seg *s = &c->s[sreg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    if (c->v86) {
        /* SDM 20.2.1: V86 segments are 64 KiB, DPL 3, read/write. */
        s->limit = 0xffff;
        s->attr = sreg == CPU_CS ? 0xfb : 0xf3;
    } else if (!(s->attr & A_P)) {
        s->attr = sreg == CPU_CS ? 0x9b : 0x93;   /* usable again in real mode */
    }
    if (sreg == CPU_CS || sreg == CPU_SS)
        cpu_update_mode(c);
}

bool desc_read(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    uint32_t base, limit;
    if (sel & 4) {
        if (!(c->ldtr.attr & A_P) || (c->ldtr.sel & ~3) == 0)
            return false;
        base = c->ldtr.base;
        limit = c->ldtr.limit;
    } else {
        base = c->gdt_base;
        limit = c->gdt_limit;
    }
    if ((uint32_t)(sel | 7) > limit)
        return false;
    *lo = lin_read(c, base + (sel & ~7u), 4, false);
    *hi = lin_read(c, base + (sel & ~7u) + 4, 4, false);
    return true;
}

void desc_set_accessed(struct cpu *c, uint16_t sel, uint32_t hi)
{
    if (hi & 0x100)
        return;
    uint32_t base = (sel & 4) ? c->ldtr.base : c->gdt_base;
    lin_write(c, base + (sel & ~7u) + 5, ((hi >> 8) & 0xff) | 1, 1, false);
}

/* MOV/POP to a segment register (SDM vol. 2 MOV: protected-mode checks). */
void seg_load(struct cpu *c, int sreg, uint16_t sel)
{
    if (!c->pe_mode || c->v86) {
        seg_load_real(c, sreg, sel);
        return;
    }
    uint32_t lo, hi;
    if ((sel & ~3) == 0) {
        if (sreg == CPU_SS)
            cpu_raise(c, EX_GP, 0);
        c->s[sreg].sel = sel;
        c->s[sreg].attr = 0;   /* null: unusable until reloaded */
        c->s[sreg].base = 0;
        return;
    }
    if (!desc_read(c, sel, &lo, &hi))
        cpu_raise(c, EX_GP, sel & ~3u);
    uint16_t a = (hi >> 8) & 0xff;
    unsigned dpl = A_DPL(a), rpl = sel & 3;
    if (sreg == CPU_SS) {
        if (!(a & A_S) || (a & A_CODE) || !(a & A_RW) || rpl != c->cpl || dpl != c->cpl)
            cpu_raise(c, EX_GP, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_SS, sel & ~3u);
    } else {
        if (!(a & A_S) || ((a & A_CODE) && !(a & A_RW)))
            cpu_raise(c, EX_GP, sel & ~3u);
        if ((!(a & A_CODE) || !(a & A_CONF)) && (rpl > dpl || c->cpl > dpl))
            cpu_raise(c, EX_GP, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_NP, sel & ~3u);
    }
    desc_set_accessed(c, sel, hi);
    seg_set_cache(&c->s[sreg], sel, lo, hi | 0x100);
    if (sreg == CPU_SS)
        cpu_update_mode(c);
}

uint32_t tss_stack(struct cpu *c, int dpl, uint16_t *ss)
{
    uint32_t type = c->tr.attr & 0xf;
    if (type == 9 || type == 11) {
        uint32_t off = 4 + (uint32_t)dpl * 8;
        if (off + 5 > c->tr.limit)
            cpu_raise(c, EX_TS, c->tr.sel & ~3u);
        *ss = (uint16_t)lin_read(c, c->tr.base + off + 4, 2, false);
        return lin_read(c, c->tr.base + off, 4, false);
    }
    uint32_t off = 2 + (uint32_t)dpl * 4;
    if (off + 3 > c->tr.limit)
        cpu_raise(c, EX_TS, c->tr.sel & ~3u);
    *ss = (uint16_t)lin_read(c, c->tr.base + off + 2, 2, false);
    return lin_read(c, c->tr.base + off, 2, false);
}

static void load_cs(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, unsigned cpl)
{
    seg_set_cache(&c->s[CPU_CS], (uint16_t)((sel & ~3u) | cpl), lo, hi | 0x100);
    c->cpl = (uint8_t)cpl;
    cpu_update_mode(c);
}

/* Checks a code segment target of JMP/CALL/RET; returns its descriptor. */
static void check_code_seg(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    if ((sel & ~3) == 0)
        cpu_raise(c, EX_GP, 0);
    if (!desc_read(c, sel, lo, hi))
        cpu_raise(c, EX_GP, sel & ~3u);
    uint16_t a = (*hi >> 8) & 0xff;
    if (!(a & A_S) || !(a & A_CODE))
        cpu_raise(c, EX_GP, sel & ~3u);
}

static uint32_t desc_limit(uint32_t lo, uint32_t hi)
{
    uint32_t limit = (lo & 0xffff) | (hi & 0x000f0000u);
    return (hi & 0x00800000u) ? (limit << 12) | 0xfff : limit;
}

void far_jump(struct cpu *c, uint16_t sel, uint32_t off, bool call, bool op32)
{
    unsigned sz = op32 ? 4 : 2;
    if (!c->pe_mode || c->v86) {
        if (call) {
            /* Both pushes are checked before either commits (restartable). */
            seg_lin(c, CPU_SS, (c->r[CPU_ESP] - 2 * sz) & sp_mask(c), 2 * sz, true);
            cpu_push(c, c->s[CPU_CS].sel, sz);
            cpu_push(c, c->eip, sz);
        }
        seg_load_real(c, CPU_CS, sel);
        c->eip = op32 ? off : off & 0xffff;
        return;
    }
    uint32_t lo, hi;
    if ((sel & ~3) == 0)
        cpu_raise(c, EX_GP, 0);
    if (!desc_read(c, sel, &lo, &hi))
        cpu_raise(c, EX_GP, sel & ~3u);
    uint16_t a = (hi >> 8) & 0xff;
    unsigned dpl = A_DPL(a), rpl = sel & 3;
    if (a & A_S) {
        if (!(a & A_CODE))
            cpu_raise(c, EX_GP, sel & ~3u);
        if (a & A_CONF) {
            if (dpl > c->cpl)
                cpu_raise(c, EX_GP, sel & ~3u);
        } else if (rpl > c->cpl || dpl != c->cpl) {
            cpu_raise(c, EX_GP, sel & ~3u);
        }
        if (!(a & A_P))
            cpu_raise(c, EX_NP, sel & ~3u);
        if (off > desc_limit(lo, hi))
            cpu_raise(c, EX_GP, 0);
        if (call) {
            seg_lin(c, CPU_SS, (c->r[CPU_ESP] - 2 * sz) & sp_mask(c), 2 * sz, true);
            cpu_push(c, c->s[CPU_CS].sel, sz);
            cpu_push(c, c->eip, sz);
        }
        desc_set_accessed(c, sel, hi);
        load_cs(c, sel, lo, hi, c->cpl);
        c->eip = off;
        return;
    }
    unsigned type = a & 0xf;
    if (type == 1 || type == 9 || type == 5) {
        if (dpl < c->cpl || dpl < rpl)
            cpu_raise(c, EX_GP, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_NP, sel & ~3u);
        task_switch(c, sel, lo, hi, call ? TS_CALL : TS_JMP, false, 0);
        return;
    }
    if (type != 4 && type != 12)
        cpu_raise(c, EX_GP, sel & ~3u);
    /* Call gate (SDM vol. 3A 5.8.3-5.8.5). */
    if (dpl < c->cpl || dpl < rpl)
        cpu_raise(c, EX_GP, sel & ~3u);
    if (!(a & A_P))
        cpu_raise(c, EX_NP, sel & ~3u);
    bool gate32 = type == 12;
    uint16_t tsel = (uint16_t)(lo >> 16);
    uint32_t toff = (lo & 0xffff) | (gate32 ? (hi & 0xffff0000u) : 0);
    unsigned nparams = hi & 0x1f;
    uint32_t clo, chi;
    check_code_seg(c, tsel, &clo, &chi);
    uint16_t ca = (chi >> 8) & 0xff;
    unsigned cdpl = A_DPL(ca);
    if (cdpl > c->cpl)
        cpu_raise(c, EX_GP, tsel & ~3u);
    if (!(ca & A_P))
        cpu_raise(c, EX_NP, tsel & ~3u);
    if (toff > desc_limit(clo, chi))
        cpu_raise(c, EX_GP, 0);
    unsigned gsz = gate32 ? 4 : 2;
    if (!call) {
        if (!(ca & A_CONF) && cdpl != c->cpl)
            cpu_raise(c, EX_GP, tsel & ~3u);
        desc_set_accessed(c, tsel, chi);
        load_cs(c, tsel, clo, chi, c->cpl);
        c->eip = toff;
        return;
    }
    if (!(ca & A_CONF) && cdpl < c->cpl) {
        /* More privileged: switch to the inner stack from the TSS. */
        uint16_t nss;
        uint32_t nesp = tss_stack(c, (int)cdpl, &nss);
        uint32_t slo, shi;
        if ((nss & ~3) == 0)
            cpu_raise(c, EX_TS, 0);
        if (!desc_read(c, nss, &slo, &shi))
            cpu_raise(c, EX_TS, nss & ~3u);
        uint16_t sa = (shi >> 8) & 0xff;
        if ((nss & 3) != cdpl || A_DPL(sa) != cdpl || !(sa & A_S) || (sa & A_CODE) || !(sa & A_RW))
            cpu_raise(c, EX_TS, nss & ~3u);
        if (!(sa & A_P))
            cpu_raise(c, EX_SS, nss & ~3u);
        uint32_t params[32];
        uint32_t osp = c->r[CPU_ESP], oss = c->s[CPU_SS].sel;
        for (unsigned i = 0; i < nparams; i++)
            params[i] = mem_read(c, CPU_SS, (osp + i * gsz) & sp_mask(c), gsz);
        c->cpl = (uint8_t)cdpl;
        desc_set_accessed(c, nss, shi);
        seg_set_cache(&c->s[CPU_SS], nss, slo, shi | 0x100);
        cpu_update_mode(c);
        c->r[CPU_ESP] = nesp;
        cpu_push(c, oss, gsz);
        cpu_push(c, osp, gsz);
        for (unsigned i = nparams; i-- > 0;)
            cpu_push(c, params[i], gsz);
    }
    cpu_push(c, c->s[CPU_CS].sel, gsz);
    cpu_push(c, c->eip, gsz);
    desc_set_accessed(c, tsel, chi);
    load_cs(c, tsel, clo, chi, (ca & A_CONF) ? c->cpl : cdpl);
    c->eip = toff;
}

/* After a return to an outer level, data segments the new CPL may not use
 * are nulled (SDM vol. 2 RET/IRET: "FOR each of segment register"). */
static void null_inaccessible(struct cpu *c)
{
    static const int regs[4] = {CPU_ES, CPU_DS, CPU_FS, CPU_GS};
    for (int i = 0; i < 4; i++) {
        struct seg *s = &c->s[regs[i]];
        bool conf_code = (s->attr & A_CODE) && (s->attr & A_CONF);
        if ((s->attr & A_P) && !conf_code && A_DPL(s->attr) < c->cpl) {
            s->sel = 0;
            s->attr = 0;
        }
    }
}

/* Loads SS for a return to an outer level (RET/IRET) with its checks. */
static void load_outer_ss(struct cpu *c, uint16_t sel, unsigned rpl)
{
    uint32_t lo, hi;
    if ((sel & ~3) == 0)
        cpu_raise(c, EX_GP, 0);
    if (!desc_read(c, sel, &lo, &hi))
        cpu_raise(c, EX_GP, sel & ~3u);
    uint16_t a = (hi >> 8) & 0xff;
    if ((sel & 3) != rpl || A_DPL(a) != rpl || !(a & A_S) || (a & A_CODE) || !(a & A_RW))
        cpu_raise(c, EX_GP, sel & ~3u);
    if (!(a & A_P))
        cpu_raise(c, EX_SS, sel & ~3u);
    desc_set_accessed(c, sel, hi);
    seg_set_cache(&c->s[CPU_SS], sel, lo, hi | 0x100);
}

/* Validates the CS of a far return; returns the new CPL. */
static unsigned check_return_cs(struct cpu *c, uint16_t sel, uint32_t *lo, uint32_t *hi)
{
    check_code_seg(c, sel, lo, hi);
    uint16_t a = (*hi >> 8) & 0xff;
    unsigned rpl = sel & 3;
    if (rpl < c->cpl)
        cpu_raise(c, EX_GP, sel & ~3u);
    if ((a & A_CONF) ? A_DPL(a) > rpl : A_DPL(a) != rpl)
        cpu_raise(c, EX_GP, sel & ~3u);
    if (!(a & A_P))
        cpu_raise(c, EX_NP, sel & ~3u);
    return rpl;
}

void far_return(struct cpu *c, bool op32, uint16_t imm)
{
    unsigned sz = op32 ? 4 : 2;
    uint32_t m = sp_mask(c), sp = c->r[CPU_ESP];
    uint32_t neip = mem_read(c, CPU_SS, sp & m, sz);
    uint16_t ncs = (uint16_t)mem_read(c, CPU_SS, (sp + sz) & m, 2);
    if (!c->pe_mode || c->v86) {
        if (neip > c->s[CPU_CS].limit)
            cpu_raise(c, EX_GP, 0);
        seg_load_real(c, CPU_CS, ncs);
        c->eip = neip;
        set_sp(c, sp + 2 * sz + imm);
        return;
    }
    uint32_t lo, hi;
    unsigned rpl = check_return_cs(c, ncs, &lo, &hi);
    if (neip > desc_limit(lo, hi))
        cpu_raise(c, EX_GP, 0);
    if (rpl == c->cpl) {
        desc_set_accessed(c, ncs, hi);
        load_cs(c, ncs, lo, hi, rpl);
        c->eip = neip;
        set_sp(c, sp + 2 * sz + imm);
        return;
    }
    uint32_t nesp = mem_read(c, CPU_SS, (sp + 2 * sz + imm) & m, sz);
    uint16_t nss = (uint16_t)mem_read(c, CPU_SS, (sp + 3 * sz + imm) & m, 2);
    c->cpl = (uint8_t)rpl;
    load_outer_ss(c, nss, rpl);
    desc_set_accessed(c, ncs, hi);
    load_cs(c, ncs, lo, hi, rpl);
    c->eip = neip;
    c->r[CPU_ESP] = 0;
    set_sp(c, nesp + imm);
    if (!c->stack32)
        c->r[CPU_ESP] = (c->esp_start & 0xffff0000u) | ((nesp + imm) & 0xffff);
    null_inaccessible(c);
}

void iret(struct cpu *c, bool op32)
{
    unsigned sz = op32 ? 4 : 2;
    uint32_t m = sp_mask(c), sp = c->r[CPU_ESP];
    if (!c->pe_mode) {
        uint32_t neip = mem_read(c, CPU_SS, sp & m, sz);
        uint16_t ncs = (uint16_t)mem_read(c, CPU_SS, (sp + sz) & m, 2);
        uint32_t nfl = mem_read(c, CPU_SS, (sp + 2 * sz) & m, sz);
        if (neip > c->s[CPU_CS].limit)
            cpu_raise(c, EX_GP, 0);
        seg_load_real(c, CPU_CS, ncs);
        c->eip = neip;
        set_sp(c, sp + 3 * sz);
        /* Real mode: every flag but VM (and VIP/VIF) may change. */
        cpu_set_flags(c, nfl, op32 ? 0x257fd5u : 0x7fd5u);
        return;
    }
    if (c->v86) {
        /* SDM 20.2.7: IRET in V86 mode is IOPL-sensitive (no VME). */
        if (((c->flags & F_IOPL) >> 12) < 3)
            cpu_raise(c, EX_GP, 0);
        uint32_t neip = mem_read(c, CPU_SS, sp & m, sz);
        uint16_t ncs = (uint16_t)mem_read(c, CPU_SS, (sp + sz) & m, 2);
        uint32_t nfl = mem_read(c, CPU_SS, (sp + 2 * sz) & m, sz);
        seg_load_real(c, CPU_CS, ncs);
        c->eip = neip & (op32 ? 0xffffffffu : 0xffffu);
        set_sp(c, sp + 3 * sz);
        cpu_set_flags(c, nfl, op32 ? 0x244fd5u & ~F_IOPL : 0x4fd5u & ~F_IOPL);
        return;
    }
    if (c->flags & F_NT) {
        uint16_t back = (uint16_t)lin_read(c, c->tr.base, 2, false);
        uint32_t lo, hi;
        if ((back & 4) || !desc_read(c, back, &lo, &hi))
            cpu_raise(c, EX_TS, back & ~3u);
        uint16_t a = (hi >> 8) & 0xff;
        if ((a & 0x1f) != 0x0b && (a & 0x1f) != 0x03)
            cpu_raise(c, EX_TS, back & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_NP, back & ~3u);
        task_switch(c, back, lo, hi, TS_IRET, false, 0);
        return;
    }
    uint32_t neip = mem_read(c, CPU_SS, sp & m, sz);
    uint16_t ncs = (uint16_t)mem_read(c, CPU_SS, (sp + sz) & m, 2);
    uint32_t nfl = mem_read(c, CPU_SS, (sp + 2 * sz) & m, sz);
    if (op32 && (nfl & F_VM) && c->cpl == 0) {
        /* Return to virtual-8086 mode (SDM vol. 2 IRET, RETURN-TO-VIRTUAL-8086-MODE). */
        uint32_t nesp = mem_read(c, CPU_SS, (sp + 12) & m, 4);
        uint16_t v[5];
        for (int i = 0; i < 5; i++)
            v[i] = (uint16_t)mem_read(c, CPU_SS, (sp + 16 + 4 * (unsigned)i) & m, 2);
        cpu_set_flags(c, nfl, 0x277fd5u);
        c->v86 = true;
        c->cpl = 3;
        seg_load_real(c, CPU_CS, ncs);
        seg_load_real(c, CPU_SS, v[0]);
        seg_load_real(c, CPU_ES, v[1]);
        seg_load_real(c, CPU_DS, v[2]);
        seg_load_real(c, CPU_FS, v[3]);
        seg_load_real(c, CPU_GS, v[4]);
        c->eip = neip & 0xffff;
        c->r[CPU_ESP] = nesp;
        cpu_update_mode(c);
        return;
    }
    uint32_t lo, hi;
    unsigned rpl = check_return_cs(c, ncs, &lo, &hi);
    if (neip > desc_limit(lo, hi))
        cpu_raise(c, EX_GP, 0);
    unsigned old_cpl = c->cpl;
    uint32_t fmask = 0x4dd5u | (op32 ? (F_RF | F_AC | F_ID) : 0);
    if (old_cpl == 0)
        fmask |= F_IOPL;
    if (old_cpl <= ((c->flags & F_IOPL) >> 12))
        fmask |= F_IF;
    if (rpl == old_cpl) {
        desc_set_accessed(c, ncs, hi);
        load_cs(c, ncs, lo, hi, rpl);
        c->eip = neip;
        set_sp(c, sp + 3 * sz);
        cpu_set_flags(c, nfl, fmask);
        return;
    }
    uint32_t nesp = mem_read(c, CPU_SS, (sp + 3 * sz) & m, sz);
    uint16_t nss = (uint16_t)mem_read(c, CPU_SS, (sp + 4 * sz) & m, 2);
    c->cpl = (uint8_t)rpl;
    load_outer_ss(c, nss, rpl);
    desc_set_accessed(c, ncs, hi);
    load_cs(c, ncs, lo, hi, rpl);
    c->eip = neip;
    if (c->stack32)
        c->r[CPU_ESP] = nesp;
    else
        c->r[CPU_ESP] = (c->r[CPU_ESP] & 0xffff0000u) | (nesp & 0xffff);
    cpu_set_flags(c, nfl, fmask);
    null_inaccessible(c);
}
