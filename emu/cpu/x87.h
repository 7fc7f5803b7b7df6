/* The boundary between the CPU interpreter and the x87 FPU (Intel SDM vol. 1,
 * chapter 8): the CPU decodes the ESC opcode (D8-DF) and its ModRM, computes
 * the memory operand's segment and offset, handles CR0.EM/TS (#NM) and the
 * pending-exception check before a waiting instruction (#MF or FERR#), and
 * then calls x87_execute. The FPU reads and writes memory only through the
 * CPU's accessors, which do segmentation and paging and may raise a fault by
 * not returning (the CPU's exception unwind); the FPU therefore performs all
 * its reads before changing any state, and its writes before popping. */
#ifndef BAREMU_EMU_X87_H
#define BAREMU_EMU_X87_H

#include <stdbool.h>
#include <stdint.h>

/* One 80-bit register: 64-bit significand (explicit integer bit) and
 * sign + 15-bit exponent, exactly as stored by FSTP m80. */
struct x87_reg {
    uint64_t mant;
    uint16_t sign_exp;
};

struct x87 {
    struct x87_reg st[8];   /* physical registers R0..R7 (ST(i) = st[(top+i)&7]) */
    uint16_t cw;            /* control word */
    uint16_t sw;            /* status word, TOP kept in bits 11-13 */
    uint16_t tw;            /* full tag word, 2 bits per physical register */
    uint16_t fop;           /* last non-control opcode (11 bits) */
    uint32_t fip, fdp;      /* last instruction and operand pointers */
    uint16_t fcs, fds;
};

struct x87_cpu_access {
    void *cpu;
    /* size 1, 2, 4 or 8; seg is the segment register index (ES=0 CS DS SS FS GS... as in the CPU: 0=ES,1=CS,2=SS,3=DS,4=FS,5=GS) */
    uint64_t (*read)(void *cpu, int seg, uint32_t offset, unsigned size);
    void (*write)(void *cpu, int seg, uint32_t offset, uint64_t value, unsigned size);
    /* FSTSW AX writes the CPU's AX. */
    void (*set_ax)(void *cpu, uint16_t value);
    /* FCMOVcc reads EFLAGS (CF, PF, ZF). */
    uint32_t (*get_eflags)(void *cpu);
    /* FCOMI/FCOMIP/FUCOMI/FUCOMIP: the CPU replaces OF SF ZF AF PF CF (mask
     * 0x8D5) of EFLAGS with `flags` (only ZF, PF and CF can be set). */
    void (*set_arith_flags)(void *cpu, uint32_t flags);
};

struct x87_insn {
    uint8_t opcode;         /* 0xD8 .. 0xDF */
    uint8_t modrm;
    bool has_mem;           /* ModRM.mod != 3 */
    int seg;                /* memory operand's segment (after prefixes) */
    uint32_t offset;        /* memory operand's effective offset */
    bool op32;              /* operand size 32 (FSTENV/FSAVE layouts) */
    bool protected_mode;    /* PE=1 and not V86: protected-mode env layout */
    uint16_t cs;            /* for FIP/FCS */
    uint32_t eip;           /* of the instruction (first prefix) */
    uint16_t ds_selector;   /* the operand segment's selector, for FDS */
};

enum x87_result {
    X87_OK = 0,
    X87_UD,                 /* undefined encoding: the CPU raises #UD */
};

void x87_reset(struct x87 *f);        /* FNINIT state (CW=037F, SW=0, TW=FFFF) */
void x87_power_on(struct x87 *f);     /* RESET state (CW=0040 per SDM 9.1.1) */
enum x87_result x87_execute(struct x87 *f, const struct x87_cpu_access *cpu,
                            const struct x87_insn *insn);
/* FXSAVE / FXRSTOR of the 512-byte image at seg:off (the CPU checks #NM and
 * the 16-byte alignment first); they never check pending exceptions. */
void x87_fxsave(const struct x87 *f, const struct x87_cpu_access *cpu, int seg, uint32_t off);
void x87_fxrstor(struct x87 *f, const struct x87_cpu_access *cpu, int seg, uint32_t off);
/* True for the no-wait forms (FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE,
 * FNDISI/FNENI/FNSETPM), which do not check for pending exceptions. */
bool x87_is_nowait(uint8_t opcode, uint8_t modrm);
/* An unmasked exception is pending (SW.ES): the next waiting instruction
 * raises #MF (CR0.NE=1) or asserts FERR# (CR0.NE=0, IRQ13 on a PC). */
static inline bool x87_exception_pending(const struct x87 *f)
{
    return (f->sw & 0x0080) != 0;
}

#endif
