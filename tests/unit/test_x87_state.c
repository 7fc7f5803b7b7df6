/* Structural tests of the x87 (emu/cpu/x87*.c) with hand-written
 * expectations from the SDM: reset state, stack overflow/underflow
 * responses, the tag word, and the FSTENV/FSAVE images in all four layouts
 * (SDM vol. 1, 8.1.10, figures 8-9 to 8-12), plus the no-wait and #UD sets. */
#include "tests/unit/check.h"
#include "tests/unit/x87_oracle.h"
#include "emu/cpu/x87_float.h"

static struct fake_cpu cpu;

/* One instruction with a memory operand at `off` in the given mode. */
static enum x87_result run(struct x87 *f, uint8_t op, uint8_t modrm, uint32_t off, bool op32, bool pm)
{
    struct x87_cpu_access acc = {&cpu, fake_read, fake_write, fake_set_ax, fake_get_eflags,
                                 fake_set_flags};
    struct x87_insn in = {op, modrm, (modrm >> 6) != 3, 3, off, op32, pm, 0x1234, 0x00056789, 0x0FED};
    return x87_execute(f, &acc, &in);
}
static enum x87_result reg(struct x87 *f, uint8_t op, uint8_t modrm)
{
    return run(f, op, modrm, 0, true, true);
}
static uint16_t rd16(uint32_t off) { return get16(cpu.mem + off); }
static uint32_t rd32(uint32_t off) { return (uint32_t)get16(cpu.mem + off) | (uint32_t)get16(cpu.mem + off + 2) << 16; }

TEST(x87_reset_state)
{
    struct x87 f;
    x87_power_on(&f);
    CHECK_EQ_INT(f.cw, 0x0040);
    CHECK_EQ_INT(f.sw, 0);
    x87_reset(&f);
    CHECK_EQ_INT(f.cw, 0x037F);
    CHECK_EQ_INT(f.sw, 0);
    CHECK_EQ_INT(f.tw, 0xFFFF);
    CHECK(!x87_exception_pending(&f));
}

TEST(x87_stack_overflow)
{
    struct x87 f;
    x87_reset(&f);
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(reg(&f, 0xD9, 0xE8), X87_OK);           /* fld1 */
    CHECK_EQ_INT(f.sw, 0x0000);                               /* TOP wrapped back to 0 */
    CHECK_EQ_INT(f.tw, 0x0000);
    reg(&f, 0xD9, 0xEE);                                      /* fldz: overflow */
    CHECK_EQ_INT(f.sw & 0x3FFF, 0x3800 | X87_C1 | X87_SF | X87_IE);
    CHECK_EQ_INT(f.st[7].sign_exp, 0xFFFF);                   /* the indefinite, pushed */
    CHECK_EQ_INT(f.st[7].mant, 0xC000000000000000ull);
    CHECK(!x87_exception_pending(&f));                        /* IE masked */

    /* Unmasked: the stack is left alone and the exception is pending. */
    x87_reset(&f);
    cpu.mem[0] = 0x7E;                                        /* CW 037E: IM = 0 */
    cpu.mem[1] = 0x03;
    run(&f, 0xD9, 0x28, 0, true, true);                       /* fldcw */
    for (int i = 0; i < 8; i++)
        reg(&f, 0xD9, 0xE8);
    struct x87 before = f;
    reg(&f, 0xD9, 0xEE);
    CHECK_EQ_INT(f.sw, 0x0000 | X87_B | X87_ES | X87_C1 | X87_SF | X87_IE);
    CHECK(memcmp(f.st, before.st, sizeof(f.st)) == 0);
    CHECK_EQ_INT(f.tw, 0x0000);
    CHECK(x87_exception_pending(&f));
    reg(&f, 0xDB, 0xE2);                                      /* fnclex */
    CHECK(!x87_exception_pending(&f));
    CHECK_EQ_INT(f.sw, 0x0000 | X87_C1);
}

