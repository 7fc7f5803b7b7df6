/* The two-byte (0F xx) opcode map and the x87 escapes, part of exec.c's
 * translation unit (it shares exec.c's static decode helpers): system
 * instructions (SDM vol. 2 LGDT..WRMSR; vol. 3A 2.5 control registers, 9.11
 * MSRs, 5.8.7 SYSENTER/SYSEXIT) and the P6 integer extensions. */

/* CPUID.1:EDX bits reported, exactly the implemented features (SDM vol. 2 CPUID, table 3-11). */
#define CPUID_FPU (1u << 0)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_CX8 (1u << 8)
#define CPUID_SEP (1u << 11)
#define CPUID_PGE (1u << 13)
#define CPUID_CMOV (1u << 15)
#define CPUID_FXSR (1u << 24)
#define CPUID_EDX (CPUID_FPU | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_CX8 | CPUID_SEP | CPUID_PGE | CPUID_CMOV | \
                   CPUID_FXSR)
/* Family 6, model 3, stepping 3: a P6 with working SYSENTER (SDM vol. 3B 8.7.1 note). */
#define CPU_SIGNATURE 0x0633u

static void cpuid(struct cpu *c)
{
    uint32_t leaf = c->r[CPU_EAX];
    if (leaf == 0) {
        c->r[CPU_EAX] = 1;
        c->r[CPU_EBX] = 0x756e6547;   /* "GenuineIntel" */
        c->r[CPU_EDX] = 0x49656e69;
        c->r[CPU_ECX] = 0x6c65746e;
    } else if (leaf == 1) {
        c->r[CPU_EAX] = CPU_SIGNATURE;
        c->r[CPU_EBX] = 0;
        c->r[CPU_ECX] = 0;
        c->r[CPU_EDX] = CPUID_EDX;
    } else {
        /* Beyond the maximum basic leaf: the highest leaf's data (SDM CPUID). */
        c->r[CPU_EAX] = CPU_SIGNATURE;
        c->r[CPU_EBX] = 0;
        c->r[CPU_ECX] = 0;
        c->r[CPU_EDX] = CPUID_EDX;
    }
}

static void need_cpl0(struct cpu *c)
{
    if (c->pe_mode && c->cpl != 0)
        cpu_raise(c, EX_GP, 0);
}

static uint64_t tsc_raw(const struct cpu *c)
{
    return c->tsc_ticks ? c->tsc_ticks(c->tsc_opaque) : c->retired;
}

static uint64_t tsc(const struct cpu *c) { return tsc_raw(c) + c->tsc_offset; }

static void rdmsr(struct cpu *c)
{
    need_cpl0(c);
    uint64_t v;
    switch (c->r[CPU_ECX]) {
    case 0x10: v = tsc(c); break;
    case 0x1b: v = c->apic_base; break;
    case 0x8b: v = 0; break;   /* IA32_BIOS_SIGN_ID: no microcode update loaded */
    case 0x174: v = c->sysenter_cs; break;
    case 0x175: v = c->sysenter_esp; break;
    case 0x176: v = c->sysenter_eip; break;
    default: cpu_raise(c, EX_GP, 0);
    }
    c->r[CPU_EAX] = (uint32_t)v;
    c->r[CPU_EDX] = (uint32_t)(v >> 32);
}

static void wrmsr(struct cpu *c)
{
    need_cpl0(c);
    uint64_t v = c->r[CPU_EAX] | ((uint64_t)c->r[CPU_EDX] << 32);
    switch (c->r[CPU_ECX]) {
    case 0x10: c->tsc_offset = v - tsc_raw(c); break;
    case 0x1b: c->apic_base = v & 0xfffff900u; break;
    case 0x8b: break;
    case 0x174: c->sysenter_cs = (uint32_t)v & 0xffff; break;
    case 0x175: c->sysenter_esp = (uint32_t)v; break;
    case 0x176: c->sysenter_eip = (uint32_t)v; break;
    default: cpu_raise(c, EX_GP, 0);
    }
}

