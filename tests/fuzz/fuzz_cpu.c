/* libFuzzer harness for the CPU interpreter (emu/cpu/): the guest's code is
 * the biggest input a guest controls, so arbitrary instruction bytes run in
 * each CPU mode (real, 16- and 32-bit protected at CPL 0 and 3, paging with
 * fuzz-chosen page-table bits, virtual-8086) against descriptor tables that
 * are half well-formed and half fuzz bytes (Intel SDM vol. 3A 3.4-3.5
 * descriptors, 6.10-6.14 IDT gates, 7.2 the TSS, 4.3 two-level paging,
 * 20.2 V86). Whatever runs, the interpreter must stay inside its own memory
 * (ASan/UBSan) and return within its budget, and the translator
 * (jit_x64.c) must give the interpreter's result. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emu/cpu/cpu_int.h"
#include "emu/io.h"
#include "emu/memory.h"

#define RAM_SIZE 0x110000u  /* 1 MiB and the HMA, so A20 wrap-around is reachable */
#define IVT_HANDLER 0x0500u /* real mode and V86: HLT */
#define GDT 0x1000u
#define GDT_ENTRIES 32u
#define IDT 0x2000u
#define LDT 0x2800u
#define TSS 0x3000u         /* 0x68 bytes, then the I/O bitmap */
#define HANDLER 0x4000u     /* protected-mode vectors: HLT */
#define STACK0 0x9000u
#define STACK3 0x8000u
#define PD 0x10000u
#define PT 0x11000u
#define CODE 0x20000u
#define CODE_MAX 0x1000u
/* Retired instructions per input. A REP string instruction retires once per
 * batch of up to 4096 iterations (exec.c string_op), so the budget also
 * bounds the iterations a fuzz-chosen ECX can ask for. */
#define BUDGET 256u

static struct guest_memory *mem;
static struct io_bus *io;
static struct cpu *cpu;
static uint8_t *ram;

static void put32(uint32_t a, uint32_t v) { memcpy(ram + a, &v, 4); }

/* A segment descriptor (SDM 3.4.5): base, limit in bytes (G set above 1 MiB), access byte, D/B. */
static void desc(unsigned i, uint32_t base, uint32_t limit, uint8_t access, bool big)
{
    uint32_t g = limit > 0xfffffu;
    if (g)
        limit >>= 12;
    put32(GDT + i * 8, (base << 16) | (limit & 0xffffu));
    put32(GDT + i * 8 + 4, (base & 0xff000000u) | ((g << 23) | ((uint32_t)big << 22)) |
                               (limit & 0xf0000u) | ((uint32_t)access << 8) | ((base >> 16) & 0xffu));
}

/* An IDT gate (SDM 6.11): selector, offset, type/DPL byte. */
static void gate(unsigned v, uint16_t sel, uint32_t off, uint8_t type)
{
    put32(IDT + v * 8, ((uint32_t)sel << 16) | (off & 0xffffu));
    put32(IDT + v * 8 + 4, (off & 0xffff0000u) | ((uint32_t)type << 8));
}

static void seg(struct cpu_seg_state *s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
    s->sel = sel;
    s->base = base;
    s->limit = limit;
    s->attr = attr;
}

/* Reads the next input byte (zero once the input is used up). */
struct input {
    const uint8_t *p;
    size_t n;
};
static uint8_t in8(struct input *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}
static uint32_t in32(struct input *in)
{
    uint32_t v = in8(in);
    v |= (uint32_t)in8(in) << 8;
    v |= (uint32_t)in8(in) << 16;
    return v | (uint32_t)in8(in) << 24;
}

