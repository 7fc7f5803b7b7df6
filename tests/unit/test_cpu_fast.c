/* The CPU's fast forms (emu/cpu/exec_fast.h) and their translation to host
 * code (emu/cpu/jit_x64.c) against its ordinary decoder: every form, with
 * random registers, flags, memory and address modes, runs once to be
 * classified, then from the same state translated, through the fast path
 * and through the ordinary path (decode cache emptied), and the results
 * must be equal: registers, EIP, EFLAGS, data and stack memory, the retired
 * count. The
 * ordinary path is the one held to the recorded hardware tests (cpu/sst.t)
 * and the guest programs (cpu/guest.t). Faults (segment limit) and the
 * single-step trap are delivered through an IDT whose handlers halt, so the
 * pushed frame (the restart EIP) is compared too. */
#include "emu/cpu/cpu_int.h"
#include "emu/io.h"
#include "emu/memory.h"
#include "tests/unit/check.h"

#define RAM_SIZE (2u << 20)
#define GDT 0x1000u
#define IDT 0x2000u
#define HANDLER 0x3000u     /* every vector: HLT */
#define STACK 0x80000u      /* ESP lies just below */
#define CODE 0x10000u
#define DATA 0x100000u      /* random bytes, what memory forms touch */
#define DATA_LEN 0x8000u
#define FS_BASE 0x400u      /* FS:off = DATA-relative through a nonzero base */

static struct guest_memory *mem;
static struct io_bus *io;
static struct cpu *cpu;
static uint8_t *ram;
static uint32_t seed = 0x2545f491;

static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

/* Operand values with the edges that flags care about. */
static uint32_t value(void)
{
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return 0xffffffffu;
    case 2: return 0x80000000u;
    case 3: return 0x7fffffffu;
    case 4: return rnd() & 0xff;
    default: return rnd();
    }
}

static void put32(uint32_t a, uint32_t v) { memcpy(ram + a, &v, 4); }
static uint32_t get32(uint32_t a) { uint32_t v; memcpy(&v, ram + a, 4); return v; }

static void machine_init(void)
{
    if (cpu)
        return;
    mem = gmem_create(RAM_SIZE, RAM_SIZE);
    io = io_bus_create();
    cpu = cpu_create(mem, io);
    ram = gmem_ram(mem);
    cpu_set_a20(cpu, true);
    /* GDT: null, flat code 0x08, flat data 0x10 (interrupt delivery loads CS). */
    put32(GDT + 8, 0x0000ffffu);
    put32(GDT + 12, 0x00cf9a00u);
    put32(GDT + 16, 0x0000ffffu);
    put32(GDT + 20, 0x00cf9200u);
    for (uint32_t v = 0; v < 32; v++) {   /* 32-bit interrupt gates to HANDLER */
        put32(IDT + v * 8, (0x08u << 16) | (HANDLER & 0xffff));
        put32(IDT + v * 8 + 4, (HANDLER & 0xffff0000u) | 0x8e00u);
    }
    ram[HANDLER] = 0xf4;
}

struct state {
    uint64_t retired;       /* by the compared run */
    struct cpu_regs r;
    uint8_t data[DATA_LEN];
    uint8_t stack[0x1000];
};

static void state_load(const struct state *s)
{
    memcpy(ram + DATA, s->data, DATA_LEN);
    memcpy(ram + STACK - 0x800, s->stack, sizeof(s->stack));
    cpu_set_regs(cpu, &s->r);
    /* EFLAGS are whole now (lf_op none): the lazy operands are stale, and
     * must not be what an earlier pass of the same code left there. */
    cpu->lf_a = rnd();
    cpu->lf_b = rnd();
    cpu->lf_res = rnd();
    cpu->lf_cin = rnd() & 1;
}

static void state_save(struct state *s)
{
    memcpy(s->data, ram + DATA, DATA_LEN);
    memcpy(s->stack, ram + STACK - 0x800, sizeof(s->stack));
    cpu_get_regs(cpu, &s->r);
}

static void flat(struct cpu_seg_state *sg, uint16_t sel, uint32_t base, uint16_t attr)
{
    sg->sel = sel;
    sg->base = base;
    sg->limit = 0xffffffffu;
    sg->attr = attr;
}

/* A random 32-bit flat protected-mode state at CODE. */
static void state_random(struct state *s, bool tf)
{
    memset(&s->r, 0, sizeof(s->r));
    for (int i = 0; i < 8; i++)
        s->r.gpr[i] = value();
    /* The registers the memory forms address with point into DATA. */
    s->r.gpr[CPU_ESI] = DATA + (rnd() & 0x1ff0) + (rnd() & 3);
    s->r.gpr[CPU_EBX] = DATA + (rnd() & 0x1ff0);
    s->r.gpr[CPU_EBP] = DATA + 0x2000 + (rnd() & 0xff0);
    s->r.gpr[CPU_EDI] = rnd() & 0xff;
    s->r.gpr[CPU_ESP] = STACK - (rnd() & 0x3f0);
    s->r.eip = CODE;
    s->r.eflags = 2 | (rnd() & (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)) | (tf ? F_TF : 0);
    s->r.cr0 = CR0_PE | CR0_ET;
    flat(&s->r.seg[CPU_CS], 0x08, 0, 0x9b | 0xc00);
    flat(&s->r.seg[CPU_SS], 0x10, 0, 0x93 | 0xc00);
    flat(&s->r.seg[CPU_DS], 0x10, 0, 0x93 | 0xc00);
    flat(&s->r.seg[CPU_ES], 0x10, 0, 0x93 | 0xc00);
    flat(&s->r.seg[CPU_FS], 0x10, FS_BASE, 0x93 | 0xc00);
    flat(&s->r.seg[CPU_GS], 0x10, 0, 0x93 | 0xc00);
    s->r.tr.attr = 0x8b;
    s->r.gdt_base = GDT;
    s->r.gdt_limit = 23;
    s->r.idt_base = IDT;
    s->r.idt_limit = 32 * 8 - 1;
    for (uint32_t i = 0; i < DATA_LEN; i += 4) {
        uint32_t v = rnd();
        memcpy(s->data + i, &v, 4);
    }
    for (uint32_t i = 0; i < sizeof(s->stack); i += 4) {
        uint32_t v = CODE + (rnd() & 0xff);   /* RET targets near the code */
        memcpy(s->stack + i, &v, 4);
    }
}

/* The instructions under test: opcode bytes, then what follows them. */
enum { M_REG, M_MEM, M_NONE };            /* ModRM: register, memory, no ModRM */
enum { I_NONE, I_8, I_32, I_REL8, I_REL32, I_MOFFS };   /* I_MOFFS: a 32-bit offset into DATA */
struct form {
    const char *name;
    uint8_t pfx;    /* 0x66 or 0 */
    uint8_t op[2];
    uint8_t op_len;
    int modrm;
    int ext;        /* ModRM reg field, or -1: random */
    int imm;
};

static const struct form forms[] = {
    {"ALU Ev,Gv", 0, {0x01}, 1, M_REG, -1, I_NONE},   /* op byte + 8 * aop below */
    {"ALU Gv,Ev", 0, {0x03}, 1, M_REG, -1, I_NONE},
    {"ALU [m],Gv", 0, {0x01}, 1, M_MEM, -1, I_NONE},
    {"ALU Gv,[m]", 0, {0x03}, 1, M_MEM, -1, I_NONE},
    {"ALU eAX,imm32", 0, {0x05}, 1, M_NONE, -1, I_32},
    {"grp1 Ev,Iv", 0, {0x81}, 1, M_REG, -1, I_32},
    {"grp1 Ev,Ib", 0, {0x83}, 1, M_REG, -1, I_8},
    {"grp1 [m],Iv", 0, {0x81}, 1, M_MEM, -1, I_32},
    {"grp1 [m],Ib", 0, {0x83}, 1, M_MEM, -1, I_8},
    {"INC r", 0, {0x40}, 1, M_NONE, -1, I_NONE},
    {"DEC r", 0, {0x48}, 1, M_NONE, -1, I_NONE},
    {"PUSH r", 0, {0x50}, 1, M_NONE, -1, I_NONE},
    {"POP r", 0, {0x58}, 1, M_NONE, -1, I_NONE},
    {"PUSH imm32", 0, {0x68}, 1, M_NONE, -1, I_32},
    {"PUSH imm8", 0, {0x6a}, 1, M_NONE, -1, I_8},
    {"IMUL Gv,Ev,Iv", 0, {0x69}, 1, M_REG, -1, I_32},
    {"IMUL Gv,Ev,Ib", 0, {0x6b}, 1, M_REG, -1, I_8},
    {"Jcc rel8", 0, {0x70}, 1, M_NONE, -1, I_REL8},
    {"TEST Ev,Gv", 0, {0x85}, 1, M_REG, -1, I_NONE},
    {"MOV [m],Gb", 0, {0x88}, 1, M_MEM, -1, I_NONE},
    {"MOV Ev,Gv", 0, {0x89}, 1, M_REG, -1, I_NONE},
    {"MOV [m],Gv", 0, {0x89}, 1, M_MEM, -1, I_NONE},
    {"MOV Gb,[m]", 0, {0x8a}, 1, M_MEM, -1, I_NONE},
    {"MOV Gv,Ev", 0, {0x8b}, 1, M_REG, -1, I_NONE},
    {"MOV Gv,[m]", 0, {0x8b}, 1, M_MEM, -1, I_NONE},
    {"MOV AL,moffs", 0, {0xa0}, 1, M_NONE, -1, I_MOFFS},
    {"MOV EAX,moffs", 0, {0xa1}, 1, M_NONE, -1, I_MOFFS},
    {"MOV moffs,AL", 0, {0xa2}, 1, M_NONE, -1, I_MOFFS},
    {"MOV moffs,EAX", 0, {0xa3}, 1, M_NONE, -1, I_MOFFS},
    {"LEA", 0, {0x8d}, 1, M_MEM, -1, I_NONE},
    {"NOP", 0, {0x90}, 1, M_NONE, -1, I_NONE},
    {"TEST eAX,imm32", 0, {0xa9}, 1, M_NONE, -1, I_32},
    {"MOV r,imm32", 0, {0xb8}, 1, M_NONE, -1, I_32},
    {"shift Ev,Ib", 0, {0xc1}, 1, M_REG, -1, I_8},
    {"RET", 0, {0xc3}, 1, M_NONE, -1, I_NONE},
    {"MOV Ev,Iv", 0, {0xc7}, 1, M_REG, 0, I_32},
    {"MOV [m],Iv", 0, {0xc7}, 1, M_MEM, 0, I_32},
    {"shift Ev,1", 0, {0xd1}, 1, M_REG, -1, I_NONE},
    {"CALL rel32", 0, {0xe8}, 1, M_NONE, -1, I_REL32},
    {"JMP rel32", 0, {0xe9}, 1, M_NONE, -1, I_REL32},
    {"JMP rel8", 0, {0xeb}, 1, M_NONE, -1, I_REL8},
    {"TEST Ev,Iv", 0, {0xf7}, 1, M_REG, 0, I_32},
    {"Jcc rel32", 0, {0x0f, 0x80}, 2, M_NONE, -1, I_REL32},
    {"IMUL Gv,Ev", 0, {0x0f, 0xaf}, 2, M_REG, -1, I_NONE},
    {"MOVZX Gv,Eb", 0, {0x0f, 0xb6}, 2, M_REG, -1, I_NONE},
    {"MOVZX Gv,Ew", 0, {0x0f, 0xb7}, 2, M_REG, -1, I_NONE},
    {"MOVSX Gv,Eb", 0, {0x0f, 0xbe}, 2, M_REG, -1, I_NONE},
    {"MOVSX Gv,Ew", 0, {0x0f, 0xbf}, 2, M_REG, -1, I_NONE},
    {"MOVZX Gv,[m]b", 0, {0x0f, 0xb6}, 2, M_MEM, -1, I_NONE},
    {"MOVZX Gv,[m]w", 0, {0x0f, 0xb7}, 2, M_MEM, -1, I_NONE},
    {"MOVSX Gv,[m]b", 0, {0x0f, 0xbe}, 2, M_MEM, -1, I_NONE},
    {"MOVSX Gv,[m]w", 0, {0x0f, 0xbf}, 2, M_MEM, -1, I_NONE},
    {"ALU Eb,Gb", 0, {0x00}, 1, M_REG, -1, I_NONE},
    {"ALU Gb,Eb", 0, {0x02}, 1, M_REG, -1, I_NONE},
    {"ALU [m],Gb", 0, {0x00}, 1, M_MEM, -1, I_NONE},
    {"ALU Gb,[m]", 0, {0x02}, 1, M_MEM, -1, I_NONE},
    {"ALU AL,imm8", 0, {0x04}, 1, M_NONE, -1, I_8},
    {"grp1 Eb,Ib", 0, {0x80}, 1, M_REG, -1, I_8},
    {"grp1 [m]b,Ib", 0, {0x80}, 1, M_MEM, -1, I_8},
    {"TEST Eb,Gb", 0, {0x84}, 1, M_REG, -1, I_NONE},
    {"TEST [m],Gb", 0, {0x84}, 1, M_MEM, -1, I_NONE},
    {"TEST [m],Gv", 0, {0x85}, 1, M_MEM, -1, I_NONE},
    {"TEST AL,imm8", 0, {0xa8}, 1, M_NONE, -1, I_8},
    {"TEST Eb,Ib", 0, {0xf6}, 1, M_REG, 0, I_8},
    {"TEST [m]b,Ib", 0, {0xf6}, 1, M_MEM, 0, I_8},
    {"MOV Eb,Gb", 0, {0x88}, 1, M_REG, -1, I_NONE},
    {"MOV Gb,Eb", 0, {0x8a}, 1, M_REG, -1, I_NONE},
    {"MOV r8,imm8", 0, {0xb0}, 1, M_NONE, -1, I_8},
    {"MOV Eb,Ib", 0, {0xc6}, 1, M_REG, 0, I_8},
    {"MOV [m]b,Ib", 0, {0xc6}, 1, M_MEM, 0, I_8},
    {"MOV [m],Gw", 0x66, {0x89}, 1, M_MEM, -1, I_NONE},
    {"MOV Ew,Gw", 0x66, {0x89}, 1, M_REG, -1, I_NONE},
    {"MOV Gw,[m]", 0x66, {0x8b}, 1, M_MEM, -1, I_NONE},
    {"MOV Gw,Ew", 0x66, {0x8b}, 1, M_REG, -1, I_NONE},
    {"shift Ew,Ib", 0x66, {0xc1}, 1, M_REG, -1, I_8},
    {"shift Ew,1", 0x66, {0xd1}, 1, M_REG, -1, I_NONE},
    {"shift Ev,CL", 0, {0xd3}, 1, M_REG, -1, I_NONE},
    {"INC [m]", 0, {0xff}, 1, M_MEM, 0, I_NONE},
    {"DEC [m]", 0, {0xff}, 1, M_MEM, 1, I_NONE},
    {"CALL r", 0, {0xff}, 1, M_REG, 2, I_NONE},
    {"CALL [m]", 0, {0xff}, 1, M_MEM, 2, I_NONE},
    {"JMP r", 0, {0xff}, 1, M_REG, 4, I_NONE},
    {"JMP [m]", 0, {0xff}, 1, M_MEM, 4, I_NONE},
    {"PUSH [m]", 0, {0xff}, 1, M_MEM, 6, I_NONE},
    {"NOT r", 0, {0xf7}, 1, M_REG, 2, I_NONE},
    {"NEG r", 0, {0xf7}, 1, M_REG, 3, I_NONE},
    {"SETcc r", 0, {0x0f, 0x90}, 2, M_REG, -1, I_NONE},
    {"SETcc [m]", 0, {0x0f, 0x90}, 2, M_MEM, -1, I_NONE},
    {"CMOVcc r", 0, {0x0f, 0x40}, 2, M_REG, -1, I_NONE},
    {"CMOVcc [m]", 0, {0x0f, 0x40}, 2, M_MEM, -1, I_NONE},
};

