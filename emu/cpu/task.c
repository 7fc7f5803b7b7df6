/* Hardware task switches (Intel SDM vol. 3A 7.3 "Task switching", 7.2 TSS
 * layouts for 32-bit (figure 7-2) and 16-bit (figure 7-11) tasks, 7.4 task
 * linking with NT and the previous-task link): by JMP/CALL to a TSS or task
 * gate, by an interrupt through a task gate, and by IRET with NT set. */
#include "emu/cpu/cpu_int.h"

#include "baremu/platform.h"

static void set_busy(struct cpu *c, uint16_t sel, bool busy)
{
    uint32_t addr = c->gdt_base + (sel & ~7u) + 5;
    uint8_t a = (uint8_t)lin_read(c, addr, 1, false);
    a = busy ? (a | 2) : (a & ~2);
    lin_write(c, addr, a, 1, false);
}

/* Loads a data/stack segment register of the new task; faults are #TS. */
static void task_load_seg(struct cpu *c, int sreg, uint16_t sel)
{
    if (c->v86 || !c->pe_mode) {
        seg_load_real(c, sreg, sel);
        return;
    }
    if ((sel & ~3) == 0) {
        if (sreg == CPU_SS)
            cpu_raise(c, EX_TS, sel & ~3u);
        c->s[sreg].sel = sel;
        c->s[sreg].attr = 0;
        return;
    }
    uint32_t lo, hi;
    if (!desc_read(c, sel, &lo, &hi))
        cpu_raise(c, EX_TS, sel & ~3u);
    uint16_t a = (hi >> 8) & 0xff;
    unsigned dpl = A_DPL(a), rpl = sel & 3;
    if (sreg == CPU_SS) {
        if (!(a & A_S) || (a & A_CODE) || !(a & A_RW) || rpl != c->cpl || dpl != c->cpl)
            cpu_raise(c, EX_TS, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_SS, sel & ~3u);
    } else if (sreg == CPU_CS) {
        if (!(a & A_S) || !(a & A_CODE))
            cpu_raise(c, EX_TS, sel & ~3u);
        if ((a & A_CONF) ? dpl > rpl : dpl != rpl)
            cpu_raise(c, EX_TS, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_NP, sel & ~3u);
    } else {
        if (!(a & A_S) || ((a & A_CODE) && !(a & A_RW)))
            cpu_raise(c, EX_TS, sel & ~3u);
        if ((!(a & A_CODE) || !(a & A_CONF)) && (rpl > dpl || c->cpl > dpl))
            cpu_raise(c, EX_TS, sel & ~3u);
        if (!(a & A_P))
            cpu_raise(c, EX_NP, sel & ~3u);
    }
    desc_set_accessed(c, sel, hi);
    seg_set_cache(&c->s[sreg], sel, lo, hi | 0x100);
}

