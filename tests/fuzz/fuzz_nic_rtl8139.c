/* libFuzzer harness for the RTL8139 model (emu/hw/rtl8139.c), classic and
 * C+ mode: register writes and reads through the I/O BAR, descriptor and
 * buffer bytes, frames, link changes and resets (tests/fuzz/nic_fuzz.h). */
#include "tests/fuzz/nic_fuzz.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static struct nic *fz_create(struct nic_harness *h)
{
    char err[128];
    struct nic *n = rtl8139_create(&h->env, "fz", MAC, NULL, 0, err, sizeof(err));
    if (!n)
        abort();
    return n;
}

static void fz_setup(struct nic_harness *h)
{
    /* Classic receive into an 8 KiB ring at 0x8000, TX slots at 0x1000;
     * the C+ rings at 0x3000 (RX) and 0x2000 (TX) for when the input
     * writes CPCR. */
    nh_out(h, NH_BAR_IO + 0x30, 0x8000, 4);
    nh_out(h, NH_BAR_IO + 0x37, 0x0c, 1);
    nh_out(h, NH_BAR_IO + 0x44, 0x8f, 4);
    nh_out(h, NH_BAR_IO + 0x3c, 0xffff, 2);
    for (unsigned i = 0; i < 4; i++)
        nh_out(h, (uint16_t)(NH_BAR_IO + 0x20 + 4 * i), 0x1000 + i * 0x800, 4);
    for (unsigned i = 0; i < 4; i++) {
        uint32_t o1 = (1u << 31) | (i == 3 ? 1u << 30 : 0) | 1536;
        uint64_t a = 0x10000u + i * 2048u;
        memcpy(nh_ram(h, 0x3000 + i * 16), &o1, 4);
        memcpy(nh_ram(h, 0x3000 + i * 16 + 8), &a, 8);
    }
    nh_out(h, NH_BAR_IO + 0xe4, 0x3000, 4);
}

static uint32_t fz_reg_space(void) { return 0x100; }
static uint32_t fz_read(struct nic_harness *h, uint32_t off, unsigned size)
{
    return nh_in(h, (uint16_t)(NH_BAR_IO + off), size);
}
static void fz_write(struct nic_harness *h, uint32_t off, uint32_t v, unsigned size)
{
    nh_out(h, (uint16_t)(NH_BAR_IO + off), v, size);
}
