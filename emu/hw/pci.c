/* PCI bus 0 with configuration mechanism #1; follows the PCI Local Bus
 * Specification 2.1: 3.7.4.1 (CONFIG_ADDRESS/CONFIG_DATA), 6.1-6.2 (header,
 * command/status), 6.2.5 (BAR sizing: writing all ones reads back the size
 * mask), 6.2.5.2 (expansion ROM BAR), 6.8.1 / 2.3 (INTx disable, status). */
#include "emu/hw/pci.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"

struct pci_bus {
    struct pci_device *devs[256];
    uint32_t config_address;
    const struct pci_mem_ops *mem;
    void *mem_ctx;
    pci_route_fn route;
    void *route_ctx;
    uint64_t mmio_start, mmio_end;
    struct io_bus *io;
};

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void wmask32(uint8_t *p, uint32_t v)
{
    wr32(p, v);
}

void pci_device_init(struct pci_device *d, const char *name, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision)
{
    memset(d, 0, sizeof(*d));
    d->name = name;
    wr16(d->config + PCI_VENDOR_ID, vendor);
    wr16(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION] = revision;
    d->config[PCI_CLASS_PROG] = (uint8_t)class_code;
    d->config[PCI_CLASS_PROG + 1] = (uint8_t)(class_code >> 8);
    d->config[PCI_CLASS_PROG + 2] = (uint8_t)(class_code >> 16);
    /* Command: I/O, memory, bus master, INTx disable are writable. */
    wr16(d->wmask + PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
    /* Status: the error bits are write-one-to-clear (PCI 2.1, 6.2.3). */
    wr16(d->w1cmask + PCI_STATUS, 0xf900);
    d->wmask[0x0c] = 0xff;  /* cache line size */
    d->wmask[0x0d] = 0xff;  /* latency timer */
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

void pci_set_bar(struct pci_device *d, int n, enum pci_bar_type type, uint32_t size,
                 const struct io_ops *io, const struct mmio_ops *mmio, void *opaque)
{
    if (n < 0 || n > 5 || !size || (size & (size - 1)))
        plat_panic("pci: %s: bad BAR %d size %#x", d->name, n, size);
    struct pci_bar *bar = &d->bars[n];
    bar->type = type;
    bar->size = size;
    bar->io = io;
    bar->mmio = mmio;
    bar->opaque = opaque;
    uint8_t *cfg = d->config + PCI_BAR0 + 4 * n;
    if (type == PCI_BAR_IO) {
        wr32(cfg, 1);  /* bit 0: I/O space indicator */
        wmask32(d->wmask + PCI_BAR0 + 4 * n, ~(size - 1) & 0xfffffffcu);
    } else {
        wr32(cfg, 0);  /* 32-bit, non-prefetchable memory */
        wmask32(d->wmask + PCI_BAR0 + 4 * n, ~(size - 1) & 0xfffffff0u);
    }
}

void pci_set_rom(struct pci_device *d, const uint8_t *data, uint32_t len)
{
    uint32_t size = 2048;  /* the smallest expansion ROM decode (PCI 2.1, 6.2.5.2) */
    while (size < len)
        size <<= 1;
    d->rom = data;
    d->rom_len = len;
    d->rom_size = size;
    wmask32(d->wmask + PCI_ROM_BAR, (~(size - 1) & 0xfffff800u) | 1);
}

void pci_set_intx_pin(struct pci_device *d, int pin)
{
    d->config[PCI_INTERRUPT_PIN] = (uint8_t)pin;
}

/* Where BAR n should be mapped now: 0 when it is disabled or out of bounds. */
static uint32_t bar_target(struct pci_bus *b, struct pci_device *d, int n)
{
    struct pci_bar *bar = &d->bars[n];
    uint16_t cmd = (uint16_t)(d->config[PCI_COMMAND] | d->config[PCI_COMMAND + 1] << 8);
    uint32_t v = rd32(d->config + PCI_BAR0 + 4 * n);
    if (bar->type == PCI_BAR_IO) {
        uint32_t a = v & ~(bar->size - 1) & 0xfffcu;
        /* Ports below 0x1000 belong to the ISA devices (and all-ones is a
         * sizing pattern, not an address). */
        if (!(cmd & PCI_CMD_IO) || a < 0x1000 || a + bar->size > 0x10000 || (v | 3) == 0xffffffffu)
            return 0;
        return a;
    }
    if (bar->type == PCI_BAR_MEM32) {
        uint32_t a = v & ~(bar->size - 1) & 0xfffffff0u;
        if (!(cmd & PCI_CMD_MEMORY) || a < b->mmio_start || (uint64_t)a + bar->size > b->mmio_end)
            return 0;
        return a;
    }
    return 0;
}

static uint32_t rom_target(struct pci_bus *b, struct pci_device *d)
{
    uint16_t cmd = (uint16_t)(d->config[PCI_COMMAND] | d->config[PCI_COMMAND + 1] << 8);
    uint32_t v = rd32(d->config + PCI_ROM_BAR);
    uint32_t a = v & ~(d->rom_size - 1) & 0xfffff800u;
    if (!d->rom || !(v & 1) || !(cmd & PCI_CMD_MEMORY) || a < b->mmio_start ||
        (uint64_t)a + d->rom_size > b->mmio_end)
        return 0;
    return a;
}

/* Brings the I/O and memory maps in line with the device's BARs. */
static void update_mappings(struct pci_bus *b, struct pci_device *d)
{
    for (int n = 0; n < 6; n++) {
        struct pci_bar *bar = &d->bars[n];
        if (bar->type == PCI_BAR_NONE)
            continue;
        uint32_t want = bar_target(b, d, n);
        if (want == bar->mapped)
            continue;
        if (bar->mapped) {
            if (bar->type == PCI_BAR_IO)
                io_unregister_owned(b->io, (uint16_t)bar->mapped, bar->size, bar->io, bar->opaque);
            else
                b->mem->unmap(b->mem_ctx, bar->mapped, bar->size);
        }
        bar->mapped = want;
        if (want) {
            /* An I/O BAR over other devices' ports (overlapping BARs are a
             * configuration error, PCI 2.1 6.2.5) takes only the free ones. */
            int rc = 0;
            if (bar->type == PCI_BAR_IO)
                io_register_free(b->io, (uint16_t)want, bar->size, bar->io, bar->opaque, d->name);
            else
                rc = b->mem->map_mmio(b->mem_ctx, want, bar->size, bar->mmio, bar->opaque, d->name);
            if (rc < 0) {
                LOGW("pci", "%s: cannot map BAR%d at %#x", d->name, n, want);
                bar->mapped = 0;
            }
        }
    }
    if (d->rom) {
        uint32_t want = rom_target(b, d);
        if (want != d->rom_mapped) {
            if (d->rom_mapped)
                b->mem->unmap(b->mem_ctx, d->rom_mapped, d->rom_size);
            d->rom_mapped = want;
            if (want && b->mem->map_rom(b->mem_ctx, want, d->rom, d->rom_len) < 0)
                d->rom_mapped = 0;
        }
    }
}

static void update_irq(struct pci_device *d)
{
    bool off = d->config[PCI_COMMAND + 1] & (PCI_CMD_INTX_OFF >> 8);
    bool out = d->irq_level && !off;
    /* Status bit 3 shows the request even while INTx is disabled. */
    if (d->irq_level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTX;
    else
        d->config[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTX;
    if (out == d->irq_out)
        return;
    d->irq_out = out;
    int pin = d->config[PCI_INTERRUPT_PIN];
    if (pin >= 1 && pin <= 4 && d->bus && d->bus->route)
        d->bus->route(d->bus->route_ctx, d->devfn, pin - 1, out);
}

void pci_set_irq(struct pci_device *d, int level)
{
    d->irq_level = level != 0;
    update_irq(d);
}

int pci_register(struct pci_bus *b, struct pci_device *d, uint8_t devfn)
{
    if (b->devs[devfn])
        return -1;
    d->devfn = devfn;
    d->bus = b;
    b->devs[devfn] = d;
    return 0;
}

struct pci_device *pci_bus_device(struct pci_bus *b, uint8_t devfn)
{
    return b->devs[devfn];
}

uint32_t pci_config_read(struct pci_bus *b, uint8_t devfn, unsigned off, unsigned size)
{
    struct pci_device *d = b->devs[devfn];
    /* A function that does not exist reads all ones (master abort). */
    if (!d)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint32_t v = 0;
    for (unsigned i = 0; i < size && off + i < 256; i++)
        v |= (uint32_t)d->config[off + i] << (8 * i);
    return v;
}

void pci_config_write(struct pci_bus *b, uint8_t devfn, unsigned off, uint32_t val, unsigned size)
{
    struct pci_device *d = b->devs[devfn];
    if (!d || off >= 256)
        return;
    if (off + size > 256)
        size = 256 - off;
    for (unsigned i = 0; i < size; i++) {
        uint8_t v = (uint8_t)(val >> (8 * i));
        uint8_t *c = &d->config[off + i];
        *c = (uint8_t)((*c & ~d->wmask[off + i]) | (v & d->wmask[off + i]));
        *c &= (uint8_t)~(v & d->w1cmask[off + i]);
    }
    /* Command, BARs and the ROM BAR move address decoders. */
    if (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) {
        update_mappings(b, d);
        update_irq(d);
    } else if ((off < 0x28 && off + size > PCI_BAR0) || (off < 0x34 && off + size > PCI_ROM_BAR)) {
        update_mappings(b, d);
    }
    if (d->config_written)
        d->config_written(d, off, size);
}

/* CONFIG_ADDRESS: bit 31 enable, 23:16 bus, 15:11 device, 10:8 function,
 * 7:2 register. Only bus 0 exists. */
static bool decode(struct pci_bus *b, uint16_t port, uint8_t *devfn, unsigned *off)
{
    uint32_t a = b->config_address;
    if (!(a & 0x80000000u) || ((a >> 16) & 0xff) != 0)
        return false;
    *devfn = (uint8_t)(a >> 8);
    *off = (a & 0xfc) + (port & 3);
    return true;
}

static uint32_t host_read(void *opaque, uint16_t port, unsigned size)
{
    struct pci_bus *b = opaque;
    if (port == 0xcf8 && size == 4)
        return b->config_address;
    if (port < 0xcfc)
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    uint8_t devfn;
    unsigned off;
    if (!decode(b, port, &devfn, &off))
        return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
    return pci_config_read(b, devfn, off, size);
}

static void host_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct pci_bus *b = opaque;
    if (port == 0xcf8 && size == 4) {
        b->config_address = value & 0x80fffffcu;
        return;
    }
    if (port < 0xcfc)
        return;  /* byte/word accesses to 0xCF8-0xCFB are not configuration cycles */
    uint8_t devfn;
    unsigned off;
    if (decode(b, port, &devfn, &off))
        pci_config_write(b, devfn, off, value, size);
}

static const struct io_ops host_ops = {host_read, host_write};

struct pci_bus *pci_bus_create(struct io_bus *io, const struct pci_mem_ops *mem, void *mem_ctx)
{
    struct pci_bus *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->io = io;
    b->mem = mem;
    b->mem_ctx = mem_ctx;
    b->mmio_start = 0xe0000000u;
    b->mmio_end = 0xfec00000u;
    io_register(io, 0xcf8, 8, &host_ops, b, "pci-host");
    return b;
}

void pci_bus_destroy(struct pci_bus *b)
{
    free(b);
}

void pci_bus_set_router(struct pci_bus *b, pci_route_fn route, void *ctx)
{
    b->route = route;
    b->route_ctx = ctx;
}

void pci_bus_set_mmio_window(struct pci_bus *b, uint64_t start, uint64_t end)
{
    b->mmio_start = start;
    b->mmio_end = end;
}

void pci_bus_reset(struct pci_bus *b)
{
    b->config_address = 0;
    for (int i = 0; i < 256; i++) {
        struct pci_device *d = b->devs[i];
        if (!d)
            continue;
        d->config[PCI_COMMAND] = 0;
        d->config[PCI_COMMAND + 1] = 0;
        for (int n = 0; n < 6; n++)
            if (d->bars[n].type != PCI_BAR_NONE)
                wr32(d->config + PCI_BAR0 + 4 * n, d->bars[n].type == PCI_BAR_IO ? 1 : 0);
        wr32(d->config + PCI_ROM_BAR, 0);
        update_mappings(b, d);
        update_irq(d);
    }
}
