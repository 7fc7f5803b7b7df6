/* The lazy arithmetic flags of emu/cpu/flags.c (SDM vol. 1 3.4.3.1 and B.1
 * condition codes): every condition taken straight from a pending CMP/SUB or
 * from a pending op marked LF_ROT by a rotate must equal the same condition
 * read from the materialised EFLAGS. */
#include "emu/cpu/cpu_int.h"
#include "tests/unit/check.h"

static struct cpu c;   /* only the flag fields are used */
static uint32_t seed = 12345;

static uint32_t rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) | (seed << 16);
}

static void set_lazy(int op, uint32_t a, uint32_t b, uint32_t r, unsigned sz, uint32_t flags)
{
    c.flags = flags;
    c.lf_op = (uint8_t)op;
    c.lf_a = a;
    c.lf_b = b;
    c.lf_res = r;
    c.lf_sz = (uint8_t)sz;
    c.lf_cin = 0;
}

/* Operand pairs with the edge cases: equal, off by one, sign boundaries. */
static void operands(int i, unsigned sz, uint32_t *a, uint32_t *b)
{
    uint32_t m = sz_mask(sz), sign = 1u << (sz * 8 - 1);
    *a = rnd();
    *b = rnd();
    switch (i % 6) {
    case 0: *b = *a; break;
    case 1: *b = *a + 1; break;
    case 2: *a = sign ^ (rnd() & 3); break;
    case 3: *b = sign - 1 + (rnd() & 3); break;
    default: break;
    }
    *a &= m;
    *b &= m;
}

TEST(cond_from_pending_cmp)
{
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        unsigned sz = (unsigned[]){1, 2, 4}[i % 3];
        uint32_t a, b;
        operands(i / 3, sz, &a, &b);
        for (int cc = 0; cc < 16; cc++) {
            set_lazy(LF_SUB, a, b, a - b, sz, 2);
            bool lazy = cpu_cond(&c, cc);
            set_lazy(LF_SUB, a, b, a - b, sz, 2);
            cpu_get_flags(&c);   /* materialised: LF_NONE */
            if (lazy != cpu_cond(&c, cc) && !bad++)
                fprintf(stderr, "CMP size %u %#x, %#x: cc %d lazy %d\n", sz, a, b, cc, lazy);
        }
    }
    CHECK(bad == 0);
}

TEST(rotate_keeps_lazy_szap)
{
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        unsigned sz = (unsigned[]){1, 2, 4}[i % 3];
        uint32_t a, b;
        operands(i / 3, sz, &a, &b);
        int op = (int[]){LF_ADD, LF_SUB, LF_LOGIC, LF_INC, LF_DEC}[i % 5];
        uint32_t r = op == LF_SUB || op == LF_DEC ? a - b : op == LF_LOGIC ? a & b : a + b;
        /* What the rotate wrote into EFLAGS: CF and OF (plus DF, kept). */
        uint32_t rot = (rnd() & (F_CF | F_OF)) | F_DF | 2;
        set_lazy(op, a, b, r, sz, 2);
        uint32_t before = cpu_get_flags(&c);
        uint32_t want = (before & ~(F_CF | F_OF | F_DF)) | rot;
        set_lazy(op, a, b, r, sz, rot);
        c.lf_op |= LF_ROT;
        bool cf = cpu_cf(&c);
        bool z = cpu_cond(&c, 4);
        uint32_t got = cpu_get_flags(&c);
        if ((got != want || cf != !!(rot & F_CF) || z != !!(want & F_ZF)) && !bad++)
            fprintf(stderr, "op %d size %u %#x, %#x: flags %#x want %#x\n", op, sz, a, b, got, want);
    }
    CHECK(bad == 0);
}


/* The inline conditions of the fast path (cpu_cond_fast) after every lazy
 * op, including the CMP/SUB and TEST/AND/OR/XOR shortcuts. */
TEST(inline_cond_matches_materialised_flags)
{
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        unsigned sz = (unsigned[]){1, 2, 4}[i % 3];
        uint32_t a, b;
        operands(i / 3, sz, &a, &b);
        int op = (int[]){LF_SUB, LF_LOGIC, LF_ADD, LF_INC, LF_DEC, LF_SUB | LF_ROT}[i % 6];
        int base = op & ~LF_ROT;
        uint32_t r = base == LF_SUB || base == LF_DEC ? a - b : base == LF_LOGIC ? (i & 8 ? a & b : a ^ b) : a + b;
        uint32_t fl = 2 | (rnd() & (F_CF | F_OF));
        for (int cc = 0; cc < 16; cc++) {
            set_lazy(op, a, b, r, sz, fl);
            c.lf_cin = i & 1;
            bool fast = cpu_cond_fast(&c, cc);
            set_lazy(op, a, b, r, sz, fl);
            c.lf_cin = i & 1;
            cpu_get_flags(&c);
            if (fast != cpu_cond(&c, cc) && !bad++)
                fprintf(stderr, "op %d size %u %#x, %#x: cc %d inline %d\n", op, sz, a, b, cc, fast);
        }
    }
    CHECK(bad == 0);
}
