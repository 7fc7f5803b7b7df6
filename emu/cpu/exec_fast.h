/* Fast forms: the most frequent 32-bit instructions decoded completely into
 * their decode-cache entry (length, registers, immediate, address parts), so
 * that a hit runs them with EIP set once and no operand-size, prefix or
 * ModRM work (opcode semantics per Intel SDM vol. 2; encodings per vol. 2
 * appendix A and 2.1.5). Included by exec.c only: it uses exec.c's inline
 * helpers (alu, shift, push_i...).
 *
 * An entry becomes a fast form after the ordinary path has executed it once
 * without a fault (dc_classify): the same validity rules apply as to every
 * entry (physical address, code version, code32), and the whole instruction
 * lies in one page, so a write to its bytes bumps the page's code version
 * and the entry stops matching. Only 32-bit code without operand- or
 * address-size, REP or LOCK prefixes gets fast forms; with TF set a fast
 * entry is decoded again the ordinary way (the single-step trap lives
 * there). Forms that cannot fault skip the eip_start/esp_start stores that
 * fault restart needs. */

#include "emu/cpu/fast_forms.h"

/* The ALU result alone, for read-modify-write forms that must store before
 * they change the flags: a faulting store then leaves EFLAGS as it was, so
 * the restarted ADC/SBB sees the same carry. */
CPU_INLINE uint32_t alu_value(int op, uint32_t a, uint32_t b, uint32_t cin)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a | b;
    case 2: return a + b + cin;
    case 3: return a - b - cin;
    case 4: return a & b;
    case 6: return a ^ b;
    default: return a - b;
    }
}

/* The offset of a fast form's memory operand (32-bit addressing). */
CPU_INLINE uint32_t fx_ea(const struct cpu *c, const struct dc_entry *e)
{
    uint32_t off = e->disp;
    if (e->base >= 0)
        off += c->r[e->base];
    if (e->index >= 0)
        off += c->r[e->index] << e->scale;
    return off;
}

/* A near branch target beyond the CS limit faults (#GP) before EIP moves. */
CPU_INLINE uint32_t fx_branch(struct cpu *c, uint32_t eip, uint32_t target)
{
    if (__builtin_expect(target > c->s[CPU_CS].limit, 0)) {
        c->eip_start = eip;
        c->esp_start = c->r[CPU_ESP];
        cpu_raise(c, EX_GP, 0);
    }
    return target;
}

/* Reads a little-endian 32-bit immediate from the instruction bytes. */
static inline uint32_t fx_imm32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* Turns the entry of an instruction that has just run the ordinary way into
 * a fast form if it is one. b: the instruction's bytes in host memory (its
 * page, which the entry's key covers). */
