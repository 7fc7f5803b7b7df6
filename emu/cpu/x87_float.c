/* The x87 arithmetic core: exact intermediate results in 128-bit integers and
 * one rounding per operation (Intel SDM vol. 1, 4.7-4.9, 8.1.5 precision
 * control, 8.4-8.5 exception responses, table 4-7 NaN rules). Written for
 * this project; behaviour checked against a host x87 by tests/unit/test_x87*.c. */
#include "emu/cpu/x87_float.h"

#include <string.h>

typedef unsigned __int128 u128;

#define BIAS 16383
#define EXP_MAX 0x7fff

const struct x87_reg x87_indefinite = {0xC000000000000000ull, 0xFFFF};

enum x87_class x87_classify(struct x87_reg a)
{
    unsigned e = a.sign_exp & 0x7fff;
    bool j = (a.mant >> 63) != 0;
    if (e == 0)
        return a.mant == 0 ? X87_ZERO : X87_DENORMAL;   /* includes pseudo-denormals */
    if (!j)
        return X87_UNSUPPORTED;                         /* unnormal, pseudo-NaN/inf */
    if (e == EXP_MAX) {
        if ((a.mant << 1) == 0)
            return X87_INF;
        return (a.mant >> 62) & 1 ? X87_QNAN : X87_SNAN;
    }
    return X87_NORMAL;
}

static struct x87_reg mk(bool s, unsigned e, uint64_t m)
{
    struct x87_reg r = {m, (uint16_t)((s ? 0x8000 : 0) | (e & 0x7fff))};
    return r;
}
static struct x87_reg zero(bool s) { return mk(s, 0, 0); }
static struct x87_reg inf(bool s) { return mk(s, EXP_MAX, 1ull << 63); }

/* Unpacks a finite nonzero operand: value = sig * 2^(e - 63), sig normalized. */
static void unpack(struct x87_reg a, int32_t *e, uint64_t *sig)
{
    int32_t ex = a.sign_exp & 0x7fff;
    uint64_t m = a.mant;
    if (ex == 0)
        ex = 1;             /* denormals and pseudo-denormals share emin */
    int lz = __builtin_clzll(m);
    *sig = m << lz;
    *e = ex - BIAS - lz;
}

static struct x87_reg invalid(struct x87_ctx *c)
{
    c->exc |= X87_IE;
    if (!(c->masks & X87_IE))
        c->nostore = true;
    return x87_indefinite;
}

/* A denormal operand: DE, and an unmasked DE stops the operation. */
static bool denormal_stops(struct x87_ctx *c, enum x87_class ca, enum x87_class cb)
{
    if (ca != X87_DENORMAL && cb != X87_DENORMAL && !c->operand_denormal)
        return false;
    c->exc |= X87_DE;
    if (!(c->masks & X87_DE)) {
        c->nostore = true;
        return true;
    }
    return false;
}

struct x87_reg x87f_nan_result(struct x87_ctx *c, struct x87_reg a, enum x87_class ca,
                               struct x87_reg b, enum x87_class cb)
{
    if (ca == X87_SNAN || cb == X87_SNAN)
        invalid(c);
    struct x87_reg r;
    if (x87_is_nan(ca) && x87_is_nan(cb)) {
        /* SDM table 4-7: a QNaN beats an SNaN; otherwise the larger significand. */
        if (ca != cb)
            r = ca == X87_QNAN ? a : b;
        else if ((a.mant << 1) != (b.mant << 1))
            r = (a.mant << 1) > (b.mant << 1) ? a : b;
        else
            r = (a.sign_exp & 0x8000) ? b : a;
    } else {
        r = x87_is_nan(ca) ? a : b;
    }
    r.mant |= 1ull << 62;
    return r;
}

/* Rounds value = sig * 2^(e - 127) (sig != 0) to the format and packs it
 * into out_exp and out_sig (sig left-aligned, integer bit 63). */
struct fmt_info { int32_t bias, emax, wrap; unsigned prec; bool mem; };

