/* Runs one x87 transcendental instruction (FSIN, FCOS, FSINCOS, FPTAN,
 * FPATAN, F2XM1, FYL2X, FYL2XP1) on the host's own x87 over a copy of the
 * guest's FPU state (Intel SDM vol. 1, 8.1.10 FSAVE image, 32-bit protected
 * layout, figure 8-9 and 8-12).
 *
 * Why the host FPU: these results come from Intel's (or AMD's) microcode
 * approximations, whose last-bit behaviour is not specified; a software
 * version cannot be bit-exact with a real x87, but the host always has one
 * (both builds of baremu run only on x86-64). Everything else in the FPU is
 * done in portable C (x87_float.c); this file is the only place that
 * executes guest floating-point work on the host FPU.
 *
 * The host's own x87 state is saved with FNSAVE and restored with FRSTOR
 * around the instruction, and the guest's state is read back with FNSAVE
 * (a no-wait form), so an unmasked guest exception never traps the host.
 * The caller loads the image with SW's exception bits clear. */
#ifndef BAREMU_EMU_X87_HOST_H
#define BAREMU_EMU_X87_HOST_H

#include <stdint.h>

enum x87_host_op {
    X87_HOST_F2XM1, X87_HOST_FYL2X, X87_HOST_FPTAN, X87_HOST_FPATAN,
    X87_HOST_FYL2XP1, X87_HOST_FSINCOS, X87_HOST_FSIN, X87_HOST_FCOS,
};

#define X87_HOST_RUN(insn, image)                                              \
    do {                                                                       \
        struct { uint8_t b[108]; } x87_host_saved_;                            \
        __asm__ volatile("fnsave %0\n\t"                                       \
                         "frstor %1\n\t"                                       \
                         insn "\n\t"                                           \
                         "fnsave %1\n\t"                                       \
                         "frstor %0"                                           \
                         : "=m"(x87_host_saved_), "+m"(*(struct { uint8_t b[108]; } *)(image)) \
                         :                                                     \
                         : "memory");                                          \
    } while (0)

/* image: a 108-byte FSAVE image, updated in place. */
static inline void x87_host_run(enum x87_host_op op, uint8_t *image)
{
    switch (op) {
    case X87_HOST_F2XM1:   X87_HOST_RUN("f2xm1", image); break;
    case X87_HOST_FYL2X:   X87_HOST_RUN("fyl2x", image); break;
    case X87_HOST_FPTAN:   X87_HOST_RUN("fptan", image); break;
    case X87_HOST_FPATAN:  X87_HOST_RUN("fpatan", image); break;
    case X87_HOST_FYL2XP1: X87_HOST_RUN("fyl2xp1", image); break;
    case X87_HOST_FSINCOS: X87_HOST_RUN("fsincos", image); break;
    case X87_HOST_FSIN:    X87_HOST_RUN("fsin", image); break;
    case X87_HOST_FCOS:    X87_HOST_RUN("fcos", image); break;
    }
}

#endif