static __attribute__((noinline, cold)) void dc_classify(struct cpu *c, struct dc_entry *e, const uint8_t *b)
{
    if (!(e->key & 1) || !e->pfx.ad32 || e->pfx.rep || e->pfx.lock)
        return;
    bool o16 = !e->pfx.op32;   /* only the 16-bit kinds below take it */
    int seg = e->pfx.seg_ovr >= 0 ? e->pfx.seg_ovr : e->seg_default;
    bool modrm = e->kind == DC_MODRM, mem = modrm && e->form.mem, moffs = false;
    uint32_t moffs_disp = 0;
    unsigned op = e->op, p = e->pre_len, len = p;   /* p: where the immediate starts */
    uint8_t reg = e->form.reg, rm = e->form.rm;
    uint8_t dst = rm, src = reg, aux = 0;
    uint32_t imm = 0;
    int kind = -1;
    if (modrm && e->modrm_len && op != 0x0f)
        return;   /* ModRM not folded into pre_len: not a form handled here */
    if (op < 0x40 && (op & 7) < 6) {
        unsigned aop = op >> 3;
        switch (op & 7) {
        case 0:
            if (modrm)
                kind = (int)((mem ? FX_ALU_MR8 : FX_ALU_RR8) + aop);
            break;
        case 2:
            if (modrm) {
                kind = (int)((mem ? FX_ALU_RM8 : FX_ALU_RR8) + aop);
                dst = reg;
                src = rm;
            }
            break;
        case 4:
            kind = (int)(FX_ALU_RI8 + aop);
            dst = CPU_EAX;   /* AL */
            imm = b[p];
            len = p + 1;
            break;
        case 1:
            if (modrm)
                kind = (int)((mem ? FX_ALU_MR : FX_ALU_RR) + aop);
            break;
        case 3:
            if (modrm) {
                kind = (int)((mem ? FX_ALU_RM : FX_ALU_RR) + aop);
                dst = reg;
                src = rm;
            }
            break;
        case 5:
            kind = (int)(FX_ALU_RI + aop);
            dst = CPU_EAX;
            imm = fx_imm32(b + p);
            len = p + 4;
            break;
        default:
            break;
        }
    } else if (op >= 0x40 && op < 0x50) {
        kind = op < 0x48 ? FX_INC_R : FX_DEC_R;
        dst = op & 7;
    } else if (op >= 0x50 && op < 0x58) {
        kind = FX_PUSH_R;
        dst = op & 7;
    } else if (op >= 0x58 && op < 0x60) {
        kind = FX_POP_R;
        dst = op & 7;
    } else if (op >= 0x70 && op < 0x80) {
        kind = FX_JCC;
        aux = op & 15;
        imm = (uint32_t)(int32_t)(int8_t)b[p];
        len = p + 1;
    } else if (op >= 0xb0 && op < 0xb8) {
        kind = FX_MOV_RI8;
        dst = op & 7;
        imm = b[p];
        len = p + 1;
    } else if (op >= 0xb8 && op < 0xc0) {
        kind = FX_MOV_RI;
        dst = op & 7;
        imm = fx_imm32(b + p);
        len = p + 4;
    } else {
        switch (op) {
        case 0x0f: {
            uint8_t op2 = b[p];
            if ((op2 & 0xf0) == 0x80 && e->kind == DC_HEAD) {
                kind = FX_JCC;
                aux = op2 & 15;
                imm = fx_imm32(b + p + 1);
                len = p + 5;
            } else if ((op2 & 0xf6) == 0xb6 && modrm) {
                kind = mem ? FX_MOVX_RM : FX_MOVX_RR;
                aux = (uint8_t)((op2 & 1) | ((op2 >> 2) & 2));
                dst = reg;
                src = rm;
                len = p + 1 + e->modrm_len;
            } else if ((op2 & 0xf0) == 0x40 && modrm) {
                kind = mem ? FX_CMOV_RM : FX_CMOV_RR;
                aux = op2 & 15;
                dst = reg;
                src = rm;
                len = p + 1 + e->modrm_len;
            } else if ((op2 & 0xf0) == 0x90 && modrm) {
                kind = mem ? FX_SETCC_M : FX_SETCC_R;
                aux = op2 & 15;
                len = p + 1 + e->modrm_len;
            } else if (op2 == 0xaf && modrm && !mem) {
                kind = FX_IMUL_RR;
                dst = reg;
                src = rm;
                len = p + 1 + e->modrm_len;
            }
            break;
        }
        case 0x68: kind = FX_PUSH_I; imm = fx_imm32(b + p); len = p + 4; break;
        case 0x6a: kind = FX_PUSH_I; imm = (uint32_t)(int32_t)(int8_t)b[p]; len = p + 1; break;
        case 0x69: case 0x6b:
            if (modrm && !mem) {
                kind = FX_IMUL_RRI;
                dst = reg;
                src = rm;
                imm = op == 0x69 ? fx_imm32(b + p) : (uint32_t)(int32_t)(int8_t)b[p];
                len = p + (op == 0x69 ? 4 : 1);
            }
            break;
        case 0x81: case 0x83:
            if (modrm) {
                kind = (int)((mem ? FX_ALU_MI : FX_ALU_RI) + reg);
                imm = op == 0x81 ? fx_imm32(b + p) : (uint32_t)(int32_t)(int8_t)b[p];
                len = p + (op == 0x81 ? 4 : 1);
            }
            break;
        case 0x80:
            if (modrm) {
                kind = (int)((mem ? FX_ALU_MI8 : FX_ALU_RI8) + reg);
                imm = b[p];
                len = p + 1;
            }
            break;
        case 0x84: if (modrm) kind = mem ? FX_TEST_MR8 : FX_TEST_RR8; break;
        case 0x85: if (modrm) kind = mem ? FX_TEST_MR : FX_TEST_RR; break;
        case 0x88: if (modrm) kind = mem ? FX_STORE8 : FX_MOV_RR8; break;
        case 0x89:
            if (modrm && o16)
                kind = mem ? FX_STORE16 : FX_MOV_RR16;
            else if (modrm)
                kind = mem ? FX_STORE : FX_MOV_RR;
            break;
        case 0x8a:
            if (modrm) {
                kind = mem ? FX_LOAD8 : FX_MOV_RR8;
                dst = reg;
                src = rm;
            }
            break;
        case 0x8b:
            if (modrm) {
                kind = o16 ? (mem ? FX_LOAD16 : FX_MOV_RR16) : (mem ? FX_LOAD : FX_MOV_RR);
                dst = reg;
                src = rm;
            }
            break;
        case 0x8d: if (mem) kind = FX_LEA; break;
        case 0xa0: case 0xa1: case 0xa2: case 0xa3:
            /* MOV AL/EAX <-> moffs: a load or store at a 32-bit offset
             * alone, in DS unless overridden. */
            kind = op == 0xa0 ? FX_LOAD8 : op == 0xa1 ? FX_LOAD : op == 0xa2 ? FX_STORE8 : FX_STORE;
            moffs = true;
            mem = true;
            reg = CPU_EAX;
            if (e->pfx.seg_ovr < 0)
                seg = CPU_DS;
            moffs_disp = fx_imm32(b + p);
            len = p + 4;
            break;
        case 0x90: if (e->pre_len == 1) kind = FX_NOP; break;
        case 0xa8: kind = FX_TEST_RI8; dst = CPU_EAX; imm = b[p]; len = p + 1; break;
        case 0xa9: kind = FX_TEST_RI; dst = CPU_EAX; imm = fx_imm32(b + p); len = p + 4; break;
        case 0xc1: case 0xd1:
            if (modrm && !mem && reg != 6) {   /* /6 is not a documented shift */
                kind = o16 ? FX_SHIFT_RI16 : FX_SHIFT_RI;
                aux = reg;
                imm = op == 0xc1 ? b[p] : 1;
                len = p + (op == 0xc1);
            }
            break;
        case 0xd3:
            if (modrm && !mem && reg != 6) {
                kind = FX_SHIFT_RC;
                aux = reg;
            }
            break;
        case 0xc6:
            if (modrm && reg == 0) {
                kind = mem ? FX_STORE_I8 : FX_MOV_RI8;
                imm = b[p];
                len = p + 1;
            }
            break;
        case 0xf6:
            if (modrm && reg == 0) {
                kind = mem ? FX_TEST_MI8 : FX_TEST_RI8;
                imm = b[p];
                len = p + 1;
            }
            break;
        case 0xff:
            if (!modrm)
                break;
            switch (reg) {
            case 0: if (mem) kind = FX_INC_M; break;
            case 1: if (mem) kind = FX_DEC_M; break;
            case 2: kind = mem ? FX_CALL_M : FX_CALL_R; break;
            case 4: kind = mem ? FX_JMP_M : FX_JMP_R; break;
            case 6: if (mem) kind = FX_PUSH_M; break;
            default: break;
            }
            break;
        case 0xc3: kind = FX_RET; break;
        case 0xc7:
            if (modrm && reg == 0) {
                kind = mem ? FX_STORE_I : FX_MOV_RI;
                imm = fx_imm32(b + p);
                len = p + 4;
            }
            break;
        case 0xe8: kind = FX_CALL; imm = fx_imm32(b + p); len = p + 4; break;
        case 0xe9: kind = FX_JMP; imm = fx_imm32(b + p); len = p + 4; break;
        case 0xeb: kind = FX_JMP; imm = (uint32_t)(int32_t)(int8_t)b[p]; len = p + 1; break;
        case 0xf7:
            if (modrm && !mem && reg == 0) {
                kind = FX_TEST_RI;
                imm = fx_imm32(b + p);
                len = p + 4;
            } else if (modrm && !mem && (reg == 2 || reg == 3)) {
                kind = reg == 2 ? FX_NOT_R : FX_NEG_R;
            }
            break;
        default:
            break;
        }
    }
    if (kind < 0 || len > 15 || (e->pa & 0xfff) + len > 0x1000)
        return;
    if (o16 != (kind >= FX_LOAD16 && kind <= FX_SHIFT_RI16))
        return;   /* a 32-bit kind met a 16-bit operand, or the reverse */
    if (mem) {   /* memory forms keep their register operand in form.reg */
        dst = rm;
        src = reg;
    }
    e->fx.len = (uint8_t)len;
    e->fx.aux = aux;
    e->fx.imm = imm;
    e->form.rm = dst;
    e->form.reg = src;
    e->seg_default = (int8_t)seg;
    if (!mem) {
        e->base = -1;
        e->index = -1;
    }
    if (moffs) {   /* no ModRM: the offset is the whole address */
        e->base = -1;
        e->index = -1;
        e->scale = 0;
        e->disp = moffs_disp;
    }
    e->kind = (uint8_t)kind;
}