static void flat_seg(struct seg *s, uint16_t sel, uint16_t attr)
{
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->attr = attr;
}

static void sysenter(struct cpu *c)
{
    if (!c->pe_mode || (c->sysenter_cs & 0xfffc) == 0)
        cpu_raise(c, EX_GP, 0);
    c->flags &= ~(F_VM | F_IF | F_RF);
    c->cpl = 0;
    flat_seg(&c->s[CPU_CS], (uint16_t)(c->sysenter_cs & 0xfffc), 0xc9b);
    flat_seg(&c->s[CPU_SS], (uint16_t)((c->sysenter_cs + 8) & 0xfffc), 0xc93);
    cpu_update_mode(c);
    c->r[CPU_ESP] = c->sysenter_esp;
    c->eip = c->sysenter_eip;
}

static void sysexit(struct cpu *c)
{
    if (!c->pe_mode || c->v86 || c->cpl != 0 || (c->sysenter_cs & 0xfffc) == 0)
        cpu_raise(c, EX_GP, 0);
    c->cpl = 3;
    flat_seg(&c->s[CPU_CS], (uint16_t)((c->sysenter_cs + 16) | 3), 0xcfb);
    flat_seg(&c->s[CPU_SS], (uint16_t)((c->sysenter_cs + 24) | 3), 0xcf3);
    cpu_update_mode(c);
    c->r[CPU_ESP] = c->r[CPU_ECX];
    c->eip = c->r[CPU_EDX];
}

static void write_cr(struct cpu *c, int n, uint32_t v)
{
    switch (n) {
    case 0: {
        v |= CR0_ET;   /* the P6 hardwires ET */
        if ((v & CR0_PG) && !(v & CR0_PE))
            cpu_raise(c, EX_GP, 0);
        if ((v & CR0_NW) && !(v & CR0_CD))
            cpu_raise(c, EX_GP, 0);
        uint32_t old = c->cr0;
        c->cr0 = v & 0xe005003fu;
        if ((old ^ c->cr0) & (CR0_PG | CR0_WP | CR0_PE))
            tlb_flush(c, false);
        cpu_update_mode(c);
        break;
    }
    case 2: c->cr2 = v; break;
    case 3: c->cr3 = v; tlb_flush(c, true); break;
    case 4:
        /* Only the implemented bits may be set (SDM 2.5: reserved bits #GP). */
        if (v & ~(uint32_t)(CR4_TSD | CR4_PSE | CR4_PGE | CR4_OSFXSR))
            cpu_raise(c, EX_GP, 0);
        if ((c->cr4 ^ v) & (CR4_PSE | CR4_PGE))
            tlb_flush(c, false);
        c->cr4 = v;
        break;
    default: cpu_raise(c, EX_UD, 0);
    }
}

static uint32_t read_cr(struct cpu *c, int n)
{
    switch (n) {
    case 0: return c->cr0;
    case 2: return c->cr2;
    case 3: return c->cr3;
    case 4: return c->cr4;
    default: cpu_raise(c, EX_UD, 0);
    }
}

