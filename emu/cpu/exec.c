/* The instruction decoder and interpreter for the 16/32-bit general-purpose
 * and system instructions (Intel SDM vol. 2A-2C instruction reference, opcode
 * maps in vol. 2 appendix A; ModRM/SIB in 2.1.5). One instruction per call;
 * faults leave via cpu_raise, which restores EIP/ESP to the instruction start. */
#include "emu/cpu/cpu_int.h"

#include "baremu/platform.h"


struct modrm {
    union {
        struct modrm_form form;
        struct {
            uint8_t mod, reg, rm;
            bool mem;
        };
    };
    int seg;
    uint32_t off;
};

static uint8_t fetch8_slow(struct cpu *c)
{
    uint32_t ip = c->eip;
    if (ip > c->s[CPU_CS].limit)
        cpu_raise(c, EX_GP, 0);
    uint32_t lin = c->s[CPU_CS].base + ip;
    uint8_t b = (lin >> 12) == c->fetch_lpage ? c->fetch_host[lin & 0xfff] : lin_fetch8(c, lin);
    c->eip = c->code32 ? ip + 1 : (ip + 1) & 0xffff;
    return b;
}

/* Instruction fetch: inside the EIP window of the cached code page (see
 * fetch_eip_lo in cpu_int.h) the bytes are within the CS limit, do not wrap
 * a 16-bit IP and sit at fetch_host[EIP - fetch_eip_lo]. */
CPU_INLINE uint8_t fetch8(struct cpu *c)
{
    uint32_t ip = c->eip, off = ip - c->fetch_eip_lo;
    if (__builtin_expect(off < c->fetch_eip_n, 1)) {
        c->eip = ip + 1;
        return c->fetch_host[off];
    }
    return fetch8_slow(c);
}

CPU_INLINE uint16_t fetch16(struct cpu *c)
{
    uint32_t ip = c->eip, off = ip - c->fetch_eip_lo;
    if (__builtin_expect((uint64_t)off + 2 <= c->fetch_eip_n, 1)) {
        uint16_t v;
        memcpy(&v, c->fetch_host + off, 2);
        c->eip = ip + 2;
        return v;
    }
    uint16_t lo = fetch8_slow(c);
    return (uint16_t)(lo | (fetch8(c) << 8));
}

CPU_INLINE uint32_t fetch32(struct cpu *c)
{
    uint32_t ip = c->eip, off = ip - c->fetch_eip_lo;
    if (__builtin_expect((uint64_t)off + 4 <= c->fetch_eip_n, 1)) {
        uint32_t v;
        memcpy(&v, c->fetch_host + off, 4);
        c->eip = ip + 4;
        return v;
    }
    uint32_t lo = fetch8_slow(c);
    lo |= (uint32_t)fetch8(c) << 8;
    lo |= (uint32_t)fetch8(c) << 16;
    return lo | ((uint32_t)fetch8(c) << 24);
}

CPU_INLINE uint32_t fetch_sz(struct cpu *c, unsigned sz)
{
    return sz == 1 ? fetch8(c) : sz == 2 ? fetch16(c) : fetch32(c);
}

static inline uint32_t sext8(uint32_t v) { return (uint32_t)(int32_t)(int8_t)v; }
static inline uint32_t sext16(uint32_t v) { return (uint32_t)(int32_t)(int16_t)v; }

CPU_INLINE uint32_t get_reg(const struct cpu *c, int r, unsigned sz)
{
    if (sz == 1)
        return r < 4 ? c->r[r] & 0xff : (c->r[r - 4] >> 8) & 0xff;
    return sz == 2 ? c->r[r] & 0xffff : c->r[r];
}

CPU_INLINE void set_reg(struct cpu *c, int r, unsigned sz, uint32_t v)
{
    if (sz == 1) {
        if (r < 4)
            c->r[r] = (c->r[r] & ~0xffu) | (v & 0xff);
        else
            c->r[r - 4] = (c->r[r - 4] & ~0xff00u) | ((v & 0xff) << 8);
    } else if (sz == 2) {
        c->r[r] = (c->r[r] & ~0xffffu) | (v & 0xffff);
    } else {
        c->r[r] = v;
    }
}

/* Records a decoded ModRM form in the current decode-cache entry, unless the
 * bytes decoded so far leave the page or wrap the 16-bit IP. */
static void dc_record_modrm(struct cpu *c, const struct modrm *m, uint32_t start, int base, int index,
                            unsigned scale, uint32_t disp, int seg_default)
{
    struct dc_entry *e = c->cur;
    uint32_t used = c->eip - c->eip_start;
    if (c->eip < start || (e->pa & 0xfff) + used > 0x1000 || used > 15) {
        e->pa = ~0u;
        c->cur = NULL;
        return;
    }
    /* A hit needs no CS limit check for these bytes: the head only looks
     * entries up for an EIP at least 15 bytes below the limit. */
    e->modrm_len = (uint8_t)(c->eip - start);
    /* When the ModRM bytes follow the opcode and the handler does not peek
     * at them itself (POP Ev, the x87 escapes), a hit advances EIP past
     * them in the head already: one EIP update fewer on the critical path
     * from one instruction's EIP to the next one's decode-cache lookup. */
    if (start == c->eip_start + e->pre_len && e->op != 0x8f && (e->op & 0xf8) != 0xd8) {
        e->pre_len = (uint8_t)used;
        e->modrm_len = 0;
    }
    e->form = m->form;
    e->base = (int8_t)base;
    e->index = (int8_t)index;
    e->scale = (uint8_t)scale;
    e->disp = disp;
    e->seg_default = (int8_t)seg_default;
    e->kind = DC_MODRM;
}

static void decode_modrm_slow(struct cpu *c, struct modrm *m);

/* ModRM decoding: a decode-cache hit only redoes the address arithmetic. */
CPU_INLINE void decode_modrm(struct cpu *c, struct modrm *m)
{
    const struct dc_entry *e = c->cur;
    if (__builtin_expect(e && e->kind == DC_MODRM, 1)) {
        /* Decode-cache hit: the ModRM bytes were checked against the CS limit
         * when the entry was used; only the address arithmetic remains. */
        m->form = e->form;
        if (e->modrm_len)
            c->eip += e->modrm_len;
        if (m->mem) {
            uint32_t off = e->disp;
            if (e->base >= 0)
                off += c->r[e->base];
            if (e->index >= 0)
                off += c->r[e->index] << e->scale;
            m->off = c->ad32 ? off : off & 0xffff;
            m->seg = c->seg_ovr >= 0 ? c->seg_ovr : e->seg_default;
        }
        return;
    }
    decode_modrm_slow(c, m);
}

static __attribute__((noinline)) void decode_modrm_slow(struct cpu *c, struct modrm *m)
{
    struct dc_entry *e = c->cur;
    uint32_t start = c->eip;
    int rb = -1, ri = -1;
    unsigned rs = 0;
    uint32_t rdisp = 0;
    uint8_t b = fetch8(c);
    m->mod = (uint8_t)(b >> 6);
    m->reg = (uint8_t)((b >> 3) & 7);
    m->rm = (uint8_t)(b & 7);
    m->mem = m->mod != 3;
    if (!m->mem) {
        if (e)
            dc_record_modrm(c, m, start, -1, -1, 0, 0, CPU_DS);
        return;
    }
    int seg = CPU_DS;
    uint32_t off;
    if (!c->ad32) {
        static const int8_t base16[8] = {CPU_EBX, CPU_EBX, CPU_EBP, CPU_EBP, -1, -1, CPU_EBP, CPU_EBX};
        static const int8_t idx16[8] = {CPU_ESI, CPU_EDI, CPU_ESI, CPU_EDI, CPU_ESI, CPU_EDI, -1, -1};
        if (m->mod == 0 && m->rm == 6) {
            off = rdisp = fetch16(c);
        } else {
            off = 0;
            rb = base16[m->rm];
            ri = idx16[m->rm];
            if (rb >= 0)
                off += c->r[rb];
            if (ri >= 0)
                off += c->r[ri];
            if (rb == CPU_EBP)
                seg = CPU_SS;
            if (m->mod == 1)
                rdisp = sext8(fetch8(c));
            else if (m->mod == 2)
                rdisp = fetch16(c);
            off += rdisp;
        }
        off &= 0xffff;
    } else {
        int base = m->rm;
        off = 0;
        if (m->rm == 4) {
            uint8_t sib = fetch8(c);
            int idx = (sib >> 3) & 7;
            base = sib & 7;
            if (idx != 4) {
                off = c->r[idx] << (sib >> 6);
                ri = idx;
                rs = sib >> 6;
            }
            if (base == 5 && m->mod == 0) {
                rdisp = fetch32(c);
                base = -1;
            }
        } else if (m->rm == 5 && m->mod == 0) {
            rdisp = fetch32(c);
            base = -1;
        }
        if (base >= 0) {
            off += c->r[base];
            if (base == CPU_ESP || base == CPU_EBP)
                seg = CPU_SS;
        }
        rb = base;
        if (m->mod == 1)
            rdisp = sext8(fetch8(c));
        else if (m->mod == 2)
            rdisp = fetch32(c);
        off += rdisp;
    }
    if (e)
        dc_record_modrm(c, m, start, rb, ri, rs, rdisp, seg);
    m->seg = c->seg_ovr >= 0 ? c->seg_ovr : seg;
    m->off = off;
}

CPU_INLINE uint32_t rm_read(struct cpu *c, const struct modrm *m, unsigned sz)
{
    return m->mem ? mem_read(c, m->seg, m->off, sz) : get_reg(c, m->rm, sz);
}

CPU_INLINE void rm_write(struct cpu *c, const struct modrm *m, unsigned sz, uint32_t v)
{
    if (m->mem)
        mem_write(c, m->seg, m->off, v, sz);
    else
        set_reg(c, m->rm, sz, v);
}