/* Whether an ordinary (not fast) instruction may run inside a run of fast
 * forms through cpu_fx_general: it touches only registers, flags and memory
 * (Intel SDM vol. 2 appendix A, one-byte and 0F maps), so that the run's
 * code page, mode, segments and the fetch window stay what the run assumes.
 * Branches, segment loads, I/O, HLT and the system instructions stay out
 * (they end runs, as before); STI, POPF and string instructions are in,
 * since cpu_fx_general ends the run after anything the loop must see. */
static bool op_runs_in_run(const uint8_t *b, unsigned len)
{
    unsigned i = 0;
    while (i < len && (b[i] == 0x26 || b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x64 ||
                       b[i] == 0x65 || b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf0 || b[i] == 0xf2 || b[i] == 0xf3))
        i++;
    if (i >= len)
        return false;
    unsigned op = b[i], reg = i + 1 < len ? (b[i + 1] >> 3) & 7 : 0;
    if (op == 0x0f) {
        if (i + 1 >= len)
            return false;
        unsigned op2 = b[i + 1];
        return op2 == 0x1f || op2 == 0x31 || op2 == 0xa2 || (op2 >= 0x40 && op2 <= 0x4f) ||
               (op2 >= 0x90 && op2 <= 0x9f) || (op2 >= 0xa3 && op2 <= 0xa5) || op2 == 0xab || op2 == 0xac || op2 == 0xad || op2 == 0xaf ||
               op2 == 0xb0 || op2 == 0xb1 || op2 == 0xb3 || (op2 >= 0xb6 && op2 <= 0xbf && op2 != 0xb8 && op2 != 0xb9) ||
               op2 == 0xc0 || op2 == 0xc1 || op2 == 0xc7 || (op2 >= 0xc8 && op2 <= 0xcf);
    }
    if (op < 0x40)
        return (op & 7) < 6 || op == 0x27 || op == 0x2f || op == 0x37 || op == 0x3f;
    if (op < 0x70)
        return op <= 0x62 || (op >= 0x68 && op <= 0x6b);
    if (op >= 0x80 && op <= 0x8f)
        return op != 0x8e;
    if (op >= 0x90 && op <= 0xbf)
        return op != 0x9a;
    switch (op) {
    case 0xc0: case 0xc1: case 0xc6: case 0xc7: case 0xc8: case 0xc9:
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xd4: case 0xd5: case 0xd6: case 0xd7:
    case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
    case 0xf5: case 0xf6: case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        return true;
    case 0xfe:
        return reg <= 1;
    case 0xff:
        return reg <= 1 || reg == 6;
    default:
        return false;
    }
}