/* Emits a memory operand (ModRM + SIB + displacement) with register field
 * reg, in one of the 32-bit addressing forms; returns its length. */
static unsigned emit_mem(uint8_t *p, unsigned reg)
{
    uint8_t d8 = (uint8_t)(rnd() & 0x7c);
    switch (rnd() % 9) {
    case 8: {                                                                /* [edi*4+disp32] */
        uint32_t a = DATA + 0x4000 + (rnd() & 0xff0);
        p[0] = (uint8_t)(0x04 | reg << 3);
        p[1] = 0xbd;
        memcpy(p + 2, &a, 4);
        return 6;
    }
    case 0: p[0] = (uint8_t)(0x06 | reg << 3); return 1;                    /* [esi] */
    case 1: p[0] = (uint8_t)(0x43 | reg << 3); p[1] = d8; return 2;         /* [ebx+d8] */
    case 2: p[0] = (uint8_t)(0x44 | reg << 3); p[1] = 0xbe; p[2] = d8; return 3;   /* [esi+edi*4+d8] */
    case 3: {                                                                /* [disp32] */
        uint32_t a = DATA + 0x4000 + (rnd() & 0xff0);
        p[0] = (uint8_t)(0x05 | reg << 3);
        memcpy(p + 1, &a, 4);
        return 5;
    }
    case 4: {                                                                /* [ebp+d32]: SS */
        uint32_t a = rnd() & 0x3f0;
        p[0] = (uint8_t)(0x85 | reg << 3);
        memcpy(p + 1, &a, 4);
        return 5;
    }
    case 5: p[0] = (uint8_t)(0x44 | reg << 3); p[1] = 0x24; p[2] = d8; return 3;   /* [esp+d8]: SS */
    case 6: p[0] = (uint8_t)(0x04 | reg << 3); p[1] = 0x3b; return 2;        /* [ebx+edi] */
    default: p[0] = (uint8_t)(0x04 | reg << 3); p[1] = 0x7e; return 2;       /* [esi+edi*2] */
    }
}

/* Emits one instance of form f; returns its length. */
static unsigned emit(uint8_t *p, const struct form *f)
{
    unsigned n = 0;
    if (f->modrm == M_MEM && rnd() % 4 == 0)
        p[n++] = 0x64;   /* FS: through a segment base */
    if (f->pfx)
        p[n++] = f->pfx;
    memcpy(p + n, f->op, f->op_len);
    uint8_t *opb = p + n + f->op_len - 1;
    n += f->op_len;
    /* The opcode families: ALU op + 8 * aop, the register in the low bits,
     * the condition in the low nibble. */
    if (f->op_len == 1 && f->op[0] < 0x40)
        *opb = (uint8_t)(*opb + 8 * (rnd() % 8));
    else if ((f->op[0] & 0xf8) == 0x40 || (f->op[0] & 0xf8) == 0x48 || (f->op[0] & 0xf8) == 0x50 ||
             (f->op[0] & 0xf8) == 0x58 || f->op[0] == 0xb8 || f->op[0] == 0xb0)
        *opb = (uint8_t)(*opb + rnd() % 8);
    else if (f->op[0] == 0x70 || (f->op_len == 2 && (f->op[1] == 0x80 || f->op[1] == 0x90 || f->op[1] == 0x40)))
        *opb = (uint8_t)(*opb + rnd() % 16);
    unsigned reg = f->ext >= 0 ? (unsigned)f->ext : rnd() % 8;
    if ((f->op[0] == 0xc1 || f->op[0] == 0xd1 || f->op[0] == 0xd3) && reg == 6)
        reg = 4;
    if (f->modrm == M_REG)
        p[n++] = (uint8_t)(0xc0 | reg << 3 | (rnd() % 8));
    else if (f->modrm == M_MEM)
        n += emit_mem(p + n, reg);
    uint32_t v;
    switch (f->imm) {
    case I_8: p[n++] = (uint8_t)(f->op[0] == 0xc1 ? rnd() % 40 : value()); break;
    case I_32: v = value(); memcpy(p + n, &v, 4); n += 4; break;
    case I_REL8: p[n++] = (uint8_t)(rnd() % 16); break;
    case I_REL32: v = rnd() % 64; memcpy(p + n, &v, 4); n += 4; break;
    case I_MOFFS: v = DATA + rnd() % (DATA_LEN - 4); memcpy(p + n, &v, 4); n += 4; break;
    default: break;
    }
    return n;
}

/* Instructions run before the one under test, so that it meets every kind
 * of pending lazy flags state (or none). */
/* The last six end their run with a JMP to the next instruction, so that
 * the tested form starts a run of its own and finds the flags as an
 * earlier run left them (the translator looks at them when the code runs). */
static const uint8_t setters[][6] = {
    {0}, {0x39, 0xd8}, {0x29, 0xca}, {0x01, 0xd8}, {0x11, 0xd8}, {0x40}, {0x48},
    {0x21, 0xc9}, {0xc1, 0xe0, 0x05}, {0xd1, 0xc8}, {0x85, 0xc0},
    {0x39, 0xd8, 0xeb, 0x00}, {0x01, 0xd8, 0xeb, 0x00}, {0x21, 0xc9, 0xeb, 0x00},
    {0xc1, 0xe0, 0x05, 0xeb, 0x00}, {0x28, 0xd8, 0xeb, 0x00}, {0x48, 0xeb, 0x00},
    /* More lazy states before a run boundary (gen_cf_edx_lazy, gen_cond):
     * SBB, ADC, INC, AND r8, SUB r16, and a ROR after a CMP (LF_ROT). */
    {0x19, 0xd8, 0xeb, 0x00}, {0x11, 0xd8, 0xeb, 0x00}, {0x40, 0xeb, 0x00}, {0x20, 0xd8, 0xeb, 0x00},
    {0x66, 0x29, 0xd8, 0xeb, 0x00}, {0x39, 0xd8, 0xd1, 0xc8, 0xeb, 0x00},
};
static const uint8_t setter_len[] = {0, 2, 2, 2, 2, 1, 1, 2, 3, 2, 2, 4, 4, 4, 5, 4, 3, 4, 4, 3, 4, 5, 6};
static const uint8_t setter_insns[] = {0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3};
_Static_assert(sizeof setter_len == sizeof setters / sizeof setters[0] &&
               sizeof setter_insns == sizeof setters / sizeof setters[0], "one length and count per setter");

static struct state st_init, st_fast, st_slow, st_jit;

static bool dc_is_fast(uint32_t pa)
{
    return cpu->dc[(pa ^ pa >> DC_BITS) & (DC_SIZE - 1)].pa == pa &&
           cpu->dc[(pa ^ pa >> DC_BITS) & (DC_SIZE - 1)].kind >= DC_FAST;
}

/* What differs between two runs' results, or NULL. */
static const char *difference(const struct state *x, const struct state *y)
{
    const struct cpu_regs *a = &x->r, *b = &y->r;
    if (memcmp(a->gpr, b->gpr, sizeof(a->gpr)))
        return "registers";
    if (a->eip != b->eip)
        return "EIP";
    if (a->eflags != b->eflags)
        return "EFLAGS";
    if (memcmp(x->data, y->data, DATA_LEN))
        return "data memory";
    if (memcmp(x->stack, y->stack, sizeof(x->stack)))
        return "stack memory";
    if (x->retired != y->retired)
        return "retired counts";
    return NULL;
}