static void round_pack(struct x87_ctx *c, const struct fmt_info *f, bool sign, int32_t e,
                       u128 sig, unsigned *out_exp, uint64_t *out_sig)
{
    int lz = (uint64_t)(sig >> 64) ? __builtin_clzll((uint64_t)(sig >> 64))
                                   : 64 + __builtin_clzll((uint64_t)sig);
    sig <<= lz;
    e -= lz;
    int32_t be = e + f->bias;
    unsigned drop = 128 - f->prec;
    bool tiny = be < 1;
    if (tiny && be == 0) {
        /* Tininess is detected after rounding (to the destination's
         * precision with an unbounded exponent), as the host x87 shows: a
         * value just below the smallest normal that rounds up to it is not
         * tiny. */
        uint64_t rr = (uint64_t)(sig >> drop);
        u128 lo = sig & (((u128)1 << drop) - 1), half = (u128)1 << (drop - 1);
        bool up = false;
        if (lo) {
            switch (c->rc) {
            case 0: up = lo > half || (lo == half && (rr & 1)); break;
            case 1: up = sign; break;
            case 2: up = !sign; break;
            default: break;
            }
        }
        uint64_t ones = f->prec == 64 ? ~0ull : (1ull << f->prec) - 1;
        if (up && rr == ones)
            tiny = false;
    }
    if (tiny) {
        c->exc |= X87_UE;
        if (!(c->masks & X87_UE)) {
            if (f->mem) {
                c->nostore = true;
                return;
            }
            be += f->wrap;
            if (be < 1) {
                /* too small even with the bias: a signed zero (as a P6/host does) */
                c->exc |= X87_PE;
                *out_exp = 0;
                *out_sig = 0;
                return;
            }
            tiny = false;
        }
        if (tiny) {
            int32_t sh = 1 - be;
            if (sh >= 128)
                sig = sig != 0;
            else
                sig = (sig >> sh) | ((sig << (128 - sh)) != 0);
            be = 0;
        }
    }
    u128 mask = ((u128)1 << drop) - 1;
    u128 low = sig & mask;
    uint64_t r = (uint64_t)(sig >> drop);
    bool inc = false;
    if (low) {
        c->exc |= X87_PE;
        switch (c->rc) {
        case 0: {
            u128 half = (u128)1 << (drop - 1);
            inc = low > half || (low == half && (r & 1));
            break;
        }
        case 1: inc = sign; break;
        case 2: inc = !sign; break;
        default: inc = false; break;
        }
    } else if (tiny && (c->masks & X87_UE)) {
        c->exc &= ~X87_UE;      /* masked underflow is reported only when inexact */
    }
    uint64_t top = 1ull << (f->prec - 1);
    if (inc) {
        c->c1 = true;
        r++;
        if (f->prec == 64 ? r == 0 : r == top << 1) {
            r = top;
            be++;
        } else if (be == 0 && (r & top)) {
            be = 1;             /* a denormal rounded up to the smallest normal */
        }
    }
    if (be > f->emax) {
        c->exc |= X87_OE;
        if (!(c->masks & X87_OE)) {
            if (f->mem) {
                c->exc &= ~X87_PE;  /* nothing stored, nothing rounded */
                c->c1 = false;
                c->nostore = true;
                return;
            }
            be -= f->wrap;
        }
        if (be > f->emax) {     /* masked, or too large even for the bias */
            c->exc |= X87_PE;
            bool to_inf = c->rc == 0 || (c->rc == 1 && sign) || (c->rc == 2 && !sign) ||
                          !(c->masks & X87_OE);
            c->c1 = to_inf;
            if (to_inf) {
                *out_exp = f->emax + 1;
                *out_sig = 1ull << 63;
            } else {
                *out_exp = f->emax;
                *out_sig = ~0ull << (64 - f->prec);
            }
            return;
        }
    }
    if (r == 0)
        be = 0;
    *out_exp = be;
    *out_sig = r << (64 - f->prec);
}

static struct x87_reg round_reg(struct x87_ctx *c, bool sign, int32_t e, u128 sig)
{
    struct fmt_info f = {BIAS, 0x7ffe, 24576, c->prec, false};
    unsigned ex = 0;
    uint64_t m = 0;
    round_pack(c, &f, sign, e, sig, &ex, &m);
    return mk(sign, ex, m);
}