/* Marks the entry of an ordinary instruction that has just run the ordinary
 * way (from bytes B) as allowed in runs, with its length, when it is one
 * (op_runs_in_run), in 32-bit code, and lies whole in its page. Its length
 * is where EIP went, which only an instruction that did not branch gives:
 * a string instruction that stopped before its count was done left EIP on
 * itself, and stays out. */
static __attribute__((noinline, cold)) void dc_mark_in_run(struct cpu *c, struct dc_entry *e, const uint8_t *b)
{
    uint32_t len = c->eip - c->eip_start;
    if ((e->key & 1) && len > 0 && len <= 15 && (e->pa & 0xfff) + len <= 0x1000 && op_runs_in_run(b, len))
        e->pfx.run_len = (uint8_t)len;
}

/* The linear address of a fast form's memory operand. A flat segment
 * (c->flat_rw, kept by cpu_exec_loop) needs only the 4 GiB limit test;
 * the rest goes through seg_lin's type and limit checks. */
CPU_INLINE uint32_t fx_seg_lin(struct cpu *c, int s, uint32_t off, unsigned size, bool write)
{
    if (__builtin_expect(((c->flat_rw >> s) & 1) && off <= 0u - size, 1))
        return off;
    return seg_lin(c, s, off, size, write);
}

