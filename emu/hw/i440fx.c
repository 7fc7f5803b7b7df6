/* The 82441FX host bridge; follows the Intel 440FX PCIset datasheet (82441FX
 * PMC), 3.2.18 PAM[6:0]: register 0x59 bits 7:4 cover 0xF0000-0xFFFFF, then
 * each nibble of 0x5A-0x5F one 16 KiB segment from 0xC0000 up; within a
 * nibble bit 0 (RE) sends reads and bit 1 (WE) writes to DRAM. */
#include "emu/hw/i440fx.h"

#include <stdlib.h>

#define PAM0 0x59
#define SMRAM 0x72

struct i440fx {
    struct pci_device dev;
    i440fx_shadow_fn shadow;
    void *ctx;
};

static void apply_pam(struct i440fx *h)
{
    uint8_t *c = h->dev.config;
    unsigned a = (c[PAM0] >> 4) & 3;
    h->shadow(h->ctx, 0xf0000, 0x10000, a & 1, a & 2);
    for (int seg = 0; seg < 12; seg++) {
        uint8_t reg = c[PAM0 + 1 + seg / 2];
        unsigned attr = (seg & 1) ? (reg >> 4) & 3 : reg & 3;
        h->shadow(h->ctx, 0xc0000 + 0x4000u * (unsigned)seg, 0x4000, attr & 1, attr & 2);
    }
}

static void written(struct pci_device *d, unsigned off, unsigned size)
{
    if (off < PAM0 + 7 && off + size > PAM0)
        apply_pam(d->opaque);
}

void i440fx_reset(struct i440fx *h)
{
    for (int i = 0; i < 7; i++)
        h->dev.config[PAM0 + i] = 0;
    h->dev.config[SMRAM] = 0x02;
    apply_pam(h);
}

struct i440fx *i440fx_create(struct pci_bus *bus, i440fx_shadow_fn shadow, void *ctx)
{
    struct i440fx *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->shadow = shadow;
    h->ctx = ctx;
    pci_device_init(&h->dev, "i440fx", 0x8086, 0x1237, 0x060000, 0x02);
    /* The PAM registers are fully writable except PAM0's reserved low nibble. */
    h->dev.wmask[PAM0] = 0x30;
    for (int i = 1; i < 7; i++)
        h->dev.wmask[PAM0 + i] = 0x33;
    h->dev.wmask[SMRAM] = 0x78;  /* D_OPEN, D_CLS, D_LCK, G_SMRAME: accepted, SMM not modelled */
    h->dev.config_written = written;
    h->dev.opaque = h;
    if (pci_register(bus, &h->dev, PCI_DEVFN(0, 0)) < 0) {
        free(h);
        return NULL;
    }
    i440fx_reset(h);
    return h;
}

void i440fx_destroy(struct i440fx *h)
{
    free(h);
}