TEST(x87_stack_underflow)
{
    struct x87 f;
    x87_reset(&f);
    reg(&f, 0xD9, 0xE8);                                      /* fld1 */
    reg(&f, 0xD8, 0xC1);                                      /* fadd st0, st1 (empty) */
    CHECK_EQ_INT(f.sw & 0x3FFF, 0x3800 | X87_SF | X87_IE);    /* C1 = 0: underflow */
    CHECK_EQ_INT(f.st[7].sign_exp, 0xFFFF);
    reg(&f, 0xDD, 0xD9);                                      /* fstp st1 */
    reg(&f, 0xDD, 0xD8);                                      /* fstp st0: empty now */
    CHECK_EQ_INT((f.sw >> 11) & 7, 1);                        /* masked underflow still pops */
}

TEST(x87_tag_word)
{
    struct x87 f;
    x87_reset(&f);
    put64(cpu.mem + 64, 0x0000000000000001ull);              /* an f64 denormal */
    run(&f, 0xDD, 0x00, 64, true, true);                      /* fld m64: ST0 -> R7 */
    reg(&f, 0xD9, 0xEE);                                      /* fldz -> R6 */
    reg(&f, 0xD9, 0xE8);                                      /* fld1 -> R5 */
    put64(cpu.mem + 64, 0x7FF0000000000000ull);              /* +inf */
    run(&f, 0xDD, 0x00, 64, true, true);                      /* -> R4 */
    run(&f, 0xD9, 0x30, 256, true, true);                     /* fnstenv */
    /* R7: the denormal became a normal extended value (valid), R6 zero,
     * R5 valid, R4 special, R3..R0 empty. */
    CHECK_EQ_INT(rd16(256 + 8), 0x12FF | (0 << 14) | (1 << 12) | (0 << 10) | (2 << 8));
    CHECK_EQ_INT(rd16(256 + 8), 0x12FF);
    CHECK_EQ_INT(f.cw & 0x3F, 0x3F);                          /* FNSTENV masks everything */
    reg(&f, 0xDD, 0xC1);                                      /* ffree st1 */
    run(&f, 0xD9, 0x30, 256, true, true);
    CHECK_EQ_INT(rd16(256 + 8), 0x1EFF);
}

/* A known state for the layout tests: two registers, FIP/FDP from the last
 * instruction (cs 1234, eip 00056789, ds 0FED, offset 40). */
static void known_state(struct x87 *f)
{
    x87_reset(f);
    reg(f, 0xD9, 0xEB);                                       /* fldpi */
    put32(cpu.mem + 64, 0xC0000000u);                         /* -2.0f */
    run(f, 0xD8, 0x08, 64, true, true);                       /* fmul m32 */
}

TEST(x87_env_layout_protected32)
{
    struct x87 f;
    known_state(&f);
    memset(cpu.mem + 256, 0xAA, 128);
    run(&f, 0xD9, 0x30, 256, true, true);                     /* fnstenv, 28 bytes */
    CHECK_EQ_INT(rd16(256), 0x037F);
    CHECK_EQ_INT(rd16(256 + 4), 0x3800);
    CHECK_EQ_INT(rd16(256 + 8), 0x3FFF);
    CHECK_EQ_INT(rd32(256 + 12), 0x00056789);
    CHECK_EQ_INT(rd32(256 + 16), 0x1234 | (0x008u << 16));   /* FOP = D8 08 -> 0x008 */
    CHECK_EQ_INT(rd32(256 + 20), 64);
    CHECK_EQ_INT(rd16(256 + 24), 0x0FED);
    CHECK_EQ_INT(cpu.mem[256 + 28], 0xAA);                    /* nothing beyond */
}

TEST(x87_env_layout_real32)
{
    struct x87 f;
    known_state(&f);
    run(&f, 0xD9, 0x30, 256, true, false);                    /* fnstenv, real mode, 32-bit */
    uint32_t fip = 0x00056789 + (0x1234u << 4), fdp = 64 + (0x0FEDu << 4);
    CHECK_EQ_INT(rd16(256 + 12), fip & 0xFFFF);
    CHECK_EQ_INT(rd32(256 + 16), ((fip >> 16) << 12) | 0x008);
    CHECK_EQ_INT(rd16(256 + 20), fdp & 0xFFFF);
    CHECK_EQ_INT(rd32(256 + 24), (fdp >> 16) << 12);
}