static void report(const char *name, const char *how, int fault, const char *what, const uint8_t *code,
                   unsigned len, const struct state *x, const struct state *y)
{
    const struct cpu_regs *a = &x->r, *b = &y->r;
    fprintf(stderr, "%s%s: %s differ (%s vs ordinary) for bytes", name,
            fault == 1 ? " (limit fault)" : fault == 2 ? " (read-only)" : "", what, how);
    for (unsigned i = 0; i < len; i++)
        fprintf(stderr, " %02x", code[i]);
    fprintf(stderr, "\n  eip %08x/%08x eflags %08x/%08x retired %llu/%llu", a->eip, b->eip, a->eflags,
            b->eflags, (unsigned long long)x->retired, (unsigned long long)y->retired);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, " r%d %08x/%08x", i, a->gpr[i], b->gpr[i]);
    fprintf(stderr, "\n");
}

/* One compared run from S0: its result into OUT. */
static void run_from(const struct state *s0, unsigned ninsn, struct state *out)
{
    state_load(s0);
    /* Loading the registers flushed the TLB: fill it for the data and the
     * stack, so that memory forms take the translator's inline TLB hit. */
    for (uint32_t a = DATA; a < DATA + DATA_LEN; a += 0x1000)
        lin_read(cpu, a, 1, false);
    lin_read(cpu, STACK - 0x800, 1, false);
    uint64_t before = cpu_retired(cpu);
    cpu_run(cpu, ninsn);
    state_save(out);
    out->retired = cpu_retired(cpu) - before;
}

/* Runs the code at CODE from st_init three ways: translated (jit_x64.c),
 * as fast forms and through the ordinary decoder; the first two must equal
 * the third. Translated: once to classify, once more (clean) so that the run
 * of fast forms is built and translated (threshold 1), then the compared
 * run. Fast: the decode cache emptied, once to classify, then the compared
 * run interpreted. fault 1: DS and FS shrunk to 64 KiB for the compared runs
 * (DATA lies above, so DS/FS forms raise #GP); fault 2: DS and FS read-only
 * (stores raise #GP, and a read-modify-write must leave EFLAGS as it was).
 * Returns false and prints on a difference. */
static bool compare(const char *name, const uint8_t *code, unsigned len, unsigned ninsn,
                    uint32_t tested_pa, int fault, int *fast_seen, int *jit_seen)
{
    memset(ram + CODE, 0xf4, 0x200);
    memcpy(ram + CODE, code, len);
    struct state s0 = st_init;
    if (fault == 1) {
        s0.r.seg[CPU_DS].limit = 0xffff;
        s0.r.seg[CPU_FS].limit = 0xffff;
    } else if (fault == 2) {
        s0.r.seg[CPU_DS].attr = 0x91 | 0xc00;
        s0.r.seg[CPU_FS].attr = 0x91 | 0xc00;
    }
    cpu_set_jit_threshold(cpu, 1);
    cpu_mem_changed(cpu);   /* new code bytes: drop every decoded entry */
    state_load(&st_init);
    cpu_run(cpu, ninsn);
    if (dc_is_fast(tested_pa))
        ++*fast_seen;
    state_load(&st_init);
    cpu_run(cpu, ninsn);
    /* The tested form's run: its own after a setter's JMP, else CODE's. */
    uint32_t run_pa = cpu->fxb[fxb_index(tested_pa)].pa == tested_pa ? tested_pa : CODE;
    if (cpu->fxb[fxb_index(run_pa)].pa == run_pa && cpu->fxb[fxb_index(run_pa)].jit)
        ++*jit_seen;
    run_from(&s0, ninsn, &st_jit);

    cpu_set_jit_threshold(cpu, 0);
    cpu_mem_changed(cpu);
    state_load(&st_init);
    cpu_run(cpu, ninsn);
    run_from(&s0, ninsn, &st_fast);

    cpu_mem_changed(cpu);   /* the ordinary decoder from the first byte */
    run_from(&s0, ninsn, &st_slow);
    const char *what = difference(&st_fast, &st_slow);
    if (what) {
        report(name, "fast", fault, what, code, len, &st_fast, &st_slow);
        return false;
    }
    what = difference(&st_jit, &st_slow);
    if (what) {
        report(name, "translated", fault, what, code, len, &st_jit, &st_slow);
        return false;
    }
    return true;
}

/* Every form twice: as the translator keeps registers by default, and
 * with every register a form names kept in a host register (jit_cache_min
 * 1), so that each form's code on cached registers meets the interpreter. */
TEST(fast_forms_match_the_ordinary_decoder)
{
    machine_init();
    int bad = 0;
    for (size_t pass = 0; pass < 2 * sizeof(forms) / sizeof(forms[0]); pass++) {
        size_t fi = pass % (sizeof(forms) / sizeof(forms[0]));
        cpu->jit_cache_min = pass < sizeof(forms) / sizeof(forms[0]) ? 0 : 1;
        const struct form *f = &forms[fi];
        int fast_seen = 0, jit_seen = 0, runs = 0, untraced = 0;
        for (int t = 0; t < (cpu->jit_cache_min ? 60 : 150) && bad < 5; t++) {
            uint8_t code[32];
            unsigned si = rnd() % (sizeof(setters) / sizeof(setters[0]));
            unsigned n = setter_len[si];
            memcpy(code, setters[si], n);
            uint32_t tested = CODE + n;
            n += emit(code + n, f);
            unsigned ninsn = 1u + setter_insns[si];
            /* Every third time an ADD after the form sets all flags again:
             * the translator may then drop the flags of the instruction
             * before the form if nothing between can see them, which the
             * form must not (it reads them, faults or leaves the run). */
            bool branch = f->op[0] == 0xc3 || f->op[0] == 0xe8 || f->op[0] == 0xe9 || f->op[0] == 0xeb ||
                          (f->op[0] & 0xf0) == 0x70 || (f->op[0] == 0x0f && (f->op[1] & 0xf0) == 0x80) ||
                          (f->op[0] == 0xff && (f->ext == 2 || f->ext == 4));
            if (t % 3 == 2 && !branch) {   /* after a branch it would run elsewhere */
                code[n++] = 0x01;   /* add esi, edi */
                code[n++] = 0xfe;
                ninsn++;
            }
            bool tf = t % 16 == 15;
            state_random(&st_init, tf);
            int jit_before = jit_seen;
            if (!compare(f->name, code, n, ninsn, tested, 0, &fast_seen, &jit_seen))
                bad++;
            runs++;
            untraced += tf;
            for (int fault = 1; fault <= 2 && (f->modrm == M_MEM || f->imm == I_MOFFS) && !tf; fault++) {
                int ignored = 0;
                if (!compare(f->name, code, n, ninsn, tested, fault, &ignored, &ignored))
                    bad++;
            }
            (void)jit_before;
        }
        /* ... and been translated in most runs without TF (the first runs
         * of random operands may fault, so that no run completes). */
        if (jit_seen * 4 < (runs - untraced) * 3) {
            fprintf(stderr, "%s: translated in only %d of %d runs\n", f->name, jit_seen, runs - untraced);
            bad++;
        }
        /* Every form must really have become a fast form in most runs (not
         * with TF, where the ordinary path runs it; not when the random
         * operands fault the first run). */
        if (fast_seen * 4 < runs * 3) {
            fprintf(stderr, "%s: a fast form in only %d of %d runs\n", f->name, fast_seen, runs);
            bad++;
        }
    }
    cpu->jit_cache_min = 0;
    CHECK(bad == 0);
}

/* A run that begins with a condition or a CF reader finds the lazy flags
 * an earlier run left, and the translator evaluates them when its code runs
 * (gen_cond, gen_cf_edx_lazy); after a multiply in the same run it reads
 * them from what it knows (P_MUL): every lazy state, at the operand values
 * where the flags differ (equal operands with a carry in, sign and overflow
 * edges), before every condition of SETcc and CMOVcc and before INC, DEC,
 * ADC and SBB, must give the interpreter's result. */
TEST(a_run_that_begins_by_reading_flags_sees_every_lazy_state_left_before_it)
{
    machine_init();
    static const struct { uint8_t len, insns, code[6]; } setters_jmp[] = {
        {4, 2, {0x39, 0xd8, 0xeb, 0x00}},         /* cmp eax, ebx */
        {4, 2, {0x01, 0xd8, 0xeb, 0x00}},         /* add eax, ebx */
        {4, 2, {0x11, 0xd8, 0xeb, 0x00}},         /* adc eax, ebx */
        {4, 2, {0x19, 0xd8, 0xeb, 0x00}},         /* sbb eax, ebx */
        {4, 2, {0x21, 0xd8, 0xeb, 0x00}},         /* and eax, ebx */
        {3, 2, {0x40, 0xeb, 0x00}},               /* inc eax */
        {3, 2, {0x48, 0xeb, 0x00}},               /* dec eax */
        {4, 2, {0x28, 0xd8, 0xeb, 0x00}},         /* sub al, bl */
        {4, 2, {0x00, 0xd8, 0xeb, 0x00}},         /* add al, bl */
        {4, 2, {0x20, 0xd8, 0xeb, 0x00}},         /* and al, bl */
        {5, 2, {0x66, 0x29, 0xd8, 0xeb, 0x00}},   /* sub ax, bx */
        {5, 2, {0x66, 0x21, 0xd8, 0xeb, 0x00}},   /* and ax, bx */
        {5, 2, {0xc1, 0xe0, 0x05, 0xeb, 0x00}},   /* shl eax, 5: EFLAGS whole */
        {6, 3, {0x39, 0xd8, 0xd1, 0xc8, 0xeb, 0x00}},   /* cmp, then ror eax, 1 (LF_ROT) */
        {5, 2, {0x0f, 0xaf, 0xc3, 0xeb, 0x00}},   /* imul eax, ebx (LF_MUL) */
        {4, 2, {0xf7, 0xe3, 0xeb, 0x00}},         /* mul ebx */
        {4, 2, {0xf7, 0xeb, 0xeb, 0x00}},         /* imul ebx */
        /* In the same run as the reader (the producer known to the
         * translator): */
        {3, 1, {0x0f, 0xaf, 0xc3}},               /* imul eax, ebx */
        {2, 1, {0xf7, 0xe3}},                     /* mul ebx */
        {2, 1, {0xf7, 0xeb}},                     /* imul ebx */
    };
    static const uint32_t operands[][2] = {
        {0, 0}, {0x7fffffffu, 0x7fffffffu}, {0x80000000u, 1}, {0x7fffffffu, 0xffffffffu},
        {0xff, 0x80}, {0x7f, 0x80}, {0xffff, 0x8000}, {5, 7}, {0x10000, 0x10000}, {0xffffffffu, 0xffffffffu},
    };
    static const uint8_t readers[][3] = {
        {0x41}, {0x49}, {0x11, 0xd1}, {0x19, 0xd1},   /* inc ecx, dec ecx, adc ecx, edx, sbb ecx, edx */
    };
    int bad = 0, runs = 0, jit_seen = 0, ignored = 0;
    for (size_t si = 0; si < sizeof setters_jmp / sizeof setters_jmp[0]; si++)
        for (size_t oi = 0; oi < sizeof operands / sizeof operands[0]; oi++)
            for (unsigned t = 0; t < 32 + 4 && bad < 5; t++) {
                uint8_t code[16];
                unsigned n = setters_jmp[si].len;
                memcpy(code, setters_jmp[si].code, n);
                uint32_t tested = CODE + n;
                if (t < 16) {                              /* setcc cl */
                    code[n++] = 0x0f; code[n++] = (uint8_t)(0x90 | t); code[n++] = 0xc1;
                } else if (t < 32) {                       /* cmovcc ecx, edx */
                    code[n++] = 0x0f; code[n++] = (uint8_t)(0x40 | (t - 16)); code[n++] = 0xca;
                } else {
                    unsigned len = t - 32 < 2 ? 1 : 2;
                    memcpy(code + n, readers[t - 32], len);
                    n += len;
                }
                state_random(&st_init, false);
                st_init.r.gpr[CPU_EAX] = operands[oi][0];
                st_init.r.gpr[CPU_EBX] = operands[oi][1];
                st_init.r.eflags = (st_init.r.eflags & ~(uint32_t)F_CF) | (oi & 1 ? F_CF : 0);
                if (!compare("flags at a run start", code, n, setters_jmp[si].insns + 1, tested, 0, &ignored,
                             &jit_seen))
                    bad++;
                runs++;
            }
    /* The reader must have been translated (its run is its own, after the
     * JMP) nearly every time. */
    if (jit_seen * 10 < runs * 9) {
        fprintf(stderr, "the readers were translated in only %d of %d runs\n", jit_seen, runs);
        bad++;
    }
    CHECK(bad == 0);
}

