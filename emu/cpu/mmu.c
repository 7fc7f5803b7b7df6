/* Linear-to-physical translation and the software TLB (Intel SDM vol. 3A
 * 4.3 32-bit paging, 4.7 page-fault error codes, 4.8 A/D bits, 4.10.2 TLBs
 * and global pages): a direct-mapped TLB caches each page's physical frame,
 * the host pointer of RAM behind it and the accesses allowed, so a hit costs
 * one compare; misses walk the guest's page tables. */
#include "emu/cpu/cpu_int.h"

#define PTE_P 0x1u
#define PTE_W 0x2u
#define PTE_U 0x4u
#define PTE_A 0x20u
#define PTE_D 0x40u
#define PTE_PS 0x80u
#define PTE_G 0x100u

static void tlb_entry_clear(struct tlb_entry *e)
{
    e->lpage = ~0u;
    e->tag_r[0] = e->tag_r[1] = e->tag_w[0] = e->tag_w[1] = ~0u;
}

void tlb_flush(struct cpu *c, bool keep_global)
{
    fetch_drop(c);
    for (int i = 0; i < TLB_SIZE; i++)
        if (!(keep_global && c->tlb[i].global))
            tlb_entry_clear(&c->tlb[i]);
}

void cpu_map_changed(struct cpu *c)
{
    c->mem_gen = gmem_generation(c->mem);
    if (gmem_take_code_remapped(c->mem))
        cpu_mem_changed(c);
    else
        tlb_flush(c, false);   /* host pointers and MMIO pages may have moved; code has not */
}

void cpu_mem_changed(struct cpu *c)
{
    c->mem_gen = gmem_generation(c->mem);
    tlb_flush(c, false);
    for (int i = 0; i < DC_SIZE; i++)
        c->dc[i].pa = ~0u;
    fxb_flush(c);
    jit_flush(c);   /* a physical address may now hold other code */
}

void fxb_flush(struct cpu *c)
{
    if (c->fxb_built_n <= FXB_LOG) {
        for (unsigned i = 0; i < c->fxb_built_n; i++)
            c->fxb[c->fxb_built[i]].pa = ~0u;
    } else {
        for (int i = 0; i < FXB_SIZE; i++)
            c->fxb[i].pa = ~0u;
    }
    c->fxb_built_n = 0;
}

void tlb_flush_page(struct cpu *c, uint32_t lin)
{
    fetch_drop(c);
    struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    if (e->lpage == lin >> 12)
        tlb_entry_clear(e);
}

uint32_t phys_read32(struct cpu *c, uint32_t pa)
{
    pa &= c->a20_mask;
    uint8_t *p = gmem_page_ptr(c->mem, pa & ~0xfffu, false);
    if (p && (pa & 0xfff) <= 0xffc) {
        uint32_t v;
        memcpy(&v, p + (pa & 0xfff), 4);
        return v;
    }
    return (uint32_t)gmem_read(c->mem, pa, 4);
}

static void phys_write32(struct cpu *c, uint32_t pa, uint32_t v)
{
    pa &= c->a20_mask;
    gmem_write(c->mem, pa, v, 4);
}

_Noreturn static void page_fault(struct cpu *c, uint32_t lin, uint32_t err)
{
    c->cr2 = lin;
    cpu_raise(c, EX_PF, err);
}