static inline bool get_cf(struct cpu *c) { return cpu_cf(c); }

/* cpu_push/cpu_pop inlined for the frequent PUSH r/POP r/PUSH imm/CALL. */
CPU_INLINE void push_i(struct cpu *c, uint32_t v, unsigned size)
{
    uint32_t sp = (c->r[CPU_ESP] - size) & sp_mask(c);
    mem_write(c, CPU_SS, sp, v, size);
    set_sp(c, sp);
}

CPU_INLINE uint32_t pop_i(struct cpu *c, unsigned size)
{
    uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
    uint32_t v = mem_read(c, CPU_SS, sp, size);
    set_sp(c, sp + size);
    return v;
}

CPU_INLINE bool cond(struct cpu *c, int cc) { return cpu_cond_fast(c, cc); }

CPU_INLINE void set_lazy(struct cpu *c, int op, uint32_t a, uint32_t b, uint32_t r, unsigned sz)
{
    c->lf_op = (uint8_t)op;
    c->lf_a = a;
    c->lf_b = b;
    c->lf_res = r;
    c->lf_sz = (uint8_t)sz;
}

/* AND, OR, XOR, TEST: the flags derive from the result alone (CF = OF = 0,
 * AF undefined and left clear, SDM vol. 2 AND), so the operands are not
 * kept; nothing reads lf_a or lf_b under LF_LOGIC. */
CPU_INLINE void set_lazy_logic(struct cpu *c, uint32_t r, unsigned sz)
{
    c->lf_op = LF_LOGIC;
    c->lf_res = r;
    c->lf_sz = (uint8_t)sz;
}

/* ADD OR ADC SBB AND SUB XOR CMP, in the opcode-extension order. */
CPU_INLINE uint32_t alu(struct cpu *c, int op, uint32_t a, uint32_t b, unsigned sz)
{
    uint32_t m = sz_mask(sz), r, cin;
    a &= m;
    b &= m;
    switch (op) {
    case 0: r = a + b; set_lazy(c, LF_ADD, a, b, r, sz); break;
    case 1: r = a | b; set_lazy_logic(c, r, sz); break;
    case 2: cin = get_cf(c); r = a + b + cin; set_lazy(c, LF_ADC, a, b, r, sz); c->lf_cin = cin; break;
    case 3: cin = get_cf(c); r = a - b - cin; set_lazy(c, LF_SBB, a, b, r, sz); c->lf_cin = cin; break;
    case 4: r = a & b; set_lazy_logic(c, r, sz); break;
    case 6: r = a ^ b; set_lazy_logic(c, r, sz); break;
    default: r = a - b; set_lazy(c, LF_SUB, a, b, r, sz); break;
    }
    return r & m;
}

CPU_INLINE uint32_t inc_dec(struct cpu *c, uint32_t a, unsigned sz, bool dec)
{
    uint32_t cf = cpu_cf(c), m = sz_mask(sz);
    a &= m;
    uint32_t r = dec ? a - 1 : a + 1;
    set_lazy(c, dec ? LF_DEC : LF_INC, a, 1, r, sz);
    c->lf_cin = cf;
    return r & m;
}

/* Writes the six arithmetic flags directly (non-lazy ops). */
CPU_INLINE void set_arith(struct cpu *c, uint32_t f)
{
    /* All six are replaced, and the other EFLAGS bits are always current,
     * so the lazy flags need no materialising first. */
    c->flags = (c->flags & ~F_ARITH) | (f & F_ARITH);
    c->lf_op = LF_NONE;
}

CPU_INLINE uint32_t szp(uint32_t r, unsigned sz)
{
    uint32_t m = sz_mask(sz);
    uint32_t f = (r & m) == 0 ? F_ZF : 0;
    f |= (r >> (sz * 8 - 1)) & 1 ? F_SF : 0;
    f |= __builtin_parity(r & 0xff) ? 0 : F_PF;
    return f;
}

/* Group 2 shifts and rotates (SDM vol. 2 RCL/RCR/ROL/ROR, SAL/SAR/SHL/SHR). */
CPU_INLINE uint32_t shift(struct cpu *c, int op, uint32_t a, unsigned cnt, unsigned sz)
{
    unsigned w = sz * 8;
    uint32_t m = sz_mask(sz), sign = 1u << (w - 1);
    cnt &= 0x1f;
    a &= m;
    if (cnt == 0)
        return a;
    uint32_t r, cf, of;
    if (op < 2) {
        /* ROL/ROR write CF and OF only: a pending lazy op keeps SF/ZF/AF/PF
         * and is marked LF_ROT instead of being materialised. */
        unsigned n = cnt % w;
        if (op == 0) {
            r = n ? ((a << n) | (a >> (w - n))) & m : a;
            cf = r & 1;
            of = ((r & sign) != 0) ^ cf;
        } else {
            r = n ? ((a >> n) | (a << (w - n))) & m : a;
            cf = (r & sign) != 0;
            of = cf ^ ((r >> (w - 2)) & 1);
        }
        c->flags = (c->flags & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | (of ? F_OF : 0);
        if (c->lf_op != LF_NONE)
            c->lf_op |= LF_ROT;
        return r;
    }
    /* SHL/SHR/SAR write all six arithmetic flags; RCL/RCR need CF and keep
     * SF/ZF/AF/PF, so they materialise the lazy flags. */
    uint32_t f = op >= 4 ? c->flags : cpu_get_flags(c);
    c->lf_op = LF_NONE;
    switch (op) {
    case 2: { /* RCL */
        unsigned n = cnt % (w + 1);
        uint64_t v = a | ((uint64_t)(f & F_CF) << w);
        if (n)
            v = ((v << n) | (v >> (w + 1 - n))) & ((2ull << w) - 1);
        r = (uint32_t)v & m;
        cf = (v >> w) & 1;
        of = ((r & sign) != 0) ^ cf;
        c->flags = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    }
    case 3: { /* RCR */
        unsigned n = cnt % (w + 1);
        uint64_t v = a | ((uint64_t)(f & F_CF) << w);
        if (n)
            v = ((v >> n) | (v << (w + 1 - n))) & ((2ull << w) - 1);
        r = (uint32_t)v & m;
        cf = (v >> w) & 1;
        of = ((r >> (w - 1)) ^ (r >> (w - 2))) & 1;
        c->flags = (f & ~(F_CF | F_OF)) | (cf ? F_CF : 0) | (of ? F_OF : 0);
        return r;
    }
    case 4: case 6: /* SHL/SAL */
        r = (uint32_t)(((uint64_t)a << cnt) & m);
        cf = cnt <= w ? (uint32_t)(((uint64_t)a >> (w - cnt)) & 1) : 0;
        of = ((r & sign) != 0) ^ cf;
        break;
    case 5: /* SHR */
        r = cnt >= 32 ? 0 : a >> cnt;
        cf = cnt <= 32 ? (uint32_t)(((uint64_t)a >> (cnt - 1)) & 1) : 0;
        of = (a & sign) != 0;
        break;
    default: { /* SAR */
        int64_t s = (int64_t)(int32_t)(a << (32 - w)) >> (32 - w);
        r = (uint32_t)(s >> (cnt > 31 ? 31 : cnt)) & m;
        cf = (uint32_t)(s >> (cnt - 1)) & 1;
        of = 0;
        break;
    }
    }
    c->flags = (f & ~F_ARITH) | szp(r, sz) | (cf ? F_CF : 0) | (of ? F_OF : 0);
    return r;
}

/* SHLD/SHRD (SDM vol. 2): count masked to 5 bits; >= operand size undefined. */
static uint32_t shift_double(struct cpu *c, uint32_t dst, uint32_t src, unsigned cnt, unsigned sz, bool left)
{
    unsigned w = sz * 8;
    uint32_t m = sz_mask(sz);
    cnt &= 0x1f;
    if (!cnt)
        return dst & m;
    uint64_t r, cf;
    dst &= m;
    src &= m;
    if (w == 32) {
        uint64_t v = left ? ((uint64_t)dst << 32) | src : ((uint64_t)src << 32) | dst;
        r = left ? (v << cnt) >> 32 : v >> cnt;
        cf = left ? (v >> (64 - cnt)) & 1 : (v >> (cnt - 1)) & 1;
    } else {
        /* 16-bit counts above 16 shift in dst again (P6 behaviour; undefined per the SDM). */
        uint64_t v = left ? ((uint64_t)dst << 48) | ((uint64_t)src << 32) | ((uint64_t)dst << 16)
                          : ((uint64_t)dst << 32) | ((uint64_t)src << 16) | dst;
        r = left ? (v << cnt) >> 48 : v >> cnt;
        cf = left ? (v >> (64 - cnt)) & 1 : (v >> (cnt - 1)) & 1;
    }
    uint32_t res = (uint32_t)r & m;
    uint32_t of = ((res ^ dst) >> (w - 1)) & 1;
    set_arith(c, szp(res, sz) | (cf ? F_CF : 0) | (of ? F_OF : 0));
    return res;
}

/* I/O permission (SDM vol. 1 18.5.2 and the TSS I/O bitmap, 18.5.3). */
static void io_check(struct cpu *c, uint16_t port, unsigned sz)
{
    if (!c->pe_mode)
        return;
    if (!c->v86 && c->cpl <= ((c->flags & F_IOPL) >> 12))
        return;
    if ((c->tr.attr & 0xf) != 9 && (c->tr.attr & 0xf) != 11)
        cpu_raise(c, EX_GP, 0);
    if (c->tr.limit < 0x67)
        cpu_raise(c, EX_GP, 0);
    uint32_t iomap = lin_read(c, c->tr.base + 0x66, 2, false);
    uint32_t byte = iomap + port / 8;
    if (byte + 1 > c->tr.limit)
        cpu_raise(c, EX_GP, 0);
    uint32_t bits = lin_read(c, c->tr.base + byte, 2, false);
    if ((bits >> (port & 7)) & ((1u << sz) - 1))
        cpu_raise(c, EX_GP, 0);
}

/* A device may remap memory (PAM, SMRAM) from a port access: resync after. */
static uint32_t port_in(struct cpu *c, uint16_t port, unsigned sz)
{
    io_check(c, port, sz);
    uint32_t v = io_read(c->io, port, sz);
    cpu_sync_mem(c);
    return v;
}

static void port_out(struct cpu *c, uint16_t port, uint32_t v, unsigned sz)
{
    io_check(c, port, sz);
    io_write(c->io, port, v & sz_mask(sz), sz);
    cpu_sync_mem(c);
}

static inline void jump_near(struct cpu *c, uint32_t target, bool op32)
{
    if (!op32)
        target &= 0xffff;
    if (target > c->s[CPU_CS].limit)
        cpu_raise(c, EX_GP, 0);
    c->eip = target;
}

static unsigned iopl(const struct cpu *c) { return (c->flags & F_IOPL) >> 12; }

/* CLI/STI/PUSHF/POPF/INT n/IRET sensitivity outside ring 0 (SDM 20.2.7). */
static void check_iopl(struct cpu *c)
{
    if (c->pe_mode && c->cpl > iopl(c))
        cpu_raise(c, EX_GP, 0);
}

/* String instructions (SDM vol. 2 MOVS/CMPS/STOS/LODS/SCAS/INS/OUTS): one
 * element per step; REP forms loop here in bounded batches so interrupts
 * stay serviceable (the instruction restarts with the updated counters). */
/* How many whole elements from offset off (ascending) stay inside an
 * expand-up writable data segment, the address size and the linear page;
 * the host pointer of the first one, or NULL when the TLB has no RAM
 * mapping with the needed permission yet (the one-element path fills it). */
static uint8_t *string_span(struct cpu *c, int s, uint32_t off, uint32_t am, unsigned sz, bool write,
                            uint32_t *n)
{
    const struct seg *sg = &c->s[s];
    if ((sg->attr & (A_P | A_CODE | A_EXPD | A_RW)) != (A_P | A_RW) || off > sg->limit)
        return NULL;
    uint32_t lin = sg->base + off;
    uint64_t room = (uint64_t)(sg->limit < am ? sg->limit : am) - off + 1;
    uint64_t page = 0x1000 - (lin & 0xfff);
    uint32_t k = (uint32_t)((room < page ? room : page) / sz);
    const struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t tag = write ? e->tag_w[is_user(c)] : e->tag_r[is_user(c)];
    if (!k || tag != lin >> 12)
        return NULL;
    *n = k < *n ? k : *n;
    return e->host + (lin & 0xfff);
}

/* REP MOVS/STOS ascending, a page's worth at a time straight in host RAM,
 * with the same result as element by element (overlapping MOVS included).
 * Returns the elements done, 0 when
 * the next element needs the one-element path (a fault, MMIO, a code page,
 * a TLB miss, a page or segment edge). */
static uint32_t string_chunk(struct cpu *c, uint8_t op, unsigned sz, uint32_t am, int src_seg, uint32_t max)
{
    uint32_t n = c->r[CPU_ECX] & am;
    if (n > max)
        n = max;
    uint32_t si = c->r[CPU_ESI] & am, di = c->r[CPU_EDI] & am;
    uint8_t *d = string_span(c, CPU_ES, di, am, sz, true, &n);
    if (!d)
        return 0;
    if (op == 0xaa || op == 0xab) {
        uint32_t v = c->r[CPU_EAX];
        uint32_t byte = v & 0xff;
        if (sz == 1 || (v & sz_mask(sz)) == byte * (sz == 2 ? 0x0101u : 0x01010101u))
            memset(d, (int)byte, (size_t)n * sz);   /* every byte the same (zeroing, mostly) */
        else
            for (uint32_t i = 0; i < n; i++)
                memcpy(d + i * sz, &v, sz);
    } else {
        const uint8_t *src = string_span(c, src_seg, si, am, sz, false, &n);
        if (!src)
            return 0;
        /* Forwards, one element read before it is written, as the
         * element-by-element loop does when the operands overlap. That is
         * memmove's result unless the destination starts inside the source
         * (the loop then repeats the source's first bytes), so only that
         * case copies element by element. */
        size_t len = (size_t)n * sz;
        if ((uintptr_t)d <= (uintptr_t)src || (uintptr_t)d >= (uintptr_t)src + len) {
            memmove(d, src, len);
        } else if (sz == 1) {
            for (uint32_t i = 0; i < n; i++)
                d[i] = src[i];
        } else {
            for (uint32_t i = 0; i < n; i++) {
                uint32_t v;
                memcpy(&v, src + i * sz, sz);
                memcpy(d + i * sz, &v, sz);
            }
        }
        c->r[CPU_ESI] = (c->r[CPU_ESI] & ~am) | ((si + n * sz) & am);
    }
    c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + n * sz) & am);
    c->r[CPU_ECX] = (c->r[CPU_ECX] & ~am) | (((c->r[CPU_ECX] & am) - n) & am);
    return n;
}