TEST(x87_env_layout_16bit)
{
    struct x87 f;
    known_state(&f);
    memset(cpu.mem + 256, 0xAA, 128);
    run(&f, 0xD9, 0x30, 256, false, true);                    /* protected, 16-bit: 14 bytes */
    CHECK_EQ_INT(rd16(256), 0x037F);
    CHECK_EQ_INT(rd16(256 + 2), 0x3800);
    CHECK_EQ_INT(rd16(256 + 4), 0x3FFF);
    CHECK_EQ_INT(rd16(256 + 6), 0x6789);
    CHECK_EQ_INT(rd16(256 + 8), 0x1234);
    CHECK_EQ_INT(rd16(256 + 10), 64);
    CHECK_EQ_INT(rd16(256 + 12), 0x0FED);
    CHECK_EQ_INT(cpu.mem[256 + 14], 0xAA);
    known_state(&f);
    run(&f, 0xD9, 0x30, 256, false, false);                   /* real, 16-bit */
    uint32_t fip = 0x00056789 + (0x1234u << 4), fdp = 64 + (0x0FEDu << 4);
    CHECK_EQ_INT(rd16(256 + 6), fip & 0xFFFF);
    CHECK_EQ_INT(rd16(256 + 8), ((fip >> 16) & 0xF) << 12 | 0x008);
    CHECK_EQ_INT(rd16(256 + 10), fdp & 0xFFFF);
    CHECK_EQ_INT(rd16(256 + 12), ((fdp >> 16) & 0xF) << 12);
}

/* FNSAVE then FRSTOR gives the same state back, in every layout; FNSAVE
 * leaves the FPU initialized. */
TEST(x87_save_restore_layouts)
{
    for (int mode = 0; mode < 4; mode++) {
        bool op32 = mode & 1, pm = mode & 2;
        struct x87 f, g;
        known_state(&f);
        reg(&f, 0xD9, 0xEA);                                  /* fldl2e */
        memset(cpu.mem + 256, 0, 128);
        run(&f, 0xDD, 0x30, 256, op32, pm);                   /* fnsave */
        unsigned regs = op32 ? 28 : 14;
        CHECK_EQ_INT(get64(cpu.mem + 256 + regs), 0xB8AA3B295C17F0BCull);     /* ST0 = log2(e) */
        CHECK_EQ_INT(get16(cpu.mem + 256 + regs + 8), 0x3FFF);
        CHECK_EQ_INT(get64(cpu.mem + 256 + regs + 10), 0xC90FDAA22168C235ull);/* ST1 = -2 pi */
        CHECK_EQ_INT(get16(cpu.mem + 256 + regs + 18), 0xC001);
        CHECK_EQ_INT(f.cw, 0x037F);
        CHECK_EQ_INT(f.tw, 0xFFFF);
        x87_reset(&g);
        run(&g, 0xDD, 0x20, 256, op32, pm);                   /* frstor */
        CHECK_EQ_INT(g.sw, 0x3000);
        CHECK_EQ_INT(g.st[6].mant, 0xB8AA3B295C17F0BCull);
        CHECK_EQ_INT(g.st[7].sign_exp, 0xC001);
        CHECK_EQ_INT(g.fop, (op32 || !pm) ? 0x1EA : 0);      /* FLDL2E; 16-bit protected has no FOP */
        memset(cpu.mem + 512, 0, 128);
        run(&g, 0xDD, 0x30, 512, op32, pm);
        CHECK(memcmp(cpu.mem + 256, cpu.mem + 512, regs + 80) == 0);
    }
}

/* FXSAVE image (SDM vol. 1, table 10-2): FCW, FSW, abridged tag byte,
 * FOP, FIP/FCS, FDP/FDS, ST(i) at 32 + 16 i; FXRSTOR brings it all back. */