static void tables(struct input *in)
{
    memset(ram, 0, RAM_SIZE);
    for (unsigned v = 0; v < 256; v++)   /* real-mode IVT: every vector to 0050:0000 */
        put32(v * 4, 0x00500000u);
    ram[IVT_HANDLER] = 0xf4;
    ram[HANDLER] = 0xf4;
    /* Well-formed descriptors first (SDM 3.4.5.1 types), then fuzz bytes. */
    desc(1, 0, 0xffffffffu, 0x9a, true);         /* 0x08 code32 DPL0 */
    desc(2, 0, 0xffffffffu, 0x92, true);         /* 0x10 data32 DPL0 */
    desc(3, CODE, 0xffffu, 0x9a, false);         /* 0x18 code16, based at the code */
    desc(4, 0, 0xffffu, 0x92, false);            /* 0x20 data16 */
    desc(5, TSS, 0x67 + 0x2000 + 1, 0x89, false);   /* 0x28 available 32-bit TSS with an I/O bitmap */
    desc(6, 0, 0xffffffffu, 0xfa, true);         /* 0x33 code32 DPL3 */
    desc(7, 0, 0xffffffffu, 0xf2, true);         /* 0x3b data32 DPL3 */
    desc(8, LDT, 0x7f, 0x82, false);             /* 0x40 LDT */
    desc(9, 0, 0xfffffu, 0x9e, true);            /* 0x48 conforming code */
    desc(10, 0, 0xffffu, 0x96, false);           /* 0x50 expand-down data */
    /* 0x58: a call gate to 0x08:HANDLER, DPL 3 (SDM 5.8.3). */
    put32(GDT + 11 * 8, (0x08u << 16) | (HANDLER & 0xffffu));
    put32(GDT + 11 * 8 + 4, (HANDLER & 0xffff0000u) | 0xec00u);
    /* 0x60: a task gate to the TSS (SDM 7.2.5). */
    put32(GDT + 12 * 8, 0x28u << 16);
    put32(GDT + 12 * 8 + 4, 0xe500u);
    for (unsigned i = 16; i < GDT_ENTRIES; i++) {   /* garbage the code can load */
        put32(GDT + i * 8, in32(in));
        put32(GDT + i * 8 + 4, in32(in));
    }
    for (unsigned i = 0; i < 16; i++) {   /* the LDT: fuzz bytes */
        put32(LDT + i * 8, in32(in));
        put32(LDT + i * 8 + 4, in32(in));
    }
    for (unsigned v = 0; v < 256; v++)
        gate(v, 0x08, HANDLER, v == 0x80 ? 0xef : 0x8e);   /* 0x80: a DPL3 trap gate */
    for (unsigned i = 0; i < 4; i++) {   /* a few fuzz-chosen gates */
        unsigned v = in8(in);
        put32(IDT + v * 8, in32(in));
        put32(IDT + v * 8 + 4, in32(in));
    }
    /* The TSS (SDM 7.2.1): ring-0 stack, the I/O bitmap right after it
     * with fuzz bytes at its start. */
    put32(TSS + 4, STACK0);
    put32(TSS + 8, 0x10);
    put32(TSS + 0x64, 0x68u << 16);
    for (unsigned i = 0; i < 16; i++)
        ram[TSS + 0x68 + i] = in8(in);
    ram[TSS + 0x68 + 0x2000] = 0xff;
    /* Page tables (SDM 4.3): identity for the first 4 MiB, user and
     * writable, then fuzz-chosen bit flips in some entries. */
    put32(PD, PT | 7);
    for (uint32_t i = 0; i < 1024; i++)
        put32(PT + i * 4, (i << 12) | 7);
    for (unsigned i = 0; i < 6; i++) {
        uint32_t at = (in8(in) | (uint32_t)(in8(in) & 3) << 8) * 4;
        uint32_t flip = in32(in);
        uint32_t pte;
        memcpy(&pte, ram + PT + at, 4);
        put32(PT + at, pte ^ (flip & 0xfffu));   /* present, R/W, U/S, A, D, G, PS bits */
    }
    uint32_t pde_flip = in8(in);
    if (pde_flip & 0x80)
        put32(PD + (pde_flip & 0x7f) * 4, ((pde_flip & 0x7f) << 22) | 0x87);   /* a 4 MiB page (PSE) */
}

/* The CPU modes an input starts in: CR0 (PE, PG), CS and the data segments
 * (selector, hidden base/limit/attributes, D/B and G in attribute bits
 * 10-11), EIP and ESP. */