static void string_op(struct cpu *c, uint8_t op, unsigned sz)
{
    uint32_t am = c->ad32 ? 0xffffffffu : 0xffffu;
    int src_seg = c->seg_ovr >= 0 ? c->seg_ovr : CPU_DS;
    int32_t step = (c->flags & F_DF) ? -(int32_t)sz : (int32_t)sz;
    bool rep = c->rep != 0;
    unsigned batch = 4096;
    if (rep && (c->r[CPU_ECX] & am) == 0)
        return;
    bool chunks = rep && step > 0 && (op == 0xa4 || op == 0xa5 || op == 0xaa || op == 0xab);
    for (;;) {
        if (chunks) {
            uint32_t n = string_chunk(c, op, sz, am, src_seg, batch);
            if (n) {
                if ((c->r[CPU_ECX] & am) == 0)
                    return;
                batch -= n;
                if (batch == 0) {
                    c->eip = c->eip_start;   /* resume later: counters are architectural */
                    return;
                }
                continue;
            }
        }
        uint32_t si = c->r[CPU_ESI] & am, di = c->r[CPU_EDI] & am;
        bool cmp = false;
        switch (op) {
        case 0xa4: case 0xa5: {
            uint32_t v = mem_read(c, src_seg, si, sz);
            mem_write(c, CPU_ES, di, v, sz);
            c->r[CPU_ESI] = (c->r[CPU_ESI] & ~am) | ((si + step) & am);
            c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + step) & am);
            break;
        }
        case 0xa6: case 0xa7: {
            uint32_t a = mem_read(c, src_seg, si, sz);
            uint32_t b = mem_read(c, CPU_ES, di, sz);
            alu(c, 7, a, b, sz);
            c->r[CPU_ESI] = (c->r[CPU_ESI] & ~am) | ((si + step) & am);
            c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + step) & am);
            cmp = true;
            break;
        }
        case 0xaa: case 0xab:
            mem_write(c, CPU_ES, di, c->r[CPU_EAX], sz);
            c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + step) & am);
            break;
        case 0xac: case 0xad:
            set_reg(c, CPU_EAX, sz, mem_read(c, src_seg, si, sz));
            c->r[CPU_ESI] = (c->r[CPU_ESI] & ~am) | ((si + step) & am);
            break;
        case 0xae: case 0xaf:
            alu(c, 7, c->r[CPU_EAX], mem_read(c, CPU_ES, di, sz), sz);
            c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + step) & am);
            cmp = true;
            break;
        case 0x6c: case 0x6d: {
            /* The destination is checked before the port is read. */
            seg_lin(c, CPU_ES, di, sz, true);
            uint32_t v = port_in(c, (uint16_t)c->r[CPU_EDX], sz);
            mem_write(c, CPU_ES, di, v, sz);
            c->r[CPU_EDI] = (c->r[CPU_EDI] & ~am) | ((di + step) & am);
            break;
        }
        default: { /* 6E/6F OUTS */
            uint32_t v = mem_read(c, src_seg, si, sz);
            port_out(c, (uint16_t)c->r[CPU_EDX], v, sz);
            c->r[CPU_ESI] = (c->r[CPU_ESI] & ~am) | ((si + step) & am);
            break;
        }
        }
        if (!rep)
            return;
        uint32_t cx = (c->r[CPU_ECX] - 1) & am;
        c->r[CPU_ECX] = (c->r[CPU_ECX] & ~am) | cx;
        if (cx == 0)
            return;
        if (cmp) {
            bool zf = cpu_cond(c, 4);
            if ((c->rep == 0xf3 && !zf) || (c->rep == 0xf2 && zf))
                return;
        }
        if (--batch == 0) {
            c->eip = c->eip_start;   /* resume later: counters are architectural */
            return;
        }
    }
}

static void do_mul(struct cpu *c, uint32_t b, unsigned sz, bool sign)
{
    uint32_t f;
    if (sz == 1) {
        uint32_t a = c->r[CPU_EAX] & 0xff;
        uint32_t r = sign ? (uint32_t)((int8_t)a * (int8_t)b) & 0xffff : a * (b & 0xff);
        set_reg(c, CPU_EAX, 2, r);
        bool ov = sign ? sext8(r) != sext16(r) : (r >> 8) != 0;
        f = ov ? F_CF | F_OF : 0;
        f |= szp(r, 1);
    } else if (sz == 2) {
        uint32_t a = c->r[CPU_EAX] & 0xffff;
        uint32_t r = sign ? (uint32_t)((int16_t)a * (int16_t)b) : a * (b & 0xffff);
        set_reg(c, CPU_EAX, 2, r);
        set_reg(c, CPU_EDX, 2, r >> 16);
        bool ov = sign ? sext16(r) != r : (r >> 16) != 0;
        f = ov ? F_CF | F_OF : 0;
        f |= szp(r, 2);
    } else {
        uint64_t r = sign ? (uint64_t)((int64_t)(int32_t)c->r[CPU_EAX] * (int32_t)b)
                          : (uint64_t)c->r[CPU_EAX] * b;
        c->r[CPU_EAX] = (uint32_t)r;
        c->r[CPU_EDX] = (uint32_t)(r >> 32);
        bool ov = sign ? (int64_t)r != (int32_t)r : (r >> 32) != 0;
        f = ov ? F_CF | F_OF : 0;
        f |= szp((uint32_t)r, 4);
    }
    set_arith(c, f);
}