static void lar_lsl(struct cpu *c, bool lsl, unsigned osz)
{
    struct modrm m;
    decode_modrm(c, &m);
    uint16_t sel = (uint16_t)rm_read(c, &m, 2);
    uint32_t lo, hi;
    bool ok = (sel & ~3) && desc_read(c, sel, &lo, &hi);
    if (ok) {
        uint16_t a = (hi >> 8) & 0xff;
        unsigned dpl = A_DPL(a), type = a & 0x1f;
        if (a & A_S) {
            bool conf = (a & A_CODE) && (a & A_CONF);
            ok = conf || (dpl >= c->cpl && dpl >= (sel & 3u));
        } else {
            /* System types valid for LAR: TSS, LDT, gates; LSL: TSS and LDT. */
            static const uint8_t lar_ok = 1;
            ok = type == 1 || type == 2 || type == 3 || type == 9 || type == 11 ||
                 (!lsl && (type == 4 || type == 5 || type == 12)) || !lar_ok;
            ok = ok && dpl >= c->cpl && dpl >= (sel & 3u);
        }
    }
    if (!ok) {
        set_arith(c, cpu_get_flags(c) & ~F_ZF);
        return;
    }
    set_arith(c, cpu_get_flags(c) | F_ZF);
    if (lsl) {
        uint32_t limit = (lo & 0xffff) | (hi & 0xf0000u);
        if (hi & 0x800000u)
            limit = (limit << 12) | 0xfff;
        set_reg(c, m.reg, osz, limit);
    } else {
        set_reg(c, m.reg, osz, hi & 0x00ffff00u);
    }
}

static void verr_verw(struct cpu *c, const struct modrm *m, bool write)
{
    uint16_t sel = (uint16_t)rm_read(c, m, 2);
    uint32_t lo, hi;
    bool ok = (sel & ~3) && desc_read(c, sel, &lo, &hi);
    if (ok) {
        uint16_t a = (hi >> 8) & 0xff;
        bool conf = (a & A_CODE) && (a & A_CONF);
        ok = (a & A_S) && (conf || (A_DPL(a) >= c->cpl && A_DPL(a) >= (sel & 3u)));
        if (write)
            ok = ok && !(a & A_CODE) && (a & A_RW);
        else
            ok = ok && (!(a & A_CODE) || (a & A_RW));
    }
    set_arith(c, ok ? cpu_get_flags(c) | F_ZF : cpu_get_flags(c) & ~F_ZF);
}

static void load_ldtr_tr(struct cpu *c, const struct modrm *m, bool tr)
{
    need_cpl0(c);
    uint16_t sel = (uint16_t)rm_read(c, m, 2);
    uint32_t lo, hi;
    if ((sel & ~3) == 0) {
        if (tr)
            cpu_raise(c, EX_GP, 0);
        c->ldtr.sel = sel;
        c->ldtr.attr = 0;
        return;
    }
    if ((sel & 4) || !desc_read(c, sel, &lo, &hi))
        cpu_raise(c, EX_GP, sel & ~3u);
    uint16_t a = (hi >> 8) & 0xff;
    unsigned type = a & 0x1f;
    if (tr ? (type != 1 && type != 9) : type != 2)
        cpu_raise(c, EX_GP, sel & ~3u);
    if (!(a & A_P))
        cpu_raise(c, EX_NP, sel & ~3u);
    if (tr) {
        hi |= 0x200;   /* mark busy */
        lin_write(c, ((sel & 4) ? c->ldtr.base : c->gdt_base) + (sel & ~7u) + 4, hi, 4, false);
        seg_set_cache(&c->tr, sel, lo, hi);
    } else {
        seg_set_cache(&c->ldtr, sel, lo, hi);
    }
}

static void exec_fxsave_fxrstor(struct cpu *c);

/* op: the byte after 0F, fetched by the caller (which runs Jcc rel16/32 and
 * MOVZX/MOVSX itself, the common compiled-code forms, without this call). */
