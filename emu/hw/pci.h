/* The PCI bus 0 of the PC and the API a PCI device (the i440FX, PIIX3
 * functions, VGA, the emulated NICs) uses: a 256-byte type-0 config space with
 * per-bit write masks, BARs that the bus maps into I/O or memory space when
 * the guest enables them, an option ROM BAR, and INTx. The host reaches the
 * config space through mechanism #1 (ports 0xCF8/0xCFC, PCI Local Bus
 * Specification 2.1, 3.7.4.1). */
#ifndef BAREMU_EMU_HW_PCI_H
#define BAREMU_EMU_HW_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/io.h"
#include "emu/memory.h"

/* Config-space offsets (PCI 2.1, 6.1). */
enum {
    PCI_VENDOR_ID = 0x00, PCI_DEVICE_ID = 0x02, PCI_COMMAND = 0x04, PCI_STATUS = 0x06,
    PCI_REVISION = 0x08, PCI_CLASS_PROG = 0x09, PCI_HEADER_TYPE = 0x0e, PCI_BAR0 = 0x10,
    PCI_SUBSYS_VENDOR = 0x2c, PCI_SUBSYS_ID = 0x2e, PCI_ROM_BAR = 0x30,
    PCI_INTERRUPT_LINE = 0x3c, PCI_INTERRUPT_PIN = 0x3d,
};
#define PCI_CMD_IO        0x0001
#define PCI_CMD_MEMORY    0x0002
#define PCI_CMD_MASTER    0x0004
#define PCI_CMD_INTX_OFF  0x0400
#define PCI_STATUS_INTX   0x0008

enum pci_bar_type { PCI_BAR_NONE = 0, PCI_BAR_IO, PCI_BAR_MEM32 };

#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))

/* How the bus reaches guest memory: the machine passes wrappers around
 * emu/memory.h (unit tests pass fakes). */
struct pci_mem_ops {
    int (*map_mmio)(void *ctx, uint64_t gpa, uint64_t len, const struct mmio_ops *ops,
                    void *opaque, const char *name);
    int (*map_rom)(void *ctx, uint64_t gpa, const void *data, uint64_t len);
    void (*unmap)(void *ctx, uint64_t gpa, uint64_t len);
};

struct pci_bar {
    enum pci_bar_type type;
    uint32_t size;                /* a power of two, >= 16 (memory) or 4 (I/O) */
    const struct io_ops *io;      /* PCI_BAR_IO: handlers get absolute port numbers */
    const struct mmio_ops *mmio;  /* PCI_BAR_MEM32: offsets relative to the BAR */
    void *opaque;
    uint32_t mapped;              /* where it is mapped now, 0 = not mapped */
};

struct pci_bus;

struct pci_device {
    uint8_t config[256];
    uint8_t wmask[256];           /* bits the guest may change */
    uint8_t w1cmask[256];         /* bits the guest clears by writing 1 */
    const char *name;
    uint8_t devfn;
    struct pci_bar bars[6];
    const uint8_t *rom;           /* option ROM image (not owned) */
    uint32_t rom_size;            /* power of two covering the image */
    uint32_t rom_len;
    uint32_t rom_mapped;
    bool irq_level;               /* the device's INTx request */
    bool irq_out;                 /* what the bus last saw (after INTx disable) */
    struct pci_bus *bus;
    /* Called after the guest wrote config bytes [off, off+size) (already
     * stored through the masks), e.g. the i440FX updating its PAM map. */
    void (*config_written)(struct pci_device *d, unsigned off, unsigned size);
    void *opaque;
};

/* Routes INTx pin (0 = INTA) of devfn to an interrupt controller input. */
typedef void (*pci_route_fn)(void *ctx, uint8_t devfn, int pin, int level);

struct pci_bus *pci_bus_create(struct io_bus *io, const struct pci_mem_ops *mem, void *mem_ctx);
void pci_bus_destroy(struct pci_bus *b);
void pci_bus_set_router(struct pci_bus *b, pci_route_fn route, void *ctx);
/* Memory BARs are mapped only inside [start, end): the PCI hole between the
 * top of low RAM and the IOAPIC/firmware area, so a guest cannot map a BAR
 * over its RAM. */
void pci_bus_set_mmio_window(struct pci_bus *b, uint64_t start, uint64_t end);
/* Unmaps every BAR and resets every device's command register. */
void pci_bus_reset(struct pci_bus *b);
struct pci_device *pci_bus_device(struct pci_bus *b, uint8_t devfn);

/* Fills the identity and the usual writable fields of a type-0 header. */
void pci_device_init(struct pci_device *d, const char *name, uint16_t vendor, uint16_t device,
                     uint32_t class_code, uint8_t revision);
/* Declares BAR n before pci_register. */
void pci_set_bar(struct pci_device *d, int n, enum pci_bar_type type, uint32_t size,
                 const struct io_ops *io, const struct mmio_ops *mmio, void *opaque);
/* An option ROM served through the expansion ROM BAR (data must outlive d). */
void pci_set_rom(struct pci_device *d, const uint8_t *data, uint32_t len);
/* The INTx pin the device uses (1 = INTA .. 4 = INTD). */
void pci_set_intx_pin(struct pci_device *d, int pin);
/* Puts d on the bus at devfn; -1 if taken. The bus does not own d. */
int pci_register(struct pci_bus *b, struct pci_device *d, uint8_t devfn);
/* Sets the device's INTx request level. */
void pci_set_irq(struct pci_device *d, int level);

/* Config-space access as the host bridge performs it (also for tests). */
uint32_t pci_config_read(struct pci_bus *b, uint8_t devfn, unsigned off, unsigned size);
void pci_config_write(struct pci_bus *b, uint8_t devfn, unsigned off, uint32_t val, unsigned size);

#endif