CPU_INLINE uint32_t imul2(struct cpu *c, uint32_t a, uint32_t b, unsigned sz)
{
    int64_t r = sz == 2 ? (int64_t)(int16_t)a * (int16_t)b : (int64_t)(int32_t)a * (int32_t)b;
    bool ov = sz == 2 ? r != (int16_t)r : r != (int32_t)r;
    set_arith(c, (ov ? F_CF | F_OF : 0) | szp((uint32_t)r, sz));
    return (uint32_t)r & sz_mask(sz);
}

static void do_div(struct cpu *c, uint32_t b, unsigned sz, bool sign)
{
    if (sz == 1) {
        uint32_t a = c->r[CPU_EAX] & 0xffff;
        b &= 0xff;
        if (!b)
            cpu_raise(c, EX_DE, 0);
        if (sign) {
            int32_t q = (int16_t)a / (int8_t)b, r = (int16_t)a % (int8_t)b;
            if (q > 127 || q < -128)
                cpu_raise(c, EX_DE, 0);
            set_reg(c, CPU_EAX, 2, ((uint32_t)q & 0xff) | (((uint32_t)r & 0xff) << 8));
        } else {
            uint32_t q = a / b, r = a % b;
            if (q > 0xff)
                cpu_raise(c, EX_DE, 0);
            set_reg(c, CPU_EAX, 2, q | (r << 8));
        }
    } else if (sz == 2) {
        uint32_t a = (c->r[CPU_EAX] & 0xffff) | ((c->r[CPU_EDX] & 0xffff) << 16);
        b &= 0xffff;
        if (!b)
            cpu_raise(c, EX_DE, 0);
        if (sign) {
            int64_t q = (int64_t)(int32_t)a / (int16_t)b, r = (int64_t)(int32_t)a % (int16_t)b;
            if (q > 32767 || q < -32768)
                cpu_raise(c, EX_DE, 0);
            set_reg(c, CPU_EAX, 2, (uint32_t)q);
            set_reg(c, CPU_EDX, 2, (uint32_t)r);
        } else {
            uint32_t q = a / b, r = a % b;
            if (q > 0xffff)
                cpu_raise(c, EX_DE, 0);
            set_reg(c, CPU_EAX, 2, q);
            set_reg(c, CPU_EDX, 2, r);
        }
    } else {
        uint64_t a = c->r[CPU_EAX] | ((uint64_t)c->r[CPU_EDX] << 32);
        if (!b)
            cpu_raise(c, EX_DE, 0);
        if (sign) {
            if ((int64_t)a == INT64_MIN && (int32_t)b == -1)
                cpu_raise(c, EX_DE, 0);
            int64_t q = (int64_t)a / (int32_t)b, r = (int64_t)a % (int32_t)b;
            if (q > INT32_MAX || q < INT32_MIN)
                cpu_raise(c, EX_DE, 0);
            c->r[CPU_EAX] = (uint32_t)q;
            c->r[CPU_EDX] = (uint32_t)r;
        } else {
            uint64_t q = a / b, r = a % b;
            if (q > 0xffffffffu)
                cpu_raise(c, EX_DE, 0);
            c->r[CPU_EAX] = (uint32_t)q;
            c->r[CPU_EDX] = (uint32_t)r;
        }
    }
}

static uint32_t bcd(struct cpu *c, uint8_t op)
{
    uint32_t f = cpu_get_flags(c);
    uint32_t al = c->r[CPU_EAX] & 0xff, ax = c->r[CPU_EAX] & 0xffff;
    bool cf = f & F_CF, af = f & F_AF;
    uint32_t nf = 0;
    switch (op) {
    case 0x27: case 0x2f: { /* DAA / DAS */
        uint32_t old = al;
        bool ncf = false;
        if ((al & 0xf) > 9 || af) {
            if (op == 0x27) {
                ncf = cf || al + 6 > 0xff;
                al = (al + 6) & 0xff;
            } else {
                ncf = cf || al < 6;
                al = (al - 6) & 0xff;
            }
            nf |= F_AF;
        }
        if (old > 0x99 || cf) {
            al = (op == 0x27 ? al + 0x60 : al - 0x60) & 0xff;
            ncf = true;
        }
        set_reg(c, CPU_EAX, 1, al);
        nf |= (ncf ? F_CF : 0) | szp(al, 1);
        break;
    }
    case 0x37: case 0x3f: /* AAA / AAS */
        if ((al & 0xf) > 9 || af) {
            if (op == 0x37) {
                ax = (ax + 0x106) & 0xffff;
            } else {
                ax = (ax - 6) & 0xffff;
                ax = (ax - 0x100) & 0xffff;
            }
            nf = F_AF | F_CF;
        }
        ax &= 0xff0f;
        set_reg(c, CPU_EAX, 2, ax);
        nf |= szp(ax & 0xff, 1);
        break;
    }
    set_arith(c, nf);
    return 0;
}

/* The offset of a later part of a multi-part memory operand: it wraps at the
 * address size like the effective address itself (as the 286 and Bochs do). */
static inline uint32_t ea_add(const struct cpu *c, uint32_t off, uint32_t n)
{
    return c->ad32 ? off + n : (off + n) & 0xffff;
}

static void load_far_ptr(struct cpu *c, int sreg, const struct modrm *m, unsigned sz)
{
    if (!m->mem)
        cpu_raise(c, EX_UD, 0);
    uint32_t off = mem_read(c, m->seg, m->off, sz);
    uint16_t sel = (uint16_t)mem_read(c, m->seg, ea_add(c, m->off, sz), 2);
    seg_load(c, sreg, sel);
    set_reg(c, m->reg, sz, off);
}

static void push_sreg(struct cpu *c, int s, unsigned sz)
{
    /* P6: a 32-bit push of a segment register writes only the low 16 bits. */
    uint32_t sp = (c->r[CPU_ESP] - sz) & sp_mask(c);
    mem_write(c, CPU_SS, sp, c->s[s].sel, 2);
    set_sp(c, sp);
}

static void pop_sreg(struct cpu *c, int s, unsigned sz)
{
    uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
    uint16_t v = (uint16_t)mem_read(c, CPU_SS, sp, 2);
    seg_load(c, s, v);
    set_sp(c, sp + sz);
    if (s == CPU_SS)
        c->int_shadow = SHADOW_SS;
}

static void enter(struct cpu *c, uint16_t size, uint8_t level, unsigned sz)
{
    level &= 31;
    uint32_t m = sp_mask(c);
    uint32_t ebp = c->r[CPU_EBP];
    cpu_push(c, ebp, sz);
    uint32_t frame = c->r[CPU_ESP] & m;
    if (level) {
        uint32_t bp = ebp;
        for (unsigned i = 1; i < level; i++) {
            bp = (bp - sz) & m;
            uint32_t v = mem_read(c, CPU_SS, c->stack32 ? bp : bp & 0xffff, sz);
            cpu_push(c, v, sz);
        }
        cpu_push(c, frame, sz);
    }
    uint32_t nsp = (c->r[CPU_ESP] - size) & m;
    /* The new stack top must be writable (SDM ENTER: #SS if it is not). */
    seg_lin(c, CPU_SS, nsp, 1, true);
    set_reg(c, CPU_EBP, sz, frame);
    set_sp(c, nsp);
}

static uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }

#include "emu/cpu/exec_sys.h"
#include "emu/cpu/exec_fast.h"

/* r/m op= b for the ALU group: the result is stored before the flags change,
 * so a store that faults (a read-only page or segment, a copy-on-write page)
 * leaves EFLAGS as they were and the restarted ADC/SBB sees the same carry. */
CPU_INLINE void alu_rmw(struct cpu *c, const struct modrm *m, int aop, uint32_t a, uint32_t b, unsigned sz)
{
    if (aop != 7) {
        uint32_t mask = sz_mask(sz);
        uint32_t cin = (aop == 2 || aop == 3) ? cpu_cf(c) : 0;
        rm_write(c, m, sz, alu_value(aop, a & mask, b & mask, cin) & mask);
    }
    alu(c, aop, a, b, sz);
}

/* INC/DEC r/m, the store before the flags for the same reason. */
CPU_INLINE void inc_dec_rmw(struct cpu *c, const struct modrm *m, unsigned sz, bool dec)
{
    uint32_t a = rm_read(c, m, sz);
    rm_write(c, m, sz, (dec ? a - 1 : a + 1) & sz_mask(sz));
    inc_dec(c, a, sz, dec);
}