/* Puts CODE (HLT around it) at CODE, drops what was decoded there and makes
 * st_init a random flat state starting at it. */
static void code_at_start(const uint8_t *code, size_t len)
{
    memset(ram + CODE, 0xf4, 0x100);
    memcpy(ram + CODE, code, len);
    cpu_mem_changed(cpu);
    state_random(&st_init, false);
}

TEST(rep_movs_and_stos_leave_what_element_by_element_copies_leave)
{
    /* REP MOVS copies a page's worth at a time in host memory (exec.c,
     * string_chunk): for every overlap of source and destination, each
     * element size and count, the bytes must be those of copying one
     * element after the other (a destination just past the source repeats
     * its first bytes), and ESI, EDI, ECX must end where the loop ends.
     * REP STOS likewise, with a value of equal bytes and of unequal ones. */
    machine_init();
    static const uint8_t code[] = {
        0xf3, 0xa4,   /* rep movsb */
        0xf4,
        0xf3, 0xa5,   /* rep movsd */
        0xf4,
        0xf3, 0xaa,   /* rep stosb */
        0xf4,
        0xf3, 0xab,   /* rep stosd */
        0xf4,
        0x66, 0xf3, 0xab,   /* rep stosw */
        0xf4,
    };
    code_at_start(code, sizeof(code));
    static const int deltas[] = {-100, -5, -4, -3, -1, 1, 2, 3, 4, 5, 7, 100, 5000};
    static const uint32_t counts[] = {1, 3, 64, 300, 1000};
    static uint8_t want[DATA_LEN];
    enum { SRC = DATA + 0x2000 };
    for (int op = 0; op < 5; op++) {
        unsigned sz = op == 0 || op == 2 ? 1 : op == 4 ? 2 : 4;
        uint32_t eip = op == 4 ? CODE + 12 : CODE + 3u * (uint32_t)op;
        for (size_t di = 0; di < sizeof(deltas) / sizeof(deltas[0]); di++) {
            for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++) {
                uint32_t n = counts[ci], src = SRC, dst = SRC + (uint32_t)deltas[di];
                uint32_t fill = di & 1 ? 0x5a5a5a5au : 0x12345678u;
                state_random(&st_init, false);
                st_init.r.eflags &= ~(uint32_t)F_DF;
                st_init.r.eip = eip;
                st_init.r.gpr[CPU_ESI] = src;
                st_init.r.gpr[CPU_EDI] = dst;
                st_init.r.gpr[CPU_ECX] = n;
                st_init.r.gpr[CPU_EAX] = fill;
                state_load(&st_init);
                memcpy(want, ram + DATA, DATA_LEN);
                for (uint32_t i = 0; i < n; i++) {
                    if (op < 2) {   /* the element is read whole, then written */
                        uint8_t element[4];
                        memcpy(element, want + src - DATA + i * sz, sz);
                        memcpy(want + dst - DATA + i * sz, element, sz);
                    } else
                        memcpy(want + dst - DATA + i * sz, &fill, sz);
                }
                CHECK_EQ_INT(cpu_run(cpu, 10), CPU_STOP_HLT);
                struct cpu_regs r;
                cpu_get_regs(cpu, &r);
                CHECK(memcmp(ram + DATA, want, DATA_LEN) == 0);
                CHECK_EQ_INT(r.gpr[CPU_ECX], 0);
                CHECK_EQ_INT(r.gpr[CPU_EDI], dst + n * sz);
                if (op < 2)
                    CHECK_EQ_INT(r.gpr[CPU_ESI], src + n * sz);
            }
        }
    }
}

TEST(a_code_write_drops_the_fast_form)
{
    /* MOV EAX, imm32 runs fast; the guest then rewrites its immediate with a
     * store; the next run must see the new immediate. */
    machine_init();
    static const uint8_t code[] = {
        0xb8, 0x11, 0x11, 0x11, 0x11,                   /* mov eax, 0x11111111 */
        0xc7, 0x05, 0x01, 0x00, 0x01, 0x00, 0x22, 0x22, 0x22, 0x22,   /* mov [CODE+1], 0x22222222 */
        0xeb, 0xef,                                     /* jmp CODE */
    };
    code_at_start(code, sizeof(code));
    state_load(&st_init);
    cpu_run(cpu, 1);
    CHECK(dc_is_fast(CODE));
    st_init.r.eip = CODE;
    cpu_set_regs(cpu, &st_init.r);
    cpu_run(cpu, 4);   /* mov (fast), the store into the code, jmp, mov again */
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(r.gpr[CPU_EAX], 0x22222222u);
}

TEST(entering_another_page_hits_the_decode_cache)
{
    /* Two JMPs that bounce between two code pages: once both are decoded,
     * entering either page must find its instruction in the decode cache
     * (the fetch window moves before the lookup) instead of decoding it
     * again as a miss. */
    machine_init();
    memset(ram + CODE, 0xf4, 0x1100);
    static const uint8_t there[] = {0xe9, 0xfb, 0x0f, 0x00, 0x00};   /* jmp CODE+0x1000 */
    static const uint8_t back[] = {0xe9, 0xfb, 0xef, 0xff, 0xff};    /* jmp CODE */
    memcpy(ram + CODE, there, sizeof(there));
    memcpy(ram + CODE + 0x1000, back, sizeof(back));
    cpu_mem_changed(cpu);
    state_random(&st_init, false);
    state_load(&st_init);
    cpu_run(cpu, 4);   /* each JMP decoded (a miss) and run once more */
    CHECK(dc_is_fast(CODE) && dc_is_fast(CODE + 0x1000));
    uint64_t misses = cpu->dc_misses;
    cpu_run(cpu, 1000);
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(r.eip, CODE);
    CHECK_EQ_INT(cpu->dc_misses - misses, 0);
}

/* Whether a run of fast forms (struct fx_block) starts at PA with N entries. */
static bool run_at(uint32_t pa, unsigned n)
{
    for (int i = 0; i < FXB_SIZE; i++)
        if (cpu->fxb[i].pa == pa)
            return cpu->fxb[i].n == n;
    return false;
}

TEST(a_store_into_its_own_run_ends_the_run)
{
    /* A store and a MOV with an immediate run as one run of fast forms; the
     * second time round the store rewrites that immediate. The run must end
     * at the store (the code-write hook changes the fetch key), so that the
     * MOV is decoded again and loads the new immediate. */
    machine_init();
    static const uint8_t code[] = {
        0x89, 0x03,                     /* mov [ebx], eax */
        0xb9, 0x11, 0x11, 0x11, 0x11,   /* mov ecx, 0x11111111 */
        0xf4,                           /* hlt */
    };
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EBX] = DATA;
    state_load(&st_init);
    cpu_run(cpu, 2);   /* both decoded, both fast forms */
    CHECK(dc_is_fast(CODE) && dc_is_fast(CODE + 2));
    st_init.r.gpr[CPU_EBX] = CODE + 3;
    st_init.r.gpr[CPU_EAX] = 0x22222222u;
    cpu_set_regs(cpu, &st_init.r);
    cpu_run(cpu, 2);
    CHECK(run_at(CODE, 2));   /* the two ran as one run */
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(r.eip, CODE + 7);
    CHECK_EQ_INT(r.gpr[CPU_ECX], 0x22222222u);
}

TEST(a_run_stops_at_the_budget)
{
    /* Five INC EAX and a JMP back: a run of six fast forms. cpu_run with a
     * budget that ends inside the run retires exactly that many. */
    machine_init();
    static const uint8_t code[] = {0x40, 0x40, 0x40, 0x40, 0x40, 0xeb, 0xf9};   /* 5 x inc eax; jmp CODE */
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EAX] = 0;
    state_load(&st_init);
    cpu_run(cpu, 12);   /* decoded, then once through as a run */
    CHECK(run_at(CODE, 6));
    uint64_t before = cpu_retired(cpu);
    st_init.r.gpr[CPU_EAX] = 0;
    cpu_set_regs(cpu, &st_init.r);
    CHECK_EQ_INT(cpu_run(cpu, 3), CPU_STOP_BUDGET);
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(cpu_retired(cpu) - before, 3);
    CHECK_EQ_INT(r.gpr[CPU_EAX], 3);
    CHECK_EQ_INT(r.eip, CODE + 3);
}

/* Runs st_init until the fault handler's HLT: the instructions retired,
 * the fault frame's EIP (above an error code if ERR) and EAX. */
static void run_to_handler(bool err, uint64_t *retired, uint32_t *frame_eip, uint32_t *eax)
{
    state_load(&st_init);
    uint64_t before = cpu_retired(cpu);
    CHECK_EQ_INT(cpu_run(cpu, 100), CPU_STOP_HLT);
    *retired = cpu_retired(cpu) - before;
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    memcpy(frame_eip, ram + r.gpr[CPU_ESP] + (err ? 4 : 0), 4);
    *eax = r.gpr[CPU_EAX];
}

TEST(a_fault_inside_a_run_counts_the_instructions_before_it)
{
    /* Two INC EAX, a load that faults (#GP: past the flat DS limit), one
     * more INC and a JMP back: one run of five fast forms. A run stores the
     * retired count only at its end, so the fault must count the two INCs
     * before it itself; the retired count and the frame's EIP must equal
     * what the ordinary path (decode cache emptied) gives. */
    machine_init();
    static const uint8_t code[] = {0x40, 0x40, 0x8b, 0x0b, 0x40, 0xeb, 0xf9};   /* inc; inc; mov ecx,[ebx]; inc; jmp */
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EBX] = DATA;
    state_load(&st_init);
    cpu_run(cpu, 12);   /* decoded, then once through as a run */
    CHECK(run_at(CODE, 5));
    uint64_t delta[2];
    uint32_t frame_eip[2], eax[2];
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            cpu_mem_changed(cpu);   /* the ordinary path */
        st_init.r.gpr[CPU_EBX] = 0xfffffffeu;
        st_init.r.gpr[CPU_EAX] = 0;
        run_to_handler(true, &delta[pass], &frame_eip[pass], &eax[pass]);   /* #GP: an error code */
    }
    CHECK_EQ_INT(eax[0], 2);
    CHECK_EQ_INT(frame_eip[0], CODE + 2);
    CHECK_EQ_INT(frame_eip[1], CODE + 2);
    CHECK_EQ_INT(delta[0], delta[1]);
}

