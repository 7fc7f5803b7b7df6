/* The PIIX4 power management function; follows the Intel 82371AB (PIIX4)
 * datasheet, 3.4.2 (PMBA at config 0x40, PMREGMISC 0x80 bit 0 enabling the
 * PM I/O space) and 7.1 (PMSTS 0x00, PMEN 0x02, PMCNTRL 0x04 with SUS_TYP
 * bits 12:10 and SUS_EN bit 13, PMTMR 0x08), and ACPI 1.0b 4.7.3 (the PM
 * timer: 24 bits at 3.579545 MHz, TMR_STS when bit 23 toggles). The APM
 * control port 0xB2 (datasheet 3.4.3, APMC) would raise an SMI; with no SMM
 * here it does directly what the firmware's SMI handler does for the FADT's
 * ACPI_ENABLE (0xF1) and ACPI_DISABLE (0xF0) commands (ACPI 1.0b 4.7.2.5):
 * set or clear SCI_EN. 0xB3 (APMS) is a scratch byte.
 * Two fixed port blocks that SeaBIOS's own ACPI tables (used when no tables
 * come through fw_cfg) point at, as QEMU's pc board decodes them: the FADT's
 * GPE0 block at 0xAFE0 (ACPI 1.0b 4.7.1.6: two status bytes, write one to
 * clear, then two enable bytes) and the DSDT's PCI hotplug registers PCIU,
 * PCID, B0EJ at 0xAE00-0xAE0B. This machine has no GPE source and no hotplug,
 * so they read 0. They must exist: an unassigned port reads all ones, and on
 * any SCI Linux would then see every GPE pending, run _E01, find every slot
 * in PCID and eject the devices of slots 2 and up (the NIC, the VGA). */
#include "emu/hw/acpi_pm.h"

#include <stdlib.h>

#include "baremu/platform.h"

#define GPE0_BASE 0xafe0
#define GPE0_LEN 4
#define PCIHP_BASE 0xae00
#define PCIHP_LEN 12

#define PMBA 0x40
#define PMREGMISC 0x80
#define PM_IO_SIZE 64

#define STS_TMROF  0x0001
#define STS_GBL    0x0020
#define STS_PWRBTN 0x0100
#define CNT_SCI_EN 0x0001
#define CNT_SUS_EN 0x2000

struct acpi_pm {
    struct pci_device dev;
    struct io_bus *io;
    const struct vclock *clock;
    struct irq_line sci;
    bool sci_level;
    uint16_t io_base;     /* mapped PM I/O base, 0 = not mapped */
    uint16_t sts, en, cnt;
    uint64_t overflows_seen;
    uint8_t apms;
    uint8_t gpe_en[GPE0_LEN / 2];
    void (*poweroff)(void *ctx);
    void *ctx;
};

static uint64_t timer_ticks(struct acpi_pm *p)
{
    return vclock_ns_to_ticks(vclock_now(p->clock), ACPI_PM_TIMER_HZ);
}

uint32_t acpi_pm_timer(struct acpi_pm *p)
{
    return (uint32_t)(timer_ticks(p) & 0xffffff);
}

static void update_sci(struct acpi_pm *p)
{
    /* The SCI is level and only routed when SCI_EN selects ACPI mode. */
    bool level = (p->sts & p->en & (STS_TMROF | STS_GBL | STS_PWRBTN)) && (p->cnt & CNT_SCI_EN);
    if (level != p->sci_level) {
        p->sci_level = level;
        irq_set(&p->sci, level);
    }
}

uint64_t acpi_pm_poll(struct acpi_pm *p)
{
    uint64_t ov = timer_ticks(p) >> 23;
    if (ov != p->overflows_seen) {
        p->overflows_seen = ov;
        p->sts |= STS_TMROF;
    }
    update_sci(p);
    if (!(p->en & STS_TMROF))
        return VCLOCK_NEVER;
    return vclock_ticks_to_ns((ov + 1) << 23, ACPI_PM_TIMER_HZ);
}

void acpi_pm_power_button(struct acpi_pm *p)
{
    p->sts |= STS_PWRBTN;
    update_sci(p);
}

static uint32_t pm_read(void *opaque, uint16_t port, unsigned size)
{
    struct acpi_pm *p = opaque;
    unsigned off = port - p->io_base;
    uint32_t v;
    acpi_pm_poll(p);
    switch (off & ~1u) {
    case 0x00: v = p->sts; break;
    case 0x02: v = p->en; break;
    case 0x04: v = p->cnt; break;
    case 0x08: case 0x0a: {
        uint32_t t = acpi_pm_timer(p);
        v = off >= 0x0a ? t >> 16 : t;
        return size == 1 ? (v >> (8 * (off & 1))) & 0xff : v;
    }
    default: v = 0; break;
    }
    if (off & 1)
        v >>= 8;
    return size == 1 ? v & 0xff : v & (size == 2 ? 0xffff : 0xffffffffu);
}

static void pm_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct acpi_pm *p = opaque;
    unsigned off = port - p->io_base;
    /* Byte writes land in the right half of the 16-bit registers. */
    uint16_t v = (uint16_t)(size == 1 && (off & 1) ? value << 8 : value);
    uint16_t mask = size == 1 ? ((off & 1) ? 0xff00 : 0x00ff) : 0xffff;
    switch (off & ~1u) {
    case 0x00:
        p->sts &= (uint16_t)~(v & mask);  /* write one to clear */
        break;
    case 0x02:
        p->en = (uint16_t)((p->en & ~mask) | (v & mask));
        break;
    case 0x04: {
        uint16_t cnt = (uint16_t)((p->cnt & ~mask) | (v & mask));
        if (cnt & CNT_SUS_EN) {
            unsigned typ = (cnt >> 10) & 7;
            cnt &= (uint16_t)~CNT_SUS_EN;  /* SUS_EN always reads 0 */
            if (typ == 0) {
                p->cnt = cnt;
                p->poweroff(p->ctx);
                return;
            }
            LOGW("acpi", "sleep type %u is not supported; ignored", typ);
        }
        p->cnt = cnt;
        break;
    }
    default:
        break;
    }
    update_sci(p);
}