static inline __attribute__((always_inline)) void exec_one(struct cpu *c)
{
    bool tf = c->flags & F_TF;
    uint32_t op;
    uint32_t pa = 0;
    uint32_t off = c->eip - c->fetch_eip_lo;
    const uint8_t *miss_bytes = NULL;   /* a miss in the window: the bytes dc_classify reads */
    if (__builtin_expect(off < c->fetch_eip_n, 1)) {
        pa = c->fetch_pa_lo + off;
        struct dc_entry *e = &c->dc[off ^ c->fetch_dc_xor];   /* (pa ^ pa >> DC_BITS) mod DC_SIZE */
        if (e->pa == pa && e->key == c->fetch_key) {
            if (e->kind < DC_FAST) {   /* fast forms run from cpu_exec_loop (except under TF) */
                c->eip_start = c->eip;
                c->esp_start = c->r[CPU_ESP];
                c->pfx = e->pfx;
                c->eip += e->pre_len;
                op = e->op;
                c->cur = e;
                goto decoded;
            }
        }
    }
    c->eip_start = c->eip;
    c->esp_start = c->r[CPU_ESP];
    uint32_t lin = c->s[CPU_CS].base + c->eip;
    if (__builtin_expect(off >= c->fetch_eip_n, 0)) {
        c->cur = NULL;
        if ((lin >> 12) != c->fetch_lpage && c->eip <= c->s[CPU_CS].limit)
            lin_fetch8(c, lin);   /* loads the code page (faults as the fetch would) */
        off = c->eip - c->fetch_eip_lo;
    }
    if (__builtin_expect(off < c->fetch_eip_n, 1)) {
        pa = c->fetch_pa_lo + off;
        struct dc_entry *e = &c->dc[off ^ c->fetch_dc_xor];
        c->dc_misses++;
        e->pa = ~0u;
        e->kind = DC_HEAD;
        c->cur = e;
        miss_bytes = c->fetch_host + off;
    }
    c->seg_ovr = -1;
    c->op32 = c->code32;
    c->ad32 = c->code32;
    c->rep = 0;
    c->lock = false;
    for (unsigned n = 0;; n++) {
        if (n >= 14)
            cpu_raise(c, EX_GP, 0);   /* the 15-byte instruction limit */
        op = fetch8(c);
        switch (op) {
        case 0x26: c->seg_ovr = CPU_ES; continue;
        case 0x2e: c->seg_ovr = CPU_CS; continue;
        case 0x36: c->seg_ovr = CPU_SS; continue;
        case 0x3e: c->seg_ovr = CPU_DS; continue;
        case 0x64: c->seg_ovr = CPU_FS; continue;
        case 0x65: c->seg_ovr = CPU_GS; continue;
        case 0x66: c->op32 = !c->code32; continue;
        case 0x67: c->ad32 = !c->code32; continue;
        case 0xf0: c->lock = true; continue;
        case 0xf2: case 0xf3: c->rep = (uint8_t)op; continue;
        default: break;
        }
        break;
    }
    if (c->cur) {
        struct dc_entry *e = c->cur;
        uint32_t used = c->eip - c->eip_start;
        if (c->eip < c->eip_start || (pa & 0xfff) + used > 0x1000) {
            c->cur = NULL;
        } else {
            if (!gmem_is_code(c->mem, (uint64_t)(pa >> 12) << 12))
                tlb_mark_code_page(c, pa >> 12);
            e->pa = pa;
            e->key = (c->code_ver[pa >> 12] << 1) | c->code32;
            e->pre_len = (uint8_t)used;
            e->op = (uint8_t)op;
            e->pfx = c->pfx;
            e->pfx.run_len = 0;   /* dc_mark_in_run decides, once it has run */
        }
    }
decoded:;
    unsigned osz = 2u + ((unsigned)c->op32 << 1);   /* 2 or 4, without a branch */
    struct modrm m;
    uint32_t a, b, r;

    if (op < 0x40 && (op & 7) < 6) {
        /* ALU ops 00-3F: Eb,Gb / Ev,Gv / Gb,Eb / Gv,Ev / AL,Ib / eAX,Iv */
        int aop = (int)(op >> 3);
        unsigned sz = (op & 1) ? osz : 1;
        switch (op & 7) {
        case 0: case 1:
            decode_modrm(c, &m);
            a = rm_read(c, &m, sz);
            alu_rmw(c, &m, aop, a, get_reg(c, m.reg, sz), sz);
            break;
        case 2: case 3:
            decode_modrm(c, &m);
            b = rm_read(c, &m, sz);
            r = alu(c, aop, get_reg(c, m.reg, sz), b, sz);
            if (aop != 7)
                set_reg(c, m.reg, sz, r);
            break;
        default:
            b = fetch_sz(c, sz);
            r = alu(c, aop, get_reg(c, CPU_EAX, sz), b, sz);
            if (aop != 7)
                set_reg(c, CPU_EAX, sz, r);
            break;
        }
        goto done;
    }

    switch (op) {
    case 0x06: push_sreg(c, CPU_ES, osz); break;
    case 0x07: pop_sreg(c, CPU_ES, osz); break;
    case 0x0e: push_sreg(c, CPU_CS, osz); break;
    case 0x16: push_sreg(c, CPU_SS, osz); break;
    case 0x17: pop_sreg(c, CPU_SS, osz); break;
    case 0x1e: push_sreg(c, CPU_DS, osz); break;
    case 0x1f: pop_sreg(c, CPU_DS, osz); break;
    case 0x27: case 0x2f: case 0x37: case 0x3f: bcd(c, (uint8_t)op); break;
    case 0x0f: {
        uint8_t op2 = fetch8(c);
        if ((op2 & 0xf0) == 0x80) { /* Jcc rel16/32 */
            a = fetch_sz(c, osz);
            if (cond(c, op2 & 15))
                jump_near(c, c->eip + a, c->op32);
        } else if ((op2 & 0xf6) == 0xb6) { /* MOVZX/MOVSX Gv, Eb/Ew */
            unsigned sz = (op2 & 1) ? 2 : 1;
            decode_modrm(c, &m);
            a = rm_read(c, &m, sz);
            if (op2 >= 0xbe)
                a = sz == 1 ? sext8(a) : sext16(a);
            set_reg(c, m.reg, osz, a);
        } else {
            exec_0f(c, osz, op2);
        }
        break;
    }
    case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
        set_reg(c, op & 7, osz, inc_dec(c, get_reg(c, op & 7, osz), osz, false));
        break;
    case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
        set_reg(c, op & 7, osz, inc_dec(c, get_reg(c, op & 7, osz), osz, true));
        break;
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        push_i(c, get_reg(c, op & 7, osz), osz);
        break;
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
        a = pop_i(c, osz);
        set_reg(c, op & 7, osz, a);
        break;
    case 0x60: { /* PUSHA */
        uint32_t sp = c->r[CPU_ESP];
        /* The first and last slots are checked first so a fault leaves no
         * partial frame; each push wraps within the segment on its own. */
        seg_lin(c, CPU_SS, (sp - osz) & sp_mask(c), osz, true);
        seg_lin(c, CPU_SS, (sp - 8 * osz) & sp_mask(c), osz, true);
        for (int i = 0; i < 8; i++)
            cpu_push(c, i == CPU_ESP ? sp : get_reg(c, i, osz), osz);
        break;
    }
    case 0x61: { /* POPA */
        uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
        seg_lin(c, CPU_SS, sp, osz, false);
        seg_lin(c, CPU_SS, (sp + 7 * osz) & sp_mask(c), osz, false);
        for (int i = 7; i >= 0; i--) {
            a = cpu_pop(c, osz);
            if (i != CPU_ESP)
                set_reg(c, i, osz, a);
        }
        break;
    }
    case 0x62: { /* BOUND */
        decode_modrm(c, &m);
        if (!m.mem)
            cpu_raise(c, EX_UD, 0);
        uint32_t lo = mem_read(c, m.seg, m.off, osz), hi = mem_read(c, m.seg, ea_add(c, m.off, osz), osz);
        int32_t v = (int32_t)get_reg(c, m.reg, osz);
        if (osz == 2) {
            v = (int16_t)v;
            lo = sext16(lo);
            hi = sext16(hi);
        }
        if (v < (int32_t)lo || v > (int32_t)hi)
            cpu_raise(c, EX_BR, 0);
        break;
    }
    case 0x63: /* ARPL */
        if (!c->pe_mode || c->v86)
            cpu_raise(c, EX_UD, 0);
        decode_modrm(c, &m);
        a = rm_read(c, &m, 2);
        b = get_reg(c, m.reg, 2);
        if ((a & 3) < (b & 3)) {
            rm_write(c, &m, 2, (a & ~3u) | (b & 3));
            set_arith(c, (cpu_get_flags(c) & F_ARITH) | F_ZF);
        } else {
            set_arith(c, cpu_get_flags(c) & F_ARITH & ~F_ZF);
        }
        break;
    case 0x68: push_i(c, fetch_sz(c, osz), osz); break;
    case 0x6a: push_i(c, sext8(fetch8(c)), osz); break;
    case 0x69: case 0x6b:
        decode_modrm(c, &m);
        a = rm_read(c, &m, osz);
        b = op == 0x6b ? sext8(fetch8(c)) : fetch_sz(c, osz);
        set_reg(c, m.reg, osz, imul2(c, a, b, osz));
        break;
    case 0x6c: string_op(c, 0x6c, 1); break;
    case 0x6d: string_op(c, 0x6d, osz); break;
    case 0x6e: string_op(c, 0x6e, 1); break;
    case 0x6f: string_op(c, 0x6f, osz); break;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
        a = sext8(fetch8(c));
        if (cond(c, op & 15))
            jump_near(c, c->eip + a, c->op32);
        break;
    case 0x80: case 0x81: case 0x82: case 0x83: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        b = op == 0x81 ? fetch_sz(c, sz) : op == 0x83 ? sext8(fetch8(c)) : fetch8(c);
        alu_rmw(c, &m, m.reg, a, b, sz);
        break;
    }
    case 0x84: case 0x85: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        alu(c, 4, rm_read(c, &m, sz), get_reg(c, m.reg, sz), sz);
        break;
    }
    case 0x86: case 0x87: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        rm_write(c, &m, sz, get_reg(c, m.reg, sz));
        set_reg(c, m.reg, sz, a);
        break;
    }
    case 0x88: case 0x89: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        rm_write(c, &m, sz, get_reg(c, m.reg, sz));
        break;
    }
    case 0x8a: case 0x8b: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        set_reg(c, m.reg, sz, rm_read(c, &m, sz));
        break;
    }
    case 0x8c:
        decode_modrm(c, &m);
        if (m.reg > 5)
            cpu_raise(c, EX_UD, 0);
        /* To a register the P6 zero-extends to 32 bits; to memory it stores 16. */
        if (m.mem)
            mem_write(c, m.seg, m.off, c->s[m.reg].sel, 2);
        else
            set_reg(c, m.rm, osz, c->s[m.reg].sel);
        break;
    case 0x8d:
        decode_modrm(c, &m);
        if (!m.mem)
            cpu_raise(c, EX_UD, 0);
        set_reg(c, m.reg, osz, m.off);
        break;
    case 0x8e:
        decode_modrm(c, &m);
        if (m.reg == CPU_CS || m.reg > 5)
            cpu_raise(c, EX_UD, 0);
        seg_load(c, m.reg, (uint16_t)rm_read(c, &m, 2));
        if (m.reg == CPU_SS)
            c->int_shadow = SHADOW_SS;
        break;
    case 0x8f: {
        /* POP Ev: the address is computed with ESP after the pop (SDM POP). */
        {
            uint8_t mb = lin_fetch8(c, c->s[CPU_CS].base + c->eip);
            if ((mb >> 3) & 7)
                cpu_raise(c, EX_UD, 0);
        }
        uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
        a = mem_read(c, CPU_SS, sp, osz);
        set_sp(c, sp + osz);
        decode_modrm(c, &m);
        rm_write(c, &m, osz, a);
        break;
    }
    case 0x90:
        break;
    case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
        a = get_reg(c, CPU_EAX, osz);
        set_reg(c, CPU_EAX, osz, get_reg(c, op & 7, osz));
        set_reg(c, op & 7, osz, a);
        break;
    case 0x98:
        if (osz == 2)
            set_reg(c, CPU_EAX, 2, sext8(c->r[CPU_EAX]));
        else
            c->r[CPU_EAX] = sext16(c->r[CPU_EAX]);
        break;
    case 0x99:
        if (osz == 2)
            set_reg(c, CPU_EDX, 2, (c->r[CPU_EAX] & 0x8000) ? 0xffff : 0);
        else
            c->r[CPU_EDX] = (c->r[CPU_EAX] & 0x80000000u) ? 0xffffffffu : 0;
        break;
    case 0x9a: {
        uint32_t off = fetch_sz(c, osz);
        uint16_t sel = fetch16(c);
        far_jump(c, sel, off, true, c->op32);
        break;
    }
    case 0x9b: /* WAIT/FWAIT: #NM when MP and TS (SDM 2.5, table 2-2) */
        if ((c->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
            cpu_raise(c, EX_NM, 0);
        x87_check_pending(c);
        break;
    case 0x9c: /* PUSHF */
        if (c->v86 && iopl(c) < 3)
            cpu_raise(c, EX_GP, 0);
        cpu_push(c, cpu_get_flags(c) & ~(F_VM | F_RF), osz);
        break;
    case 0x9d: { /* POPF */
        if (c->v86 && iopl(c) < 3)
            cpu_raise(c, EX_GP, 0);
        a = cpu_pop(c, osz);
        uint32_t mask = 0x4dd5u | (osz == 4 ? (F_AC | F_ID) : 0);
        if (!c->pe_mode || c->cpl == 0)
            mask |= F_IOPL;
        if (!c->pe_mode || c->cpl <= iopl(c))
            mask |= F_IF;
        if (c->v86)
            mask = (mask | F_IF) & ~F_IOPL;
        cpu_set_flags(c, a, mask);
        c->flags &= ~F_RF;
        break;
    }
    case 0x9e: /* SAHF */
        set_arith(c, (cpu_get_flags(c) & F_OF) | ((c->r[CPU_EAX] >> 8) & (F_SF | F_ZF | F_AF | F_PF | F_CF)));
        break;
    case 0x9f: /* LAHF */
        set_reg(c, CPU_ESP + 0, 1, (cpu_get_flags(c) & 0xd5) | 2);   /* AH is register 4 in byte encoding */
        break;
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        unsigned sz = (op & 1) ? osz : 1;
        uint32_t off = c->ad32 ? fetch32(c) : fetch16(c);
        int s = c->seg_ovr >= 0 ? c->seg_ovr : CPU_DS;
        if (op < 0xa2)
            set_reg(c, CPU_EAX, sz, mem_read(c, s, off, sz));
        else
            mem_write(c, s, off, c->r[CPU_EAX], sz);
        break;
    }
    case 0xa4: case 0xa6: case 0xaa: case 0xac: case 0xae:
        string_op(c, (uint8_t)op, 1);
        break;
    case 0xa5: case 0xa7: case 0xab: case 0xad: case 0xaf:
        string_op(c, (uint8_t)op, osz);
        break;
    case 0xa8: alu(c, 4, c->r[CPU_EAX], fetch8(c), 1); break;
    case 0xa9: alu(c, 4, c->r[CPU_EAX], fetch_sz(c, osz), osz); break;
    case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        set_reg(c, op & 7, 1, fetch8(c));
        break;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        set_reg(c, op & 7, osz, fetch_sz(c, osz));
        break;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        unsigned cnt = op <= 0xc1 ? fetch8(c) : op <= 0xd1 ? 1 : c->r[CPU_ECX] & 0xff;
        r = shift(c, m.reg, a, cnt, sz);
        rm_write(c, &m, sz, r);
        break;
    }
    case 0xc2: case 0xc3: {
        uint16_t imm = op == 0xc2 ? fetch16(c) : 0;
        uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
        a = mem_read(c, CPU_SS, sp, osz);
        jump_near(c, a, c->op32);
        set_sp(c, sp + osz + imm);
        break;
    }
    case 0xc4: decode_modrm(c, &m); load_far_ptr(c, CPU_ES, &m, osz); break;
    case 0xc5: decode_modrm(c, &m); load_far_ptr(c, CPU_DS, &m, osz); break;
    case 0xc6: case 0xc7: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        if (m.reg != 0)
            cpu_raise(c, EX_UD, 0);
        rm_write(c, &m, sz, fetch_sz(c, sz));
        break;
    }
    case 0xc8: {
        uint16_t size = fetch16(c);
        uint8_t level = fetch8(c);
        enter(c, size, level, osz);
        break;
    }
    case 0xc9: { /* LEAVE */
        uint32_t bp = c->r[CPU_EBP] & sp_mask(c);
        a = mem_read(c, CPU_SS, bp, osz);
        set_sp(c, bp + osz);
        set_reg(c, CPU_EBP, osz, a);
        break;
    }
    case 0xca: far_return(c, c->op32, fetch16(c)); break;
    case 0xcb: far_return(c, c->op32, 0); break;
    case 0xcc: cpu_interrupt(c, EX_BP, true, false, 0); break;
    case 0xcd: {
        uint8_t v = fetch8(c);
        if (c->v86 && iopl(c) < 3)
            cpu_raise(c, EX_GP, 0);
        cpu_interrupt(c, v, true, false, 0);
        break;
    }
    case 0xce:
        if (cpu_get_flags(c) & F_OF)
            cpu_interrupt(c, EX_OF, true, false, 0);
        break;
    case 0xcf: iret(c, c->op32); break;
    case 0xd4: { /* AAM */
        uint8_t base = fetch8(c);
        if (!base)
            cpu_raise(c, EX_DE, 0);
        uint32_t al = c->r[CPU_EAX] & 0xff;
        set_reg(c, CPU_EAX, 2, ((al / base) << 8) | (al % base));
        set_arith(c, szp(al % base, 1));
        break;
    }
    case 0xd5: { /* AAD */
        uint8_t base = fetch8(c);
        uint32_t al = (c->r[CPU_EAX] & 0xff) + ((c->r[CPU_EAX] >> 8) & 0xff) * base;
        set_reg(c, CPU_EAX, 2, al & 0xff);
        set_arith(c, szp(al & 0xff, 1));
        break;
    }
    case 0xd6: /* SALC (undocumented, present on the P6) */
        set_reg(c, CPU_EAX, 1, get_cf(c) ? 0xff : 0);
        break;
    case 0xd7: {
        int s = c->seg_ovr >= 0 ? c->seg_ovr : CPU_DS;
        uint32_t off = c->r[CPU_EBX] + (c->r[CPU_EAX] & 0xff);
        set_reg(c, CPU_EAX, 1, mem_read(c, s, c->ad32 ? off : off & 0xffff, 1));
        break;
    }
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
        exec_esc(c, (uint8_t)op);
        break;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: {
        a = sext8(fetch8(c));
        uint32_t am = c->ad32 ? 0xffffffffu : 0xffffu;
        bool take;
        if (op == 0xe3) {
            take = (c->r[CPU_ECX] & am) == 0;
        } else {
            uint32_t cx = (c->r[CPU_ECX] - 1) & am;
            c->r[CPU_ECX] = (c->r[CPU_ECX] & ~am) | cx;
            take = cx != 0;
            if (op == 0xe0)
                take = take && !cpu_cond(c, 4);
            else if (op == 0xe1)
                take = take && cpu_cond(c, 4);
        }
        if (take)
            jump_near(c, c->eip + a, c->op32);
        break;
    }
    case 0xe4: set_reg(c, CPU_EAX, 1, port_in(c, fetch8(c), 1)); break;
    case 0xe5: set_reg(c, CPU_EAX, osz, port_in(c, fetch8(c), osz)); break;
    case 0xe6: port_out(c, fetch8(c), c->r[CPU_EAX], 1); break;
    case 0xe7: port_out(c, fetch8(c), c->r[CPU_EAX], osz); break;
    case 0xec: set_reg(c, CPU_EAX, 1, port_in(c, (uint16_t)c->r[CPU_EDX], 1)); break;
    case 0xed: set_reg(c, CPU_EAX, osz, port_in(c, (uint16_t)c->r[CPU_EDX], osz)); break;
    case 0xee: port_out(c, (uint16_t)c->r[CPU_EDX], c->r[CPU_EAX], 1); break;
    case 0xef: port_out(c, (uint16_t)c->r[CPU_EDX], c->r[CPU_EAX], osz); break;
    case 0xe8: {
        a = fetch_sz(c, osz);
        uint32_t target = c->eip + a;
        if (!c->op32)
            target &= 0xffff;
        if (target > c->s[CPU_CS].limit)
            cpu_raise(c, EX_GP, 0);
        push_i(c, c->eip, osz);
        c->eip = target;
        break;
    }
    case 0xe9: a = fetch_sz(c, osz); jump_near(c, c->eip + a, c->op32); break;
    case 0xea: {
        uint32_t off = fetch_sz(c, osz);
        uint16_t sel = fetch16(c);
        far_jump(c, sel, off, false, c->op32);
        break;
    }
    case 0xeb: a = sext8(fetch8(c)); jump_near(c, c->eip + a, c->op32); break;
    case 0xf1: /* INT1 / ICEBP: a #DB trap without the IDT DPL check */
        cpu_interrupt(c, EX_DB, false, false, 0);
        break;
    case 0xf4:
        if (c->pe_mode && c->cpl != 0)
            cpu_raise(c, EX_GP, 0);
        c->halted = true;
        c->run_end = 0;   /* leave cpu_exec_loop after this instruction */
        break;
    case 0xf5: set_arith(c, cpu_get_flags(c) ^ F_CF); break;
    case 0xf6: case 0xf7: {
        unsigned sz = (op & 1) ? osz : 1;
        decode_modrm(c, &m);
        a = rm_read(c, &m, sz);
        switch (m.reg) {
        case 0: case 1: alu(c, 4, a, fetch_sz(c, sz), sz); break;
        case 2: rm_write(c, &m, sz, ~a); break;
        case 3: r = alu(c, 5, 0, a, sz); rm_write(c, &m, sz, r); break;
        case 4: do_mul(c, a, sz, false); break;
        case 5: do_mul(c, a, sz, true); break;
        case 6: do_div(c, a, sz, false); break;
        default: do_div(c, a, sz, true); break;
        }
        break;
    }
    case 0xf8: set_arith(c, cpu_get_flags(c) & ~F_CF); break;
    case 0xf9: set_arith(c, cpu_get_flags(c) | F_CF); break;
    case 0xfa:
        if (c->v86 ? iopl(c) < 3 : false)
            cpu_raise(c, EX_GP, 0);
        check_iopl(c);
        c->flags &= ~F_IF;
        break;
    case 0xfb:
        if (c->v86 && iopl(c) < 3)
            cpu_raise(c, EX_GP, 0);
        check_iopl(c);
        if (!(c->flags & F_IF))
            c->int_shadow = SHADOW_STI;
        c->flags |= F_IF;
        break;
    case 0xfc: c->flags &= ~F_DF; break;
    case 0xfd: c->flags |= F_DF; break;
    case 0xfe:
        decode_modrm(c, &m);
        if (m.reg > 1)
            cpu_raise(c, EX_UD, 0);
        inc_dec_rmw(c, &m, 1, m.reg == 1);
        break;
    case 0xff:
        decode_modrm(c, &m);
        switch (m.reg) {
        case 0: case 1:
            inc_dec_rmw(c, &m, osz, m.reg == 1);
            break;
        case 2: {
            a = rm_read(c, &m, osz);
            uint32_t target = c->op32 ? a : a & 0xffff;
            if (target > c->s[CPU_CS].limit)
                cpu_raise(c, EX_GP, 0);
            cpu_push(c, c->eip, osz);
            c->eip = target;
            break;
        }
        case 3: case 5: {
            if (!m.mem)
                cpu_raise(c, EX_UD, 0);
            uint32_t off = mem_read(c, m.seg, m.off, osz);
            uint16_t sel = (uint16_t)mem_read(c, m.seg, ea_add(c, m.off, osz), 2);
            far_jump(c, sel, off, m.reg == 3, c->op32);
            break;
        }
        case 4: jump_near(c, rm_read(c, &m, osz), c->op32); break;
        case 6: cpu_push(c, rm_read(c, &m, osz), osz); break;
        default: cpu_raise(c, EX_UD, 0);
        }
        break;
    default:
        cpu_raise(c, EX_UD, 0);
    }
