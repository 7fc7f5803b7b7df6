/* Test support for the x87 unit tests: runs one x87 instruction both on the
 * host's real x87 (a few bytes of generated code: FRSTOR image, the
 * instruction with its memory operand at [rsi], FNSAVE image) and on
 * baremu's x87_execute over a fake flat memory, and compares the resulting
 * FSAVE images (CW, SW, TW, the eight registers), the memory operand, AX
 * (FNSTSW AX) and ZF/PF/CF (FCOMI). Images use the 32-bit protected-mode
 * layout of SDM vol. 1, figures 8-9 and 8-12. */
#ifndef BAREMU_TEST_X87_ORACLE_H
#define BAREMU_TEST_X87_ORACLE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "emu/cpu/x87.h"

#define IMG 108
#define MEMOP 112       /* FSAVE-sized memory operands and a margin */

/* ---- the host side ---- */

typedef void (*host_fn)(uint8_t *img, uint8_t *mem, uint64_t *out);
static uint8_t *host_code;

/* Generated code for n instructions in a row between FRSTOR and FNSAVE. */
static __attribute__((unused)) host_fn host_build_seq(const uint8_t (*insns)[2], unsigned n)
{
    if (!host_code) {
        host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (host_code == MAP_FAILED) {
            perror("mmap");
            exit(2);
        }
    }
    uint8_t *p = host_code;
    static const uint8_t pre[] = {
        0x31, 0xC0,             /* xor eax, eax */
        0xFF, 0x72, 0x08,       /* push qword [rdx+8]  (input flags) */
        0x9D,                   /* popfq */
        0xDD, 0x27,             /* frstor [rdi] */
    };
    static const uint8_t post[] = {
        0x9C,                   /* pushfq */
        0x59,                   /* pop rcx */
        0x48, 0x89, 0x0A,       /* mov [rdx], rcx */
        0x48, 0x89, 0x42, 0x10, /* mov [rdx+16], rax */
        0xDD, 0x37,             /* fnsave [rdi] */
        0xC3,                   /* ret */
    };
    memcpy(p, pre, sizeof(pre));
    p += sizeof(pre);
    for (unsigned i = 0; i < n && i < 64; i++) {
        uint8_t modrm = insns[i][1];
        *p++ = insns[i][0];
        /* A memory operand becomes [rsi] (mod 00, rm 110). */
        *p++ = (modrm >> 6) == 3 ? modrm : (uint8_t)((modrm & 0x38) | 6);
    }
    memcpy(p, post, sizeof(post));
    return (host_fn)(void *)host_code;
}

static __attribute__((unused)) host_fn host_build(uint8_t opcode, uint8_t modrm)
{
    const uint8_t one[1][2] = {{opcode, modrm}};
    return host_build_seq(one, 1);
}

/* ---- baremu's side: a flat memory behind the CPU accessors ---- */

struct fake_cpu {
    uint8_t mem[4096];
    uint32_t eflags_in, eflags_out;
    uint16_t ax;
};

static __attribute__((unused)) uint64_t fake_read(void *cpu, int seg, uint32_t off, unsigned size)
{
    struct fake_cpu *c = cpu;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)c->mem[(off + i) & 4095] << (8 * i);
    return v;
}
static __attribute__((unused)) void fake_write(void *cpu, int seg, uint32_t off, uint64_t v, unsigned size)
{
    struct fake_cpu *c = cpu;
    for (unsigned i = 0; i < size; i++)
        c->mem[(off + i) & 4095] = (uint8_t)(v >> (8 * i));
}
static __attribute__((unused)) void fake_set_ax(void *cpu, uint16_t v) { ((struct fake_cpu *)cpu)->ax = v; }
static __attribute__((unused)) uint32_t fake_get_eflags(void *cpu) { return ((struct fake_cpu *)cpu)->eflags_in; }
static __attribute__((unused)) void fake_set_flags(void *cpu, uint32_t v)
{
    struct fake_cpu *c = cpu;
    c->eflags_out = (c->eflags_out & ~0x8D5u) | v;
}

enum { OFF_IMG = 0, OFF_OP = 512, OFF_OUT = 1024 };

static __attribute__((unused)) enum x87_result emu_exec(struct x87 *f, struct fake_cpu *c, uint8_t opcode, uint8_t modrm,
                                uint32_t off)
{
    struct x87_cpu_access acc = {c, fake_read, fake_write, fake_set_ax, fake_get_eflags,
                                 fake_set_flags};
    struct x87_insn in = {opcode, modrm, (modrm >> 6) != 3, 3, off, true, true, 0x10, 0x1000, 0x18};
    return x87_execute(f, &acc, &in);
}

