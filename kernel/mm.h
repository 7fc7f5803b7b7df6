/* Memory management: the physical page allocator (pmm.c), the kernel's page
 * tables (paging.c) and the heap behind newlib's malloc (syscalls.c). Every
 * physical address the kernel uses is identity-mapped, so a pointer from
 * pmm_alloc is also the address a device uses for DMA. */
#ifndef BAREMU_KERNEL_MM_H
#define BAREMU_KERNEL_MM_H

#include <stddef.h>
#include <stdint.h>

struct boot_info;

#define PAGE_SIZE 4096u

enum {
    PMM_ZERO = 1,      /* clear the pages */
    PMM_BELOW_4G = 2,  /* for devices with 32-bit DMA addresses */
};

/* Builds the allocator from the memory map: free memory now, boot services
 * memory after pmm_release_boot_services (called once the kernel runs on its
 * own page tables, GDT, IDT and stack). */
void pmm_init(const struct boot_info *bi);
void pmm_release_boot_services(const struct boot_info *bi);
/* Physically contiguous pages, or NULL. Taken from the top of memory down so
 * the heap (which grows up from the largest region) meets them last. */
void *pmm_alloc(size_t pages, unsigned flags);
void pmm_free(void *p, size_t pages);
/* Claims pages [p, p + pages) exactly if all are free (the heap's growth). */
int pmm_claim(uint64_t p, size_t pages);
/* The start and length of the largest free run (where the heap lives). */
void pmm_largest_run(uint64_t *start, uint64_t *pages);
uint64_t pmm_free_pages(void);

/* DMA-safe memory for drivers: contiguous, below 4 GiB, zeroed; *phys is the
 * bus address (equal to the pointer: identity mapping, no IOMMU). */
void *dma_alloc(size_t bytes, uint64_t *phys);
void dma_free(void *p, size_t bytes);

/* Switches to the kernel's page tables: identity map of all RAM and the low
 * 4 GiB, write-back for RAM, uncached for everything else, page 0 unmapped
 * (catches NULL). */
void paging_init(const struct boot_info *bi);
/* Makes [phys, phys + size) reachable (uncached, identity) - for BARs above
 * the mapped range. Returns the pointer, or NULL when out of page tables. */
void *paging_map_mmio(uint64_t phys, uint64_t size);
/* Highest address the identity map covers. */
uint64_t paging_mapped_top(void);

void heap_init(void);

#endif