struct x87_reg x87f_add(struct x87_ctx *c, struct x87_reg a, struct x87_reg b, bool negate_b)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca) || x87_is_nan(cb))
        return x87f_nan_result(c, a, ca, b, cb);
    bool sa = x87_sign(a), sb = x87_sign(b) ^ negate_b;
    if (ca == X87_INF && cb == X87_INF) {
        if (sa != sb)
            return invalid(c);
        return inf(sa);
    }
    if (denormal_stops(c, ca, cb))
        return a;
    if (ca == X87_INF)
        return inf(sa);
    if (cb == X87_INF)
        return inf(sb);
    if (ca == X87_ZERO && cb == X87_ZERO)
        return zero(sa == sb ? sa : c->rc == 1);
    int32_t ea = 0, eb = 0;
    uint64_t ma = 0, mb = 0;
    if (ca == X87_ZERO) {
        unpack(b, &eb, &mb);
        return round_reg(c, sb, eb, (u128)mb << 64);
    }
    if (cb == X87_ZERO) {
        unpack(a, &ea, &ma);
        return round_reg(c, sa, ea, (u128)ma << 64);
    }
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    /* Integer bit at 126: one bit of headroom for the carry. */
    u128 xa = (u128)ma << 63, xb = (u128)mb << 63;
    if (ea < eb || (ea == eb && ma < mb)) {
        u128 t = xa; xa = xb; xb = t;
        int32_t te = ea; ea = eb; eb = te;
        bool ts = sa; sa = sb; sb = ts;
    }
    int32_t d = ea - eb;
    if (d >= 127)
        xb = xb != 0;
    else if (d > 0)
        xb = (xb >> d) | ((xb << (128 - d)) != 0);
    u128 r;
    if (sa == sb) {
        r = xa + xb;
    } else {
        r = xa - xb;
        if (r == 0)
            return zero(c->rc == 1);
    }
    return round_reg(c, sa, ea + 1, r);
}

struct x87_reg x87f_mul(struct x87_ctx *c, struct x87_reg a, struct x87_reg b)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca) || x87_is_nan(cb))
        return x87f_nan_result(c, a, ca, b, cb);
    bool s = x87_sign(a) ^ x87_sign(b);
    if ((ca == X87_INF && cb == X87_ZERO) || (ca == X87_ZERO && cb == X87_INF))
        return invalid(c);
    if (denormal_stops(c, ca, cb))
        return a;
    if (ca == X87_INF || cb == X87_INF)
        return inf(s);
    if (ca == X87_ZERO || cb == X87_ZERO)
        return zero(s);
    int32_t ea, eb;
    uint64_t ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    return round_reg(c, s, ea + eb + 1, (u128)ma * mb);
}

struct x87_reg x87f_div(struct x87_ctx *c, struct x87_reg a, struct x87_reg b)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca) || x87_is_nan(cb))
        return x87f_nan_result(c, a, ca, b, cb);
    bool s = x87_sign(a) ^ x87_sign(b);
    if ((ca == X87_INF && cb == X87_INF) || (ca == X87_ZERO && cb == X87_ZERO))
        return invalid(c);
    if (cb == X87_ZERO && ca != X87_INF) {
        /* a zero divisor is reported before a denormal dividend */
        c->exc |= X87_ZE;
        if (!(c->masks & X87_ZE))
            c->nostore = true;
        return inf(s);
    }
    if (denormal_stops(c, ca, cb))
        return a;
    if (ca == X87_INF)
        return inf(s);
    if (cb == X87_INF)
        return zero(s);
    if (ca == X87_ZERO)
        return zero(s);
    int32_t ea, eb;
    uint64_t ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    u128 n = (u128)ma << 64;
    u128 q1 = n / mb;
    uint64_t r1 = (uint64_t)(n % mb);
    u128 n2 = (u128)r1 << 64;
    uint64_t q2 = (uint64_t)(n2 / mb);
    bool sticky = (n2 % mb) != 0;
    /* Q = q1:q2 = (ma/mb) * 2^128, up to 129 bits. */
    u128 sig;
    int32_t e;
    if (q1 >> 64) {
        sig = ((q1 << 63) | (q2 >> 1)) | (u128)((q2 & 1) | sticky);
        e = ea - eb;
    } else {
        sig = (q1 << 64) | q2 | (u128)sticky;
        e = ea - eb - 1;
    }
    return round_reg(c, s, e, sig);
}