/* Walks the page tables for one access and fills the TLB entry. */
static struct tlb_entry *tlb_fill(struct cpu *c, uint32_t lin, bool write, bool user)
{
    cpu_sync_mem(c);
    struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    uint32_t phys;
    uint8_t perm;
    bool global = false;
    if (!(c->cr0 & CR0_PG)) {
        phys = lin & ~0xfffu;
        perm = TP_RS | TP_WS | TP_RU | TP_WU;
    } else {
        uint32_t err = (write ? 2u : 0) | (user ? 4u : 0);
        uint32_t pde_addr = (c->cr3 & ~0xfffu) | ((lin >> 20) & 0xffc);
        uint32_t pde = phys_read32(c, pde_addr);
        if (!(pde & PTE_P))
            page_fault(c, lin, err);
        uint32_t pte, pte_addr = 0;
        bool big = (pde & PTE_PS) && (c->cr4 & CR4_PSE);
        if (big) {
            pte = pde;
            phys = (pde & 0xffc00000u) | (lin & 0x003ff000u);
        } else {
            pte_addr = (pde & ~0xfffu) | ((lin >> 10) & 0xffc);
            pte = phys_read32(c, pte_addr);
            if (!(pte & PTE_P))
                page_fault(c, lin, err);
            phys = pte & ~0xfffu;
        }
        bool u = (pde & PTE_U) && (pte & PTE_U);
        bool w = (pde & PTE_W) && (pte & PTE_W);
        bool wsup = w || !(c->cr0 & CR0_WP);
        if ((user && !u) || (write && (user ? !w : !wsup)))
            page_fault(c, lin, err | 1);
        /* SDM 4.8: A is set on any access, D on a write; set them in memory. */
        if (!(pde & PTE_A) || (big && write && !(pde & PTE_D))) {
            pde |= PTE_A | (big && write ? PTE_D : 0);
            phys_write32(c, pde_addr, pde);
        }
        if (!big && (!(pte & PTE_A) || (write && !(pte & PTE_D)))) {
            pte |= PTE_A | (write ? PTE_D : 0);
            phys_write32(c, pte_addr, pte);
        }
        bool dirty = big ? (pde & PTE_D) : (pte & PTE_D);
        perm = TP_RS | (u ? TP_RU : 0);
        if (dirty) {
            if (wsup)
                perm |= TP_WS;
            if (u && w)
                perm |= TP_WU;
        }
        global = (pte & PTE_G) && (c->cr4 & CR4_PGE);
    }
    phys &= c->a20_mask;
    uint32_t page = lin >> 12;
    uint8_t *host = gmem_page_ptr(c->mem, phys, false);
    /* Writes to pages holding decoded code take the slow path, whose
     * code-write hook invalidates the decoded instructions; so do writes
     * to a page read from ROM and written to RAM (PAM shadowing). */
    bool direct_w = host && !gmem_is_code(c->mem, phys) && gmem_page_ptr(c->mem, phys, true) == host;
    e->lpage = page;
    e->ppage = phys >> 12;
    e->host = host;
    e->perm = perm & 15;
    e->global = global;
    e->tag_r[0] = host && (perm & TP_RS) ? page : ~0u;
    e->tag_r[1] = host && (perm & TP_RU) ? page : ~0u;
    e->tag_w[0] = direct_w && (perm & TP_WS) ? page : ~0u;
    e->tag_w[1] = direct_w && (perm & TP_WU) ? page : ~0u;
    return e;
}

/* The TLB entry that maps LIN for this access, or NULL if none does yet. */
static inline struct tlb_entry *tlb_hit(struct cpu *c, uint32_t lin, bool write, bool user)
{
    struct tlb_entry *e = &c->tlb[(lin >> 12) & (TLB_SIZE - 1)];
    uint8_t need = write ? (user ? TP_WU : TP_WS) : (user ? TP_RU : TP_RS);
    return e->lpage == lin >> 12 && (e->perm & need) ? e : NULL;
}

static inline struct tlb_entry *tlb_get(struct cpu *c, uint32_t lin, bool write, bool user)
{
    struct tlb_entry *e = tlb_hit(c, lin, write, user);
    return e ? e : tlb_fill(c, lin, write, user);
}

static uint8_t read8(struct cpu *c, uint32_t lin, bool user)
{
    struct tlb_entry *e = tlb_get(c, lin, false, user);
    if (e->host)
        return e->host[lin & 0xfff];
    return (uint8_t)gmem_read(c->mem, ((uint64_t)e->ppage << 12) | (lin & 0xfff), 1);
}