static void exec_0f(struct cpu *c, unsigned osz, uint8_t op)
{
    struct modrm m;
    uint32_t a, b, r;
    bool pm = c->pe_mode && !c->v86;
    switch (op) {
    case 0x00:
        decode_modrm(c, &m);
        if (!pm)
            cpu_raise(c, EX_UD, 0);
        switch (m.reg) {
        case 0: rm_write(c, &m, m.mem ? 2 : osz, c->ldtr.sel); break;
        case 1: rm_write(c, &m, m.mem ? 2 : osz, c->tr.sel); break;
        case 2: load_ldtr_tr(c, &m, false); break;
        case 3: load_ldtr_tr(c, &m, true); break;
        case 4: verr_verw(c, &m, false); break;
        case 5: verr_verw(c, &m, true); break;
        default: cpu_raise(c, EX_UD, 0);
        }
        break;
    case 0x01:
        decode_modrm(c, &m);
        switch (m.reg) {
        case 0: case 1: { /* SGDT/SIDT */
            if (!m.mem)
                cpu_raise(c, EX_UD, 0);
            uint32_t base = m.reg ? c->idt_base : c->gdt_base;
            mem_write(c, m.seg, m.off, m.reg ? c->idt_limit : c->gdt_limit, 2);
            mem_write(c, m.seg, ea_add(c, m.off, 2), osz == 2 ? base & 0xffffff : base, 4);
            break;
        }
        case 2: case 3: { /* LGDT/LIDT */
            if (!m.mem)
                cpu_raise(c, EX_UD, 0);
            need_cpl0(c);
            if (c->v86)
                cpu_raise(c, EX_GP, 0);
            uint16_t limit = (uint16_t)mem_read(c, m.seg, m.off, 2);
            uint32_t base = mem_read(c, m.seg, ea_add(c, m.off, 2), 4);
            if (osz == 2)
                base &= 0xffffff;
            if (m.reg == 2) {
                c->gdt_base = base;
                c->gdt_limit = limit;
            } else {
                c->idt_base = base;
                c->idt_limit = limit;
            }
            break;
        }
        case 4: /* SMSW */
            rm_write(c, &m, m.mem ? 2 : osz, c->cr0);
            break;
        case 6: /* LMSW: can set PE, never clear it */
            need_cpl0(c);
            if (c->v86)
                cpu_raise(c, EX_GP, 0);
            a = rm_read(c, &m, 2);
            write_cr(c, 0, (c->cr0 & ~0xeu) | (a & 0xf) | (c->cr0 & CR0_PE));
            break;
        case 7: /* INVLPG */
            if (!m.mem)
                cpu_raise(c, EX_UD, 0);
            need_cpl0(c);
            if (c->v86)
                cpu_raise(c, EX_GP, 0);
            tlb_flush_page(c, c->s[m.seg].base + m.off);
            break;
        default: cpu_raise(c, EX_UD, 0);
        }
        break;
    case 0x02: case 0x03:
        if (!pm)
            cpu_raise(c, EX_UD, 0);
        lar_lsl(c, op == 0x03, osz);
        break;
    case 0x06: /* CLTS */
        need_cpl0(c);
        if (c->v86)
            cpu_raise(c, EX_GP, 0);
        c->cr0 &= ~CR0_TS;
        break;
    case 0x08: case 0x09: /* INVD/WBINVD: no caches to flush */
        need_cpl0(c);
        if (c->v86)
            cpu_raise(c, EX_GP, 0);
        break;
    case 0x0b: cpu_raise(c, EX_UD, 0);
    case 0x20: case 0x21: case 0x22: case 0x23: {
        /* MOV to/from CRn/DRn: always register operands, mod ignored. */
        uint8_t b2 = fetch8(c);
        int reg = (b2 >> 3) & 7, rm = b2 & 7;
        if (c->v86)
            cpu_raise(c, EX_GP, 0);
        need_cpl0(c);
        if (op == 0x20)
            c->r[rm] = read_cr(c, reg);
        else if (op == 0x22)
            write_cr(c, reg, c->r[rm]);
        else if (op == 0x21)
            c->r[rm] = c->dr[reg == 4 ? 6 : reg == 5 ? 7 : reg];
        else
            c->dr[reg == 4 ? 6 : reg == 5 ? 7 : reg] = c->r[rm];
        break;
    }
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:
        /* Hint NOPs (NOP Ev is 0F 1F /0): the operand is decoded, never accessed. */
        decode_modrm(c, &m);
        break;
    case 0x30: wrmsr(c); break;
    case 0x33: /* RDPMC: the two P6 counters exist but count nothing here */
        if ((c->pe_mode && c->cpl != 0) || c->r[CPU_ECX] > 1)
            cpu_raise(c, EX_GP, 0);
        c->r[CPU_EAX] = 0;
        c->r[CPU_EDX] = 0;
        break;
    case 0x31:
        if ((c->cr4 & CR4_TSD) && c->pe_mode && c->cpl != 0)
            cpu_raise(c, EX_GP, 0);
    {
        /* One reading for both halves: two would cost two host clock
         * reads, and a carry out of the low half between them would make
         * the value jump. */
        uint64_t t = tsc(c);
        c->r[CPU_EAX] = (uint32_t)t;
        c->r[CPU_EDX] = (uint32_t)(t >> 32);
        break;
    }
    case 0x32: rdmsr(c); break;
    case 0x34: sysenter(c); break;
    case 0x35: sysexit(c); break;
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
        decode_modrm(c, &m);
        a = rm_read(c, &m, osz);   /* the source is read (and may fault) either way */
        if (cpu_cond(c, op & 15))
            set_reg(c, m.reg, osz, a);
        break;
    /* 80-8F (Jcc rel16/32): in exec_one */
    case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
    case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f:
        decode_modrm(c, &m);
        rm_write(c, &m, 1, cpu_cond(c, op & 15));
        break;
    case 0xa0: push_sreg(c, CPU_FS, osz); break;
    case 0xa1: pop_sreg(c, CPU_FS, osz); break;
    case 0xa8: push_sreg(c, CPU_GS, osz); break;
    case 0xa9: pop_sreg(c, CPU_GS, osz); break;
    case 0xa2: cpuid(c); break;
    case 0xae: exec_fxsave_fxrstor(c); break;
    case 0xa3: case 0xab: case 0xb3: case 0xbb: case 0xba: {
        /* BT/BTS/BTR/BTC: a register bit offset addresses memory beyond the operand. */
        decode_modrm(c, &m);
        int kind;
        int32_t bit;
        if (op == 0xba) {
            if (m.reg < 4)
                cpu_raise(c, EX_UD, 0);
            kind = m.reg - 4;
            bit = fetch8(c) & (osz * 8 - 1);
        } else {
            kind = op == 0xa3 ? 0 : op == 0xab ? 1 : op == 0xb3 ? 2 : 3;
            bit = (int32_t)get_reg(c, m.reg, osz);
            if (osz == 2)
                bit = (int16_t)bit;
        }
        struct modrm t = m;
        if (m.mem && op != 0xba) {
            int32_t words = bit >> (osz == 2 ? 4 : 5);
            t.off = ea_add(c, m.off, (uint32_t)(words * (int32_t)osz));
        }
        unsigned bi = (unsigned)bit & (osz * 8 - 1);
        a = rm_read(c, &t, osz);
        uint32_t f = cpu_get_flags(c);
        c->flags = (f & ~F_CF) | ((a >> bi) & 1);
        if (kind == 1)
            rm_write(c, &t, osz, a | (1u << bi));
        else if (kind == 2)
            rm_write(c, &t, osz, a & ~(1u << bi));
        else if (kind == 3)
            rm_write(c, &t, osz, a ^ (1u << bi));
        break;
    }
    case 0xa4: case 0xa5: case 0xac: case 0xad: {
        decode_modrm(c, &m);
        a = rm_read(c, &m, osz);
        b = get_reg(c, m.reg, osz);
        unsigned cnt = (op & 1) ? c->r[CPU_ECX] & 0xff : fetch8(c);
        r = shift_double(c, a, b, cnt, osz, op < 0xa8);
        rm_write(c, &m, osz, r);
        break;
    }
    case 0xaf:
        decode_modrm(c, &m);
        set_reg(c, m.reg, osz, imul2(c, get_reg(c, m.reg, osz), rm_read(c, &m, osz), osz));
        break;
    case 0xb0: case 0xb1: {
        unsigned sz = op == 0xb0 ? 1 : osz;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        alu(c, 7, c->r[CPU_EAX], a, sz);
        if ((c->r[CPU_EAX] & sz_mask(sz)) == a) {
            rm_write(c, &m, sz, get_reg(c, m.reg, sz));
        } else {
            rm_write(c, &m, sz, a);   /* the destination is always written (SDM CMPXCHG) */
            set_reg(c, CPU_EAX, sz, a);
        }
        break;
    }
    case 0xb2: decode_modrm(c, &m); load_far_ptr(c, CPU_SS, &m, osz); break;
    case 0xb4: decode_modrm(c, &m); load_far_ptr(c, CPU_FS, &m, osz); break;
    case 0xb5: decode_modrm(c, &m); load_far_ptr(c, CPU_GS, &m, osz); break;
    /* B6/B7/BE/BF (MOVZX/MOVSX): in exec_one */
    case 0xbc: case 0xbd:
        decode_modrm(c, &m);
        a = rm_read(c, &m, osz);
        if (!a) {
            set_arith(c, (cpu_get_flags(c) & F_ARITH) | F_ZF);
        } else {
            set_reg(c, m.reg, osz, op == 0xbc ? (uint32_t)__builtin_ctz(a) : 31u - (uint32_t)__builtin_clz(a));
            set_arith(c, cpu_get_flags(c) & F_ARITH & ~F_ZF);
        }
        break;
    case 0xc0: case 0xc1: {
        unsigned sz = op == 0xc0 ? 1 : osz;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        b = get_reg(c, m.reg, sz);
        r = alu(c, 0, a, b, sz);
        set_reg(c, m.reg, sz, a);
        rm_write(c, &m, sz, r);
        break;
    }
    case 0xc7: {
        decode_modrm(c, &m);
        if (m.reg != 1 || !m.mem)
            cpu_raise(c, EX_UD, 0);
        uint32_t lo = mem_read(c, m.seg, m.off, 4), hi = mem_read(c, m.seg, ea_add(c, m.off, 4), 4);
        uint32_t f = cpu_get_flags(c);
        if (lo == c->r[CPU_EAX] && hi == c->r[CPU_EDX]) {
            mem_write(c, m.seg, m.off, c->r[CPU_EBX], 4);
            mem_write(c, m.seg, ea_add(c, m.off, 4), c->r[CPU_ECX], 4);
            c->flags = f | F_ZF;
        } else {
            mem_write(c, m.seg, m.off, lo, 4);
            mem_write(c, m.seg, ea_add(c, m.off, 4), hi, 4);
            c->r[CPU_EAX] = lo;
            c->r[CPU_EDX] = hi;
            c->flags = f & ~F_ZF;
        }
        break;
    }
    case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
        c->r[op & 7] = bswap32(c->r[op & 7]);
        break;
    default:
        cpu_raise(c, EX_UD, 0);
    }
}

