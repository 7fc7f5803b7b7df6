/* Lazy evaluation of the arithmetic flags (Intel SDM vol. 1 3.4.3.1 and
 * appendix A "EFLAGS cross-reference"): ALU ops record their operands and
 * result; CF, PF, AF, ZF, SF and OF are derived only when something reads them. */
#include "emu/cpu/cpu_int.h"

static uint32_t parity(uint32_t v)
{
    return __builtin_parity(v & 0xff) ? 0 : F_PF;
}

static uint32_t lazy_cf(const struct cpu *c)
{
    uint32_t m = sz_mask(c->lf_sz), r = c->lf_res & m, a = c->lf_a & m, b = c->lf_b & m;
    switch (c->lf_op) {
    case LF_ADD: return r < a;
    case LF_ADC: return r < a || (c->lf_cin && r == a);
    case LF_SUB: return a < b;
    case LF_SBB: return a < b || (c->lf_cin && a == b);
    case LF_INC: case LF_DEC: case LF_MUL: return c->lf_cin;
    default: return 0;
    }
}

static uint32_t lazy_of(const struct cpu *c)
{
    uint32_t sign = 1u << (c->lf_sz * 8 - 1), r = c->lf_res, a = c->lf_a, b = c->lf_b;
    switch (c->lf_op) {
    case LF_ADD: case LF_ADC: case LF_INC: return ((a ^ r) & (b ^ r) & sign) != 0;
    case LF_SUB: case LF_SBB: case LF_DEC: return ((a ^ b) & (a ^ r) & sign) != 0;
    case LF_MUL: return c->lf_cin;
    default: return 0;
    }
}

uint32_t cpu_get_flags(struct cpu *c)
{
    if (c->lf_op == LF_NONE)
        return c->flags;
    uint32_t m = sz_mask(c->lf_sz), r = c->lf_res & m;
    uint32_t f = c->flags & ~F_ARITH;
    f |= lazy_cf(c) ? F_CF : 0;
    f |= parity(r);
    if ((c->lf_op & ~LF_ROT) != LF_LOGIC && (c->lf_op & ~LF_ROT) != LF_MUL)
        f |= (c->lf_a ^ c->lf_b ^ c->lf_res) & F_AF;
    f |= r == 0 ? F_ZF : 0;
    f |= (r >> (c->lf_sz * 8 - 1)) & 1 ? F_SF : 0;
    f |= lazy_of(c) ? F_OF : 0;
    if (c->lf_op & LF_ROT)   /* a rotate since: its CF and OF */
        f = (f & ~(F_CF | F_OF)) | (c->flags & (F_CF | F_OF));
    c->flags = f;
    c->lf_op = LF_NONE;
    return f;
}

void cpu_set_flags(struct cpu *c, uint32_t v, uint32_t mask)
{
    uint32_t old = cpu_get_flags(c);
    c->flags = (old & ~mask) | (v & mask) | 2;
    if ((old ^ c->flags) & F_VM)
        cpu_update_mode(c);
}

/* Condition codes in the Jcc/SETcc/CMOVcc encoding (SDM vol. 1 B.1). */
bool cpu_cond(struct cpu *c, int cc)
{
    bool r;
    if (c->lf_op != LF_NONE && (cc >> 1) == 2) {
        r = (c->lf_res & sz_mask(c->lf_sz)) == 0;
    } else if (c->lf_op == LF_SUB && (cc >> 1) != 0 && (cc >> 1) != 5) {
        /* CMP/SUB: B/BE/S/L/LE straight from the operands (SDM vol. 1 B.1:
         * CF is the unsigned borrow, SF != OF the signed "less"). */
        unsigned sh = 32 - c->lf_sz * 8;
        uint32_t m = sz_mask(c->lf_sz), a = c->lf_a & m, b = c->lf_b & m;
        int32_t sa = (int32_t)(a << sh), sb = (int32_t)(b << sh);
        switch (cc >> 1) {
        case 1: r = a < b; break;
        case 3: r = a <= b; break;
        case 4: r = (int32_t)(c->lf_res << sh) < 0; break;
        case 6: r = sa < sb; break;
        default: r = sa <= sb; break;
        }
    } else {
        uint32_t f = cpu_get_flags(c);
        switch (cc >> 1) {
        case 0: r = f & F_OF; break;
        case 1: r = f & F_CF; break;
        case 2: r = f & F_ZF; break;
        case 3: r = f & (F_CF | F_ZF); break;
        case 4: r = f & F_SF; break;
        case 5: r = f & F_PF; break;
        case 6: r = !(f & F_SF) != !(f & F_OF); break;
        default: r = (f & F_ZF) || (!(f & F_SF) != !(f & F_OF)); break;
        }
    }
    return (cc & 1) ? !r : r;
}