struct x87_reg x87f_sqrt(struct x87_ctx *c, struct x87_reg a)
{
    enum x87_class ca = x87_classify(a);
    if (ca == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca))
        return x87f_nan_result(c, a, ca, a, X87_ZERO);
    if (ca == X87_ZERO)
        return a;
    if (x87_sign(a))
        return invalid(c);
    if (denormal_stops(c, ca, X87_ZERO))
        return a;
    if (ca == X87_INF)
        return a;
    int32_t e;
    uint64_t m;
    unpack(a, &e, &m);
    /* value = m/2^63 * 2^e. Root R (66 bits) of N = m * 2^67 (e even) or
     * m * 2^68 (e odd), digit by digit over N's 132 bits. */
    unsigned shift = (e & 1) ? 68 : 67;
    int32_t re = (e & 1) ? (e - 1) / 2 : e / 2;
    if (e < 0 && (e & 1))
        re = (e - 1) / 2;
    /* N as three 64-bit words; a bit pair at an even position never
     * straddles two words. */
    uint64_t w[3] = {0, m << (shift - 64), m >> (128 - shift)};
    u128 rem = 0, root = 0;
    for (int i = 130; i >= 0; i -= 2) {
        rem = (rem << 2) | ((w[i / 64] >> (i % 64)) & 3);
        u128 trial = (root << 2) | 1;
        if (rem >= trial) {
            rem -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    /* root has its top bit at 65, weight 2^re. */
    u128 sig = (root << 62) | (u128)(rem != 0);
    return round_reg(c, false, re, sig);
}

/* Rounds |value| = m * 2^(e-63) to an integer with the rounding control;
 * *big is set when the integer does not fit 64 bits. */
static uint64_t round_to_integer(struct x87_ctx *c, bool sign, int32_t e, uint64_t m, bool *big)
{
    *big = false;
    if (e >= 64) {
        *big = true;
        return 0;
    }
    if (e >= 63)
        return m;
    uint64_t ip;
    u128 frac;          /* fraction scaled so that 1.0 = 2^64 */
    if (e < 0) {
        ip = 0;
        /* frac = m * 2^(e-63) * 2^64 = m >> -(e+1), keeping a sticky bit */
        int sh = -(e + 1);
        if (sh == 0)
            frac = m;
        else if (sh < 64)
            frac = (m >> sh) | ((m & ((1ull << sh) - 1)) != 0);
        else
            frac = 1;   /* nonzero and far below one half */
    } else {
        unsigned fb = 63 - e;   /* fraction bits */
        ip = m >> fb;
        frac = (u128)(m & ((1ull << fb) - 1)) << (64 - fb);
    }
    if (frac == 0)
        return ip;
    c->exc |= X87_PE;
    bool inc;
    u128 half = (u128)1 << 63;
    switch (c->rc) {
    case 0: inc = frac > half || (frac == half && (ip & 1)); break;
    case 1: inc = sign; break;
    case 2: inc = !sign; break;
    default: inc = false; break;
    }
    if (inc) {
        c->c1 = true;
        ip++;
        if (ip == 0)
            *big = true;
    }
    return ip;
}

static struct x87_reg from_u64(bool sign, uint64_t v)
{
    if (v == 0)
        return zero(sign);
    int lz = __builtin_clzll(v);
    return mk(sign, (unsigned)(BIAS + 63 - lz), v << lz);
}

struct x87_reg x87f_rndint(struct x87_ctx *c, struct x87_reg a)
{
    enum x87_class ca = x87_classify(a);
    if (ca == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca))
        return x87f_nan_result(c, a, ca, a, X87_ZERO);
    if (denormal_stops(c, ca, X87_ZERO))
        return a;
    if (ca == X87_ZERO || ca == X87_INF)
        return a;
    int32_t e;
    uint64_t m;
    unpack(a, &e, &m);
    if (e >= 63)
        return a;
    bool big;
    uint64_t v = round_to_integer(c, x87_sign(a), e, m, &big);
    if (big)
        return mk(x87_sign(a), BIAS + 64, 1ull << 63);
    return from_u64(x87_sign(a), v);
}

int64_t x87f_to_int(struct x87_ctx *c, struct x87_reg a, unsigned bits)
{
    int64_t indef = (int64_t)(UINT64_MAX << (bits - 1));
    enum x87_class ca = x87_classify(a);
    if (ca == X87_UNSUPPORTED || x87_is_nan(ca) || ca == X87_INF) {
        invalid(c);
        return indef;
    }
    if (ca == X87_ZERO)
        return 0;
    int32_t e;
    uint64_t m;
    unpack(a, &e, &m);
    bool sign = x87_sign(a), big;
    struct x87_ctx save = *c;
    uint64_t v = round_to_integer(c, sign, e, m, &big);
    uint64_t lim = 1ull << (bits - 1);      /* |min| */
    if (big || (sign ? v > lim : v >= lim)) {
        *c = save;
        invalid(c);
        return indef;
    }
    return sign ? (int64_t)(0 - v) : (int64_t)v;
}