/* Runs on baremu: FRSTOR img, the instruction, FNSAVE. */
static __attribute__((unused)) enum x87_result emu_run(struct fake_cpu *c, const uint8_t *img, const uint8_t *memop,
                               uint8_t opcode, uint8_t modrm, uint8_t *out_img)
{
    struct x87 f;
    x87_reset(&f);
    memcpy(c->mem + OFF_IMG, img, IMG);
    memcpy(c->mem + OFF_OP, memop, MEMOP);
    emu_exec(&f, c, 0xDD, 0x20, OFF_IMG);                   /* frstor */
    enum x87_result r = emu_exec(&f, c, opcode, modrm, OFF_OP);
    emu_exec(&f, c, 0xDD, 0x30, OFF_OUT);                   /* fnsave */
    memcpy(out_img, c->mem + OFF_OUT, IMG);
    return r;
}

/* ---- building states ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static __attribute__((unused)) uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static __attribute__((unused)) unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

static __attribute__((unused)) void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static __attribute__((unused)) void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static __attribute__((unused)) void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }
static __attribute__((unused)) uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static __attribute__((unused)) uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* An interesting 80-bit value: specials, boundary exponents, near-ties. */
static __attribute__((unused)) struct x87_reg rnd_ext(void)
{
    struct x87_reg r;
    uint16_t s = rndn(2) ? 0x8000 : 0;
    uint64_t m = rnd();
    switch (rndn(8) == 0 ? 0 : rndn(2) + 1) {
    default: break;
    case 2:
        /* sparse significands: exact results, ties and carries */
        switch (rndn(5)) {
        case 0: m = 0x8000000000000000ull | (rnd() & 0xFF); break;
        case 1: m = ~0ull << rndn(64); break;
        case 2: m = 0x8000000000000000ull | (1ull << rndn(63)); break;
        case 3: m = 0xFFFFFFFFFFFFFFFFull ^ (1ull << rndn(63)); break;
        default: m = 0x8000000000000000ull | (rnd() & (~0ull << rndn(64))); break;
        }
        break;
    }
    m |= 1ull << 63;
    unsigned e;
    switch (rndn(16)) {
    case 0: r.mant = 0; r.sign_exp = s; return r;                           /* zero */
    case 1: r.mant = m >> (1 + rndn(63)); r.sign_exp = s; return r;         /* denormal */
    case 2: r.mant = 1ull << 63; r.sign_exp = s | 0x7FFF; return r;        /* infinity */
    case 3:                                                                  /* NaNs */
        r.mant = (1ull << 63) | (rnd() >> rndn(64) >> 1);
        if (rndn(2)) r.mant |= 1ull << 62;
        if ((r.mant << 1) == 0) r.mant |= 1;
        r.sign_exp = s | 0x7FFF;
        return r;
    case 4:                                                                  /* unsupported */
        if (rndn(8) == 0) { r.mant = m; r.sign_exp = s; return r; }        /* pseudo-denormal */
        r.mant = m & ~(1ull << 63);
        r.sign_exp = s | (rndn(4) ? 1 + rndn(0x7FFE) : 0x7FFF);
        return r;
    case 5: e = 1 + rndn(70); break;                                         /* tiny */
    case 6: e = 0x7FFE - rndn(70); break;                                    /* huge */
    case 7: e = 0x3FFF - 1100 + rndn(200); break;                            /* f64 range edge */
    case 8: e = 0x3FFF + 900 + rndn(200); break;
    case 9: e = 0x3FFF - 170 + rndn(60); break;                              /* f32 range edge */
    case 10: e = 0x3FFF + 100 + rndn(60); break;
    default: e = 0x3FFF - 70 + rndn(140); break;                             /* ordinary */
    }
    r.mant = m;
    r.sign_exp = (uint16_t)(s | e);
    return r;
}

static __attribute__((unused)) uint16_t rnd_cw(void)
{
    static const uint16_t pcs[4] = {0x000, 0x200, 0x300, 0x300};
    uint16_t masks = rndn(3) ? 0x3F : (uint16_t)(rnd() & 0x3F);
    return (uint16_t)(0x1040 | masks | pcs[rndn(4)] | (rndn(4) << 10));
}

/* A state image: stack with nvalid registers below TOP (the rest empty). */
static __attribute__((unused)) void rnd_state(uint8_t *img, unsigned nvalid, uint16_t cw)
{
    memset(img, 0, IMG);
    unsigned top = rndn(8);
    put32(img, 0xFFFF0000u | cw);
    /* sticky flags that are masked (an unmasked one would be pending) */
    uint16_t flags = rndn(4) ? 0 : (uint16_t)(rnd() & cw & 0x3F);
    put32(img + 4, 0xFFFF0000u | (top << 11) | (rndn(2) ? 0x4700 : 0) | flags);
    uint16_t tw = 0xFFFF;
    for (unsigned i = 0; i < nvalid && i < 8; i++) {
        unsigned p = (top + i) & 7;
        tw &= (uint16_t)~(3u << (2 * p));
    }
    if (rndn(4) == 0)   /* holes: empty and full registers anywhere */
        for (unsigned p = 0; p < 8; p++)
            if (rndn(2))
                tw ^= (uint16_t)(3u << (2 * p));
    put32(img + 8, 0xFFFF0000u | tw);
    for (unsigned i = 0; i < 8; i++) {
        struct x87_reg r = rnd_ext();
        put64(img + 28 + 10 * i, r.mant);
        put16(img + 36 + 10 * i, r.sign_exp);
    }
}

