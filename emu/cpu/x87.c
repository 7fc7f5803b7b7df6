/* The x87 FPU's instruction set as a P6 executes it: the register stack and
 * tag word, stack faults, exception flags and their masked/unmasked
 * responses, and the environment/state images (Intel SDM vol. 1, chapter 8;
 * vol. 2 for each instruction; opcode map vol. 2 appendix A.5). The
 * arithmetic is in x87_float.c; the transcendentals run on the host FPU
 * (x87_host.h, which explains why). */
#include "emu/cpu/x87.h"

#include <string.h>

#include "emu/cpu/x87_float.h"
#include "emu/cpu/x87_host.h"

enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

void x87_reset(struct x87 *f)
{
    f->cw = 0x037F;
    f->sw = 0;
    f->tw = 0xFFFF;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

void x87_power_on(struct x87 *f)
{
    memset(f, 0, sizeof(*f));
    x87_reset(f);
    f->cw = 0x0040;
    f->tw = 0x5555;     /* SDM 9.1.1: registers valid (+0) after RESET */
}

/* ---- register stack ---- */

static unsigned top(const struct x87 *f) { return (f->sw >> 11) & 7; }
static void set_top(struct x87 *f, unsigned t)
{
    f->sw = (uint16_t)((f->sw & ~0x3800) | ((t & 7) << 11));
}
static unsigned phys(const struct x87 *f, unsigned i) { return (top(f) + i) & 7; }
static unsigned tag_phys(const struct x87 *f, unsigned p) { return (f->tw >> (2 * p)) & 3; }
static bool is_empty(const struct x87 *f, unsigned i) { return tag_phys(f, phys(f, i)) == TAG_EMPTY; }
static void set_tag(struct x87 *f, unsigned p, unsigned t)
{
    f->tw = (uint16_t)((f->tw & ~(3u << (2 * p))) | (t << (2 * p)));
}

static unsigned tag_of(struct x87_reg r)
{
    switch (x87_classify(r)) {
    case X87_ZERO: return TAG_ZERO;
    case X87_NORMAL: return TAG_VALID;
    default: return TAG_SPECIAL;
    }
}

static struct x87_reg st(const struct x87 *f, unsigned i) { return f->st[phys(f, i)]; }
static void set_st(struct x87 *f, unsigned i, struct x87_reg r)
{
    unsigned p = phys(f, i);
    f->st[p] = r;
    set_tag(f, p, tag_of(r));
}
static void pop(struct x87 *f)
{
    set_tag(f, phys(f, 0), TAG_EMPTY);
    set_top(f, top(f) + 1);
}
static void push(struct x87 *f, struct x87_reg r)
{
    set_top(f, top(f) - 1);
    set_st(f, 0, r);
}

/* ---- status word ---- */

static void set_c1(struct x87 *f, bool v) { f->sw = (uint16_t)(v ? f->sw | X87_C1 : f->sw & ~X87_C1); }
static void set_cc(struct x87 *f, uint16_t cc)
{
    f->sw = (uint16_t)((f->sw & ~(X87_C0 | X87_C1 | X87_C2 | X87_C3)) | cc);
}

/* ES and B summarize the unmasked exception flags (SDM 8.1.3.1). */
static void update_es(struct x87 *f)
{
    if (f->sw & ~f->cw & 0x3F)
        f->sw |= X87_ES | X87_B;
    else
        f->sw &= (uint16_t)~(X87_ES | X87_B);
}

static void raise(struct x87 *f, uint16_t exc)
{
    f->sw |= exc & 0x7F;
    update_es(f);
}

static struct x87_ctx ctx(const struct x87 *f)
{
    static const unsigned precs[4] = {24, 64, 53, 64};  /* PC=01 is reserved */
    struct x87_ctx c = {(f->cw >> 10) & 3, precs[(f->cw >> 8) & 3], (uint16_t)(f->cw & 0x3F),
                        0, false, false, false, false};
    return c;
}

/* Folds an operation's outcome into SW; true when the result is to be stored. */
static bool finish(struct x87 *f, const struct x87_ctx *c)
{
    set_c1(f, c->c1);
    raise(f, c->exc);
    return !c->nostore;
}

/* Stack overflow (push onto a full register) or underflow (an empty operand):
 * IE+SF with C1 telling which; true when masked (store the indefinite). */
static bool stack_fault(struct x87 *f, bool overflow)
{
    set_c1(f, overflow);
    raise(f, X87_IE | X87_SF);
    return (f->cw & X87_IE) != 0;
}

/* ---- memory ---- */

struct mem {
    const struct x87_cpu_access *cpu;
    int seg;
    uint32_t off;
};

static uint64_t rd(const struct mem *m, uint32_t at, unsigned size)
{
    return m->cpu->read(m->cpu->cpu, m->seg, m->off + at, size);
}
static void wr(const struct mem *m, uint32_t at, uint64_t v, unsigned size)
{
    m->cpu->write(m->cpu->cpu, m->seg, m->off + at, v, size);
}
static struct x87_reg rd80(const struct mem *m, uint32_t at)
{
    struct x87_reg r;
    r.mant = rd(m, at, 8);
    r.sign_exp = (uint16_t)rd(m, at + 8, 2);
    return r;
}
static void wr80(const struct mem *m, uint32_t at, struct x87_reg r)
{
    wr(m, at, r.mant, 8);
    wr(m, at + 8, r.sign_exp, 2);
}

/* ---- environment and state images (SDM vol. 1, figures 8-9 to 8-12) ---- */

static uint16_t full_tag_word(const struct x87 *f)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = tag_phys(f, p) == TAG_EMPTY ? TAG_EMPTY : tag_of(f->st[p]);
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

/* Writes the environment into img (14 or 28 bytes); returns its size. */
static unsigned env_image(const struct x87 *f, uint8_t *img, bool op32, bool pm)
{
    uint16_t tw = full_tag_word(f);
    uint32_t fip = f->fip, fdp = f->fdp;
    if (!pm) {
        /* Real and V86 modes store 20/32-bit linear pointers. */
        fip = f->fip + ((uint32_t)f->fcs << 4);
        fdp = f->fdp + ((uint32_t)f->fds << 4);
    }
    uint16_t w[14];
    unsigned n;
    memset(w, 0, sizeof(w));
    if (op32) {
        uint32_t d[7];
        d[0] = 0xFFFF0000u | f->cw;
        d[1] = 0xFFFF0000u | f->sw;
        d[2] = 0xFFFF0000u | tw;
        if (pm) {
            d[3] = fip;
            d[4] = f->fcs | ((uint32_t)(f->fop & 0x7FF) << 16);
            d[5] = fdp;
            d[6] = 0xFFFF0000u | f->fds;
        } else {
            d[3] = 0xFFFF0000u | (fip & 0xFFFF);
            d[4] = ((fip >> 16) << 12) | (f->fop & 0x7FF);
            d[5] = 0xFFFF0000u | (fdp & 0xFFFF);
            d[6] = (fdp >> 16) << 12;
        }
        for (unsigned i = 0; i < 7; i++)
            for (unsigned b = 0; b < 4; b++)
                img[4 * i + b] = (uint8_t)(d[i] >> (8 * b));
        n = 28;
    } else {
        w[0] = f->cw;
        w[1] = f->sw;
        w[2] = tw;
        if (pm) {
            w[3] = (uint16_t)fip;
            w[4] = f->fcs;
            w[5] = (uint16_t)fdp;
            w[6] = f->fds;
        } else {
            w[3] = (uint16_t)fip;
            w[4] = (uint16_t)(((fip >> 16) << 12) | (f->fop & 0x7FF));
            w[5] = (uint16_t)fdp;
            w[6] = (uint16_t)((fdp >> 16) << 12);
        }
        for (unsigned i = 0; i < 7; i++) {
            img[2 * i] = (uint8_t)w[i];
            img[2 * i + 1] = (uint8_t)(w[i] >> 8);
        }
        n = 14;
    }
    return n;
}

static void load_env_image(struct x87 *f, const uint8_t *img, bool op32, bool pm)
{
    uint32_t d[7];
    if (op32) {
        for (unsigned i = 0; i < 7; i++)
            d[i] = (uint32_t)img[4 * i] | (uint32_t)img[4 * i + 1] << 8 |
                   (uint32_t)img[4 * i + 2] << 16 | (uint32_t)img[4 * i + 3] << 24;
    } else {
        for (unsigned i = 0; i < 7; i++)
            d[i] = (uint32_t)img[2 * i] | (uint32_t)img[2 * i + 1] << 8;
    }
    f->cw = (uint16_t)d[0];
    f->sw = (uint16_t)d[1];
    uint16_t tw = (uint16_t)d[2];
    /* Only "empty" matters; the other tags follow the registers' contents. */
    for (unsigned p = 0; p < 8; p++)
        set_tag(f, p, ((tw >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY : tag_of(f->st[p]));
    if (pm) {
        f->fip = d[3];
        f->fcs = (uint16_t)d[4];
        f->fop = op32 ? (uint16_t)((d[4] >> 16) & 0x7FF) : 0;
        f->fdp = d[5];
        f->fds = (uint16_t)d[6];
        if (!op32) {
            f->fip &= 0xFFFF;
            f->fdp &= 0xFFFF;
        }
    } else {
        f->fip = (d[3] & 0xFFFF) | ((d[4] >> 12) << 16);
        f->fop = (uint16_t)(d[4] & 0x7FF);
        f->fdp = (d[5] & 0xFFFF) | ((d[6] >> 12) << 16);
        if (!op32) {
            f->fip &= 0xFFFFF;
            f->fdp &= 0xFFFFF;
        }
        f->fcs = f->fds = 0;
    }
    update_es(f);
}

static void store_state(struct x87 *f, const struct mem *m, bool op32, bool pm, bool with_regs)
{
    uint8_t img[28];
    unsigned n = env_image(f, img, op32, pm);
    for (unsigned i = 0; i < n; i += 2)
        wr(m, i, (uint64_t)img[i] | (uint64_t)img[i + 1] << 8, 2);
    if (with_regs)
        for (unsigned i = 0; i < 8; i++)
            wr80(m, n + 10 * i, st(f, i));
}

static void load_state(struct x87 *f, const struct mem *m, bool op32, bool pm, bool with_regs)
{
    uint8_t img[28];
    unsigned n = op32 ? 28 : 14;
    struct x87_reg regs[8];
    /* All reads first: a fault leaves the FPU unchanged. */
    for (unsigned i = 0; i < n; i += 2) {
        uint64_t v = rd(m, i, 2);
        img[i] = (uint8_t)v;
        img[i + 1] = (uint8_t)(v >> 8);
    }
    if (with_regs)
        for (unsigned i = 0; i < 8; i++)
            regs[i] = rd80(m, n + 10 * i);
    uint16_t sw = (uint16_t)(img[op32 ? 4 : 2] | img[op32 ? 5 : 3] << 8);
    if (with_regs) {
        unsigned t = (sw >> 11) & 7;
        for (unsigned i = 0; i < 8; i++)
            f->st[(t + i) & 7] = regs[i];
    }
    load_env_image(f, img, op32, pm);
}

/* ---- FXSAVE / FXRSTOR (SDM vol. 1, 10.5.1, table 10-2: the 32-bit layout) ----
 * A P6 with FXSR and no SSE (as the Pentium II): the x87 part of the 512-byte
 * image is written, MXCSR and its mask read as 0 and the XMM area is left
 * alone. The tag byte is abridged: bit p set when physical register p is not
 * empty; FXRSTOR recomputes the full tags from the registers' contents. */
void x87_fxsave(const struct x87 *f, const struct x87_cpu_access *cpu, int seg, uint32_t off)
{
    const struct mem m = {cpu, seg, off};
    uint8_t ftw = 0;
    for (unsigned p = 0; p < 8; p++)
        if (tag_phys(f, p) != TAG_EMPTY)
            ftw |= (uint8_t)(1u << p);
    wr(&m, 0, f->cw, 2);
    wr(&m, 2, f->sw, 2);
    wr(&m, 4, ftw, 2);                      /* byte 5 is reserved: 0 */
    wr(&m, 6, f->fop & 0x7FF, 2);
    wr(&m, 8, f->fip, 4);
    wr(&m, 12, f->fcs, 4);                  /* bytes 14-15 reserved: 0 */
    wr(&m, 16, f->fdp, 4);
    wr(&m, 20, f->fds, 4);
    wr(&m, 24, 0, 8);                       /* MXCSR, MXCSR_MASK: no SSE */
    for (unsigned i = 0; i < 8; i++) {
        wr80(&m, 32 + 16 * i, st(f, i));
        wr(&m, 32 + 16 * i + 10, 0, 2);
        wr(&m, 32 + 16 * i + 12, 0, 4);
    }
}

void x87_fxrstor(struct x87 *f, const struct x87_cpu_access *cpu, int seg, uint32_t off)
{
    const struct mem m = {cpu, seg, off};
    /* All reads first: a fault leaves the FPU unchanged. */
    uint16_t cw = (uint16_t)rd(&m, 0, 2), sw = (uint16_t)rd(&m, 2, 2);
    uint8_t ftw = (uint8_t)rd(&m, 4, 1);
    uint16_t fop = (uint16_t)rd(&m, 6, 2);
    uint32_t fip = (uint32_t)rd(&m, 8, 4), fdp = (uint32_t)rd(&m, 16, 4);
    uint16_t fcs = (uint16_t)rd(&m, 12, 2), fds = (uint16_t)rd(&m, 20, 2);
    struct x87_reg regs[8];
    for (unsigned i = 0; i < 8; i++)
        regs[i] = rd80(&m, 32 + 16 * i);
    f->cw = cw;
    f->sw = sw;
    unsigned t = top(f);
    for (unsigned i = 0; i < 8; i++)
        f->st[(t + i) & 7] = regs[i];
    for (unsigned p = 0; p < 8; p++)
        set_tag(f, p, (ftw >> p) & 1 ? tag_of(f->st[p]) : TAG_EMPTY);
    f->fop = fop & 0x7FF;
    f->fip = fip;
    f->fcs = fcs;
    f->fdp = fdp;
    f->fds = fds;
    update_es(f);
}

/* ---- instruction helpers ---- */

enum arith { A_ADD, A_MUL, A_COM, A_COMP, A_SUB, A_SUBR, A_DIV, A_DIVR };

static struct x87_reg arith_op(struct x87_ctx *c, enum arith op, struct x87_reg a, struct x87_reg b)
{
    switch (op) {
    case A_ADD: return x87f_add(c, a, b, false);
    case A_MUL: return x87f_mul(c, a, b);
    case A_SUB: return x87f_add(c, a, b, true);
    case A_SUBR: return x87f_add(c, b, a, true);
    case A_DIV: return x87f_div(c, a, b);
    case A_DIVR: return x87f_div(c, b, a);
    default: return a;
    }
}

/* FCOM/FUCOM family: ST(0) against b; b_empty for a register operand. */
static void do_compare(struct x87 *f, struct x87_reg b, bool b_empty, bool quiet, unsigned pops)
{
    if (is_empty(f, 0) || b_empty) {
        bool masked = stack_fault(f, false);
        set_cc(f, X87_C3 | X87_C2 | X87_C0);    /* "unordered" even when unmasked */
        while (masked && pops--)
            pop(f);
        return;
    }
    struct x87_ctx c = ctx(f);
    uint16_t cc = x87f_compare(&c, st(f, 0), b, quiet);
    set_c1(f, false);
    raise(f, c.exc);
    set_cc(f, cc);      /* even when an unmasked exception stops the pop */
    if (c.nostore)
        return;
    while (pops--)
        pop(f);
}

/* FCOMI family: compare ST(0) with ST(i) into ZF, PF, CF. The flags are
 * written even when an unmasked exception stops the pop; C1 is left alone
 * except by a stack fault. */
static void do_comi(struct x87 *f, const struct x87_cpu_access *cpu, unsigned i, bool quiet, bool popit)
{
    uint16_t cc;
    bool ok;
    if (is_empty(f, 0) || is_empty(f, i)) {
        ok = stack_fault(f, false);
        cc = X87_C3 | X87_C2 | X87_C0;
    } else {
        struct x87_ctx c = ctx(f);
        cc = x87f_compare(&c, st(f, 0), st(f, i), quiet);
        raise(f, c.exc);
        ok = !c.nostore;
    }
    uint32_t fl = ((cc & X87_C3) ? 0x40u : 0) | ((cc & X87_C2) ? 0x04u : 0) | ((cc & X87_C0) ? 0x01u : 0);
    if (cpu->set_arith_flags)
        cpu->set_arith_flags(cpu->cpu, fl);
    if (ok && popit)
        pop(f);
}

/* ST(d) = ST(a) op ST(b) (register forms) with an optional pop. */
static void reg_arith(struct x87 *f, enum arith op, unsigned d, unsigned ia, unsigned ib, bool popit)
{
    if (is_empty(f, ia) || is_empty(f, ib)) {
        if (stack_fault(f, false)) {
            set_st(f, d, x87_indefinite);
            if (popit)
                pop(f);
        }
        return;
    }
    struct x87_ctx c = ctx(f);
    struct x87_reg r = arith_op(&c, op, st(f, ia), st(f, ib));
    if (!finish(f, &c))
        return;
    set_st(f, d, r);
    if (popit)
        pop(f);
}

/* ST(0) = ST(0) op mem */
static void mem_arith(struct x87 *f, enum arith op, struct x87_reg b, struct x87_ctx *c)
{
    if (op == A_COM || op == A_COMP) {
        if (is_empty(f, 0)) {
            bool masked = stack_fault(f, false);
            set_cc(f, X87_C3 | X87_C2 | X87_C0);
            if (masked && op == A_COMP)
                pop(f);
            return;
        }
        uint16_t cc = x87f_compare(c, st(f, 0), b, false);
        set_c1(f, false);
        raise(f, c->exc);
        set_cc(f, cc);
        if (c->nostore)
            return;
        if (op == A_COMP)
            pop(f);
        return;
    }
    if (is_empty(f, 0)) {
        if (stack_fault(f, false))
            set_st(f, 0, x87_indefinite);
        return;
    }
    if (c->nostore) {           /* unmasked exception converting the operand */
        finish(f, c);
        return;
    }
    struct x87_reg r = arith_op(c, op, st(f, 0), b);
    if (!finish(f, c))
        return;
    set_st(f, 0, r);
}

static void do_load(struct x87 *f, struct x87_reg v, struct x87_ctx *c)
{
    if (!is_empty(f, 7)) {
        if (stack_fault(f, true))
            push(f, x87_indefinite);
        return;
    }
    set_c1(f, false);
    raise(f, c->exc);
    if (c->nostore)
        return;
    push(f, v);
}

/* FST/FSTP m32/m64/m80/int/bcd. kind: 0 f32, 1 f64, 2 f80, 3 i16, 4 i32, 5 i64, 6 bcd */
static void do_store(struct x87 *f, const struct mem *m, int kind, bool popit)
{
    static const unsigned sizes[7] = {4, 8, 10, 2, 4, 8, 10};
    struct x87_ctx c = ctx(f);
    uint64_t v = 0;
    uint8_t bcd[10];
    struct x87_reg a = st(f, 0);
    bool empty = is_empty(f, 0);
    if (empty) {
        /* Stack underflow: unmasked, nothing is written; masked, the
         * indefinite is converted and written (flags raised after the write). */
        if (!(f->cw & X87_IE)) {
            stack_fault(f, false);
            return;
        }
        a = x87_indefinite;
        c.masks = 0x3F;
    }
    switch (kind) {
    case 0: v = x87f_to_f32(&c, a); break;
    case 1: v = x87f_to_f64(&c, a); break;
    case 2: break;
    case 3: v = (uint16_t)x87f_to_int(&c, a, 16); break;
    case 4: v = (uint32_t)x87f_to_int(&c, a, 32); break;
    case 5: v = (uint64_t)x87f_to_int(&c, a, 64); break;
    case 6: x87f_to_bcd(&c, a, bcd); break;
    }
    if (c.nostore) {
        finish(f, &c);
        return;
    }
    /* The write may fault: do it before changing the FPU state. */
    if (kind == 2) {
        wr80(m, 0, a);
    } else if (kind == 6) {
        wr(m, 0, (uint64_t)bcd[0] | (uint64_t)bcd[1] << 8 | (uint64_t)bcd[2] << 16 |
                 (uint64_t)bcd[3] << 24 | (uint64_t)bcd[4] << 32 | (uint64_t)bcd[5] << 40 |
                 (uint64_t)bcd[6] << 48 | (uint64_t)bcd[7] << 56, 8);
        wr(m, 8, (uint64_t)bcd[8] | (uint64_t)bcd[9] << 8, 2);
    } else {
        wr(m, 0, v, sizes[kind]);
    }
    if (empty)
        stack_fault(f, false);
    else
        finish(f, &c);
    if (popit)
        pop(f);
}

static void do_fst_reg(struct x87 *f, unsigned i, bool popit)
{
    if (is_empty(f, 0)) {
        if (stack_fault(f, false)) {
            set_st(f, i, x87_indefinite);
            if (popit)
                pop(f);
        }
        return;
    }
    set_c1(f, false);
    set_st(f, i, st(f, 0));
    if (popit)
        pop(f);
}

static void do_fxch(struct x87 *f, unsigned i)
{
    if (is_empty(f, 0) || is_empty(f, i)) {
        if (!stack_fault(f, false))
            return;
        if (is_empty(f, 0))
            set_st(f, 0, x87_indefinite);
        if (is_empty(f, i))
            set_st(f, i, x87_indefinite);
    } else {
        set_c1(f, false);
    }
    struct x87_reg a = st(f, 0), b = st(f, i);
    set_st(f, 0, b);
    set_st(f, i, a);
}

/* One-operand ST(0) = op(ST(0)). */
static void unary(struct x87 *f, struct x87_reg (*op)(struct x87_ctx *, struct x87_reg))
{
    if (is_empty(f, 0)) {
        if (stack_fault(f, false))
            set_st(f, 0, x87_indefinite);
        return;
    }
    struct x87_ctx c = ctx(f);
    struct x87_reg r = op(&c, st(f, 0));
    if (finish(f, &c))
        set_st(f, 0, r);
}

static const struct x87_reg constants[7] = {
    {0x8000000000000000ull, 0x3FFF},    /* FLD1 */
    {0xD49A784BCD1B8AFEull, 0x4000},    /* FLDL2T: log2(10) */
    {0xB8AA3B295C17F0BCull, 0x3FFF},    /* FLDL2E: log2(e) */
    {0xC90FDAA22168C235ull, 0x4000},    /* FLDPI */
    {0x9A209A84FBCFF799ull, 0x3FFD},    /* FLDLG2: log10(2) */
    {0xB17217F7D1CF79ACull, 0x3FFE},    /* FLDLN2: ln(2) */
    {0, 0},                             /* FLDZ */
};

/* The constants are stored rounded to nearest; other rounding modes adjust
 * the last bit where the infinitely precise value lies below/above it
 * (SDM vol. 1, 8.3.8: FLDL2T, FLDL2E, FLDPI, FLDLG2 and FLDLN2). */
static struct x87_reg load_constant(const struct x87 *f, unsigned k)
{
    struct x87_reg r = constants[k];
    unsigned rc = (f->cw >> 10) & 3;
    /* Whether the rounded-to-nearest value is above the exact one. */
    static const int8_t above[7] = {0, 0, 1, 1, 1, 1, 0};
    static const int8_t below[7] = {0, 1, 0, 0, 0, 0, 0};
    if ((rc == 1 || rc == 3) && above[k])
        r.mant--;
    if (rc == 2 && below[k])
        r.mant++;
    return r;
}

static void host_op(struct x87 *f, enum x87_host_op op)
{
    uint8_t img[108];
    uint16_t old = f->sw;
    /* The host runs with the guest's flags clear, so it cannot be trapped. */
    f->sw &= (uint16_t)~0x80FF;
    env_image(f, img, true, true);
    f->sw = old;
    for (unsigned i = 0; i < 8; i++) {
        struct x87_reg r = st(f, i);
        memcpy(img + 28 + 10 * i, &r.mant, 8);
        memcpy(img + 36 + 10 * i, &r.sign_exp, 2);
    }
    x87_host_run(op, img);
    uint16_t sw = (uint16_t)(img[4] | img[5] << 8);
    uint16_t tw = (uint16_t)(img[8] | img[9] << 8);
    unsigned t = (sw >> 11) & 7;
    for (unsigned i = 0; i < 8; i++) {
        struct x87_reg r;
        memcpy(&r.mant, img + 28 + 10 * i, 8);
        memcpy(&r.sign_exp, img + 36 + 10 * i, 2);
        f->st[(t + i) & 7] = r;
    }
    f->tw = 0;
    for (unsigned p = 0; p < 8; p++)
        set_tag(f, p, ((tw >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY : tag_of(f->st[p]));
    f->sw = (uint16_t)((sw & ~0x80FF) | (old & 0x7F) | (sw & 0x7F));
    update_es(f);
}

static struct x87_reg op_sqrt(struct x87_ctx *c, struct x87_reg a) { return x87f_sqrt(c, a); }
static struct x87_reg op_rndint(struct x87_ctx *c, struct x87_reg a) { return x87f_rndint(c, a); }

static void do_ftst(struct x87 *f)
{
    struct x87_reg z = {0, 0};
    do_compare(f, z, false, false, 0);
}

static void do_fxam(struct x87 *f)
{
    struct x87_reg a = st(f, 0);
    uint16_t cc = x87_sign(a) ? X87_C1 : 0;
    if (is_empty(f, 0)) {
        cc |= X87_C3 | X87_C0;
    } else {
        switch (x87_classify(a)) {
        case X87_UNSUPPORTED: break;
        case X87_QNAN: case X87_SNAN: cc |= X87_C0; break;
        case X87_NORMAL: cc |= X87_C2; break;
        case X87_INF: cc |= X87_C2 | X87_C0; break;
        case X87_ZERO: cc |= X87_C3; break;
        case X87_DENORMAL: cc |= X87_C3 | X87_C2; break;
        }
    }
    set_cc(f, cc);
}

static void do_two_operand(struct x87 *f, unsigned kind)
{
    /* kind: 0 FPREM, 1 FPREM1, 2 FSCALE (ST0 with ST1, result in ST0) */
    if (is_empty(f, 0) || is_empty(f, 1)) {
        if (stack_fault(f, false))
            set_st(f, 0, x87_indefinite);
        if (kind != 2)
            f->sw &= (uint16_t)~X87_C2;     /* C0 and C3 keep their values */
        return;
    }
    struct x87_ctx c = ctx(f);
    struct x87_reg r;
    uint16_t cc = 0;
    if (kind == 2)
        r = x87f_scale(&c, st(f, 0), st(f, 1));
    else
        r = x87f_prem(&c, st(f, 0), st(f, 1), kind == 1, &cc);
    if (kind != 2) {
        bool ok = !c.nostore;
        raise(f, c.exc);
        if (cc == 0xFFFF)       /* special operands: C0 and C3 keep their values */
            f->sw &= (uint16_t)~(X87_C1 | X87_C2);
        else
            set_cc(f, cc);
        if (ok)
            set_st(f, 0, r);
        return;
    }
    if (finish(f, &c))
        set_st(f, 0, r);
}

static void do_xtract(struct x87 *f)
{
    if (is_empty(f, 0)) {
        if (stack_fault(f, false)) {
            set_st(f, 0, x87_indefinite);
            push(f, x87_indefinite);
        }
        return;
    }
    if (!is_empty(f, 7)) {
        if (stack_fault(f, true)) {
            set_st(f, 0, x87_indefinite);
            push(f, x87_indefinite);
        }
        return;
    }
    struct x87_ctx c = ctx(f);
    struct x87_reg sig, e = x87f_xtract(&c, st(f, 0), &sig);
    if (!finish(f, &c))
        return;
    set_st(f, 0, e);
    push(f, sig);
}

static bool fcmov_cond(const struct x87_cpu_access *cpu, unsigned k)
{
    uint32_t fl = cpu->get_eflags ? cpu->get_eflags(cpu->cpu) : 0;
    bool cf = fl & 1, pf = (fl >> 2) & 1, zf = (fl >> 6) & 1;
    switch (k & 3) {
    case 0: return cf;          /* B */
    case 1: return zf;          /* E */
    case 2: return cf || zf;    /* BE */
    default: return pf;         /* U */
    }
}

/* FCMOVcc leaves C1 alone (but for a stack fault); a masked stack underflow
 * loads the indefinite whatever the condition. */
static void do_fcmov(struct x87 *f, const struct x87_cpu_access *cpu, unsigned k, bool negate, unsigned i)
{
    bool cond = fcmov_cond(cpu, k) != negate;
    if (is_empty(f, 0) || is_empty(f, i)) {
        if (stack_fault(f, false))
            set_st(f, 0, x87_indefinite);
        return;
    }
    if (cond)
        set_st(f, 0, st(f, i));
}

/* ---- dispatch ---- */

bool x87_is_nowait(uint8_t opcode, uint8_t modrm)
{
    unsigned reg = (modrm >> 3) & 7;
    bool mem = (modrm >> 6) != 3;
    switch (opcode) {
    case 0xD9: return mem && (reg == 6 || reg == 7);            /* FNSTENV, FNSTCW */
    case 0xDB: return !mem && modrm >= 0xE0 && modrm <= 0xE4;   /* FNENI FNDISI FNCLEX FNINIT FNSETPM */
    case 0xDD: return mem && (reg == 6 || reg == 7);            /* FNSAVE, FNSTSW m16 */
    case 0xDF: return modrm == 0xE0;                            /* FNSTSW AX */
    default: return false;
    }
}

static struct x87_reg read_mem_operand(const struct mem *m, struct x87_ctx *c, unsigned fmt)
{
    /* fmt: 0 m32real, 1 m32int, 2 m64real, 3 m16int */
    switch (fmt) {
    case 0: return x87f_from_f32(c, (uint32_t)rd(m, 0, 4));
    case 1: return x87f_from_int((int32_t)(uint32_t)rd(m, 0, 4));
    case 2: return x87f_from_f64(c, rd(m, 0, 8));
    default: return x87f_from_int((int16_t)(uint16_t)rd(m, 0, 2));
    }
}

/* Executes the instruction; returns true for a control instruction (which
 * leaves FIP/FDP/FOP alone). */
static bool exec(struct x87 *f, const struct x87_cpu_access *cpu, const struct x87_insn *in,
                 enum x87_result *res)
{
    unsigned op = in->opcode & 7, reg = (in->modrm >> 3) & 7, rm = in->modrm & 7;
    struct mem m = {cpu, in->seg, in->offset};
    *res = X87_OK;
    if (in->has_mem) {
        switch (op) {
        case 0: case 2: case 4: case 6: {   /* arithmetic with m32real/m32int/m64real/m16int */
            static const unsigned fmts[8] = {0, 0, 1, 0, 2, 0, 3, 0};
            struct x87_ctx c = ctx(f);
            c.defer_operand_checks = true;
            struct x87_reg b = read_mem_operand(&m, &c, fmts[op]);
            mem_arith(f, (enum arith)reg, b, &c);
            return false;
        }
        case 1:
            switch (reg) {
            case 0: {
                struct x87_ctx c = ctx(f);
                struct x87_reg v = x87f_from_f32(&c, (uint32_t)rd(&m, 0, 4));
                do_load(f, v, &c);
                return false;
            }
            case 2: do_store(f, &m, 0, false); return false;
            case 3: do_store(f, &m, 0, true); return false;
            case 4: load_state(f, &m, in->op32, in->protected_mode, false); return true;
            case 5:
                /* bits 13-15 do not exist; bit 6 reads as one */
                f->cw = (uint16_t)((rd(&m, 0, 2) & 0x1F3F) | 0x0040);
                update_es(f);
                return true;
            case 6:
                store_state(f, &m, in->op32, in->protected_mode, false);
                f->cw |= 0x3F;  /* FNSTENV masks all exceptions */
                update_es(f);
                return true;
            case 7: wr(&m, 0, f->cw, 2); return true;
            default: *res = X87_UD; return true;
            }
        case 3:
            switch (reg) {
            case 0: {
                struct x87_ctx c = ctx(f);
                struct x87_reg v = x87f_from_int((int32_t)(uint32_t)rd(&m, 0, 4));
                do_load(f, v, &c);
                return false;
            }
            case 2: do_store(f, &m, 4, false); return false;
            case 3: do_store(f, &m, 4, true); return false;
            case 5: {
                struct x87_ctx c = ctx(f);
                struct x87_reg v = rd80(&m, 0);
                do_load(f, v, &c);
                return false;
            }
            case 7: do_store(f, &m, 2, true); return false;
            default: *res = X87_UD; return true;  /* FISTTP (SSE3) and reserved */
            }
        case 5:
            switch (reg) {
            case 0: {
                struct x87_ctx c = ctx(f);
                struct x87_reg v = x87f_from_f64(&c, rd(&m, 0, 8));
                do_load(f, v, &c);
                return false;
            }
            case 2: do_store(f, &m, 1, false); return false;
            case 3: do_store(f, &m, 1, true); return false;
            case 4: load_state(f, &m, in->op32, in->protected_mode, true); return true;
            case 6:
                store_state(f, &m, in->op32, in->protected_mode, true);
                x87_reset(f);
                return true;
            case 7: wr(&m, 0, f->sw, 2); return true;
            default: *res = X87_UD; return true;
            }
        default: /* 7 */
            switch (reg) {
            case 0: case 5: {
                struct x87_ctx c = ctx(f);
                struct x87_reg v = reg == 0 ? x87f_from_int((int16_t)(uint16_t)rd(&m, 0, 2))
                                            : x87f_from_int((int64_t)rd(&m, 0, 8));
                do_load(f, v, &c);
                return false;
            }
            case 2: do_store(f, &m, 3, false); return false;
            case 3: do_store(f, &m, 3, true); return false;
            case 4: {
                uint8_t bcd[10];
                uint64_t lo = rd(&m, 0, 8), hi = rd(&m, 8, 2);
                for (unsigned i = 0; i < 8; i++)
                    bcd[i] = (uint8_t)(lo >> (8 * i));
                bcd[8] = (uint8_t)hi;
                bcd[9] = (uint8_t)(hi >> 8);
                struct x87_ctx c = ctx(f);
                do_load(f, x87f_from_bcd(bcd), &c);
                return false;
            }
            case 6: do_store(f, &m, 6, true); return false;
            case 7: do_store(f, &m, 5, true); return false;
            default: *res = X87_UD; return true;
            }
        }
    }

    /* Register forms. */
    switch (op) {
    case 0:     /* D8: ST0 = ST0 op ST(i) */
        if (reg == A_COM || reg == A_COMP)
            do_compare(f, st(f, rm), is_empty(f, rm), false, reg == A_COMP);
        else
            reg_arith(f, (enum arith)reg, 0, 0, rm, false);
        return false;
    case 4:     /* DC: ST(i) = ST(i) op ST0 */
    case 6: {   /* DE: the same, then pop */
        /* With ST(i) as the first operand, /4 and /6 compute ST0 - ST(i) and
         * ST0 / ST(i) (FSUBR/FDIVR ST(i),ST0), /5 and /7 ST(i) - ST0 and
         * ST(i) / ST0 (FSUB/FDIV ST(i),ST0). */
        static const enum arith swap[8] = {A_ADD, A_MUL, A_COM, A_COMP, A_SUBR, A_SUB, A_DIVR, A_DIV};
        if (reg == A_COM || reg == A_COMP) {
            if (op == 6 && reg == A_COMP && rm != 1) {
                *res = X87_UD;
                return true;
            }
            unsigned pops = op == 4 ? (reg == A_COMP) : (reg == A_COMP ? 2 : 1);
            do_compare(f, st(f, rm), is_empty(f, rm), false, pops);
            return false;
        }
        reg_arith(f, swap[reg], rm, rm, 0, op == 6);
        return false;
    }
    case 1:     /* D9 */
        switch (reg) {
        case 0: {       /* FLD ST(i) */
            struct x87_ctx c = ctx(f);
            if (is_empty(f, rm)) {
                /* an empty source is an underflow, even onto a full stack */
                if (stack_fault(f, false))
                    push(f, x87_indefinite);
                return false;
            }
            do_load(f, st(f, rm), &c);
            return false;
        }
        case 1: do_fxch(f, rm); return false;
        case 2:
            if (rm != 0) {
                *res = X87_UD;
                return true;
            }
            return false;       /* FNOP */
        case 3:     /* FSTP1, an alias of FSTP ST(i) that ignores an empty ST0 */
            if (is_empty(f, 0)) {
                set_c1(f, false);
                set_top(f, top(f) + 1);
                return false;
            }
            do_fst_reg(f, rm, true);
            return false;
        case 4:
            switch (rm) {
            case 0: case 1:     /* FCHS, FABS */
                if (is_empty(f, 0)) {
                    if (stack_fault(f, false))
                        set_st(f, 0, x87_indefinite);
                    return false;
                }
                set_c1(f, false);
                {
                    struct x87_reg a = st(f, 0);
                    a.sign_exp = (uint16_t)(rm == 0 ? a.sign_exp ^ 0x8000 : a.sign_exp & 0x7FFF);
                    set_st(f, 0, a);
                }
                return false;
            case 4: do_ftst(f); return false;
            case 5: do_fxam(f); return false;
            default: *res = X87_UD; return true;
            }
        case 5:
            if (rm == 7) {
                *res = X87_UD;
                return true;
            }
            {
                struct x87_ctx c = ctx(f);
                do_load(f, load_constant(f, rm), &c);
            }
            return false;
        case 6:
            switch (rm) {
            case 0: host_op(f, X87_HOST_F2XM1); return false;
            case 1: host_op(f, X87_HOST_FYL2X); return false;
            case 2: host_op(f, X87_HOST_FPTAN); return false;
            case 3: host_op(f, X87_HOST_FPATAN); return false;
            case 4: do_xtract(f); return false;
            case 5: do_two_operand(f, 1); return false;
            case 6: set_c1(f, false); set_top(f, top(f) - 1); return false;   /* FDECSTP */
            default: set_c1(f, false); set_top(f, top(f) + 1); return false;  /* FINCSTP */
            }
        default:
            switch (rm) {
            case 0: do_two_operand(f, 0); return false;
            case 1: host_op(f, X87_HOST_FYL2XP1); return false;
            case 2: unary(f, op_sqrt); return false;
            case 3: host_op(f, X87_HOST_FSINCOS); return false;
            case 4: unary(f, op_rndint); return false;
            case 5: do_two_operand(f, 2); return false;
            case 6: host_op(f, X87_HOST_FSIN); return false;
            default: host_op(f, X87_HOST_FCOS); return false;
            }
        }
    case 2:     /* DA */
        if (reg < 4) {
            do_fcmov(f, cpu, reg, false, rm);
            return false;
        }
        if (in->modrm == 0xE9) {
            do_compare(f, st(f, 1), is_empty(f, 1), true, 2);
            return false;
        }
        *res = X87_UD;
        return true;
    case 3:     /* DB */
        if (reg < 4) {
            do_fcmov(f, cpu, reg, true, rm);
            return false;
        }
        if (reg == 4) {
            switch (rm) {
            case 0: case 1: case 4: return true;    /* FNENI, FNDISI, FNSETPM: no-ops on a P6 */
            case 2: f->sw &= (uint16_t)~(0x80FF); return true;   /* FNCLEX */
            case 3: x87_reset(f); return true;      /* FNINIT */
            default: *res = X87_UD; return true;
            }
        }
        if (reg == 5 || reg == 6) {
            do_comi(f, cpu, rm, reg == 5, false);
            return false;
        }
        *res = X87_UD;
        return true;
    case 5:     /* DD */
        switch (reg) {
        case 0: set_c1(f, false); set_tag(f, phys(f, rm), TAG_EMPTY); return false;  /* FFREE */
        case 1: do_fxch(f, rm); return false;
        case 2: do_fst_reg(f, rm, false); return false;
        case 3: do_fst_reg(f, rm, true); return false;
        case 4: do_compare(f, st(f, rm), is_empty(f, rm), true, 0); return false;
        case 5: do_compare(f, st(f, rm), is_empty(f, rm), true, 1); return false;
        default: *res = X87_UD; return true;
        }
    default:    /* DF */
        switch (reg) {
        case 0: set_c1(f, false); set_tag(f, phys(f, rm), TAG_EMPTY); pop(f); return false;  /* FFREEP */
        case 1: do_fxch(f, rm); return false;
        case 2: case 3: do_fst_reg(f, rm, true); return false;
        case 4:
            if (rm == 0) {
                cpu->set_ax(cpu->cpu, f->sw);
                return true;
            }
            *res = X87_UD;
            return true;
        case 5: do_comi(f, cpu, rm, true, true); return false;
        case 6: do_comi(f, cpu, rm, false, true); return false;
        default: *res = X87_UD; return true;
        }
    }
}

enum x87_result x87_execute(struct x87 *f, const struct x87_cpu_access *cpu,
                            const struct x87_insn *insn)
{
    enum x87_result res;
    bool control = exec(f, cpu, insn, &res);
    if (!control && res == X87_OK) {
        f->fop = (uint16_t)(((insn->opcode & 7) << 8) | insn->modrm);
        f->fip = insn->eip;
        f->fcs = insn->cs;
        if (insn->has_mem) {
            f->fdp = insn->offset;
            f->fds = insn->ds_selector;
        }
    }
    return res;
}
