/* The kernel's own 4-level page tables (Intel SDM vol. 3A 4.5): an identity map
 * of the low 4 GiB and all RAM with 2 MiB pages, write-back where the memory map
 * has RAM, write-combining for the framebuffer (PAT entry 1 reprogrammed,
 * SDM 11.12), uncached elsewhere (MMIO), and the first 4 KiB page left
 * unmapped so NULL dereferences fault. */
#include <string.h>

#include "kernel/bootinfo.h"
#include "kernel/cpu.h"
#include "kernel/kernel.h"
#include "kernel/mm.h"

#define PTE_P    0x001ull
#define PTE_W    0x002ull
#define PTE_PWT  0x008ull
#define PTE_PCD  0x010ull
#define PTE_PS   0x080ull
#define PTE_ADDR 0x000ffffffffff000ull
#define MSR_PAT  0x277

#define TWO_MB (2ull << 20)
#define ONE_GB (1ull << 30)

static uint64_t *pml4;
static uint64_t mapped_top;

static int is_ram(uint32_t kind)
{
    return kind == BOOT_MEM_FREE || kind == BOOT_MEM_BOOT_SVC || kind == BOOT_MEM_KERNEL ||
           kind == BOOT_MEM_ACPI_RECLAIM || kind == BOOT_MEM_ACPI_NVS || kind == BOOT_MEM_RUNTIME;
}

static uint64_t *new_table(void)
{
    uint64_t *t = pmm_alloc(1, PMM_ZERO);
    if (!t)
        kpanic("paging: out of memory for page tables");
    return t;
}

/* The page directory covering addr, created on demand (NULL if out of memory
 * and create is set but allocation failed is a panic at boot only). */
static uint64_t *pd_for(uint64_t addr)
{
    uint64_t *e4 = &pml4[(addr >> 39) & 511];
    if (!(*e4 & PTE_P))
        *e4 = (uint64_t)(uintptr_t)new_table() | PTE_P | PTE_W;
    uint64_t *pdpt = (uint64_t *)(uintptr_t)(*e4 & PTE_ADDR);
    uint64_t *e3 = &pdpt[(addr >> 30) & 511];
    if (!(*e3 & PTE_P))
        *e3 = (uint64_t)(uintptr_t)new_table() | PTE_P | PTE_W;
    return (uint64_t *)(uintptr_t)(*e3 & PTE_ADDR);
}

void paging_init(const struct boot_info *bi)
{
    uint64_t top = 4 * ONE_GB;
    for (uint32_t i = 0; i < bi->mem_count; i++)
        if (is_ram(bi->mem[i].kind) && bi->mem[i].base + bi->mem[i].size > top)
            top = bi->mem[i].base + bi->mem[i].size;
    top = (top + ONE_GB - 1) & ~(ONE_GB - 1);

    /* PAT entry 1 (PWT=1 PCD=0) becomes write-combining; the rest stay at
     * their power-on values (WB WT UC- UC WB WT UC- UC). */
    uint64_t pat = rdmsr(MSR_PAT);
    wrmsr(MSR_PAT, (pat & ~(0x7ull << 8)) | (0x1ull << 8));

    pml4 = new_table();
    for (uint64_t a = 0; a < top; a += TWO_MB) {
        uint64_t flags = PTE_PCD | PTE_PWT;   /* UC unless RAM or framebuffer */
        /* The map need not be sorted: look at every region (a few hundred
         * at most, 2048 pages for 4 GiB: cheap once at boot). */
        for (uint32_t k = 0; k < bi->mem_count; k++) {
            const struct boot_mem *m = &bi->mem[k];
            if (is_ram(m->kind) && m->base < a + TWO_MB && m->base + m->size > a) {
                flags = 0;
                break;
            }
        }
        if (bi->fb.present && a < bi->fb.base + bi->fb.size && a + TWO_MB > bi->fb.base)
            flags = PTE_PWT;   /* PAT index 1: WC */
        pd_for(a)[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS | flags;
    }
    /* A framebuffer in a 64-bit BAR above the map (real boards do this). */
    if (bi->fb.present && bi->fb.base + bi->fb.size > top)
        for (uint64_t a = bi->fb.base & ~(TWO_MB - 1); a < bi->fb.base + bi->fb.size; a += TWO_MB)
            if (a >= top)
                pd_for(a)[(a >> 21) & 511] = a | PTE_P | PTE_W | PTE_PS | PTE_PWT;
    /* The first 2 MiB in 4 KiB pages, page 0 absent. */
    uint64_t *pt = new_table();
    for (int k = 1; k < 512; k++)
        pt[k] = (uint64_t)k * PAGE_SIZE | PTE_P | PTE_W;
    pd_for(0)[0] = (uint64_t)(uintptr_t)pt | PTE_P | PTE_W;
    mapped_top = top;
    write_cr3((uint64_t)(uintptr_t)pml4);
}

void *paging_map_mmio(uint64_t phys, uint64_t size)
{
    if (phys + size <= mapped_top)
        return (void *)(uintptr_t)phys;
    if (phys >> 47)
        return NULL;   /* beyond the canonical identity range */
    for (uint64_t a = phys & ~(TWO_MB - 1); a < phys + size; a += TWO_MB) {
        uint64_t *pd = pd_for(a);
        uint64_t *e = &pd[(a >> 21) & 511];
        if (!(*e & PTE_P)) {
            *e = a | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT;
            __asm__ volatile("invlpg (%0)" :: "r"(a) : "memory");
        }
    }
    return (void *)(uintptr_t)phys;
}

uint64_t paging_mapped_top(void)
{
    return mapped_top;
}