/* ---- the comparison ---- */

struct tally {
    unsigned long cases, mismatches;
    char first[1400];
};


/* Set for FNSTENV/FNSAVE: their images' pointer fields (bytes 12-27) hold
 * host addresses and are not compared. */
static bool oracle_mask_ip;

/* Runs one case on both sides; false (and a description) on a difference. */
static __attribute__((unused)) bool compare_case(struct tally *t, uint8_t opcode, uint8_t modrm, const uint8_t *img,
                         const uint8_t *memop, uint32_t eflags_in)
{
    static struct fake_cpu c;
    uint8_t himg[IMG], hmem[MEMOP], eimg[IMG];
    uint64_t out[3] = {0, (eflags_in & 0x8D5u) | 0x202u, 0};
    memcpy(himg, img, IMG);
    memcpy(hmem, memop, MEMOP);
    host_build(opcode, modrm)(himg, hmem, out);
    memset(&c, 0, sizeof(c));
    c.eflags_in = out[1];
    c.eflags_out = out[1];
    emu_run(&c, img, memop, opcode, modrm, eimg);
    t->cases++;
    const char *what = NULL;
    /* FIP/FCS/FOP/FDP/FDS (bytes 12-27) hold host addresses: not compared. */
    if (memcmp(himg, eimg, 12) != 0)
        what = "env";
    else if (memcmp(himg + 28, eimg + 28, IMG - 28) != 0)
        what = "registers";
    else if (memcmp(hmem, c.mem + OFF_OP, oracle_mask_ip ? 12 : MEMOP) != 0 ||
             (oracle_mask_ip && memcmp(hmem + 28, c.mem + OFF_OP + 28, MEMOP - 28) != 0))
        what = "memory";
    else if (opcode == 0xDF && modrm == 0xE0 && (uint16_t)out[2] != c.ax)
        what = "ax";
    else if ((out[0] & 0x8D5) != (c.eflags_out & 0x8D5))
        what = "eflags";
    if (!what)
        return true;
    if (t->mismatches++ == 0) {
        /* The inputs (CW, SW, TW, ST0-ST2, memory) and each differing field. */
        size_t k = 0, n = sizeof(t->first);
        char *o = t->first;
        k += (size_t)snprintf(o + k, n - k, "%02x %02x %s: cw=%04x sw=%04x tw=%04x", opcode, modrm,
                              what, get16(img), get16(img + 4), get16(img + 8));
        for (unsigned i = 0; i < 3; i++)
            k += (size_t)snprintf(o + k, n - k, " st%u=%04x:%016llx", i, get16(img + 36 + 10 * i),
                                  (unsigned long long)get64(img + 28 + 10 * i));
        k += (size_t)snprintf(o + k, n - k, " mem=%016llx:%04x fl=%x",
                              (unsigned long long)get64(memop), get16(memop + 8), eflags_in);
        k += (size_t)snprintf(o + k, n - k, " | hw sw=%04x tw=%04x emu sw=%04x tw=%04x",
                              get16(himg + 4), get16(himg + 8), get16(eimg + 4), get16(eimg + 8));
        if (get16(himg) != get16(eimg) || memcmp(himg, eimg, 12))
            k += (size_t)snprintf(o + k, n - k, " envhw=%08llx.. cwhw=%04x cwemu=%04x",
                                  (unsigned long long)get64(himg), get16(himg), get16(eimg));
        for (unsigned i = 0; i < 8 && k < n; i++)
            if (memcmp(himg + 28 + 10 * i, eimg + 28 + 10 * i, 10))
                k += (size_t)snprintf(o + k, n - k, " st%u hw=%04x:%016llx emu=%04x:%016llx", i,
                                      get16(himg + 36 + 10 * i),
                                      (unsigned long long)get64(himg + 28 + 10 * i),
                                      get16(eimg + 36 + 10 * i),
                                      (unsigned long long)get64(eimg + 28 + 10 * i));
        if (memcmp(hmem, c.mem + OFF_OP, MEMOP) && k < n)
            k += (size_t)snprintf(o + k, n - k, " mem hw=%016llx:%04x emu=%016llx:%04x",
                                  (unsigned long long)get64(hmem), get16(hmem + 8),
                                  (unsigned long long)get64(c.mem + OFF_OP), get16(c.mem + OFF_OP + 8));
        if (k < n && !strcmp(what, "eflags"))
            snprintf(o + k, n - k, " fl hw=%llx emu=%x", (unsigned long long)(out[0] & 0x8D5),
                     c.eflags_out & 0x8D5);
        else if (k < n && !strcmp(what, "ax"))
            snprintf(o + k, n - k, " ax hw=%04x emu=%04x", (uint16_t)out[2], c.ax);
    }
    return false;
}

#endif
