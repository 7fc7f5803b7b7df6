/* Unit tests for the guest physical memory map (emu/memory.c): RAM above
 * and below the PCI hole, ROM, MMIO dispatch, PAM-style shadowing, DMA bounds
 * and the code-write hook. */
#include "tests/unit/check.h"

#include "emu/memory.h"

struct mmio_log {
    uint64_t last_off, last_val;
    unsigned last_size, reads, writes;
};

static uint64_t mmio_rd(void *opaque, uint64_t off, unsigned size)
{
    struct mmio_log *l = opaque;
    l->reads++;
    l->last_off = off;
    l->last_size = size;
    return 0x1122334455667788ull;
}

static void mmio_wr(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    struct mmio_log *l = opaque;
    l->writes++;
    l->last_off = off;
    l->last_val = v;
    l->last_size = size;
}

static const struct mmio_ops log_ops = {mmio_rd, mmio_wr};

TEST(ram_below_and_above_hole)
{
    struct guest_memory *m = gmem_create(8u << 20, 6u << 20);
    CHECK(m != NULL);
    uint8_t *ram = gmem_ram(m);
    gmem_write(m, 0x1000, 0xdeadbeef, 4);
    CHECK_EQ_INT(gmem_read(m, 0x1000, 4), 0xdeadbeef);
    CHECK_EQ_INT(ram[0x1000], 0xef);
    /* 2 MiB above the 6 MiB limit are remapped at 4 GiB */
    gmem_write(m, (1ull << 32) + 0x10, 0x55, 1);
    CHECK_EQ_INT(ram[(6u << 20) + 0x10], 0x55);
    /* the hole itself is unassigned: all ones, writes dropped */
    CHECK_EQ_INT(gmem_read(m, 7u << 20, 2), 0xffff);
    CHECK(gmem_page_ptr(m, 7u << 20, false) == NULL);
    CHECK(gmem_page_ptr(m, 0x2000, true) == ram + 0x2000);
    gmem_destroy(m);
}

TEST(rom_is_read_only)
{
    struct guest_memory *m = gmem_create(1u << 20, 1u << 20);
    uint8_t img[5] = {1, 2, 3, 4, 5};
    uint32_t gen = gmem_generation(m);
    CHECK_EQ_INT(gmem_map_rom(m, 0xfff00000u, img, sizeof(img)), 0);
    CHECK(gmem_generation(m) != gen);
    CHECK_EQ_INT(gmem_read(m, 0xfff00002u, 1), 3);
    CHECK_EQ_INT(gmem_read(m, 0xfff00005u, 1), 0xff);   /* padding */
    gmem_write(m, 0xfff00000u, 0x99, 1);
    CHECK_EQ_INT(gmem_read(m, 0xfff00000u, 1), 1);
    CHECK(gmem_page_ptr(m, 0xfff00000u, false) != NULL);
    CHECK(gmem_page_ptr(m, 0xfff00000u, true) == NULL);
    gmem_destroy(m);
}

TEST(mmio_dispatch_relative_offset)
{
    struct guest_memory *m = gmem_create(1u << 20, 1u << 20);
    struct mmio_log log = {0};
    CHECK_EQ_INT(gmem_map_mmio(m, 0xfebf0000u, 0x2000, &log_ops, &log, "dev"), 0);
    CHECK_EQ_INT(gmem_read(m, 0xfebf1004u, 2), 0x7788);
    CHECK_EQ_INT(log.last_off, 0x1004);
    CHECK_EQ_INT(log.last_size, 2);
    gmem_write(m, 0xfebf0008u, 0xabcd, 4);
    CHECK_EQ_INT(log.writes, 1);
    CHECK_EQ_INT(log.last_val, 0xabcd);
    CHECK(gmem_page_ptr(m, 0xfebf0000u, false) == NULL);
    gmem_unmap(m, 0xfebf0000u, 0x2000);
    CHECK_EQ_INT(gmem_read(m, 0xfebf1004u, 4), 0xffffffffu);
    CHECK_EQ_INT(log.reads, 1);
    gmem_destroy(m);
}