static uint64_t x87_mem_read(void *cp, int seg, uint32_t off, unsigned size)
{
    struct cpu *c = cp;
    if (size == 8) {
        seg_lin(c, seg, off, 8, false);
        uint64_t lo = mem_read(c, seg, off, 4);
        return lo | ((uint64_t)mem_read(c, seg, off + 4, 4) << 32);
    }
    return mem_read(c, seg, off, size);
}

static void x87_mem_write(void *cp, int seg, uint32_t off, uint64_t v, unsigned size)
{
    struct cpu *c = cp;
    if (size == 8) {
        /* Both halves are checked (segment and page) before either is written. */
        uint32_t lin = seg_lin(c, seg, off, 8, true);
        lin_read(c, lin, 4, is_user(c));
        lin_read(c, lin + 4, 4, is_user(c));
        mem_write(c, seg, off, (uint32_t)v, 4);
        mem_write(c, seg, off + 4, (uint32_t)(v >> 32), 4);
        return;
    }
    mem_write(c, seg, off, (uint32_t)v, size);
}

static void x87_set_ax(void *cp, uint16_t v)
{
    set_reg(cp, CPU_EAX, 2, v);
}

static uint32_t x87_get_eflags(void *cp)
{
    return cpu_get_flags(cp);
}

static void x87_set_arith(void *cp, uint32_t f)
{
    set_arith(cp, f);
}