CPU_INLINE uint32_t fx_mem_read(struct cpu *c, int s, uint32_t off, unsigned size)
{
    return lin_read(c, fx_seg_lin(c, s, off, size, false), size, is_user(c));
}

CPU_INLINE void fx_mem_write(struct cpu *c, int s, uint32_t off, uint32_t v, unsigned size)
{
    lin_write(c, fx_seg_lin(c, s, off, size, true), v, size, is_user(c));
}

/* PUSH of a fast form (32-bit stack or not, as push_i). */
CPU_INLINE void fx_push(struct cpu *c, uint32_t v)
{
    uint32_t sp = (c->r[CPU_ESP] - 4) & sp_mask(c);
    fx_mem_write(c, CPU_SS, sp, v, 4);
    set_sp(c, sp);
}

/* [m] op= b: the store comes before the flags (see alu_value); CMP only reads. */
CPU_INLINE void fx_alu_mem(struct cpu *c, const struct dc_entry *e, int aop, uint32_t b, unsigned sz)
{
    if (aop == 7) {
        alu(c, 7, fx_mem_read(c, e->seg_default, fx_ea(c, e), sz), b, sz);
        return;
    }
    uint32_t lin = fx_seg_lin(c, e->seg_default, fx_ea(c, e), sz, true);
    uint32_t a = lin_read(c, lin, sz, is_user(c));
    lin_write(c, lin, alu_value(aop, a, b, (aop == 2 || aop == 3) ? cpu_cf(c) : 0), sz, is_user(c));
    alu(c, aop, a, b, sz);
}

/* INC/DEC [m]: the store before the flags, as above. */
CPU_INLINE void fx_inc_dec_mem(struct cpu *c, const struct dc_entry *e, bool dec)
{
    uint32_t lin = fx_seg_lin(c, e->seg_default, fx_ea(c, e), 4, true);
    uint32_t a = lin_read(c, lin, 4, is_user(c));
    lin_write(c, lin, dec ? a - 1 : a + 1, 4, is_user(c));
    inc_dec(c, a, 4, dec);
}

/* CALL to an absolute target (group 5 /2): the target is checked before the
 * push, the push may fault. */
CPU_INLINE uint32_t fx_call_abs(struct cpu *c, uint32_t eip, uint32_t next, uint32_t target)
{
    target = fx_branch(c, eip, target);
    fx_push(c, next);
    return target;
}

#define FX_ALU8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)

/* Runs a fast form at EIP and returns the next EIP; c->eip is stored by the
 * loop at the end of the run (struct cpu's run). Forms that can fault record
 * the instruction start first, as the ordinary path does in its head. */
