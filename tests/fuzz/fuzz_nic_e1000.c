/* libFuzzer harness for the e1000 model (emu/hw/e1000.c): register writes
 * and reads through BAR0, descriptor and buffer bytes, frames from the
 * network, link changes and resets (tests/fuzz/nic_fuzz.h). */
#include "tests/fuzz/nic_fuzz.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static struct nic *fz_create(struct nic_harness *h)
{
    char err[128];
    struct nic *n = e1000_create(&h->env, "fz", MAC, NULL, 0, err, sizeof(err));
    if (!n)
        abort();
    return n;
}

static void fz_setup(struct nic_harness *h)
{
    /* RX ring of 8 at 0x1000 with buffers at 0x4000 + i * 2 KiB, TX ring of
     * 8 at 0x2000, both enabled, as Linux's e1000_configure leaves them. */
    for (unsigned i = 0; i < 8; i++) {
        uint64_t a = 0x4000u + i * 2048u;
        memcpy(nh_ram(h, 0x1000 + i * 16), &a, 8);
    }
    nh_wr32(h, 0x2800, 0x1000);
    nh_wr32(h, 0x2808, 128);
    nh_wr32(h, 0x2818, 7);
    nh_wr32(h, 0x3800, 0x2000);
    nh_wr32(h, 0x3808, 128);
    nh_wr32(h, 0x00d0, 0x9d);
    nh_wr32(h, 0x0100, 0x8002);
    nh_wr32(h, 0x0400, 0x10a);
}

static uint32_t fz_reg_space(void) { return 0x20000; }
static uint32_t fz_read(struct nic_harness *h, uint32_t off, unsigned size)
{
    return (uint32_t)gmem_read(h->mem, NH_BAR_MEM + off, size);
}
static void fz_write(struct nic_harness *h, uint32_t off, uint32_t v, unsigned size)
{
    gmem_write(h->mem, NH_BAR_MEM + off, v, size);
}