static const struct x87_cpu_access x87_access_ops = {
    NULL, x87_mem_read, x87_mem_write, x87_set_ax, x87_get_eflags, x87_set_arith,
};

/* A pending unmasked x87 exception before a waiting instruction: #MF with
 * CR0.NE, else FERR# to the machine (IRQ13 on a PC; SDM vol. 1 8.7). */
static void x87_check_pending(struct cpu *c)
{
    if (!x87_exception_pending(&c->fpu))
        return;
    if (c->cr0 & CR0_NE)
        cpu_raise(c, EX_MF, 0);
    if (c->ferr && !c->ferr_level) {
        c->ferr_level = 1;
        c->ferr(c->ferr_opaque, 1);
    }
}

/* FERR# follows SW.ES: deasserted once FNCLEX/FNINIT/FLDENV clear it. */
static void x87_update_ferr(struct cpu *c)
{
    if (c->ferr_level && !x87_exception_pending(&c->fpu)) {
        c->ferr_level = 0;
        if (c->ferr)
            c->ferr(c->ferr_opaque, 0);
    }
}

/* 0F AE /0 FXSAVE, /1 FXRSTOR (SDM vol. 2A): memory operand only, #NM on
 * CR0.EM or CR0.TS, #GP(0) unless the address is 16-byte aligned. The other
 * forms of 0F AE are SSE/SSE2/CLFLUSH, not implemented and not advertised. */