static const struct mode {
    uint32_t cr0;
    uint16_t cs_sel;
    uint32_t cs_base, cs_limit;
    uint16_t cs_attr, ds_sel;
    uint32_t ds_base, ds_limit;
    uint16_t ds_attr;
    uint32_t eip, esp;
    bool v86;
} modes[6] = {
    /* real mode at 2000:0000 */
    {0x10, 0x2000, CODE, 0xffff, 0x9b, 0x0800, 0x8000, 0xffff, 0x93, 0, 0x0ff0, false},
    /* 32-bit flat, CPL 0 */
    {0x11, 0x08, 0, 0xffffffffu, 0xc9b, 0x10, 0, 0xffffffffu, 0xc93, CODE, STACK0, false},
    /* the same with paging */
    {0x80000011u, 0x08, 0, 0xffffffffu, 0xc9b, 0x10, 0, 0xffffffffu, 0xc93, CODE, STACK0, false},
    /* 16-bit protected mode, CPL 0, code based at CODE */
    {0x11, 0x18, CODE, 0xffff, 0x9b, 0x20, 0, 0xffff, 0x93, 0, STACK0, false},
    /* 32-bit CPL 3, paging on */
    {0x80000011u, 0x33, 0, 0xffffffffu, 0xcfb, 0x3b, 0, 0xffffffffu, 0xcf3, CODE, STACK3, false},
    /* virtual-8086 at 2000:0000 (SDM 20.2) */
    {0x11, 0x2000, CODE, 0xffff, 0xf3, 0x0800, 0x8000, 0xffff, 0xf3, 0, 0x0ff0, true},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cpu) {
        mem = gmem_create(RAM_SIZE, RAM_SIZE);
        io = io_bus_create();   /* no devices: unmapped ports read as all ones */
        cpu = cpu_create(mem, io);
        if (!mem || !io || !cpu)
            __builtin_trap();
        ram = gmem_ram(mem);
    }
    struct input in = {data, size};
    uint8_t mode = in8(&in);
    uint32_t gpr[8];
    for (int i = 0; i < 8; i++)
        gpr[i] = in32(&in);
    uint32_t flags_in = in32(&in);
    uint32_t cr_in = in32(&in);
    tables(&in);
    size_t code_len = in.n < CODE_MAX ? in.n : CODE_MAX;
    memcpy(ram + CODE, in.p, code_len);
    memset(ram + CODE + code_len, 0xf4, CODE_MAX - code_len);

    cpu_reset(cpu);
    cpu_set_a20(cpu, (mode & 0x80) != 0);
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    memcpy(r.gpr, gpr, sizeof(gpr));
    /* Arithmetic flags, TF, DF, IOPL and AC from the input; IF clear so the
     * vectors' HLT ends the run; bit 1 is always set. */
    r.eflags = (flags_in & 0x40fd5u) | 0x2u;
    r.gdt_base = GDT;
    r.gdt_limit = GDT_ENTRIES * 8 - 1;
    r.idt_base = IDT;
    r.idt_limit = 256 * 8 - 1;
    seg(&r.ldtr, 0x40, LDT, 0x7f, 0x82);
    seg(&r.tr, 0x28, TSS, 0x67 + 0x2000 + 1, 0x8b);
    r.cr2 = 0;
    r.cr3 = PD;
    /* CR0.MP/EM/TS/NE/WP/AM and CR4.TSD/DE/PSE/PGE from the input (x87
     * exceptions, #NM, write protection, alignment checks). */
    uint32_t cr0_bits = cr_in & ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 5) | (1u << 16) | (1u << 18));
    r.cr4 = (cr_in >> 8) & ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 7));
    const struct mode *md = &modes[mode % 6];
    r.cr0 = md->cr0 | (md->cr0 & 1 ? cr0_bits : cr0_bits & 0x2e);
    if (!(md->cr0 & 1))
        r.cr4 = 0;
    if (md->v86)
        r.eflags |= 1u << 17;
    for (int s = 0; s < 6; s++) {
        if (s == CPU_CS)
            seg(&r.seg[s], md->cs_sel, md->cs_base, md->cs_limit, md->cs_attr);
        else
            seg(&r.seg[s], md->ds_sel, md->ds_base, md->ds_limit, md->ds_attr);
    }
    r.eip = md->eip;
    r.gpr[CPU_ESP] = md->esp;
    /* The run twice from the same memory: interpreted, then with every run
     * of fast forms translated after its first execution (jit_x64.c). The
     * two must end in the same registers, memory and retired count. */
    static uint8_t ram0[RAM_SIZE], ram1[RAM_SIZE];
    memcpy(ram0, ram, RAM_SIZE);
    struct cpu_regs out[2];
    uint64_t retired[2];
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            memcpy(ram, ram0, RAM_SIZE);
        cpu_set_jit_threshold(cpu, pass);
        cpu_reset(cpu);
        cpu_set_a20(cpu, (mode & 0x80) != 0);
        /* New code and tables, written behind the CPU's back: every decoded
         * instruction and TLB entry goes. */
        cpu_mem_changed(cpu);
        cpu_set_regs(cpu, &r);
        uint64_t before = cpu_retired(cpu);
        /* HLT with IF clear, a triple fault (shutdown) or the budget ends the run. */
        cpu_run(cpu, BUDGET);
        retired[pass] = cpu_retired(cpu) - before;
        cpu_get_regs(cpu, &out[pass]);
        if (pass == 0)
            memcpy(ram1, ram, RAM_SIZE);
    }
    if (retired[0] != retired[1] || memcmp(out[0].gpr, out[1].gpr, sizeof(out[0].gpr)) ||
        out[0].eip != out[1].eip || out[0].eflags != out[1].eflags || memcmp(ram1, ram, RAM_SIZE))
        __builtin_trap();   /* the translated run differs from the interpreted one */
    return 0;
}