TEST(a_segment_load_ends_the_flat_shortcut)
{
    /* A fast load through a flat DS takes the flat-segment shortcut
     * (c->flat_rw). MOV DS (the ordinary path) then loads a 4 KiB data
     * segment: the same fast load beyond its limit must raise #GP, so the
     * shortcut must have been recomputed after the ordinary instruction. */
    machine_init();
    put32(GDT + 24, 0x00000fffu);   /* 0x18: data, base 0, limit 4 KiB - 1, present, writable */
    put32(GDT + 28, 0x00409200u);
    static const uint8_t code[] = {
        0x8b, 0x0b,     /* mov ecx, [ebx] */
        0x8e, 0xd8,     /* mov ds, ax */
        0x8b, 0x0b,     /* mov ecx, [ebx] */
        0xf4,           /* hlt */
    };
    code_at_start(code, sizeof(code));
    st_init.r.gdt_limit = 31;
    st_init.r.gpr[CPU_EBX] = DATA;
    st_init.r.gpr[CPU_EAX] = 0x10;
    state_load(&st_init);
    CHECK_EQ_INT(cpu_run(cpu, 100), CPU_STOP_HLT);   /* decoded: both loads are fast forms now */
    CHECK(dc_is_fast(CODE) && dc_is_fast(CODE + 4));
    st_init.r.gpr[CPU_EAX] = 0x18;
    state_load(&st_init);
    CHECK_EQ_INT(cpu_run(cpu, 100), CPU_STOP_HLT);
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    uint32_t frame_eip;
    memcpy(&frame_eip, ram + r.gpr[CPU_ESP] + 4, 4);   /* #GP pushes an error code first */
    CHECK_EQ_INT(r.eip, HANDLER + 1);
    CHECK_EQ_INT(frame_eip, CODE + 4);
}

/* Runs st_init for BUDGET instructions with the translator at THRESHOLD
 * (0: off) from a decode cache emptied, after WARM instructions that let it
 * decode (and translate) the code; the result into OUT. */
static void run_warm(unsigned threshold, unsigned warm, unsigned budget, struct state *out)
{
    cpu_set_jit_threshold(cpu, threshold);
    cpu_mem_changed(cpu);
    state_load(&st_init);
    cpu_run(cpu, warm);
    run_from(&st_init, budget, out);
}

/* Runs st_init translated and interpreted for budgets 1, 1 + STEP, ...
 * below MAX (after WARM instructions each) and reports every budget (up to
 * three) whose results differ; returns how many did. */
static int budgets_differ(const char *name, const uint8_t *code, unsigned len, unsigned warm, unsigned max,
                          unsigned step)
{
    int bad = 0;
    for (unsigned budget = 1; budget < max && bad < 3; budget += step) {
        run_warm(1, warm, budget, &st_jit);
        run_warm(0, warm, budget, &st_slow);
        const char *what = difference(&st_jit, &st_slow);
        if (what) {
            report(name, "translated", 0, what, code, len, &st_jit, &st_slow);
            bad++;
        }
    }
    return bad;
}

TEST(translated_runs_chain_as_the_interpreter_runs_them)
{
    /* A loop of runs in one page (a CALL, a Jcc, a JMP and a RET end them):
     * translated runs go on into each other without the interpreter's loop,
     * through RET too. For every budget the result, the retired count
     * included, must be the interpreter's. */
    machine_init();
    static const uint8_t code[] = {
        0x40,                           /* L: inc eax */
        0x01, 0xc2,                     /*    add edx, eax */
        0xe8, 0x09, 0x00, 0x00, 0x00,   /*    call f */
        0x39, 0xd8,                     /*    cmp eax, ebx */
        0x74, 0x09,                     /*    je out */
        0x83, 0xc1, 0x03,               /*    add ecx, 3 */
        0xeb, 0xef,                     /*    jmp L */
        0x83, 0xc6, 0x01,               /* f: add esi, 1 */
        0xc3,                           /*    ret */
        0xf4,                           /* out: hlt */
    };
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EAX] = 0;
    st_init.r.gpr[CPU_EBX] = 1000;
    int bad = budgets_differ("loop", code, sizeof(code), 40, 200, 7);
    run_warm(1, 40, 100000, &st_jit);
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    run_warm(0, 40, 100000, &st_slow);
    CHECK(bad == 0 && !difference(&st_jit, &st_slow));
    CHECK_EQ_INT(st_jit.r.eip, CODE + sizeof(code));   /* ran to the HLT */
}

/* Translates CODE (threshold 1, WARM instructions from a random state with
 * EBX = DATA), then runs BUDGET instructions from CODE again with EBX at
 * IMM_AT (the immediate of its MOV ECX) and EAX = 0x22222222, which its
 * store writes there; the registers after into R, the instructions
 * retired returned. */
static uint64_t store_into_translated_run(const uint8_t *code, size_t len, unsigned warm, uint32_t imm_at,
                                          unsigned budget, struct cpu_regs *r)
{
    code_at_start(code, len);
    st_init.r.gpr[CPU_EBX] = DATA;
    cpu_set_jit_threshold(cpu, 1);
    state_load(&st_init);
    cpu_run(cpu, warm);   /* decoded, then run (translated after its first run) */
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    st_init.r.gpr[CPU_EBX] = imm_at;
    st_init.r.gpr[CPU_EAX] = 0x22222222u;
    cpu_set_regs(cpu, &st_init.r);
    uint64_t before = cpu_retired(cpu);
    cpu_run(cpu, budget);
    cpu_get_regs(cpu, r);
    cpu_set_jit_threshold(cpu, 0);
    return cpu_retired(cpu) - before;
}

TEST(a_store_into_its_own_translated_run_ends_it)
{
    /* As a_store_into_its_own_run_ends_the_run, with the run translated:
     * the store rewrites the next instruction's immediate, the code must
     * leave after the store and the MOV load the new immediate. The whole
     * run fits the budget, so its code runs; the store misses the inline
     * TLB (a code page has no write tag) and its slow path must end the
     * run. */
    machine_init();
    static const uint8_t code[] = {
        0x89, 0x03,                     /* mov [ebx], eax */
        0xb9, 0x11, 0x11, 0x11, 0x11,   /* mov ecx, 0x11111111 */
        0xeb, 0xf7,                     /* jmp CODE */
    };
    struct cpu_regs r;
    store_into_translated_run(code, sizeof(code), 9, CODE + 3, 3, &r);
    CHECK_EQ_INT(r.eip, CODE);
    CHECK_EQ_INT(r.gpr[CPU_ECX], 0x22222222u);
}

TEST(a_store_into_its_own_translated_run_after_an_ordinary_instruction_counts_each_once)
{
    /* As a_store_into_its_own_translated_run_ends_it, after CLC (an
     * ordinary instruction, counted by cpu_fx_general): the store's slow
     * path (made after the run's code) must count only the instructions
     * CLC's call has not, so that the budget of 4 ends at the JMP's target
     * with the new immediate loaded. */
    machine_init();
    static const uint8_t code[] = {
        0xf8,                           /* clc */
        0x89, 0x03,                     /* mov [ebx], eax */
        0xb9, 0x11, 0x11, 0x11, 0x11,   /* mov ecx, 0x11111111 */
        0xeb, 0xf6,                     /* jmp CODE */
    };
    struct cpu_regs r;
    CHECK_EQ_INT(store_into_translated_run(code, sizeof(code), 12, CODE + 4, 4, &r), 4);
    CHECK_EQ_INT(r.eip, CODE);
    CHECK_EQ_INT(r.gpr[CPU_ECX], 0x22222222u);
}

TEST(a_map_change_drops_translations_only_when_it_remaps_their_code)
{
    /* A loop runs translated. A PCI BAR moving elsewhere (Linux sizes every
     * BAR at boot) must keep its translation and decoded entries; the code's
     * own page mapped onto other RAM must run the new bytes there. */
    machine_init();
    static const uint8_t code[] = {
        0xb9, 0x11, 0x11, 0x11, 0x11,   /* mov ecx, 0x11111111 */
        0xeb, 0xf9,                     /* jmp CODE */
    };
    static const uint8_t other[] = {
        0xb9, 0x33, 0x33, 0x33, 0x33,   /* mov ecx, 0x33333333 */
        0xeb, 0xf9,
    };
    code_at_start(code, sizeof(code));
    memcpy(ram + 0x30000, other, sizeof(other));
    cpu_set_jit_threshold(cpu, 1);
    state_load(&st_init);
    cpu_run(cpu, 8);
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    struct cpu_jit_stats js0, js1;
    cpu_get_jit_stats(cpu, &js0);
    static const uint8_t bar_bytes[4096];
    CHECK(gmem_map_rom(mem, 0xfebf0000u, bar_bytes, sizeof(bar_bytes)) == 0);
    gmem_unmap(mem, 0xfebf0000u, 0x1000);
    cpu_run(cpu, 4);
    cpu_get_jit_stats(cpu, &js1);
    CHECK_EQ_INT(js1.flushes, js0.flushes);
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    CHECK(dc_is_fast(CODE));
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(r.gpr[CPU_ECX], 0x11111111u);
    CHECK(gmem_map_ram(mem, CODE, 0x1000, 0x30000) == 0);
    cpu_run(cpu, 4);
    cpu_get_regs(cpu, &r);
    CHECK_EQ_INT(r.gpr[CPU_ECX], 0x33333333u);
    cpu_get_jit_stats(cpu, &js1);
    CHECK(js1.flushes > js0.flushes);
    CHECK(gmem_map_ram(mem, CODE, 0x1000, CODE) == 0);   /* as the other tests expect it */
    cpu_set_jit_threshold(cpu, 0);
}

TEST(runs_are_translated_again_after_the_code_cache_is_emptied)
{
    /* The code cache fills up and is emptied (jit_flush) while the runs
     * stay built: a run that had passed the threshold must be translated
     * again, not interpreted for the rest of the session. */
    machine_init();
    static const uint8_t code[] = {
        0x41,                           /* inc ecx */
        0xeb, 0xfd,                     /* jmp CODE */
    };
    code_at_start(code, sizeof(code));
    cpu_set_jit_threshold(cpu, 4);
    state_load(&st_init);
    cpu_run(cpu, 40);
    CHECK(cpu->fxb[fxb_index(CODE)].pa == CODE && cpu->fxb[fxb_index(CODE)].jit != NULL);
    jit_flush(cpu);
    CHECK(cpu->fxb[fxb_index(CODE)].pa == CODE && cpu->fxb[fxb_index(CODE)].jit == NULL);
    cpu_run(cpu, 40);
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    cpu_set_jit_threshold(cpu, 0);
}

TEST(a_run_cut_short_at_its_threshold_visit_is_translated_later)
{
    /* The visit that reaches the threshold ends early (here the budget;
     * in a boot an interrupt line or a store into the run's page): the run
     * must count again and be translated after later whole visits. */
    machine_init();
    static const uint8_t code[] = {
        0x40,                           /* inc eax */
        0x43,                           /* inc ebx */
        0xeb, 0xfc,                     /* jmp CODE */
    };
    code_at_start(code, sizeof(code));
    cpu_set_jit_threshold(cpu, 4);
    state_load(&st_init);
    const struct fx_block *b = &cpu->fxb[fxb_index(CODE)];
    for (int i = 0; i < 20 && !(b->pa == CODE && b->hits == 3); i++)
        cpu_run(cpu, 3);                /* whole visits from CODE */
    CHECK(b->pa == CODE && b->hits == 3 && b->jit == NULL);
    cpu_run(cpu, 1);                    /* the fourth visit: INC EAX only */
    CHECK(b->jit == NULL);
    cpu_run(cpu, 2);                    /* back at CODE */
    cpu_run(cpu, 3 * 8);
    CHECK(b->pa == CODE && b->jit != NULL);
    cpu_set_jit_threshold(cpu, 0);
}

/* Paging over 0-4 MiB (every page user and writable) and the registers of
 * ring RING (0 or 3) at CODE, for the user-mode tests below. */