void task_switch(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int source, bool has_err, uint32_t err)
{
    unsigned type = (hi >> 8) & 0x1f;
    if (sel & 4)
        cpu_raise(c, EX_GP, sel & ~3u);
    if (source == TS_IRET ? (type != 3 && type != 11) : (type != 1 && type != 9))
        cpu_raise(c, EX_GP, sel & ~3u);
    bool new32 = type & 8;
    struct seg ntss;
    seg_set_cache(&ntss, sel, lo, hi);
    if (ntss.limit < (new32 ? 0x67u : 0x2bu))
        cpu_raise(c, EX_TS, sel & ~3u);

    /* Read the whole new state first: a fault here leaves the old task intact. */
    uint32_t b = ntss.base, ncr3 = 0, neip, nfl, nr[8];
    uint16_t nseg[6] = {0}, nldt;
    if (new32) {
        ncr3 = lin_read(c, b + 0x1c, 4, false);
        neip = lin_read(c, b + 0x20, 4, false);
        nfl = lin_read(c, b + 0x24, 4, false);
        for (int i = 0; i < 8; i++)
            nr[i] = lin_read(c, b + 0x28 + 4 * (uint32_t)i, 4, false);
        for (int i = 0; i < 6; i++)
            nseg[i] = (uint16_t)lin_read(c, b + 0x48 + 4 * (uint32_t)i, 2, false);
        nldt = (uint16_t)lin_read(c, b + 0x60, 2, false);
    } else {
        neip = lin_read(c, b + 0x0e, 2, false);
        nfl = lin_read(c, b + 0x10, 2, false);
        for (int i = 0; i < 8; i++)
            nr[i] = lin_read(c, b + 0x12 + 2 * (uint32_t)i, 2, false) | (c->r[i] & 0xffff0000u);
        for (int i = 0; i < 4; i++)
            nseg[i] = (uint16_t)lin_read(c, b + 0x22 + 2 * (uint32_t)i, 2, false);
        nldt = (uint16_t)lin_read(c, b + 0x2a, 2, false);
    }

    /* Save the outgoing task into its TSS. */
    uint32_t fl = cpu_get_flags(c);
    if (source == TS_IRET)
        fl &= ~F_NT;
    uint32_t ob = c->tr.base;
    bool old32 = (c->tr.attr & 0xf) == 9 || (c->tr.attr & 0xf) == 11;
    if (old32) {
        lin_write(c, ob + 0x20, c->eip, 4, false);
        lin_write(c, ob + 0x24, fl, 4, false);
        for (int i = 0; i < 8; i++)
            lin_write(c, ob + 0x28 + 4 * (uint32_t)i, c->r[i], 4, false);
        for (int i = 0; i < 6; i++)
            lin_write(c, ob + 0x48 + 4 * (uint32_t)i, c->s[i].sel, 2, false);
    } else {
        lin_write(c, ob + 0x0e, c->eip, 2, false);
        lin_write(c, ob + 0x10, fl, 2, false);
        for (int i = 0; i < 8; i++)
            lin_write(c, ob + 0x12 + 2 * (uint32_t)i, c->r[i], 2, false);
        for (int i = 0; i < 4; i++)
            lin_write(c, ob + 0x22 + 2 * (uint32_t)i, c->s[i].sel, 2, false);
    }
    uint16_t old_tr = c->tr.sel;
    if (source == TS_JMP || source == TS_IRET)
        set_busy(c, old_tr, false);
    if (source == TS_CALL || source == TS_INT) {
        lin_write(c, b, old_tr, 2, false);   /* previous-task link */
        nfl |= F_NT;
    }
    if (source != TS_IRET)
        set_busy(c, sel, true);
    c->tr = ntss;
    c->tr.attr |= 2;   /* busy */
    c->cr0 |= CR0_TS;

    /* Load the incoming task. From here faults belong to the new task. */
    if (new32 && (c->cr0 & CR0_PG) && ncr3 != c->cr3) {
        c->cr3 = ncr3;
        tlb_flush(c, true);
    }
    c->eip = neip;
    memcpy(c->r, nr, sizeof(nr));
    /* A fault from here on is the new task's: it restarts at the new EIP. */
    c->eip_start = neip;
    c->esp_start = nr[CPU_ESP];
    c->flags = (nfl & (new32 ? 0x3f7fd5u : 0x7fd5u)) | 2;
    c->lf_op = LF_NONE;
    c->cpl = (c->flags & F_VM) ? 3 : (nseg[CPU_CS] & 3);
    cpu_update_mode(c);
    /* Selectors first, so a fault while loading descriptors reports them. */
    for (int i = 0; i < 6; i++)
        c->s[i].sel = nseg[i];
    if ((nldt & ~3) == 0) {
        c->ldtr.sel = nldt;
        c->ldtr.attr = 0;
    } else {
        uint32_t llo, lhi;
        if ((nldt & 4) || !desc_read(c, nldt, &llo, &lhi) || ((lhi >> 8) & 0x1f) != 2)
            cpu_raise(c, EX_TS, nldt & ~3u);
        if (!(lhi & 0x8000))
            cpu_raise(c, EX_TS, nldt & ~3u);
        seg_set_cache(&c->ldtr, nldt, llo, lhi);
    }
    if (c->v86) {
        for (int i = 0; i < 6; i++)
            seg_load_real(c, i, nseg[i]);
    } else {
        task_load_seg(c, CPU_CS, nseg[CPU_CS]);
        task_load_seg(c, CPU_SS, nseg[CPU_SS]);
        task_load_seg(c, CPU_DS, nseg[CPU_DS]);
        task_load_seg(c, CPU_ES, nseg[CPU_ES]);
        if (new32) {
            task_load_seg(c, CPU_FS, nseg[CPU_FS]);
            task_load_seg(c, CPU_GS, nseg[CPU_GS]);
        }
    }
    cpu_update_mode(c);
    if (has_err)
        cpu_push(c, err, new32 ? 4 : 2);
    if (c->eip > c->s[CPU_CS].limit)
        cpu_raise(c, EX_GP, 0);
    LOGD("cpu", "task switch %04x -> %04x (source %d)", old_tr, sel, source);
}
