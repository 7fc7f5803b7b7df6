/* PCI enumeration and configuration access. ECAM: address = base + (bus << 20 |
 * dev << 15 | fn << 12 | offset) (PCIe base spec 7.2.2); mechanism #1: 0xcf8 =
 * enable | bus << 16 | dev << 11 | fn << 8 | offset (PCI 3.0 3.2.2.3.2). BARs
 * are sized by writing all ones with decoding off (PCI 3.0 6.2.5.1). */
#include <stdio.h>
#include <string.h>

#include "baremu/platform.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/pci.h"

struct pci_dev pci_devs[PCI_MAX_DEVICES];
int pci_count;
const char *pci_access = "none";
static int use_ecam;

/* ECAM window for (seg, bus), or 0. */
static uint64_t ecam_addr(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    for (int i = 0; i < acpi.nmcfg; i++)
        if (acpi.mcfg[i].segment == seg && bus >= acpi.mcfg[i].bus_start && bus <= acpi.mcfg[i].bus_end)
            return acpi.mcfg[i].base + ((uint64_t)(bus - acpi.mcfg[i].bus_start) << 20 |
                                        (uint64_t)dev << 15 | (uint64_t)fn << 12 | off);
    return 0;
}

static uint32_t cfg_read(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    if (use_ecam) {
        uint64_t a = ecam_addr(seg, bus, dev, fn, off & 0xffc);
        return a ? mmio_read32(a) : 0xffffffffu;
    }
    if (seg || off >= 256)
        return 0xffffffffu;
    outl(0xcf8, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc));
    return inl(0xcfc);
}

static void cfg_write(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t v)
{
    if (use_ecam) {
        uint64_t a = ecam_addr(seg, bus, dev, fn, off & 0xffc);
        if (a)
            mmio_write32(a, v);
        return;
    }
    if (seg || off >= 256)
        return;
    outl(0xcf8, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc));
    outl(0xcfc, v);
}

uint32_t pci_read32(const struct pci_dev *d, uint16_t off) { return cfg_read(d->seg, d->bus, d->dev, d->fn, off); }
uint16_t pci_read16(const struct pci_dev *d, uint16_t off) { return (uint16_t)(pci_read32(d, off & ~3) >> ((off & 2) * 8)); }
uint8_t pci_read8(const struct pci_dev *d, uint16_t off) { return (uint8_t)(pci_read32(d, off & ~3) >> ((off & 3) * 8)); }
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v) { cfg_write(d->seg, d->bus, d->dev, d->fn, off, v); }
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v)
{
    uint32_t sh = (off & 2) * 8, old = pci_read32(d, off & ~3);
    pci_write32(d, off & ~3, (old & ~(0xffffu << sh)) | (uint32_t)v << sh);
}
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v)
{
    uint32_t sh = (off & 3) * 8, old = pci_read32(d, off & ~3);
    pci_write32(d, off & ~3, (old & ~(0xffu << sh)) | (uint32_t)v << sh);
}

static void size_bars(struct pci_dev *d)
{
    int nbars = (d->header_type & 0x7f) == 0 ? 6 : (d->header_type & 0x7f) == 1 ? 2 : 0;
    uint16_t cmd = pci_read16(d, 0x04);
    /* Decoding off while a BAR holds all ones, so it never claims a stray range. */
    pci_write16(d, 0x04, cmd & ~0x3);
    for (int i = 0; i < nbars; i++) {
        uint16_t off = (uint16_t)(0x10 + 4 * i);
        uint32_t orig = pci_read32(d, off);
        pci_write32(d, off, 0xffffffffu);
        uint32_t probe = pci_read32(d, off);
        pci_write32(d, off, orig);
        struct pci_bar *b = &d->bar[i];
        if (orig & 1) {
            b->is_io = 1;
            b->base = orig & ~3u;
            uint32_t m = probe & ~3u;
            b->size = m ? (uint64_t)((~m + 1) & 0xffff) : 0;
            continue;
        }
        b->prefetch = (orig >> 3) & 1;
        uint64_t base = orig & ~0xfu, mask = probe & ~0xfu;
        if (((orig >> 1) & 3) == 2 && i < nbars - 1) {
            uint16_t hoff = (uint16_t)(off + 4);
            uint32_t ohi = pci_read32(d, hoff);
            pci_write32(d, hoff, 0xffffffffu);
            uint32_t phi = pci_read32(d, hoff);
            pci_write32(d, hoff, ohi);
            b->is_64 = 1;
            base |= (uint64_t)ohi << 32;
            mask |= (uint64_t)phi << 32;
            i++;   /* the next slot is this BAR's upper half */
        } else if (mask) {
            mask |= 0xffffffff00000000ull;
        }
        b->base = base;
        b->size = mask ? ~mask + 1 : 0;
    }
    pci_write16(d, 0x04, cmd);
}