done:
    if (__builtin_expect(miss_bytes != NULL, 0) && c->cur) {
        dc_classify(c, c->cur, miss_bytes);
        if (c->cur->kind < DC_FAST)
            dc_mark_in_run(c, c->cur, miss_bytes);
    }
    if (tf && !c->halted && c->int_shadow != SHADOW_SS) {
        /* Single-step trap after the instruction (SDM 17.3.1.4); MOV SS and
         * POP SS defer it past the next instruction (SDM 6.8.3). */
        c->dr[6] |= 0x4000;
        cpu_interrupt(c, EX_DB, false, false, 0);
    }
}

/* The ordinary path for one instruction, out of line: cpu_exec_loop and
 * cpu_fx_general share this one copy of the interpreter's large switch. */
static __attribute__((noinline)) void exec_one_call(struct cpu *c)
{
    exec_one(c);
}

/* EIP left the fetch window (a branch to another page, or straight-line
 * code reaching the next one): loads the new page's window, faulting as the
 * fetch would, so that the lookup that follows can hit. Without it the first
 * instruction on every newly entered page was decoded again as a miss, a
 * third of all misses on the Linux boot. Returns EIP's offset in the window
 * (still outside it near a page end or the CS limit: exec_one decodes it). */
static __attribute__((noinline)) uint32_t fetch_window_switch(struct cpu *c, uint32_t eip)
{
    uint32_t lin = c->s[CPU_CS].base + eip;
    if ((lin >> 12) != c->fetch_lpage && eip <= c->s[CPU_CS].limit) {
        c->eip_start = eip;   /* a fault here is the instruction's fetch fault */
        c->esp_start = c->r[CPU_ESP];
        lin_fetch8(c, lin);
    }
    return eip - c->fetch_eip_lo;
}

