/* libFuzzer harness for the NE2000 core through ne2k_pci (emu/hw/ne2000.c,
 * ne2000_pci.c): paged register writes and reads, remote DMA through the
 * data port, frames, link changes and resets (tests/fuzz/nic_fuzz.h). The
 * ISA front end shares every line of the core but the IRQ forwarding. */
#include "tests/fuzz/nic_fuzz.h"

static const uint8_t MAC[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

static struct nic *fz_create(struct nic_harness *h)
{
    char err[128];
    struct nic *n = ne2k_pci_create(&h->env, "fz", MAC, NULL, 0, err, sizeof(err));
    if (!n)
        abort();
    return n;
}

static void fz_setup(struct nic_harness *h)
{
    /* Linux's NS8390_init: ring 0x46..0x80, TX page 0x40, started. */
    static const uint8_t seq[][2] = {
        {0, 0x21}, {0x0e, 0x49}, {0x0c, 0x04}, {0x04, 0x40}, {0x01, 0x46}, {0x03, 0x7f},
        {0x02, 0x80}, {0x07, 0xff}, {0x0f, 0x3f}, {0, 0x61}, {0x07, 0x46}, {0, 0x22},
    };
    for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
        nh_out(h, (uint16_t)(NH_BAR_IO + seq[i][0]), seq[i][1], 1);
}

static uint32_t fz_reg_space(void) { return 0x20; }
static uint32_t fz_read(struct nic_harness *h, uint32_t off, unsigned size)
{
    return nh_in(h, (uint16_t)(NH_BAR_IO + off), size);
}
static void fz_write(struct nic_harness *h, uint32_t off, uint32_t v, unsigned size)
{
    nh_out(h, (uint16_t)(NH_BAR_IO + off), v, size);
}