static void find_caps(struct pci_dev *d)
{
    if (!(pci_read16(d, 0x06) & 0x10))   /* status: capabilities list */
        return;
    uint8_t p = pci_read8(d, 0x34) & 0xfc;
    for (int guard = 0; p && guard < 48; guard++) {
        uint8_t id = pci_read8(d, p);
        if (id == 0x05 && !d->msi_cap)
            d->msi_cap = p;
        else if (id == 0x11 && !d->msix_cap)
            d->msix_cap = p;
        p = pci_read8(d, (uint16_t)(p + 1)) & 0xfc;
    }
}

static void probe(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
    uint32_t id = cfg_read(seg, bus, dev, fn, 0);
    if ((id & 0xffff) == 0xffff || pci_count == PCI_MAX_DEVICES)
        return;
    struct pci_dev *d = &pci_devs[pci_count++];
    memset(d, 0, sizeof(*d));
    d->seg = seg; d->bus = bus; d->dev = dev; d->fn = fn;
    d->vendor = (uint16_t)id;
    d->device = (uint16_t)(id >> 16);
    uint32_t cls = pci_read32(d, 0x08);
    d->revision = (uint8_t)cls;
    d->prog_if = (uint8_t)(cls >> 8);
    d->subclass = (uint8_t)(cls >> 16);
    d->class_code = (uint8_t)(cls >> 24);
    d->header_type = pci_read8(d, 0x0e);
    d->irq_line = pci_read8(d, 0x3c);
    d->irq_pin = pci_read8(d, 0x3d);
    size_bars(d);
    find_caps(d);
}

void pci_init(void)
{
    /* ECAM windows must be reachable: they sit in MMIO below 4 GiB normally. */
    for (int i = 0; i < acpi.nmcfg; i++) {
        uint64_t size = ((uint64_t)acpi.mcfg[i].bus_end - acpi.mcfg[i].bus_start + 1) << 20;
        if (paging_map_mmio(acpi.mcfg[i].base, size))
            use_ecam = 1;
    }
    pci_access = use_ecam ? "ECAM" : "port 0xcf8";
    if (use_ecam) {
        for (int i = 0; i < acpi.nmcfg; i++)
            for (unsigned bus = acpi.mcfg[i].bus_start; bus <= acpi.mcfg[i].bus_end; bus++)
                for (uint8_t dev = 0; dev < 32; dev++)
                    for (uint8_t fn = 0; fn < 8; fn++) {
                        uint32_t id = cfg_read(acpi.mcfg[i].segment, (uint8_t)bus, dev, fn, 0);
                        if ((id & 0xffff) == 0xffff) {
                            if (fn == 0)
                                break;
                            continue;
                        }
                        probe(acpi.mcfg[i].segment, (uint8_t)bus, dev, fn);
                        /* Single-function devices may answer on every function. */
                        if (fn == 0 && !(cfg_read(acpi.mcfg[i].segment, (uint8_t)bus, dev, 0, 0x0c) & 0x800000))
                            break;
                    }
        return;
    }
    for (unsigned bus = 0; bus < 256; bus++)
        for (uint8_t dev = 0; dev < 32; dev++)
            for (uint8_t fn = 0; fn < 8; fn++) {
                uint32_t id = cfg_read(0, (uint8_t)bus, dev, fn, 0);
                if ((id & 0xffff) == 0xffff) {
                    if (fn == 0)
                        break;
                    continue;
                }
                probe(0, (uint8_t)bus, dev, fn);
                if (fn == 0 && !(cfg_read(0, (uint8_t)bus, dev, 0, 0x0c) & 0x800000))
                    break;
            }
}