TEST(x87_fxsave_fxrstor_image)
{
    struct x87_cpu_access acc = {&cpu, fake_read, fake_write, fake_set_ax, fake_get_eflags,
                                 fake_set_flags};
    struct x87 f, g;
    known_state(&f);
    reg(&f, 0xD9, 0xEA);                                      /* fldl2e */
    memset(cpu.mem + 1024, 0xEE, 512);
    x87_fxsave(&f, &acc, 3, 1024);
    CHECK_EQ_INT(rd16(1024), 0x037F);
    CHECK_EQ_INT(rd16(1024 + 2), 0x3000);                     /* TOP = 6 */
    CHECK_EQ_INT(cpu.mem[1024 + 4], 0xC0);                    /* R6, R7 in use */
    CHECK_EQ_INT(rd16(1024 + 6), 0x1EA);                      /* FOP of FLDL2E */
    CHECK_EQ_INT(rd32(1024 + 8), 0x00056789);
    CHECK_EQ_INT(rd16(1024 + 12), 0x1234);
    CHECK_EQ_INT(get64(cpu.mem + 1024 + 32), 0xB8AA3B295C17F0BCull);   /* ST0 */
    CHECK_EQ_INT(rd16(1024 + 40), 0x3FFF);
    CHECK_EQ_INT(get64(cpu.mem + 1024 + 48), 0xC90FDAA22168C235ull);   /* ST1 */
    CHECK_EQ_INT(rd16(1024 + 56), 0xC001);
    CHECK_EQ_INT(cpu.mem[1024 + 160], 0xEE);                  /* XMM area untouched */
    x87_reset(&g);
    x87_fxrstor(&g, &acc, 3, 1024);
    CHECK_EQ_INT(g.sw, 0x3000);
    CHECK_EQ_INT(g.st[6].mant, 0xB8AA3B295C17F0BCull);
    CHECK_EQ_INT(g.st[7].sign_exp, 0xC001);
    CHECK_EQ_INT(g.tw, f.tw);
    CHECK_EQ_INT(g.fop, 0x1EA);
}

TEST(x87_fnstsw_ax_and_fcomi)
{
    struct x87 f;
    x87_reset(&f);
    reg(&f, 0xD9, 0xE8);                                      /* fld1 */
    reg(&f, 0xD9, 0xEE);                                      /* fldz */
    cpu.eflags_out = 0x8D5;
    reg(&f, 0xDB, 0xF1);                                      /* fcomi st0, st1: 0 < 1 */
    CHECK_EQ_INT(cpu.eflags_out & 0x8D5, 0x001);              /* CF */
    reg(&f, 0xDF, 0xE9);                                      /* fucomip: pops */
    CHECK_EQ_INT((f.sw >> 11) & 7, 7);
    reg(&f, 0xD8, 0xD1);                                      /* fcom st1 (empty): unordered */
    cpu.ax = 0;
    reg(&f, 0xDF, 0xE0);                                      /* fnstsw ax */
    CHECK_EQ_INT(cpu.ax, 0x3800 | X87_C3 | X87_C2 | X87_C0 | X87_SF | X87_IE);
}

TEST(x87_undefined_and_nowait)
{
    struct x87 f;
    x87_reset(&f);
    static const uint8_t ud[][2] = {
        {0xD9, 0xD1}, {0xD9, 0xE2}, {0xD9, 0xE3}, {0xD9, 0xE6}, {0xD9, 0xE7}, {0xD9, 0xEF},
        {0xDA, 0xE8}, {0xDA, 0xF0}, {0xDB, 0xE5}, {0xDB, 0xF8}, {0xDD, 0xF0}, {0xDD, 0xF8},
        {0xDE, 0xD8}, {0xDF, 0xE1}, {0xDF, 0xF8}, {0xD9, 0x08}, {0xDB, 0x08}, {0xDD, 0x08},
        {0xDF, 0x08}, {0xDB, 0x20}, {0xDB, 0x30}, {0xDD, 0x28},
    };
    for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
        struct x87 before = f;
        CHECK_EQ_INT(reg(&f, ud[i][0], ud[i][1]), X87_UD);
        CHECK(memcmp(&before, &f, sizeof(f)) == 0);
    }
    CHECK(x87_is_nowait(0xDB, 0xE3));                         /* fninit */
    CHECK(x87_is_nowait(0xDB, 0xE2));                         /* fnclex */
    CHECK(x87_is_nowait(0xDF, 0xE0));                         /* fnstsw ax */
    CHECK(x87_is_nowait(0xD9, 0x38));                         /* fnstcw */
    CHECK(x87_is_nowait(0xD9, 0x30));                         /* fnstenv */
    CHECK(x87_is_nowait(0xDD, 0x76));                         /* fnsave */
    CHECK(x87_is_nowait(0xDD, 0x3E));                         /* fnstsw m16 */
    CHECK(!x87_is_nowait(0xD9, 0x28));                        /* fldcw */
    CHECK(!x87_is_nowait(0xDD, 0x20));                        /* frstor */
    CHECK(!x87_is_nowait(0xD8, 0xC1));
}
