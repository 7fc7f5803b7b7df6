/* The fast forms' kinds (dc_entry.kind from DC_FAST up): which complete
 * decoding a fast decode-cache entry holds (exec_fast.h) and what the
 * translator (jit_x64.c) generates code for. Encodings per Intel SDM vol. 2
 * appendix A. */
#ifndef BAREMU_EMU_CPU_FAST_FORMS_H
#define BAREMU_EMU_CPU_FAST_FORMS_H

#include "emu/cpu/cpu_int.h"

enum fast_form {
    FX_ALU_RR = DC_FAST,    /* +aop: ADD..CMP r32, r32 (01-3B, mod 3) */
    FX_ALU_RI = FX_ALU_RR + 8,   /* +aop: r32, imm (05.., 81, 83) */
    FX_ALU_RM = FX_ALU_RI + 8,   /* +aop: r32 op= [m] (03..) */
    FX_ALU_MR = FX_ALU_RM + 8,   /* +aop: [m] op= r32 (01..) */
    FX_ALU_MI = FX_ALU_MR + 8,   /* +aop: [m] op= imm (81, 83) */
    FX_INC_R = FX_ALU_MI + 8,
    FX_DEC_R,
    FX_MOV_RR,
    FX_MOV_RI,
    FX_TEST_RR,
    FX_TEST_RI,
    FX_SHIFT_RI,            /* aux: the group 2 operation */
    FX_IMUL_RRI,            /* dst = src * imm */
    FX_IMUL_RR,             /* dst *= src (0F AF) */
    FX_MOVX_RR,             /* aux: bit 0 word source, bit 1 sign-extend (0F B6/B7/BE/BF) */
    FX_MOVX_RM,
    FX_LEA,
    FX_LOAD,                /* MOV r32, [m] */
    FX_STORE,               /* MOV [m], r32 */
    FX_LOAD8,               /* MOV r8, [m] */
    FX_STORE8,              /* MOV [m], r8 */
    FX_STORE_I,             /* MOV [m], imm32 */
    FX_PUSH_R,
    FX_POP_R,
    FX_PUSH_I,
    FX_JCC,                 /* aux: condition */
    FX_JMP,
    FX_CALL,
    FX_RET,
    FX_NOP,
    /* byte forms */
    FX_ALU_RR8,                  /* +aop: r8 op= r8 (00-3A, mod 3) */
    FX_ALU_RI8 = FX_ALU_RR8 + 8, /* +aop: r8 op= imm8 (04.., 80) */
    FX_ALU_RM8 = FX_ALU_RI8 + 8, /* +aop: r8 op= [m] (02..) */
    FX_ALU_MR8 = FX_ALU_RM8 + 8, /* +aop: [m] op= r8 (00..) */
    FX_ALU_MI8 = FX_ALU_MR8 + 8, /* +aop: [m] op= imm8 (80) */
    FX_TEST_RR8 = FX_ALU_MI8 + 8,
    FX_TEST_RI8,            /* A8, F6 /0 */
    FX_TEST_MI8,            /* F6 /0 [m] */
    FX_TEST_MR8,            /* 84 [m] */
    FX_TEST_MR,             /* 85 [m] */
    FX_MOV_RR8,
    FX_MOV_RI8,             /* B0-B7, C6 /0 */
    FX_STORE_I8,            /* C6 /0 [m] */
    /* 16-bit forms (operand-size prefix) */
    FX_LOAD16,
    FX_STORE16,
    FX_MOV_RR16,
    FX_SHIFT_RI16,
    /* group 5, group 3, shifts by CL, SETcc, CMOVcc */
    FX_SHIFT_RC,            /* D3 r32, CL */
    FX_INC_M,
    FX_DEC_M,
    FX_CALL_R,
    FX_CALL_M,
    FX_JMP_R,
    FX_JMP_M,
    FX_PUSH_M,
    FX_NOT_R,
    FX_NEG_R,
    FX_SETCC_R,             /* aux: condition */
    FX_SETCC_M,
    FX_CMOV_RR,             /* aux: condition */
    FX_CMOV_RM,
    FX_END
};
_Static_assert(FX_END <= 256, "fast forms fit dc_entry.kind");

#endif