static const struct io_ops pm_ops = {pm_read, pm_write};

#define APM_ACPI_DISABLE 0xf0
#define APM_ACPI_ENABLE  0xf1

static uint32_t apm_read(void *opaque, uint16_t port, unsigned size)
{
    struct acpi_pm *p = opaque;
    return port == 0xb3 ? p->apms : 0;
}

static void apm_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct acpi_pm *p = opaque;
    if (port == 0xb3) {
        p->apms = (uint8_t)value;
        return;
    }
    if ((uint8_t)value == APM_ACPI_ENABLE)
        p->cnt |= CNT_SCI_EN;
    else if ((uint8_t)value == APM_ACPI_DISABLE)
        p->cnt &= (uint16_t)~CNT_SCI_EN;
    update_sci(p);
}

static const struct io_ops apm_ops = {apm_read, apm_write};

/* GPE0: status bytes stay 0 (no source); enable bytes are kept for reads. */
static uint32_t gpe_read(void *opaque, uint16_t port, unsigned size)
{
    struct acpi_pm *p = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)(port - GPE0_BASE) + i;
        if (off >= GPE0_LEN / 2 && off < GPE0_LEN)
            v |= (uint32_t)p->gpe_en[off - GPE0_LEN / 2] << (8 * i);
    }
    return v;
}

static void gpe_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct acpi_pm *p = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (unsigned)(port - GPE0_BASE) + i;
        if (off >= GPE0_LEN / 2 && off < GPE0_LEN)
            p->gpe_en[off - GPE0_LEN / 2] = (uint8_t)(value >> (8 * i));
    }
}

static const struct io_ops gpe_ops = {gpe_read, gpe_write};

/* PCIU/PCID read 0 (no slot went up or down); a B0EJ eject write is ignored. */
static uint32_t pcihp_read(void *opaque, uint16_t port, unsigned size)
{
    return 0;
}

static void pcihp_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
}

static const struct io_ops pcihp_ops = {pcihp_read, pcihp_write};

static void remap(struct acpi_pm *p)
{
    uint16_t base = (uint16_t)((p->dev.config[PMBA] | p->dev.config[PMBA + 1] << 8) & 0xffc0);
    if (!(p->dev.config[PMREGMISC] & 1) || base < 0x400)
        base = 0;
    if (base == p->io_base)
        return;
    /* A base over other devices' ports does not take them (a guest's
     * misplaced PMBA), and moving away gives back only the PM's own. */
    if (p->io_base)
        io_unregister_owned(p->io, p->io_base, PM_IO_SIZE, &pm_ops, p);
    p->io_base = base;
    if (base)
        io_register_free(p->io, base, PM_IO_SIZE, &pm_ops, p, "acpi-pm");
}

static void written(struct pci_device *d, unsigned off, unsigned size)
{
    remap(d->opaque);
}

void acpi_pm_reset(struct acpi_pm *p)
{
    /* DEVACTB (0x58) bit 25, APMC_EN: there is no SMM in this machine, so
     * the APM control port never raises an SMI. Reporting it as already
     * enabled is what makes firmware skip SMM relocation (SeaBIOS's
     * piix4_apmc_smm_setup returns early when it is set); it is read-only. */
    p->dev.config[0x5b] = 0x02;
    p->dev.config[PMBA] = 1;
    p->dev.config[PMBA + 1] = 0;
    p->dev.config[PMREGMISC] = 0;
    p->sts = p->en = p->cnt = 0;
    p->apms = 0;
    for (unsigned i = 0; i < sizeof(p->gpe_en); i++)
        p->gpe_en[i] = 0;
    remap(p);
    update_sci(p);
}

struct acpi_pm *acpi_pm_create(struct pci_bus *bus, struct io_bus *io, const struct vclock *clock,
                               struct irq_line sci, void (*poweroff)(void *ctx), void *ctx)
{
    struct acpi_pm *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->io = io;
    p->clock = clock;
    p->sci = sci;
    p->poweroff = poweroff;
    p->ctx = ctx;
    pci_device_init(&p->dev, "piix4-pm", 0x8086, 0x7113, 0x068000, 0x03);
    p->dev.wmask[PMBA] = 0xc0;
    p->dev.wmask[PMBA + 1] = 0xff;
    p->dev.wmask[PMREGMISC] = 0x01;
    /* SMBus base and host configuration: stored, the SMBus is not modelled. */
    for (int i = 0x90; i < 0x94; i++)
        p->dev.wmask[i] = 0xff;
    p->dev.wmask[0xd2] = 0xff;
    pci_set_intx_pin(&p->dev, 1);
    p->dev.config_written = written;
    p->dev.opaque = p;
    if (pci_register(bus, &p->dev, PCI_DEVFN(1, 3)) < 0) {
        free(p);
        return NULL;
    }
    io_register(io, 0xb2, 2, &apm_ops, p, "apm");
    io_register(io, GPE0_BASE, GPE0_LEN, &gpe_ops, p, "acpi-gpe0");
    io_register(io, PCIHP_BASE, PCIHP_LEN, &pcihp_ops, p, "piix-pcihp");
    acpi_pm_reset(p);
    return p;
}

void acpi_pm_destroy(struct acpi_pm *p)
{
    free(p);
}