struct x87_reg x87f_from_int(int64_t v)
{
    return v < 0 ? from_u64(true, 0 - (uint64_t)v) : from_u64(false, (uint64_t)v);
}

static struct x87_reg from_float(struct x87_ctx *c, bool s, uint32_t e, uint64_t frac,
                                 unsigned fbits, uint32_t emax, int32_t bias)
{
    if (e == emax) {
        if (frac == 0)
            return inf(s);
        uint64_t m = (1ull << 63) | (frac << (63 - fbits));
        if (!((frac >> (fbits - 1)) & 1) && !c->defer_operand_checks) {
            invalid(c);          /* an SNaN is quieted on the load */
            m |= 1ull << 62;
        }
        return mk(s, EXP_MAX, m);
    }
    if (e == 0) {
        if (frac == 0)
            return zero(s);
        /* FLD reports DE but loads the value even when DE is unmasked. */
        if (c->defer_operand_checks)
            c->operand_denormal = true;
        else
            c->exc |= X87_DE;
        int lz = __builtin_clzll(frac);
        /* value = frac * 2^(1 - bias - fbits) */
        return mk(s, (unsigned)(BIAS + 1 - bias - (int32_t)fbits + 63 - lz), frac << lz);
    }
    return mk(s, (unsigned)((int32_t)e - bias + BIAS), (1ull << 63) | (frac << (63 - fbits)));
}

struct x87_reg x87f_from_f32(struct x87_ctx *c, uint32_t v)
{
    return from_float(c, v >> 31, (v >> 23) & 0xff, v & 0x7fffff, 23, 0xff, 127);
}

struct x87_reg x87f_from_f64(struct x87_ctx *c, uint64_t v)
{
    return from_float(c, v >> 63, (v >> 52) & 0x7ff, v & 0xfffffffffffffull, 52, 0x7ff, 1023);
}

/* FST to a narrower format: returns sign/exp/fraction via the fmt. */
static uint64_t to_float(struct x87_ctx *c, struct x87_reg a, const struct fmt_info *f,
                         unsigned fbits, unsigned ebits)
{
    bool s = x87_sign(a);
    uint64_t sbit = (uint64_t)s << (fbits + ebits);
    uint64_t emaxf = (1ull << ebits) - 1;
    enum x87_class ca = x87_classify(a);
    switch (ca) {
    case X87_UNSUPPORTED:
        invalid(c);
        return (1ull << (fbits + ebits)) | (emaxf << fbits) | (1ull << (fbits - 1));
    case X87_SNAN:
    case X87_QNAN:
        if (ca == X87_SNAN)
            invalid(c);
        return sbit | (emaxf << fbits) | ((a.mant << 1) >> (64 - fbits)) | (1ull << (fbits - 1));
    case X87_INF:
        return sbit | (emaxf << fbits);
    case X87_ZERO:
        return sbit;
    default:
        break;
    }
    int32_t e;
    uint64_t m;
    unpack(a, &e, &m);
    unsigned ex = 0;
    uint64_t sig = 0;
    round_pack(c, f, s, e, (u128)m << 64, &ex, &sig);
    return sbit | ((uint64_t)ex << fbits) | ((sig << 1) >> (64 - fbits));
}

uint32_t x87f_to_f32(struct x87_ctx *c, struct x87_reg a)
{
    struct fmt_info f = {127, 254, 192, 24, true};
    return (uint32_t)to_float(c, a, &f, 23, 8);
}

uint64_t x87f_to_f64(struct x87_ctx *c, struct x87_reg a)
{
    struct fmt_info f = {1023, 2046, 1536, 53, true};
    return to_float(c, a, &f, 52, 11);
}