/* Makes the RAM page of TLB entry E, which maps LIN, the fetch page. */
static void fetch_window_set(struct cpu *c, uint32_t lin, const struct tlb_entry *e)
{
    c->fetch_lpage = lin >> 12;
    c->fetch_ppage = e->ppage;
    c->fetch_ver = c->code_ver[e->ppage];
    c->fetch_host = e->host;
    c->fetch_key = (c->fetch_ver << 1) | c->code32;
    /* The EIP window of this page in which a whole instruction (up to
     * 15 bytes) lies within the CS limit and does not wrap a 16-bit IP. */
    uint32_t lo = (lin & ~0xfffu) - c->s[CPU_CS].base;
    uint64_t top = c->s[CPU_CS].limit;
    if (!c->code32 && top > 0xffff)
        top = 0xffff;
    uint64_t n = (uint64_t)lo + 14 <= top ? top - 14 - lo + 1 : 0;
    c->fetch_eip_lo = lo;
    c->fetch_eip_n = (uint32_t)(n < 0x1000 ? n : 0x1000);
    c->fetch_pa_lo = (uint32_t)e->ppage << 12;
    /* The decode-cache index (pa ^ pa >> DC_BITS) mod DC_SIZE is, within
     * one page, the page offset XORed with this constant. */
    c->fetch_dc_xor = ((c->fetch_pa_lo & (DC_SIZE - 1) & ~0xfffu) ^ (c->fetch_pa_lo >> DC_BITS)) & (DC_SIZE - 1);
}

uint8_t lin_fetch8(struct cpu *c, uint32_t lin)
{
    struct tlb_entry *e = tlb_get(c, lin, false, is_user(c));
    if (e->host) {
        fetch_window_set(c, lin, e);
        return e->host[lin & 0xfff];
    }
    return (uint8_t)gmem_read(c->mem, ((uint64_t)e->ppage << 12) | (lin & 0xfff), 1);
}

bool fetch_window_try(struct cpu *c, uint32_t lin)
{
    const struct tlb_entry *e = tlb_hit(c, lin, false, is_user(c));
    if (!e || !e->host)
        return false;
    fetch_window_set(c, lin, e);
    return true;
}

uint32_t lin_read_slow(struct cpu *c, uint32_t lin, unsigned size, bool user)
{
    if ((lin & 0xfff) + size <= 0x1000) {
        struct tlb_entry *e = tlb_get(c, lin, false, user);
        if (e->host) {
            const uint8_t *p = e->host + (lin & 0xfff);
            if (size == 4) {
                uint32_t v;
                memcpy(&v, p, 4);
                return v;
            }
            if (size == 2) {
                uint16_t v;
                memcpy(&v, p, 2);
                return v;
            }
            return *p;
        }
        uint32_t v = (uint32_t)gmem_read(c->mem, ((uint64_t)e->ppage << 12) | (lin & 0xfff), size);
        cpu_sync_mem(c);
        return v;
    }
    /* A page-crossing access: check both pages before reading either. */
    /* CR2 of a fault on the second page is that page's first byte. */
    tlb_get(c, (lin + size - 1) & ~0xfffu, false, user);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)read8(c, lin + i, user) << (8 * i);
    return v;
}

static void write8(struct cpu *c, uint32_t lin, uint8_t v, bool user)
{
    struct tlb_entry *e = tlb_get(c, lin, true, user);
    if (e->tag_w[user] == lin >> 12)
        e->host[lin & 0xfff] = v;
    else
        gmem_write(c->mem, ((uint64_t)e->ppage << 12) | (lin & 0xfff), v, 1);
}

void lin_write_slow(struct cpu *c, uint32_t lin, uint32_t v, unsigned size, bool user)
{
    if ((lin & 0xfff) + size <= 0x1000) {
        struct tlb_entry *e = tlb_get(c, lin, true, user);
        if (e->tag_w[user] == lin >> 12) {
            uint8_t *p = e->host + (lin & 0xfff);
            if (size == 4)
                memcpy(p, &v, 4);
            else if (size == 2) {
                uint16_t w = (uint16_t)v;
                memcpy(p, &w, 2);
            } else
                *p = (uint8_t)v;
        } else {
            gmem_write(c->mem, ((uint64_t)e->ppage << 12) | (lin & 0xfff), v, size);
            cpu_sync_mem(c);
        }
        return;
    }
    tlb_get(c, lin, true, user);
    tlb_get(c, (lin + size - 1) & ~0xfffu, true, user);
    for (unsigned i = 0; i < size; i++)
        write8(c, lin + i, (uint8_t)(v >> (8 * i)), user);
}

void tlb_mark_code_page(struct cpu *c, uint32_t ppage)
{
    gmem_mark_code(c->mem, (uint64_t)ppage << 12, true);
    for (int i = 0; i < TLB_SIZE; i++)
        if (c->tlb[i].ppage == ppage)
            c->tlb[i].tag_w[0] = c->tlb[i].tag_w[1] = ~0u;
}