CPU_INLINE uint32_t exec_fast(struct cpu *c, const struct dc_entry *e, uint32_t eip)
{
    uint32_t next = eip + e->fx.len, imm = e->fx.imm, a, r;
    unsigned d = e->form.rm, s = e->form.reg;
    switch (e->kind) {
#define RR(aop) case FX_ALU_RR + aop: \
        r = alu(c, aop, c->r[d], c->r[s], 4); \
        if (aop != 7) c->r[d] = r; \
        break;
#define RI(aop) case FX_ALU_RI + aop: \
        r = alu(c, aop, c->r[d], imm, 4); \
        if (aop != 7) c->r[d] = r; \
        break;
    FX_ALU8(RR)
    FX_ALU8(RI)
#undef RR
#undef RI
    case FX_INC_R: c->r[d] = inc_dec(c, c->r[d], 4, false); break;
    case FX_DEC_R: c->r[d] = inc_dec(c, c->r[d], 4, true); break;
    case FX_MOV_RR: c->r[d] = c->r[s]; break;
    case FX_MOV_RI: c->r[d] = imm; break;
    case FX_TEST_RR: alu(c, 4, c->r[d], c->r[s], 4); break;
    case FX_TEST_RI: alu(c, 4, c->r[d], imm, 4); break;
    case FX_SHIFT_RI: c->r[d] = shift(c, e->fx.aux, c->r[d], imm, 4); break;
    case FX_IMUL_RRI: c->r[d] = imul2(c, c->r[s], imm, 4); break;
    case FX_IMUL_RR: c->r[d] = imul2(c, c->r[d], c->r[s], 4); break;
    case FX_MOVX_RR:
        a = get_reg(c, (int)s, (e->fx.aux & 1) ? 2 : 1);
        if (e->fx.aux & 2)
            a = (e->fx.aux & 1) ? sext16(a) : sext8(a);
        c->r[d] = a;
        break;
    case FX_LEA: c->r[s] = fx_ea(c, e); break;
    case FX_NOP: break;
#define RR8(aop) case FX_ALU_RR8 + aop: \
        r = alu(c, aop, get_reg(c, (int)d, 1), get_reg(c, (int)s, 1), 1); \
        if (aop != 7) set_reg(c, (int)d, 1, r); \
        break;
#define RI8(aop) case FX_ALU_RI8 + aop: \
        r = alu(c, aop, get_reg(c, (int)d, 1), imm, 1); \
        if (aop != 7) set_reg(c, (int)d, 1, r); \
        break;
    FX_ALU8(RR8)
    FX_ALU8(RI8)
#undef RR8
#undef RI8
    case FX_TEST_RR8: alu(c, 4, get_reg(c, (int)d, 1), get_reg(c, (int)s, 1), 1); break;
    case FX_TEST_RI8: alu(c, 4, get_reg(c, (int)d, 1), imm, 1); break;
    case FX_MOV_RR8: set_reg(c, (int)d, 1, get_reg(c, (int)s, 1)); break;
    case FX_MOV_RI8: set_reg(c, (int)d, 1, imm); break;
    case FX_MOV_RR16: set_reg(c, (int)d, 2, c->r[s]); break;
    case FX_SHIFT_RI16: set_reg(c, (int)d, 2, shift(c, e->fx.aux, c->r[d], imm, 2)); break;
    case FX_SHIFT_RC: c->r[d] = shift(c, e->fx.aux, c->r[d], c->r[CPU_ECX], 4); break;
    case FX_JMP_R: next = fx_branch(c, eip, c->r[d]); break;
    case FX_NOT_R: c->r[d] = ~c->r[d]; break;
    case FX_NEG_R: c->r[d] = alu(c, 5, 0, c->r[d], 4); break;
    case FX_SETCC_R: set_reg(c, (int)d, 1, cond(c, e->fx.aux)); break;
    case FX_CMOV_RR:
        if (cond(c, e->fx.aux))
            c->r[d] = c->r[s];
        break;
    case FX_JCC:
        if (cond(c, e->fx.aux))
            next = fx_branch(c, eip, next + imm);
        break;
    case FX_JMP: next = fx_branch(c, eip, next + imm); break;
    /* The forms below touch memory: a fault restarts the instruction. */
#define FX_MEM(kind) case kind: c->eip_start = eip; c->esp_start = c->r[CPU_ESP];
#define RM(aop) FX_MEM(FX_ALU_RM + aop) \
        r = alu(c, aop, c->r[s], fx_mem_read(c, e->seg_default, fx_ea(c, e), 4), 4); \
        if (aop != 7) c->r[s] = r; \
        break;
#define MR(aop) FX_MEM(FX_ALU_MR + aop) fx_alu_mem(c, e, aop, c->r[s], 4); break;
#define MI(aop) FX_MEM(FX_ALU_MI + aop) fx_alu_mem(c, e, aop, imm, 4); break;
#define RM8(aop) FX_MEM(FX_ALU_RM8 + aop) \
        r = alu(c, aop, get_reg(c, (int)s, 1), fx_mem_read(c, e->seg_default, fx_ea(c, e), 1), 1); \
        if (aop != 7) set_reg(c, (int)s, 1, r); \
        break;
#define MR8(aop) FX_MEM(FX_ALU_MR8 + aop) fx_alu_mem(c, e, aop, get_reg(c, (int)s, 1), 1); break;
#define MI8(aop) FX_MEM(FX_ALU_MI8 + aop) fx_alu_mem(c, e, aop, imm, 1); break;
    FX_ALU8(RM)
    FX_ALU8(MR)
    FX_ALU8(MI)
    FX_ALU8(RM8)
    FX_ALU8(MR8)
    FX_ALU8(MI8)
#undef RM
#undef MR
#undef MI
#undef RM8
#undef MR8
#undef MI8
    FX_MEM(FX_TEST_MI8) alu(c, 4, fx_mem_read(c, e->seg_default, fx_ea(c, e), 1), imm, 1); break;
    FX_MEM(FX_TEST_MR8) alu(c, 4, fx_mem_read(c, e->seg_default, fx_ea(c, e), 1), get_reg(c, (int)s, 1), 1); break;
    FX_MEM(FX_TEST_MR) alu(c, 4, fx_mem_read(c, e->seg_default, fx_ea(c, e), 4), c->r[s], 4); break;
    FX_MEM(FX_STORE_I8) fx_mem_write(c, e->seg_default, fx_ea(c, e), imm, 1); break;
    FX_MEM(FX_LOAD16) set_reg(c, (int)s, 2, fx_mem_read(c, e->seg_default, fx_ea(c, e), 2)); break;
    FX_MEM(FX_STORE16) fx_mem_write(c, e->seg_default, fx_ea(c, e), c->r[s], 2); break;
    FX_MEM(FX_INC_M) fx_inc_dec_mem(c, e, false); break;
    FX_MEM(FX_DEC_M) fx_inc_dec_mem(c, e, true); break;
    FX_MEM(FX_CALL_R) next = fx_call_abs(c, eip, next, c->r[d]); break;
    FX_MEM(FX_CALL_M) next = fx_call_abs(c, eip, next, fx_mem_read(c, e->seg_default, fx_ea(c, e), 4)); break;
    FX_MEM(FX_JMP_M) next = fx_branch(c, eip, fx_mem_read(c, e->seg_default, fx_ea(c, e), 4)); break;
    FX_MEM(FX_PUSH_M) fx_push(c, fx_mem_read(c, e->seg_default, fx_ea(c, e), 4)); break;
    FX_MEM(FX_SETCC_M) fx_mem_write(c, e->seg_default, fx_ea(c, e), cond(c, e->fx.aux), 1); break;
    FX_MEM(FX_CMOV_RM)
        a = fx_mem_read(c, e->seg_default, fx_ea(c, e), 4);   /* read (and may fault) either way */
        if (cond(c, e->fx.aux))
            c->r[s] = a;
        break;
    FX_MEM(FX_MOVX_RM)
        a = fx_mem_read(c, e->seg_default, fx_ea(c, e), (e->fx.aux & 1) ? 2 : 1);
        if (e->fx.aux & 2)
            a = (e->fx.aux & 1) ? sext16(a) : sext8(a);
        c->r[s] = a;
        break;
    FX_MEM(FX_LOAD) c->r[s] = fx_mem_read(c, e->seg_default, fx_ea(c, e), 4); break;
    FX_MEM(FX_STORE) fx_mem_write(c, e->seg_default, fx_ea(c, e), c->r[s], 4); break;
    FX_MEM(FX_LOAD8) set_reg(c, (int)s, 1, fx_mem_read(c, e->seg_default, fx_ea(c, e), 1)); break;
    FX_MEM(FX_STORE8) fx_mem_write(c, e->seg_default, fx_ea(c, e), get_reg(c, (int)s, 1), 1); break;
    FX_MEM(FX_STORE_I) fx_mem_write(c, e->seg_default, fx_ea(c, e), imm, 4); break;
    FX_MEM(FX_PUSH_R) fx_push(c, c->r[d]); break;
    FX_MEM(FX_POP_R) {
        uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
        a = fx_mem_read(c, CPU_SS, sp, 4);
        set_sp(c, sp + 4);
        c->r[d] = a;
        break;
    }
    FX_MEM(FX_PUSH_I) fx_push(c, imm); break;
    FX_MEM(FX_CALL) {
        uint32_t target = fx_branch(c, eip, next + imm);
        fx_push(c, next);
        next = target;
        break;
    }
    FX_MEM(FX_RET) {
        uint32_t sp = c->r[CPU_ESP] & sp_mask(c);
        a = fx_mem_read(c, CPU_SS, sp, 4);
        next = fx_branch(c, eip, a);
        set_sp(c, sp + 4);
        break;
    }
#undef FX_MEM
    case DC_HEAD: case DC_MODRM:   /* an ordinary instruction of the run (fxb_run) */
        return cpu_fx_general(c, e, eip, (unsigned)(e - c->run->e));
    default:
        __builtin_unreachable();   /* dc_classify makes only the forms above */
    }
    return next;
}