/* Whether a fast form can move EIP elsewhere than the next instruction. */
static bool fx_is_branch(unsigned kind)
{
    switch (kind) {
    case FX_JCC: case FX_JMP: case FX_CALL: case FX_RET:
    case FX_CALL_R: case FX_CALL_M: case FX_JMP_R: case FX_JMP_M:
        return true;
    default:
        return false;
    }
}

/* The decode-cache entry of the instruction at offset OFF of the fetch
 * window, if it is valid (decoded from these bytes in this mode), else NULL. */
static inline const struct dc_entry *dc_valid_at(const struct cpu *c, uint32_t off)
{
    const struct dc_entry *e = &c->dc[off ^ c->fetch_dc_xor];
    return e->pa == c->fetch_pa_lo + off && e->key == c->fetch_key ? e : NULL;
}

/* Whether a run valid in this window starts at offset OFF of it (its first
 * instruction was decoded from these bytes in this mode, even if another
 * page's instruction has taken its decode-cache entry since). */
static bool fxb_starts_at(const struct cpu *c, uint32_t off)
{
    uint32_t pa = c->fetch_pa_lo + off;
    const struct fx_block *b = &c->fxb[fxb_index(pa)];
    return b->pa == pa && b->key == c->fetch_key && b->last_off < c->fetch_eip_n;
}

/* Copies the valid fast entries that follow each other from page offset OFF
 * (physical PA) into run B, or returns NULL (and leaves B alone) if the
 * instruction at OFF is not a valid fast entry. */
static __attribute__((noinline)) struct fx_block *fxb_build(struct cpu *c, struct fx_block *b, uint32_t off,
                                                            uint32_t pa)
{
    const struct dc_entry *e = dc_valid_at(c, off);
    if (!e || (e->kind < DC_FAST && !e->pfx.run_len))
        return NULL;
    unsigned n = 0, last;
    bool open = false;
    for (;;) {
        b->e[n++] = *e;
        last = off;
        off += fx_entry_len(e);
        if (fx_is_branch(e->kind) || n == FXB_MAX || off >= c->fetch_eip_n)
            break;
        e = dc_valid_at(c, off);
        if (!e) {
            /* Not decoded yet, it may become a fast form: the run stays open.
             * But the decode cache is direct-mapped, so a decoded entry can be
             * lost to another page's instruction while the run that starts
             * there lives on; this run then ends before it, closed, so that
             * the two chain (an open run always goes back to the loop). */
            open = !fxb_starts_at(c, off);
            break;
        }
        if (e->kind < DC_FAST && !e->pfx.run_len)
            break;          /* decoded, neither a fast form nor allowed in runs: it stays so */
    }
    if (c->fxb_built_n < FXB_LOG)
        c->fxb_built[c->fxb_built_n] = (uint16_t)(b - c->fxb);
    if (c->fxb_built_n <= FXB_LOG)
        c->fxb_built_n++;
    b->pa = pa;
    b->key = c->fetch_key;
    b->n = (uint8_t)n;
    b->last_off = (uint16_t)last;
    b->open = open;
    b->hits = 0;
    b->jit = jit_lookup(c, b);
    return b;
}

/* After an open run: once the instruction that follows has been decoded
 * (or a run starts there, fxb_starts_at), the run is dropped so that the
 * next visit builds it again, longer if that instruction became a fast
 * form, closed if not. */