void pci_print(void)
{
    console_printf("pci: %d devices (%s)\n", pci_count, pci_access);
    for (int i = 0; i < pci_count; i++) {
        const struct pci_dev *d = &pci_devs[i];
        char line[512];
        int n = snprintf(line, sizeof(line), "pci: %02x:%02x.%x %04x:%04x class %02x%02x%02x",
                         d->bus, d->dev, d->fn, d->vendor, d->device, d->class_code, d->subclass,
                         d->prog_if);
        if (d->irq_pin && n < (int)sizeof(line))
            n += snprintf(line + n, sizeof(line) - (size_t)n, " INT%c irq %u", 'A' + d->irq_pin - 1, d->irq_line);
        if (d->msi_cap && n < (int)sizeof(line))
            n += snprintf(line + n, sizeof(line) - (size_t)n, " msi");
        if (d->msix_cap && n < (int)sizeof(line))
            n += snprintf(line + n, sizeof(line) - (size_t)n, " msix");
        for (int b = 0; b < 6 && n < (int)sizeof(line); b++) {
            const struct pci_bar *r = &d->bar[b];
            if (!r->size)
                continue;
            n += snprintf(line + n, sizeof(line) - (size_t)n, " bar%d=%s%#lx+%#lx", b,
                          r->is_io ? "io:" : r->is_64 ? "mem64:" : "mem:", (unsigned long)r->base,
                          (unsigned long)r->size);
        }
        console_printf("%s\n", line);
    }
}

struct pci_dev *pci_find(uint16_t vendor, uint16_t device, int index)
{
    for (int i = 0; i < pci_count; i++)
        if ((vendor == 0xffff || pci_devs[i].vendor == vendor) &&
            (device == 0xffff || pci_devs[i].device == device) && index-- == 0)
            return &pci_devs[i];
    return NULL;
}

struct pci_dev *pci_find_class(uint8_t class_code, uint8_t subclass, int index)
{
    for (int i = 0; i < pci_count; i++)
        if (pci_devs[i].class_code == class_code && pci_devs[i].subclass == subclass && index-- == 0)
            return &pci_devs[i];
    return NULL;
}

void pci_enable(struct pci_dev *d)
{
    pci_write16(d, 0x04, pci_read16(d, 0x04) | 0x7);   /* I/O, memory, bus master */
}

volatile void *pci_map_bar(struct pci_dev *d, int bar)
{
    if (bar < 0 || bar > 5 || !d->bar[bar].size || d->bar[bar].is_io || !d->bar[bar].base)
        return NULL;
    return paging_map_mmio(d->bar[bar].base, d->bar[bar].size);
}

int pci_enable_intx(struct pci_dev *d, int vector)
{
    if (!d->irq_pin || d->irq_line == 0 || d->irq_line >= 16 || !ioapic_ok)
        return -1;
    uint16_t flags;
    uint32_t gsi = acpi_isa_gsi(d->irq_line, &flags);
    int level = 1, active_low = 1;
    if (flags & 0xc)
        level = (flags & 0xc) == 0xc;
    if (flags & 0x3)
        active_low = (flags & 0x3) == 0x3;
    if (ioapic_route_gsi(gsi, vector, level, active_low) != 0)
        return -1;
    pci_write16(d, 0x04, pci_read16(d, 0x04) & ~0x400);   /* INTx enabled */
    return 0;
}

int pci_enable_msi(struct pci_dev *d, int vector)
{
    if (!d->msi_cap || !lapic_ok)
        return -1;
    uint16_t c = d->msi_cap;
    uint16_t ctl = pci_read16(d, (uint16_t)(c + 2));
    /* Message address: 0xfee00000 | destination APIC ID << 12 (SDM 10.11.1). */
    pci_write32(d, (uint16_t)(c + 4), 0xfee00000u | (lapic_id() & 0xff) << 12);
    uint16_t data_off = (uint16_t)(c + 8);
    if (ctl & 0x80) {   /* 64-bit address capable */
        pci_write32(d, (uint16_t)(c + 8), 0);
        data_off = (uint16_t)(c + 12);
    }
    pci_write16(d, data_off, (uint16_t)vector);   /* fixed delivery, edge */
    pci_write16(d, (uint16_t)(c + 2), (uint16_t)((ctl & ~0x70) | 1));   /* one vector, enable */
    pci_write16(d, 0x04, pci_read16(d, 0x04) | 0x400);                 /* INTx disable */
    return 0;
}
