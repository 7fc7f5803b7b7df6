/* The guest's physical address space as the CPU and DMA-capable devices see
 * it: RAM, ROM and MMIO mapped at 4 KiB page granularity, with a separate read
 * target and write target per page so the i440FX PAM modes (Intel 82441FX
 * datasheet, 3.2.18: read DRAM/write ROM and the reverse) are expressible. */
#ifndef BAREMU_EMU_MEMORY_H
#define BAREMU_EMU_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GMEM_PAGE_SHIFT 12
#define GMEM_PAGE_SIZE  (1u << GMEM_PAGE_SHIFT)

struct mmio_ops {
    /* size is 1, 2, 4 or 8; offset is relative to the region's base */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
};

/* What one direction (read or write) of a page reaches. */
enum gmem_target {
    GMEM_UNASSIGNED = 0,  /* reads all ones, writes ignored */
    GMEM_RAM,             /* guest RAM at ram_offset */
    GMEM_ROM,             /* a ROM image (reads); as a write target: ignored */
    GMEM_MMIO,            /* a device's handlers */
};

struct guest_memory;

/* RAM of ram_bytes (page multiple), mapped at 0 up to the PCI hole at
 * below_4g_limit, the rest above 4 GiB (as QEMU's pc machine). */
struct guest_memory *gmem_create(uint64_t ram_bytes, uint64_t below_4g_limit);
void gmem_destroy(struct guest_memory *m);
uint8_t *gmem_ram(struct guest_memory *m);
uint64_t gmem_ram_size(const struct guest_memory *m);

/* Maps RAM bytes [ram_offset, +len) at gpa for reading and writing. */
int gmem_map_ram(struct guest_memory *m, uint64_t gpa, uint64_t len, uint64_t ram_offset);
/* Maps a copy of a ROM image at gpa (len rounded up to pages, read-only). */
int gmem_map_rom(struct guest_memory *m, uint64_t gpa, const void *data, uint64_t len);
/* Maps a device's MMIO handlers over [gpa, gpa+len). */
int gmem_map_mmio(struct guest_memory *m, uint64_t gpa, uint64_t len,
                  const struct mmio_ops *ops, void *opaque, const char *name);
void gmem_unmap(struct guest_memory *m, uint64_t gpa, uint64_t len);
/* For PAM/SMRAM-style shadowing: set what reads and writes of the pages in
 * [gpa, gpa+len) reach, among the RAM and the ROM (or MMIO) mapped there. The
 * RAM behind shadowable pages is the RAM at the same address. */
int gmem_set_shadow(struct guest_memory *m, uint64_t gpa, uint64_t len,
                    bool read_ram, bool write_ram);

/* The CPU's fast path: a host pointer to the start of the page holding gpa,
 * when that direction of the page is plain RAM (or ROM, for reads); NULL
 * means take the slow path. Valid until gmem_generation() changes. */
uint8_t *gmem_page_ptr(struct guest_memory *m, uint64_t gpa, bool write);
/* Bumped whenever the map changes; the CPU flushes its TLB when it does. */
uint32_t gmem_generation(const struct guest_memory *m);
/* Whether a page marked as code (gmem_mark_code) changed its mapping since
 * the last call, which clears it: only then are the CPU's decoded
 * instructions stale. A guest moving PCI BARs (Linux sizes every BAR at
 * boot) changes the map many times without touching a code page. */
bool gmem_take_code_remapped(struct guest_memory *m);

/* The slow path, for any address: MMIO dispatch, unassigned = all ones.
 * An access must not cross a page boundary (the CPU splits them). */
uint64_t gmem_read(struct guest_memory *m, uint64_t gpa, unsigned size);
void gmem_write(struct guest_memory *m, uint64_t gpa, uint64_t value, unsigned size);

/* Bounds-checked DMA for devices: only RAM is reachable; returns -1 (copying
 * nothing) when any byte of the range is not RAM. Writes notify code_write. */
int gmem_dma_read(struct guest_memory *m, uint64_t gpa, void *buf, size_t len);
int gmem_dma_write(struct guest_memory *m, uint64_t gpa, const void *buf, size_t len);

/* The CPU's decoded-instruction cache registers a hook for writes to RAM
 * pages it has marked as holding code (gmem_mark_code); DMA and slow-path
 * writes call it, and the CPU's own fast path checks the mark itself. */
void gmem_set_code_write_hook(struct guest_memory *m,
                              void (*hook)(void *opaque, uint64_t gpa, size_t len), void *opaque);
void gmem_mark_code(struct guest_memory *m, uint64_t gpa, bool is_code);
bool gmem_is_code(const struct guest_memory *m, uint64_t gpa);

#endif