enum { UPD = 0x60000, UPT = 0x61000, UTSS = 0x62000 };
static struct cpu_regs paged_ring(unsigned ring)
{
    put32(UPD, UPT | 7);
    for (uint32_t i = 0; i < 1024; i++)
        put32(UPT + 4 * i, i << 12 | 7);
    put32(UTSS + 4, STACK - 0x400);           /* ESP0 */
    put32(UTSS + 8, 0x10);                    /* SS0 */
    struct cpu_regs r = st_init.r;
    r.cr0 |= 0x80000000u;                     /* PG */
    r.cr3 = UPD;
    r.eflags = 0x2;
    r.eip = CODE;
    if (ring == 3) {
        flat(&r.seg[CPU_CS], 0x1b, 0, 0xfb | 0xc00);
        flat(&r.seg[CPU_SS], 0x23, 0, 0xf3 | 0xc00);
        flat(&r.seg[CPU_DS], 0x23, 0, 0xf3 | 0xc00);
    } else {
        flat(&r.seg[CPU_CS], 0x08, 0, 0x9b | 0xc00);
        flat(&r.seg[CPU_SS], 0x10, 0, 0x93 | 0xc00);
        flat(&r.seg[CPU_DS], 0x10, 0, 0x93 | 0xc00);
    }
    r.gpr[CPU_ESP] = STACK - 0x100;
    r.tr = (struct cpu_seg_state){0x28, UTSS, 0x67, 0x8b};
    return r;
}

/* With the translated load of DATA at CODE: DATA's page made supervisor
 * only, its TLB entry filled by a supervisor read, the code run from the
 * ring-3 registers R3 must raise #PF; then the page is a user page again. */
static void user_load_of_a_supervisor_page_faults(const struct cpu_regs *r3)
{
    put32(UPT + 4 * (DATA >> 12), DATA | 3);  /* now supervisor only */
    cpu_set_regs(cpu, r3);                    /* flushes the TLB */
    lin_read(cpu, DATA, 4, false);            /* a supervisor read fills the entry */
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
    struct cpu_regs after;
    cpu_get_regs(cpu, &after);
    CHECK_EQ_INT(after.eip, HANDLER + 1);     /* #PF's handler */
    CHECK_EQ_INT(after.cr2, DATA);
    put32(UPT + 4 * (DATA >> 12), DATA | 7);
    cpu_set_jit_threshold(cpu, 0);
}

TEST(translated_user_code_cannot_read_a_supervisor_page)
{
    /* At CPL 3 the inline TLB hit must not take the supervisor's tag: a
     * translated load from a page without the U bit faults (#PF) even
     * when a supervisor access has just filled that page's TLB entry. */
    machine_init();
    static const uint8_t code[] = {
        0x8b, 0x05, 0x00, 0x00, 0x10, 0x00,   /* L: mov eax, [DATA] */
        0xeb, 0xf8,                           /*    jmp L */
    };
    _Static_assert(DATA == 0x100000u, "the load's address");
    code_at_start(code, sizeof(code));
    struct cpu_regs r = paged_ring(3);
    cpu_set_jit_threshold(cpu, 1);
    cpu_set_regs(cpu, &r);
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_BUDGET);   /* user page: runs, and is translated */
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    user_load_of_a_supervisor_page_faults(&r);
}

TEST(translated_user_code_reads_and_writes_user_pages)
{
    /* Code translated at CPL 3 takes the user tags inline: a loop that
     * increments a word in memory and pushes leaves what the interpreter
     * leaves, for every budget. */
    machine_init();
    static const uint8_t code[] = {
        0x8b, 0x05, 0x00, 0x00, 0x10, 0x00,   /* L: mov eax, [DATA] */
        0x40,                                 /*    inc eax */
        0x89, 0x05, 0x00, 0x00, 0x10, 0x00,   /*    mov [DATA], eax */
        0x50,                                 /*    push eax */
        0x5b,                                 /*    pop ebx */
        0xeb, 0xef,                           /*    jmp L */
    };
    _Static_assert(DATA == 0x100000u, "the load's address");
    code_at_start(code, sizeof(code));
    struct cpu_regs r = paged_ring(3);
    for (unsigned budget = 1; budget < 120; budget += 11) {
        uint32_t got[2];
        struct cpu_regs after[2];
        for (int jit = 0; jit < 2; jit++) {
            cpu_set_jit_threshold(cpu, jit ? 1 : 0);
            cpu_mem_changed(cpu);
            put32(DATA, 0);
            cpu_set_regs(cpu, &r);
            CHECK_EQ_INT(cpu_run(cpu, 60), CPU_STOP_BUDGET);   /* warm: decoded, translated */
            CHECK(!jit || cpu->fxb[fxb_index(CODE)].jit != NULL);
            put32(DATA, 0);
            cpu_set_regs(cpu, &r);
            CHECK_EQ_INT(cpu_run(cpu, budget), CPU_STOP_BUDGET);
            got[jit] = get32(DATA);
            cpu_get_regs(cpu, &after[jit]);
        }
        CHECK_EQ_INT(got[1], got[0]);
        CHECK_EQ_INT(after[1].eip, after[0].eip);
        CHECK_EQ_INT(after[1].gpr[CPU_EBX], after[0].gpr[CPU_EBX]);
        CHECK_EQ_INT(after[1].gpr[CPU_ESP], after[0].gpr[CPU_ESP]);
    }
    cpu_set_jit_threshold(cpu, 0);
}

TEST(translated_call_and_ret_use_the_new_page_after_the_stack_page_moved)
{
    /* CALL and RET translated while the stack's page maps one physical
     * page, then the page table points it at another and the TLB is
     * flushed (a flushed entry keeps its host pointer): CALL must push into
     * the new page and RET pop from it, through their interpreter path,
     * never through the old host pointer. */
    machine_init();
    static const uint8_t code[] = {
        0xe8, 0x01, 0x00, 0x00, 0x00,   /* call F */
        0xf4,                           /* hlt (CODE + 5) */
        0xc3,                           /* F: ret */
    };
    enum { F = CODE + 6, WRONG = CODE + 0x20, SLOT = STACK - 0x104, NEW_PAGE = 0x180000u };
    code_at_start(code, sizeof(code));
    ram[WRONG] = 0xf4;                        /* hlt: where a stale RET would go */
    struct cpu_regs r = paged_ring(0);
    cpu_set_jit_threshold(cpu, 1);
    cpu_mem_changed(cpu);
    for (int pass = 0; pass < 3; pass++) {    /* decoded, then translated */
        cpu_set_regs(cpu, &r);
        CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
    }
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    CHECK(cpu->fxb[fxb_index(F)].jit != NULL);

    /* CALL: the return address lands in the new page only. */
    put32(SLOT, 0xdeadbeef);
    put32(NEW_PAGE + (SLOT & 0xfff), 0);
    put32(UPT + 4 * (SLOT >> 12), NEW_PAGE | 3);
    cpu_set_regs(cpu, &r);                    /* flushes the TLB */
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
    struct cpu_regs after;
    cpu_get_regs(cpu, &after);
    CHECK_EQ_INT(after.eip, CODE + 6);
    CHECK_EQ_INT(get32(NEW_PAGE + (SLOT & 0xfff)), CODE + 5);
    CHECK_EQ_INT(get32(SLOT), 0xdeadbeef);

    /* RET alone, from F: it pops the new page's CODE + 5, not the old page's
     * WRONG. Warmed with the old mapping first, so the code is translated
     * and the entry's host pointer is the old page's. */
    put32(UPT + 4 * (SLOT >> 12), (SLOT & ~0xfffu) | 3);
    struct cpu_regs at_ret = r;
    at_ret.eip = F;
    at_ret.gpr[CPU_ESP] = SLOT;
    put32(SLOT, WRONG);
    for (int pass = 0; pass < 2; pass++) {
        cpu_set_regs(cpu, &at_ret);
        CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
        cpu_get_regs(cpu, &after);
        CHECK_EQ_INT(after.eip, WRONG + 1);
    }
    put32(NEW_PAGE + (SLOT & 0xfff), CODE + 5);
    put32(UPT + 4 * (SLOT >> 12), NEW_PAGE | 3);
    cpu_set_regs(cpu, &at_ret);
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
    cpu_get_regs(cpu, &after);
    CHECK_EQ_INT(after.eip, CODE + 6);
    put32(UPT + 4 * (SLOT >> 12), (SLOT & ~0xfffu) | 7);
    cpu_set_jit_threshold(cpu, 0);
}

/* The frame loop of the grouped-access test: three loads, a store and a
 * read-modify-write through EBP (grouped: the run's entry finds their page
 * once), a load of the next frame's EBP, two accesses through that one
 * (after a write of EBP: not grouped), EBP back from EDI. */
static const uint8_t frame_loop[] = {
    0x8b, 0x45, 0xfc,   /* L: mov eax, [ebp-4] */
    0x03, 0x45, 0xf8,   /*    add eax, [ebp-8] */
    0x89, 0x45, 0xf4,   /*    mov [ebp-12], eax */
    0x01, 0x45, 0xfc,   /*    add [ebp-4], eax */
    0x8b, 0x6d, 0xf0,   /*    mov ebp, [ebp-16] */
    0x8b, 0x5d, 0xfc,   /*    mov ebx, [ebp-4] */
    0x01, 0x5d, 0xf8,   /*    add [ebp-8], ebx */
    0x89, 0xfd,         /*    mov ebp, edi */
    0xeb, 0xe7,         /*    jmp L */
};

/* The four words below frame F: STEP * k + LOW at F - 4k. */
static void frame_fill(uint32_t f, uint32_t step, uint32_t low)
{
    for (uint32_t k = 1; k <= 4; k++)
        put32(f - 4 * k, step * k + low);
}

/* Frames F1 and F2 for frame_loop (F1's link at F1 - 16 points at F2). */
static void frames_init(uint32_t f1, uint32_t f2)
{
    frame_fill(f1, 0x1000u, 0x11);
    frame_fill(f2, 0x100000u, 0x23);
    put32(f1 - 16, f2);
}

/* Runs frame_loop from R (EBP = EDI = F1) for BUDGET instructions, first
 * interpreted, then translated (warmed first), and compares what they
 * leave: registers, EIP, the frames' bytes, and CR2 after a fault. With
 * READ_ONLY, F1's page loses its W bit after the warm-up, and a read
 * through the TLB fills its read tag before the compared run. */
static void frame_loop_compare(struct cpu_regs r, uint32_t f1, uint32_t f2, unsigned budget, bool read_only)
{
    struct cpu_regs after[2];
    uint8_t frames[2][2][32];
    for (int jit = 0; jit < 2; jit++) {
        cpu_set_jit_threshold(cpu, jit ? 1 : 0);
        cpu_mem_changed(cpu);
        frames_init(f1, f2);
        cpu_set_regs(cpu, &r);
        CHECK_EQ_INT(cpu_run(cpu, 60), CPU_STOP_BUDGET);   /* warm: decoded, translated */
        CHECK(!jit || cpu->fxb[fxb_index(CODE)].jit != NULL);
        if (read_only)
            put32(UPT + 4 * ((f1 - 4) >> 12), ((f1 - 4) & ~0xfffu) | 1);
        frames_init(f1, f2);
        cpu_set_regs(cpu, &r);                            /* flushes the TLB */
        if (read_only)
            lin_read(cpu, f1 - 4, 4, false);
        cpu_run(cpu, budget);
        cpu_get_regs(cpu, &after[jit]);
        memcpy(frames[jit][0], ram + f1 - 32, 32);
        memcpy(frames[jit][1], ram + f2 - 32, 32);
        if (read_only)
            put32(UPT + 4 * ((f1 - 4) >> 12), ((f1 - 4) & ~0xfffu) | 3);
    }
    CHECK_EQ_INT(after[1].eip, after[0].eip);
    CHECK_EQ_INT(after[1].cr2, after[0].cr2);
    for (int g = 0; g < 8; g++)
        CHECK_EQ_INT(after[1].gpr[g], after[0].gpr[g]);
    CHECK(memcmp(frames[1], frames[0], sizeof(frames[0])) == 0);
    cpu_set_jit_threshold(cpu, 0);
}