static void exec_fxsave_fxrstor(struct cpu *c)
{
    struct modrm m;
    decode_modrm(c, &m);
    if (!m.mem || m.reg > 1)
        cpu_raise(c, EX_UD, 0);
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_raise(c, EX_NM, 0);
    if (m.off & 15)
        cpu_raise(c, EX_GP, 0);
    struct x87_cpu_access acc = x87_access_ops;
    acc.cpu = c;
    if (m.reg == 0)
        x87_fxsave(&c->fpu, &acc, m.seg, m.off);
    else {
        x87_fxrstor(&c->fpu, &acc, m.seg, m.off);
        x87_update_ferr(c);
    }
}

/* ESC D8-DF: #NM per CR0.EM/TS (SDM vol. 3A 2.5, table 2-2), the pending
 * exception check, then the FPU. */
static void exec_esc(struct cpu *c, uint8_t op)
{
    struct modrm m;
    uint32_t modrm_at = c->eip;
    decode_modrm(c, &m);
    uint8_t modrm = lin_fetch8(c, c->s[CPU_CS].base + modrm_at);
    if (c->cr0 & (CR0_EM | CR0_TS))
        cpu_raise(c, EX_NM, 0);
    if (!x87_is_nowait(op, modrm))
        x87_check_pending(c);
    struct x87_insn in = {
        .opcode = op,
        .modrm = modrm,
        .has_mem = m.mem,
        .seg = m.mem ? m.seg : CPU_DS,
        .offset = m.mem ? m.off : 0,
        .op32 = c->op32,
        .protected_mode = c->pe_mode && !c->v86,
        .cs = c->s[CPU_CS].sel,
        .eip = c->eip_start,
        .ds_selector = c->s[m.mem ? m.seg : CPU_DS].sel,
    };
    struct x87_cpu_access acc = x87_access_ops;
    acc.cpu = c;
    if (x87_execute(&c->fpu, &acc, &in) != X87_OK)
        cpu_raise(c, EX_UD, 0);
    x87_update_ferr(c);
}
