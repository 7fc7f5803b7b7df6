/* The x87's arithmetic core in portable C: 80-bit extended operands, one
 * correctly rounded result per operation at the precision and rounding
 * control of the control word, and the IEEE exception flags with the x87's
 * masked and unmasked responses (Intel SDM vol. 1, 4.7-4.9 and 8.4-8.5).
 * Private to emu/cpu/x87*.c. */
#ifndef BAREMU_EMU_X87_FLOAT_H
#define BAREMU_EMU_X87_FLOAT_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/cpu/x87.h"

/* Status/exception word bits (SDM vol. 1, figure 8-4). */
enum {
    X87_IE = 0x0001, X87_DE = 0x0002, X87_ZE = 0x0004, X87_OE = 0x0008,
    X87_UE = 0x0010, X87_PE = 0x0020, X87_SF = 0x0040, X87_ES = 0x0080,
    X87_C0 = 0x0100, X87_C1 = 0x0200, X87_C2 = 0x0400, X87_C3 = 0x4000,
    X87_B = 0x8000,
};

/* Operand classes, as FXAM and the operand checks see them on a P6. */
enum x87_class {
    X87_ZERO, X87_DENORMAL, X87_NORMAL, X87_INF, X87_QNAN, X87_SNAN,
    X87_UNSUPPORTED,            /* unnormal, pseudo-NaN, pseudo-infinity */
};

/* One operation's rounding context and its outcome. */
struct x87_ctx {
    unsigned rc;                /* CW.RC: 0 nearest, 1 down, 2 up, 3 toward zero */
    unsigned prec;              /* significand bits: 24, 53 or 64 */
    uint16_t masks;             /* CW bits 0-5 */
    uint16_t exc;               /* exceptions raised by this operation */
    bool c1;                    /* result rounded up (magnitude increased) */
    bool nostore;               /* unmasked exception: destination unchanged */
    /* Memory operands of arithmetic: an SNaN stays signaling and a denormal
     * is only noted, so the operation reports them in its own priority order. */
    bool defer_operand_checks;
    bool operand_denormal;
};

/* Destination formats for rounding. */
enum x87_fmt { X87_FMT_REG, X87_FMT_F32, X87_FMT_F64 };

extern const struct x87_reg x87_indefinite;     /* the QNaN "real indefinite" */

enum x87_class x87_classify(struct x87_reg a);
static inline bool x87_sign(struct x87_reg a) { return (a.sign_exp & 0x8000) != 0; }
static inline bool x87_is_nan(enum x87_class c) { return c == X87_QNAN || c == X87_SNAN; }

/* Arithmetic with register destination; results are rounded to ctx->prec. */
struct x87_reg x87f_add(struct x87_ctx *c, struct x87_reg a, struct x87_reg b, bool negate_b);
struct x87_reg x87f_mul(struct x87_ctx *c, struct x87_reg a, struct x87_reg b);
struct x87_reg x87f_div(struct x87_ctx *c, struct x87_reg a, struct x87_reg b);
struct x87_reg x87f_sqrt(struct x87_ctx *c, struct x87_reg a);
struct x87_reg x87f_rndint(struct x87_ctx *c, struct x87_reg a);
struct x87_reg x87f_scale(struct x87_ctx *c, struct x87_reg a, struct x87_reg b);
/* FXTRACT: *sig gets the significand, the return value the exponent. */
struct x87_reg x87f_xtract(struct x87_ctx *c, struct x87_reg a, struct x87_reg *sig);
/* FPREM (round_nearest=false) / FPREM1: returns the partial remainder and
 * sets *cc to the C0/C1/C2/C3 bits of the status word. */
struct x87_reg x87f_prem(struct x87_ctx *c, struct x87_reg a, struct x87_reg b,
                         bool round_nearest, uint16_t *cc);

/* Compare: returns the C3/C2/C0 bits (SDM table 8-6); quiet=true for FUCOM. */
uint16_t x87f_compare(struct x87_ctx *c, struct x87_reg a, struct x87_reg b, bool quiet);

/* Conversions. Loads are exact (they may raise IE for an SNaN or DE). */
struct x87_reg x87f_from_int(int64_t v);
struct x87_reg x87f_from_f32(struct x87_ctx *c, uint32_t v);
struct x87_reg x87f_from_f64(struct x87_ctx *c, uint64_t v);
uint32_t x87f_to_f32(struct x87_ctx *c, struct x87_reg a);
uint64_t x87f_to_f64(struct x87_ctx *c, struct x87_reg a);
/* FIST: bits = 16, 32 or 64; out of range or NaN gives the integer indefinite. */
int64_t x87f_to_int(struct x87_ctx *c, struct x87_reg a, unsigned bits);
struct x87_reg x87f_from_bcd(const uint8_t bcd[10]);
void x87f_to_bcd(struct x87_ctx *c, struct x87_reg a, uint8_t bcd[10]);

/* The NaN result of an operation on NaN operands (SDM table 4-7). */
struct x87_reg x87f_nan_result(struct x87_ctx *c, struct x87_reg a, enum x87_class ca,
                               struct x87_reg b, enum x87_class cb);

#endif