static __attribute__((noinline)) void fxb_check_open(struct cpu *c, struct fx_block *b, uint32_t eip)
{
    uint32_t off = eip - c->fetch_eip_lo;
    if (off < c->fetch_eip_n && (dc_valid_at(c, off) || fxb_starts_at(c, off)))
        b->pa = ~0u;
}

/* Where a chain of runs stopped: the next EIP and the retired count. */
struct fxb_ran {
    uint32_t eip;
    uint64_t retired;
};

/* Runs run B from EIP, then the runs that follow it while their successor
 * is already built in the same fetch window, no event is pending and the
 * budget (END) lasts; the outer loop does everything else (a new page, a
 * run to build, events). Within a run, a store into the run's own page (or
 * a TLB flush) clears c->run_stop, which ends the run after that
 * instruction. A function of its own, so that the compiler keeps the run's
 * state in registers: inside the large loop below it spilled EIP and the
 * loop bounds to the stack every instruction. */
static __attribute__((noinline)) struct fxb_ran fxb_run(struct cpu *c, struct fx_block *b, uint32_t eip,
                                                        uint64_t retired, uint64_t end)
{
    for (;;) {
        const struct dc_entry *e = b->e;
        c->run = b;
        c->run_eip = eip;
        c->run_skip = 0;
        if (b->jit && !c->jit_bail && end - retired >= b->n) {
            /* Host code runs the whole run, and the runs it chains to (a
             * store into its page may end it early: run_stop, cleared by the
             * code-write hook); it counts what it ran into c->retired.
             * run_stop 1: it may chain; 2: an interrupt is pending (the loop
             * found it in an STI's shadow), so it must not (gen_chain_tests). */
            c->run_stop = 1 + ((c->ev | (c->intr & (c->flags >> 9))) != 0);
            eip = b->jit->code(c, eip);
            retired = c->retired;
            /* An open run (the last one entered) ends the code's chain; as
             * below, once it ran whole, see whether its successor has been
             * decoded since. */
            const struct fx_block *last = c->run;
            c->run = NULL;
            if (__builtin_expect(last->open, 0) && eip == c->run_eip + fxb_span(last))
                fxb_check_open(c, (struct fx_block *)last, eip);
        } else {
            unsigned n = end - retired < b->n ? (unsigned)(end - retired) : b->n;
            c->jit_bail = false;
            c->run_stop = (uintptr_t)(e + n);
            do
                eip = exec_fast(c, e, eip);
            while ((uintptr_t)++e < c->run_stop);
            /* An ordinary instruction in the run counted those up to itself. */
            retired = c->retired + (unsigned)(e - b->e) - c->run_skip;
            c->retired = retired;
            c->run = NULL;
            if (__builtin_expect(b->open, 0) && e == b->e + b->n)
                fxb_check_open(c, b, eip);
            /* At or past the threshold and still without code (the visit
             * that reached it was cut short, or the code cache was emptied
             * since): translate after a whole visit. No code after that
             * (too long, no code memory): count again from 0. */
            if (c->jit_hot && __builtin_expect(++b->hits >= c->jit_hot, 0) && !b->jit &&
                e == b->e + b->n && b->pa != ~0u && b->key == c->fetch_key) {
                jit_translate(c, b);
                if (!b->jit)
                    b->hits = 0;
            }
        }
        /* The outer loop's tests, in its order (fast forms leave TF alone,
         * but a POPF inside the run may have set it). */
        if (retired >= end || (c->ev | (c->intr & (c->flags >> 9))) || (c->flags & F_TF))
            break;
        uint32_t off = eip - c->fetch_eip_lo;
        if (off >= c->fetch_eip_n)
            break;
        uint32_t pa = c->fetch_pa_lo + off;
        b = &c->fxb[fxb_index(pa)];
        if (b->pa != pa || b->key != c->fetch_key || b->last_off >= c->fetch_eip_n)
            break;
    }
    c->eip = eip;
    return (struct fxb_ran){eip, retired};
}

/* The pieces of the interpreter that translated code calls (cpu_int.h). */
uint32_t cpu_fx_step(struct cpu *c, const struct dc_entry *e, uint32_t eip) { return exec_fast(c, e, eip); }
uint32_t cpu_fx_cond(struct cpu *c, int cc) { return cond(c, cc); }
uint32_t cpu_fx_cf(struct cpu *c) { return cpu_cf(c); }
uint32_t cpu_fx_flags(struct cpu *c) { return cpu_get_flags(c); }
bool cpu_fx_is_branch(unsigned kind) { return fx_is_branch(kind); }

/* An ordinary instruction (entry E, dc_mark_in_run) as instruction K of
 * the current run, at EIP: it retires as on the ordinary path, with the
 * exact retired count (the run's instructions before it are counted first,
 * run_skip), and the run ends after it (run_stop cleared) wherever the loop
 * would not go straight on to the next instruction: EIP elsewhere than
 * after it (a string instruction not done yet), an event pending (an
 * interrupt line, STI's shadow), TF set. Returns the next EIP. */
uint32_t cpu_fx_general(struct cpu *c, const struct dc_entry *e, uint32_t eip, unsigned k)
{
    c->retired += k - c->run_skip;
    c->run_skip = k;          /* a fault in it counts from itself (cpu_run) */
    c->run_skip_eip = eip;
    c->eip = eip;
    exec_one_call(c);   /* no segment load (op_runs_in_run): flat_rw stays */
    c->retired++;
    c->run_skip = k + 1;
    c->run_skip_eip = c->eip;
    if (c->eip != eip + e->pfx.run_len || (c->ev | (c->intr & (c->flags >> 9))) || (c->flags & F_TF))
        c->run_stop = 0;
    return c->eip;
}

/* Translated code whose next EIP lies outside the fetch page comes here,
 * after the event and TF tests of a chain: this is what cpu_exec_loop would
 * do next (fetch_window_switch, then the run's slot, then fxb_run's choice
 * of host code), only without filling the TLB, building a run or
 * interpreting, none of which the code could go on from. Returns the run
 * whose code runs next (c->run and c->run_eip set), or NULL: the code
 * returns to the loop, which does the rest. */
const void *cpu_fx_enter_page(struct cpu *c, uint32_t eip)
{
    if (eip > c->s[CPU_CS].limit || !fetch_window_try(c, c->s[CPU_CS].base + eip))
        return NULL;
    uint32_t off = eip - c->fetch_eip_lo;
    if (off >= c->fetch_eip_n)
        return NULL;
    uint32_t pa = c->fetch_pa_lo + off;
    struct fx_block *b = &c->fxb[fxb_index(pa)];
    if (b->pa != pa || b->key != c->fetch_key || b->last_off >= c->fetch_eip_n || !b->jit ||
        c->retired + b->n > c->run_end)
        return NULL;
    c->run = b;
    c->run_eip = eip;
    c->run_skip = 0;
    return b->jit;
}

/* The interpreter loop: one test for pending events per run of fast forms
 * (struct fx_block) or per other instruction, the instructions themselves
 * inlined here (faults leave through cpu_run's setjmp). An interrupt that
 * becomes pending inside a run is taken at its end, at most FXB_MAX - 1
 * instructions later, as after a block on a translating emulator. EIP and
 * the retired count stay in locals while fast forms run, so the next lookup
 * does not wait for a store to reach memory and be loaded again; a run
 * stores both once, at its end (a fault inside it is counted by cpu_run from
 * c->run), the ordinary path after every instruction. A run never goes
 * past END. */
enum cpu_stop cpu_exec_loop(struct cpu *c, uint64_t end)
{
    /* HLT ends the loop by clearing run_end, so the loop needs no separate
     * halted test per instruction. */
    c->run_end = end;
    uint64_t retired = c->retired;
    uint32_t eip = c->eip;
    cpu_flat_update(c);     /* an exception delivered since, or new registers */
    while (retired < end) {
        if (__builtin_expect(c->ev | (c->intr & (c->flags >> 9)), 0)) {
            bool shadow = c->int_shadow;
            int st = cpu_events(c);
            if (st >= 0)
                return (enum cpu_stop)st;
            cpu_flat_update(c);   /* an interrupt may have loaded CS and SS */
            eip = c->eip;
            end = c->run_end;
            /* The shadow holds an interrupt off for one instruction only
             * (SDM 6.8.3): that one runs alone, so that the interrupt comes
             * right after it. A run there would go on, maybe to a CLI, and
             * the interrupt would be lost (iPXE's drivers, 'sti; ...; cli'). */
            if (shadow && (c->nmi_pending || (c->intr & (c->flags >> 9)))) {
                exec_one_call(c);
                cpu_flat_update(c);
                c->retired = retired = c->retired + 1;
                eip = c->eip;
                end = c->run_end;
                continue;
            }
        }
        uint32_t off = eip - c->fetch_eip_lo;
        if (__builtin_expect(off >= c->fetch_eip_n, 0))
            off = fetch_window_switch(c, eip);
        if (__builtin_expect(off < c->fetch_eip_n && !(c->flags & F_TF), 1)) {
            uint32_t pa = c->fetch_pa_lo + off;
            struct fx_block *b = &c->fxb[fxb_index(pa)];
            if (__builtin_expect(b->pa != pa || b->key != c->fetch_key, 0))
                b = fxb_build(c, b, off, pa);
            if (__builtin_expect(b && b->last_off < c->fetch_eip_n, 1)) {
                struct fxb_ran ran = fxb_run(c, b, eip, retired, end);
                eip = ran.eip;
                retired = ran.retired;
                continue;
            }
        }
        exec_one_call(c);
        cpu_flat_update(c);
        c->retired = retired = c->retired + 1;
        eip = c->eip;
        end = c->run_end;
    }
    return c->halted ? CPU_STOP_HLT : CPU_STOP_BUDGET;
}