uint16_t x87f_compare(struct x87_ctx *c, struct x87_reg a, struct x87_reg b, bool quiet)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    const uint16_t unord = X87_C3 | X87_C2 | X87_C0;
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED) {
        invalid(c);
        return unord;
    }
    if (x87_is_nan(ca) || x87_is_nan(cb)) {
        if (!quiet || ca == X87_SNAN || cb == X87_SNAN)
            invalid(c);
        return unord;
    }
    denormal_stops(c, ca, cb);  /* an unmasked DE still compares (but does not pop) */
    bool sa = x87_sign(a), sb = x87_sign(b);
    if (ca == X87_ZERO && cb == X87_ZERO)
        return X87_C3;
    /* Order as signed magnitudes: zero < denormal/normal < infinity. */
    int32_t ea = 0, eb = 0;
    uint64_t ma = 0, mb = 0;
    if (ca == X87_INF) ea = 1 << 20, ma = 1;
    else if (ca != X87_ZERO) unpack(a, &ea, &ma);
    else ea = -(1 << 20);
    if (cb == X87_INF) eb = 1 << 20, mb = 1;
    else if (cb != X87_ZERO) unpack(b, &eb, &mb);
    else eb = -(1 << 20);
    if (ca == X87_ZERO) sa = !sb;
    if (cb == X87_ZERO) sb = !sa;
    int cmp;    /* sign of a - b */
    if (sa != sb) {
        cmp = sa ? -1 : 1;
    } else {
        int mag = ea != eb ? (ea > eb ? 1 : -1) : (ma != mb ? (ma > mb ? 1 : -1) : 0);
        cmp = sa ? -mag : mag;
    }
    if (cmp == 0)
        return X87_C3;
    return cmp < 0 ? X87_C0 : 0;
}

struct x87_reg x87f_scale(struct x87_ctx *c, struct x87_reg a, struct x87_reg b)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca) || x87_is_nan(cb))
        return x87f_nan_result(c, a, ca, b, cb);
    bool sa = x87_sign(a), sb = x87_sign(b);
    if (cb == X87_INF) {
        if (ca == X87_ZERO && !sb)
            return invalid(c);
        if (ca == X87_INF && sb)
            return invalid(c);
    }
    if (denormal_stops(c, ca, cb))
        return a;
    if (ca == X87_ZERO || ca == X87_INF)
        return a;
    if (cb == X87_INF)
        return sb ? zero(sa) : inf(sa);
    int32_t ea, eb;
    uint64_t ma, mb;
    unpack(a, &ea, &ma);
    int32_t n = 0;
    if (cb != X87_ZERO) {
        unpack(b, &eb, &mb);
        if (eb >= 30)
            n = 1 << 30;
        else if (eb >= 0)
            n = (int32_t)(mb >> (63 - eb));
        if (sb)
            n = -n;
    }
    int64_t ne = (int64_t)ea + n;
    if (ne > (1 << 20)) ne = 1 << 20;
    if (ne < -(1 << 20)) ne = -(1 << 20);
    struct x87_ctx t = *c;
    t.prec = 64;
    struct x87_reg r = round_reg(&t, sa, (int32_t)ne, (u128)ma << 64);
    c->exc = t.exc;
    c->c1 = t.c1;
    c->nostore = t.nostore;
    return r;
}

struct x87_reg x87f_xtract(struct x87_ctx *c, struct x87_reg a, struct x87_reg *sig)
{
    enum x87_class ca = x87_classify(a);
    if (ca == X87_UNSUPPORTED) {
        *sig = invalid(c);
        return *sig;
    }
    if (x87_is_nan(ca)) {
        *sig = x87f_nan_result(c, a, ca, a, X87_ZERO);
        return *sig;
    }
    if (ca == X87_ZERO) {
        c->exc |= X87_ZE;
        if (!(c->masks & X87_ZE))
            c->nostore = true;
        *sig = a;
        return inf(true);
    }
    if (ca == X87_INF) {
        *sig = a;
        return inf(false);
    }
    if (denormal_stops(c, ca, X87_ZERO)) {
        *sig = a;
        return a;
    }
    int32_t e;
    uint64_t m;
    unpack(a, &e, &m);
    *sig = mk(x87_sign(a), BIAS, m);
    return x87f_from_int(e);
}