TEST(pam_shadow_modes)
{
    struct guest_memory *m = gmem_create(1u << 20, 1u << 20);
    uint8_t bios[4096];
    memset(bios, 0xaa, sizeof(bios));
    CHECK_EQ_INT(gmem_map_rom(m, 0xf0000, bios, sizeof(bios)), 0);
    /* reset state: reads and writes reach the ROM */
    CHECK_EQ_INT(gmem_read(m, 0xf0000, 1), 0xaa);
    /* read ROM, write RAM: copy the BIOS into shadow RAM */
    CHECK_EQ_INT(gmem_set_shadow(m, 0xf0000, 0x1000, false, true), 0);
    gmem_write(m, 0xf0000, 0x5b, 1);
    CHECK_EQ_INT(gmem_read(m, 0xf0000, 1), 0xaa);
    CHECK_EQ_INT(gmem_ram(m)[0xf0000], 0x5b);
    /* read RAM, write ROM (ignored): shadow locked */
    CHECK_EQ_INT(gmem_set_shadow(m, 0xf0000, 0x1000, true, false), 0);
    CHECK_EQ_INT(gmem_read(m, 0xf0000, 1), 0x5b);
    gmem_write(m, 0xf0000, 0x00, 1);
    CHECK_EQ_INT(gmem_read(m, 0xf0000, 1), 0x5b);
    CHECK(gmem_page_ptr(m, 0xf0000, true) == NULL);
    CHECK(gmem_page_ptr(m, 0xf0000, false) == gmem_ram(m) + 0xf0000);
    /* beyond RAM: refused */
    CHECK(gmem_set_shadow(m, 2u << 20, 0x1000, true, true) != 0);
    gmem_destroy(m);
}

static uint64_t hook_gpa;
static size_t hook_len;
static int hook_calls;
static void code_hook(void *opaque, uint64_t gpa, size_t len)
{
    (void)opaque;
    hook_gpa = gpa;
    hook_len = len;
    hook_calls++;
}

TEST(dma_bounds_and_code_hook)
{
    struct guest_memory *m = gmem_create(1u << 20, 1u << 20);
    struct mmio_log log = {0};
    gmem_map_mmio(m, 0xa0000, 0x1000, &log_ops, &log, "vga");
    uint8_t buf[64];
    memset(buf, 7, sizeof(buf));
    CHECK_EQ_INT(gmem_dma_write(m, 0x1ff0, buf, 32), 0);   /* crosses a page */
    CHECK_EQ_INT(gmem_ram(m)[0x200f], 7);
    CHECK_EQ_INT(gmem_dma_write(m, 0x9fff0, buf, 32), -1); /* into MMIO: refused */
    CHECK_EQ_INT(gmem_ram(m)[0x9fff0], 0);                  /* and nothing copied */
    CHECK_EQ_INT(gmem_dma_read(m, 0xffff0, buf, 32), -1);   /* past RAM end */
    CHECK_EQ_INT(gmem_dma_read(m, UINT64_MAX - 4, buf, 8), -1); /* wraps */
    gmem_set_code_write_hook(m, code_hook, NULL);
    gmem_mark_code(m, 0x3000, true);
    CHECK(gmem_is_code(m, 0x3abc));
    CHECK_EQ_INT(gmem_dma_write(m, 0x3010, buf, 4), 0);
    CHECK_EQ_INT(hook_calls, 1);
    CHECK_EQ_INT(hook_gpa, 0x3010);
    CHECK_EQ_INT(hook_len, 4);
    gmem_write(m, 0x3020, 1, 2);
    CHECK_EQ_INT(hook_calls, 2);
    gmem_write(m, 0x4020, 1, 2);                            /* not code */
    CHECK_EQ_INT(hook_calls, 2);
    gmem_destroy(m);
}

/* Only a change to a page the CPU decoded code from makes its decoded
 * instructions stale (gmem_take_code_remapped); moving a BAR elsewhere
 * does not. Code run from an unmapped page counts too. */