TEST(grouped_frame_accesses_leave_what_the_interpreter_leaves)
{
    /* A run's accesses through one base register use one host address the
     * run's entry found (jit_x64.c, gen_group_setup): the same as the
     * interpreter for every budget, with the frame inside a page, across a
     * page boundary whose pages are not adjacent in physical memory (the
     * entry must not take one host address for both), and in a page
     * without W (CR0.WP): the grouped store must fault even though a read
     * has filled the page's TLB entry. */
    machine_init();
    code_at_start(frame_loop, sizeof(frame_loop));
    enum { F1 = DATA + 0x800, F2 = DATA + 0x1800, F1_EDGE = DATA + 0x2008, MOVED = 0x180000u };
    struct cpu_regs r = paged_ring(0);
    r.cr0 |= 0x10000u;                                /* WP: ring 0 honours read-only pages */
    /* F1_EDGE's upper page lies elsewhere: bytes below F1_EDGE - 8 are in
     * DATA + 0x1000's page, the rest in MOVED's. */
    put32(UPT + 4 * (F1_EDGE >> 12), MOVED | 3);
    uint32_t edge_phys = MOVED + (F1_EDGE & 0xfff);
    for (unsigned budget = 1; budget < 100; budget += 7) {
        r.gpr[CPU_EBP] = r.gpr[CPU_EDI] = F1;
        frame_loop_compare(r, F1, F2, budget, false);
        frame_loop_compare(r, F1, F2, budget, true);
    }
    /* Across the edge the frame is read through the page table: the
     * test's own bytes are set through physical addresses. */
    for (unsigned budget = 1; budget < 100; budget += 7) {
        uint32_t got[2][9];
        for (int jit = 0; jit < 2; jit++) {
            cpu_set_jit_threshold(cpu, jit ? 1 : 0);
            cpu_mem_changed(cpu);
            r.gpr[CPU_EBP] = r.gpr[CPU_EDI] = F1_EDGE;
            for (int pass = 0; pass < 2; pass++) {       /* warm, then compared */
                put32(edge_phys - 4, 0x44);               /* [F1_EDGE - 4], [F1_EDGE - 8] */
                put32(edge_phys - 8, 0x55);
                put32(F1_EDGE - 12, 0x66);                /* the lower page */
                put32(F1_EDGE - 16, F2);
                put32(F1_EDGE - 8, 0x77);                 /* what a wrong host address would read */
                put32(F1_EDGE - 4, 0x88);
                frame_fill(F2, 0x100000u, 0x23);
                cpu_set_regs(cpu, &r);
                cpu_run(cpu, pass ? budget : 60);
            }
            CHECK(!jit || cpu->fxb[fxb_index(CODE)].jit != NULL);
            struct cpu_regs a;
            cpu_get_regs(cpu, &a);
            const uint32_t now[9] = {get32(edge_phys - 4), get32(edge_phys - 8), get32(F1_EDGE - 12),
                                     get32(F2 - 4), get32(F2 - 8), a.gpr[CPU_EAX], a.gpr[CPU_EBX],
                                     a.gpr[CPU_EBP], a.eip};
            memcpy(got[jit], now, sizeof(now));
        }
        for (int i = 0; i < 9; i++)
            CHECK_EQ_INT(got[1][i], got[0][i]);
    }
    put32(UPT + 4 * (F1_EDGE >> 12), (F1_EDGE & ~0xfffu) | 7);
    cpu_set_jit_threshold(cpu, 0);
}

TEST(a_fault_after_flags_kept_in_registers_pushes_those_flags)
{
    /* ADD's lazy flags stay in host registers while only loads and stores
     * follow before SUB sets them again (jit_x64.c, flags_replaced_at);
     * a load or store that faults there must push ADD's flags. The first
     * loop's load faults; in the second a load misses the TLB and returns
     * (its slow path stores the flags, the call clobbers the registers)
     * before a store faults. Both against the interpreter, for operands
     * that give different flags. */
    machine_init();
    static const uint8_t one_fault[] = {
        0x01, 0xd8,   /* L: add eax, ebx */
        0x8b, 0x0e,   /*    mov ecx, [esi] */
        0x29, 0xc2,   /*    sub edx, eax */
        0xeb, 0xf8,   /*    jmp L */
    };
    static const uint8_t miss_then_fault[] = {
        0x01, 0xd8,   /* L: add eax, ebx */
        0x8b, 0x0e,   /*    mov ecx, [esi] */
        0x89, 0x0f,   /*    mov [edi], ecx */
        0x29, 0xc2,   /*    sub edx, eax */
        0xeb, 0xf6,   /*    jmp L */
    };
    enum { PRESENT = DATA + 0x100, GONE = DATA + 0x3000 };
    static const uint32_t operands[][2] = {{1, 2}, {0xffffffffu, 1}, {0x7fffffffu, 1}, {0x80000000u, 0x80000000u}};
    for (int prog = 0; prog < 2; prog++) {
        code_at_start(prog ? miss_then_fault : one_fault, prog ? sizeof(miss_then_fault) : sizeof(one_fault));
        for (size_t o = 0; o < sizeof(operands) / sizeof(operands[0]); o++) {
            struct cpu_regs after[2];
            uint32_t frame[2][4];
            for (int jit = 0; jit < 2; jit++) {
                struct cpu_regs r = paged_ring(0);
                r.gpr[CPU_ESI] = PRESENT;
                r.gpr[CPU_EDI] = PRESENT + 8;
                cpu_set_jit_threshold(cpu, jit ? 1 : 0);
                cpu_mem_changed(cpu);
                cpu_set_regs(cpu, &r);
                CHECK_EQ_INT(cpu_run(cpu, 60), CPU_STOP_BUDGET);   /* warm: decoded, translated */
                CHECK(!jit || cpu->fxb[fxb_index(CODE)].jit != NULL);
                r.gpr[CPU_EAX] = operands[o][0];
                r.gpr[CPU_EBX] = operands[o][1];
                r.eflags = 0x2 | 0x8d5;                           /* every arithmetic flag set */
                if (prog)
                    r.gpr[CPU_EDI] = GONE;
                else
                    r.gpr[CPU_ESI] = GONE;
                put32(UPT + 4 * (GONE >> 12), 0);                 /* not present */
                cpu_set_regs(cpu, &r);                            /* flushes the TLB */
                CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
                put32(UPT + 4 * (GONE >> 12), (GONE & ~0xfffu) | 3);
                cpu_get_regs(cpu, &after[jit]);
                memcpy(frame[jit], ram + after[jit].gpr[CPU_ESP], sizeof(frame[jit]));
            }
            CHECK_EQ_INT(after[1].eip, HANDLER + 1);
            CHECK_EQ_INT(after[1].cr2, GONE);
            CHECK_EQ_INT(frame[1][1], frame[0][1]);               /* the faulting EIP */
            CHECK_EQ_INT(frame[1][3], frame[0][3]);               /* EFLAGS: ADD's */
            CHECK_EQ_INT(after[1].gpr[CPU_EAX], after[0].gpr[CPU_EAX]);
            CHECK_EQ_INT(after[1].gpr[CPU_ECX], after[0].gpr[CPU_ECX]);
        }
    }
    cpu_set_jit_threshold(cpu, 0);
}

TEST(code_translated_in_the_kernel_cannot_read_a_supervisor_page_at_cpl_3)
{
    /* The converse of the test above: code translated at CPL 0 takes the
     * supervisor tags inline, so run at CPL 3 (the same bytes) it must
     * always miss, and a load from a supervisor-only page whose TLB entry
     * a supervisor read filled raises #PF. */
    machine_init();
    static const uint8_t code[] = {
        0x8b, 0x05, 0x00, 0x00, 0x10, 0x00,   /* L: mov eax, [DATA] */
        0xeb, 0xf8,                           /*    jmp L */
    };
    code_at_start(code, sizeof(code));
    struct cpu_regs r0 = paged_ring(0), r3 = paged_ring(3);
    cpu_set_jit_threshold(cpu, 1);
    cpu_set_regs(cpu, &r0);
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_BUDGET);   /* translated at CPL 0 */
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    user_load_of_a_supervisor_page_faults(&r3);
}

TEST(an_fs_access_past_the_4_gib_limit_faults_in_translated_code)
{
    /* FS has a base (FS_BASE), so the inline hit adds it to the offset; an
     * offset whose last byte passes the 4 GiB limit must raise #GP, even
     * where offset + base wraps into a page the TLB holds. */
    machine_init();
    static const uint8_t code[] = {
        0x64, 0x8b, 0x03,   /* L: mov eax, fs:[ebx] */
        0xeb, 0xfb,         /*    jmp L */
    };
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EBX] = DATA - FS_BASE;
    cpu_set_jit_threshold(cpu, 1);
    state_load(&st_init);
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_BUDGET);   /* translated */
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
    struct cpu_regs r = st_init.r;
    r.gpr[CPU_EBX] = 0xfffffffeu;             /* FS_BASE - 2 once wrapped */
    cpu_set_regs(cpu, &r);
    lin_read(cpu, FS_BASE - 2, 4, false);     /* that page is in the TLB */
    CHECK_EQ_INT(cpu_run(cpu, 20), CPU_STOP_HLT);
    struct cpu_regs after;
    cpu_get_regs(cpu, &after);
    CHECK_EQ_INT(after.eip, HANDLER + 1);     /* #GP's handler */
    cpu_set_jit_threshold(cpu, 0);
}

TEST(a_16_bit_stack_in_a_translated_run)
{
    /* PUSH, POP, CALL and RET on a 16-bit stack segment (SP wraps at
     * 64 KiB) go through the interpreter from translated code: the result
     * must be the interpreter's. */
    machine_init();
    static const uint8_t code[] = {
        0x50,                           /* L: push eax */
        0x5b,                           /*    pop ebx */
        0x51,                           /*    push ecx */
        0xe8, 0x02, 0x00, 0x00, 0x00,   /*    call f */
        0xeb, 0xf6,                     /*    jmp L */
        0x5a,                           /* f: pop edx (the return address) */
        0x52,                           /*    push edx */
        0xc3,                           /*    ret */
    };
    code_at_start(code, sizeof(code));
    /* B clear: SP. Based away from CODE: with base 0 a push at SP 2 wrote
     * into the code's first bytes, so each compared run began from code
     * that the run before it had left. */
    flat(&st_init.r.seg[CPU_SS], 0x10, 0x40000, 0x93 | 0x800);
    st_init.r.gpr[CPU_ESP] = 0x12340002u;                   /* wraps below 0 */
    run_warm(1, 30, 200, &st_jit);
    run_warm(0, 30, 200, &st_slow);
    const char *what = difference(&st_jit, &st_slow);
    if (what)
        report("16-bit stack", "translated", 0, what, code, sizeof(code), &st_jit, &st_slow);
    CHECK(!what);
    CHECK_EQ_INT(st_slow.r.gpr[CPU_ESP] >> 16, 0x1234);
}

TEST(ordinary_instructions_run_inside_runs)
{
    /* DIV, SHRD, BT, CLD, REP STOSB and PUSHF are not fast forms: they run
     * inside the run through the interpreter's ordinary path
     * (cpu_fx_general), so the loop below is one run up to its JMP. For
     * every budget the result, the retired count included, must be the
     * same translated as interpreted. */
    machine_init();
    static const uint8_t code[] = {
        0x40,                           /* L: inc eax */
        0x31, 0xd2,                     /*    xor edx, edx */
        0xb9, 0x07, 0x00, 0x00, 0x00,   /*    mov ecx, 7 */
        0xf7, 0xf1,                     /*    div ecx */
        0x0f, 0xac, 0xc6, 0x03,         /*    shrd esi, eax, 3 */
        0x0f, 0xba, 0xe0, 0x01,         /*    bt eax, 1 */
        0x11, 0xd3,                     /*    adc ebx, edx */
        0xfc,                           /*    cld */
        0x89, 0xdf,                     /*    mov edi, ebx */
        0x81, 0xe7, 0xff, 0x0f, 0x00, 0x00,   /* and edi, 0xfff */
        0x81, 0xc7, 0x00, 0x00, 0x10, 0x00,   /* add edi, DATA */
        0xb9, 0x03, 0x00, 0x00, 0x00,   /*    mov ecx, 3 */
        0xf3, 0xaa,                     /*    rep stosb */
        0x9c,                           /*    pushf */
        0x5d,                           /*    pop ebp */
        0xeb, 0xd2,                     /*    jmp L */
    };
    _Static_assert(sizeof(code) == 0x2e, "the JMP goes back to L");
    code_at_start(code, sizeof(code));
    st_init.r.gpr[CPU_EAX] = 5;
    st_init.r.gpr[CPU_EBX] = 0x1234;
    int bad = budgets_differ("ordinary in runs", code, sizeof(code), 60, 160, 5);
    CHECK(bad == 0);
    run_warm(1, 60, 1000, &st_jit);
    CHECK(run_at(CODE, 16));
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
}