struct x87_reg x87f_prem(struct x87_ctx *c, struct x87_reg a, struct x87_reg b,
                         bool round_nearest, uint16_t *cc)
{
    enum x87_class ca = x87_classify(a), cb = x87_classify(b);
    *cc = 0xFFFF;
    if (ca == X87_UNSUPPORTED || cb == X87_UNSUPPORTED)
        return invalid(c);
    if (x87_is_nan(ca) || x87_is_nan(cb))
        return x87f_nan_result(c, a, ca, b, cb);
    if (ca == X87_INF || cb == X87_ZERO)
        return invalid(c);
    if (denormal_stops(c, ca, cb))
        return a;
    *cc = 0;
    if (ca == X87_ZERO)
        return a;
    bool sa = x87_sign(a);
    c->prec = 64;       /* the remainder is exact */
    if (cb == X87_INF) {
        /* ST0 comes back normalized (a pseudo-denormal) or underflowing
         * (a denormal with UE unmasked). */
        int32_t e;
        uint64_t m;
        unpack(a, &e, &m);
        return round_reg(c, sa, e, (u128)m << 64);
    }
    int32_t ea, eb;
    uint64_t ma, mb;
    unpack(a, &ea, &ma);
    unpack(b, &eb, &mb);
    int32_t d = ea - eb;
    if (d < -1 || (d == -1 && !round_nearest))
        return round_reg(c, sa, ea, (u128)ma << 64);
    if (d == -1) {
        /* |a/b| in [1/2, 1): FPREM1 rounds the quotient to 0 or 1. */
        u128 a2 = ma, b2 = (u128)mb << 1;   /* units of 2^(eb-64) */
        if (a2 * 2 > b2) {
            *cc = X87_C1;
            struct x87_ctx t = *c;
            t.prec = 64;
            struct x87_reg r = round_reg(&t, !sa, eb - 64 + 127, b2 - a2);
            c->exc = t.exc;
            return r;
        }
        return round_reg(c, sa, ea, (u128)ma << 64);
    }
    bool partial = d >= 64;
    int32_t steps = d;
    if (partial)
        steps = 32 + (d % 32);      /* N: the quotient bits produced per call */
    /* Long division of ma by mb over steps+1 quotient bits. */
    u128 rem = ma;
    uint64_t q = 0;
    for (int32_t k = 0; k <= steps; k++) {
        q <<= 1;
        if (rem >= mb) {
            rem -= mb;
            q |= 1;
        }
        if (k < steps)
            rem <<= 1;
    }
    /* rem is in units of 2^(ea - steps - 63). */
    int32_t unit = ea - steps - 63;
    bool rs = sa;
    if (!partial && round_nearest) {
        u128 twice = rem << 1;
        if (twice > mb || (twice == mb && (q & 1))) {
            q++;
            rem = (u128)mb - rem;
            rs = !sa;
        }
    }
    if (partial)
        *cc = X87_C2;
    else
        *cc = (uint16_t)(((q & 4) ? X87_C0 : 0) | ((q & 2) ? X87_C3 : 0) | ((q & 1) ? X87_C1 : 0));
    if (rem == 0)
        return zero(sa);
    struct x87_ctx t = *c;
    t.prec = 64;
    struct x87_reg r = round_reg(&t, rs, unit + 127, rem);
    c->exc = t.exc;
    return r;
}

struct x87_reg x87f_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (uint64_t)(bcd[i] >> 4) * 10 + (bcd[i] & 15);
    return from_u64((bcd[9] & 0x80) != 0, v);
}

void x87f_to_bcd(struct x87_ctx *c, struct x87_reg a, uint8_t bcd[10])
{
    static const uint8_t indef[10] = {0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF};
    enum x87_class ca = x87_classify(a);
    bool s = x87_sign(a);
    uint64_t v = 0;
    if (ca == X87_UNSUPPORTED || x87_is_nan(ca) || ca == X87_INF) {
        invalid(c);
        memcpy(bcd, indef, 10);
        return;
    }
    if (ca != X87_ZERO) {
        int32_t e;
        uint64_t m;
        unpack(a, &e, &m);
        bool big;
        struct x87_ctx save = *c;
        v = round_to_integer(c, s, e, m, &big);
        if (big || v > 999999999999999999ull) {
            *c = save;
            invalid(c);
            memcpy(bcd, indef, 10);
            return;
        }
    }
    for (int i = 0; i < 9; i++) {
        unsigned lo = (unsigned)(v % 10);
        v /= 10;
        unsigned hi = (unsigned)(v % 10);
        v /= 10;
        bcd[i] = (uint8_t)(hi << 4 | lo);
    }
    bcd[9] = s ? 0x80 : 0;
}