TEST(code_remapped_only_for_code_pages)
{
    struct guest_memory *m = gmem_create(1u << 20, 1u << 20);
    struct mmio_log log = {0};
    static const uint8_t rom[4096] = {0x90};
    gmem_mark_code(m, 0x3000, true);
    gmem_mark_code(m, 0xfff00000ull, true);    /* nothing mapped there yet */
    CHECK(!gmem_take_code_remapped(m));
    uint32_t gen = gmem_generation(m);
    CHECK(gmem_map_mmio(m, 0xe0000000ull, 0x1000, &log_ops, &log, "bar") == 0);
    gmem_unmap(m, 0xe0000000ull, 0x1000);
    CHECK(gmem_set_shadow(m, 0xc0000, 0x1000, false, true) == 0);
    CHECK(gmem_map_ram(m, 0x5000, 0x1000, 0x5000) == 0);
    CHECK(gmem_generation(m) != gen);           /* the map did change */
    CHECK(!gmem_take_code_remapped(m));         /* but no code page */
    CHECK(gmem_map_mmio(m, 0x3000, 0x1000, &log_ops, &log, "over code") == 0);
    CHECK(gmem_take_code_remapped(m));
    CHECK(!gmem_take_code_remapped(m));         /* taking it clears it */
    CHECK(gmem_map_rom(m, 0xfff00000ull, rom, sizeof(rom)) == 0);
    CHECK(gmem_take_code_remapped(m));
    gmem_mark_code(m, 0x8000, true);
    CHECK(gmem_set_shadow(m, 0x8000, 0x1000, false, false) == 0);
    CHECK(gmem_take_code_remapped(m));
    gmem_mark_code(m, 0x9000, true);
    gmem_unmap(m, 0x9000, 0x1000);
    CHECK(gmem_take_code_remapped(m));
    gmem_mark_code(m, 0xa000, true);
    CHECK(gmem_map_ram(m, 0xa000, 0x1000, 0x20000) == 0);
    CHECK(gmem_take_code_remapped(m));
    gmem_destroy(m);
}

/* A guest moves a PCI BAR (or toggles its memory decode) as often as it
 * likes: each move unmaps and maps again. The map must keep working after
 * many more moves than it has region slots (GMEM_MAX_REGIONS). */
TEST(mmio_and_rom_remapped_many_times)
{
    struct guest_memory *m = gmem_create(2u << 20, 2u << 20);
    struct mmio_log l = {0};
    static const uint8_t rom[4096] = {0x55, 0xaa};
    for (int i = 0; i < 300; i++) {
        uint64_t a = 0xe0000000ull + (uint64_t)(i & 3) * 0x10000;
        CHECK(gmem_map_mmio(m, a, 0x4000, &log_ops, &l, "bar") == 0);
        CHECK_EQ_INT(gmem_read(m, a + 8, 4), 0x55667788);
        CHECK_EQ_INT(l.last_off, 8);
        gmem_unmap(m, a, 0x4000);
        uint64_t r = 0xf0000000ull + (uint64_t)(i & 1) * 0x10000;
        CHECK(gmem_map_rom(m, r, rom, sizeof(rom)) == 0);
        CHECK_EQ_INT(gmem_read(m, r, 2), 0xaa55);
        gmem_unmap(m, r, sizeof(rom));
    }
    /* Two live mappings of the same device at once keep their own bases. */
    CHECK(gmem_map_mmio(m, 0xe0000000ull, 0x1000, &log_ops, &l, "a") == 0);
    CHECK(gmem_map_mmio(m, 0xe0100000ull, 0x1000, &log_ops, &l, "b") == 0);
    gmem_read(m, 0xe0100010ull, 1);
    CHECK_EQ_INT(l.last_off, 0x10);
    gmem_read(m, 0xe0000020ull, 1);
    CHECK_EQ_INT(l.last_off, 0x20);
    /* Mapping over a live mapping replaces it page by page. */
    CHECK(gmem_map_mmio(m, 0xe0000000ull, 0x1000, &log_ops, &l, "c") == 0);
    gmem_read(m, 0xe0000030ull, 1);
    CHECK_EQ_INT(l.last_off, 0x30);
    gmem_destroy(m);
}