/* CODE, a loop at the start of the code page, run translated and
 * interpreted to every budget up to 200 gives the same state (budgets_differ),
 * and has been translated. */
static void loop_matches_interpreter(const char *name, const uint8_t *code, size_t len)
{
    code_at_start(code, len);
    int bad = budgets_differ(name, code, (unsigned)len, 60, 200, 3);
    CHECK(bad == 0);
    run_warm(1, 60, 1000, &st_jit);
    CHECK(cpu->fxb[fxb_index(CODE)].jit != NULL);
}

TEST(mul_and_imul_of_a_register_in_translated_runs)
{
    /* MUL and IMUL r32 are ordinary instructions that the translator makes
     * inline: EDX:EAX and every flag (PUSHF shows them) must be the
     * interpreter's, with and without an upper half, for every budget. */
    machine_init();
    static const uint8_t code[] = {
        0x05, 0xb9, 0x79, 0x37, 0x9e,   /* L: add eax, 0x9e3779b9 */
        0x89, 0xc1,                     /*    mov ecx, eax */
        0xc1, 0xe9, 0x0d,               /*    shr ecx, 13 */
        0x0f, 0xb6, 0xc0,               /*    movzx eax, al */
        0xf7, 0xe1,                     /*    mul ecx: no upper half */
        0x9c, 0x5d,                     /*    pushf; pop ebp */
        0xf7, 0xd8,                     /*    neg eax: a negative factor */
        0xf7, 0xe9,                     /*    imul ecx: mostly an upper half */
        0x9c, 0x5e,                     /*    pushf; pop esi */
        0x11, 0xd3,                     /*    adc ebx, edx */
        0xeb, 0xe5,                     /*    jmp L */
    };
    _Static_assert(sizeof(code) == 27, "the JMP goes back to L");
    loop_matches_interpreter("mul", code, sizeof(code));
}

TEST(conditions_take_the_hosts_flags_only_where_nothing_changed_them)
{
    /* The translator reads a condition straight from the host's flags when
     * the CMP that set them was made inline just before, with only register
     * moves since (host_flags_live); a load, a push or a pop between makes
     * host instructions that change them. SETB after a load, SETG after a
     * move and JAE after a push and a pop must read the CMP's flags, as the
     * interpreter does, for every budget. */
    machine_init();
    static const uint8_t code[] = {
        0x05, 0xb9, 0x79, 0x37, 0x9e,   /* L: add eax, 0x9e3779b9 */
        0x39, 0xc8,                     /*    cmp eax, ecx */
        0x8b, 0x14, 0x24,               /*    mov edx, [esp]: the TLB test changes the host's flags */
        0x0f, 0x92, 0xc2,               /*    setb dl */
        0x01, 0xd1,                     /*    add ecx, edx */
        0x31, 0xc1,                     /*    xor ecx, eax */
        0x39, 0xc1,                     /*    cmp ecx, eax */
        0x89, 0xce,                     /*    mov esi, ecx: the host's flags stay */
        0x0f, 0x9f, 0xc0,               /*    setg al */
        0x39, 0xfe,                     /*    cmp esi, edi */
        0x50,                           /*    push eax */
        0x5f,                           /*    pop edi */
        0x73, 0xe2,                     /*    jae L */
        0xeb, 0xe0,                     /*    jmp L */
    };
    _Static_assert(sizeof(code) == 32, "both branches go back to L");
    loop_matches_interpreter("host flags", code, sizeof(code));
}

/* Runs st_init from CODE until the fault handler's HLT, three ways: as a
 * translated run, as an interpreted run and through the ordinary decoder;
 * the retired counts, EAX and the fault frame's EIP (vector VEC's frame
 * has an error code if ERR) must agree. BAD_EBX, BAD_ECX: the registers
 * that make the compared pass fault. */
static void fault_three_ways(uint32_t bad_ebx, uint32_t bad_ecx, bool err, uint32_t want_eip, uint32_t want_eax)
{
    uint64_t delta[3];
    uint32_t frame_eip[3], eax[3];
    for (int pass = 0; pass < 3; pass++) {
        cpu_set_jit_threshold(cpu, pass == 0 ? 1 : 0);
        cpu_mem_changed(cpu);
        st_init.r.gpr[CPU_EBX] = DATA;
        st_init.r.gpr[CPU_ECX] = 1;
        state_load(&st_init);
        cpu_run(cpu, 40);   /* decoded, built (and translated) */
        if (pass == 2)
            cpu_mem_changed(cpu);   /* the ordinary path */
        else
            CHECK(run_at(CODE, 6));
        st_init.r.gpr[CPU_EBX] = bad_ebx;
        st_init.r.gpr[CPU_ECX] = bad_ecx;
        st_init.r.gpr[CPU_EAX] = 0;
        run_to_handler(err, &delta[pass], &frame_eip[pass], &eax[pass]);
    }
    cpu_set_jit_threshold(cpu, 0);
    for (int pass = 0; pass < 3; pass++) {
        CHECK_EQ_INT(frame_eip[pass], want_eip);
        CHECK_EQ_INT(eax[pass], want_eax);
        CHECK_EQ_INT(delta[pass], delta[2]);
    }
}

TEST(a_fault_in_or_after_an_ordinary_instruction_of_a_run_counts_as_the_ordinary_path)
{
    /* INC, INC, DIV ECX (ordinary), INC, MOV ECX,[EBX] (fast), JMP back: one
     * run of six. DIV by zero (#DE, no error code) and then a load past the
     * flat limit (#GP) after the DIV has counted the instructions before it:
     * the retired count must be the ordinary path's both times. */
    machine_init();
    static const uint8_t code[] = {
        0x40, 0x40,                     /* inc eax; inc eax */
        0xf7, 0xf1,                     /* div ecx (edx:eax / ecx) */
        0x40,                           /* inc eax */
        0x8b, 0x0b,                     /* mov ecx, [ebx] */
        0xeb, 0xf7,                     /* jmp CODE */
    };
    code_at_start(code, sizeof(code));
    put32(DATA, 1);   /* what the load gives ECX: the next DIV divides by 1 */
    st_init.r.gpr[CPU_EDX] = 0;
    fault_three_ways(DATA, 0, false, CODE + 2, 2);
    fault_three_ways(0xfffffffeu, 1, true, CODE + 5, 3);
}

static int ack_vector_16(void *opaque)
{
    (void)opaque;
    return 16;   /* its gate leads to HANDLER, as every vector's */
}

/* Runs CODE (it starts with STI and ends with HLT) from IF clear,
 * interpreted and translated: built without the interrupt line, then with
 * it up. With the line the handler must run with EAX 1 (the interrupt
 * right after STI's shadow); without it HLT is reached with EAX
 * EAX_WITHOUT. */
static void interrupt_after_sti(const uint8_t *code, size_t size, uint32_t eax_without)
{
    code_at_start(code, size);
    cpu_set_intr_ack(cpu, ack_vector_16, NULL);
    for (unsigned threshold = 0; threshold <= 1; threshold++) {
        cpu_set_jit_threshold(cpu, threshold);
        cpu_mem_changed(cpu);
        for (int pass = 0; pass < 5; pass++) {
            st_init.r.gpr[CPU_EAX] = 0;
            st_init.r.eflags = 0x2;
            st_init.r.eip = CODE;
            state_load(&st_init);
            cpu_set_intr(cpu, pass >= 3);
            CHECK_EQ_INT(cpu_run(cpu, 100), CPU_STOP_HLT);
            struct cpu_regs r;
            cpu_get_regs(cpu, &r);
            CHECK_EQ_INT(r.gpr[CPU_EAX], pass >= 3 ? 1 : eax_without);
            CHECK_EQ_INT(r.eip, pass >= 3 ? HANDLER + 1 : CODE + (uint32_t)size);
        }
    }
    cpu_set_intr(cpu, 0);
    cpu_set_intr_ack(cpu, NULL, NULL);
    cpu_set_jit_threshold(cpu, 0);
}

TEST(an_interrupt_pending_after_sti_comes_after_the_next_instruction)
{
    /* STI with the interrupt line already up: the interrupt waits out STI's
     * shadow (the INC), then comes before the JMP and the run at L. */
    machine_init();
    static const uint8_t code[] = {
        0xfb,                           /* sti */
        0x40,                           /* inc eax */
        0xeb, 0x00,                     /* jmp L */
        0x40, 0x40, 0x40,               /* L: inc eax (3x) */
        0xf4,                           /* hlt */
    };
    interrupt_after_sti(code, sizeof(code), 4);
}

TEST(an_interrupt_held_off_by_sti_is_not_lost_to_a_cli_in_the_run_that_follows)
{
    /* STI; INC; CLI; INC; HLT with the interrupt line up: the interrupt
     * comes right after the INC in STI's shadow (SDM 6.8.3), before the CLI,
     * so the handler runs with EAX 1. Run whole after the shadow, the INC,
     * CLI, INC run would mask it and HLT would wait for ever (iPXE's e1000
     * and RTL8139 drivers sent nothing when CLI was allowed in runs). */
    machine_init();
    static const uint8_t code[] = {
        0xfb,                           /* sti */
        0x40,                           /* inc eax */
        0xfa,                           /* cli */
        0x40,                           /* inc eax */
        0xf4,                           /* hlt */
    };
    interrupt_after_sti(code, sizeof(code), 2);
}

TEST(a_popf_that_sets_tf_inside_a_run_traps_after_the_next_instruction)
{
    /* PUSHF, OR [ESP] with TF, POPF (an ordinary instruction inside the
     * run), then INCs that are also a run of their own (entered at L
     * first): the single-step trap comes after the first INC, as on the
     * ordinary path, translated or not; the run after the POPF must not
     * run whole. */
    machine_init();
    static const uint8_t code[] = {
        0x9c,                                       /* pushf */
        0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00,   /* or dword [esp], TF */
        0x9d,                                       /* popf */
        0x40, 0x40, 0x40,                           /* L: inc eax (3x) */
        0xf4,                                       /* hlt */
    };
    code_at_start(code, sizeof(code));
    for (unsigned threshold = 0; threshold <= 1; threshold++) {
        cpu_set_jit_threshold(cpu, threshold);
        cpu_mem_changed(cpu);
        for (int pass = 0; pass < 5; pass++) {   /* L decoded and built (translated), then from the start */
            st_init.r.gpr[CPU_EAX] = 0;
            st_init.r.eip = pass < 2 ? CODE + 9 : CODE;
            state_load(&st_init);
            CHECK_EQ_INT(cpu_run(cpu, 100), CPU_STOP_HLT);
            if (pass < 2)
                continue;
            struct cpu_regs r;
            cpu_get_regs(cpu, &r);
            CHECK_EQ_INT(r.gpr[CPU_EAX], 1);
            CHECK_EQ_INT(r.eip, HANDLER + 1);   /* #DB's handler */
        }
        CHECK(run_at(CODE, 6));   /* the POPF inside, the INCs after it */
        CHECK(run_at(CODE + 9, 3));
    }
    cpu_set_jit_threshold(cpu, 0);
    st_init.r.eip = CODE;
}
