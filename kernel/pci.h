/* PCI: enumeration through ECAM (ACPI MCFG) or, failing that, configuration
 * mechanism #1 at ports 0xcf8/0xcfc; and the API drivers use (PCI Local Bus
 * spec 3.0 chapter 6, PCI Express base spec 7.2.2 for ECAM). */
#ifndef BAREMU_KERNEL_PCI_H
#define BAREMU_KERNEL_PCI_H

#include <stdint.h>

#define PCI_MAX_DEVICES 128

struct pci_bar {
    uint64_t base, size;   /* size 0: unused */
    uint8_t is_io, is_64, prefetch;
};

struct pci_dev {
    uint16_t seg;
    uint8_t bus, dev, fn;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if, revision, header_type;
    uint8_t irq_line, irq_pin;
    uint8_t msi_cap, msix_cap;     /* capability offsets, 0 if absent */
    struct pci_bar bar[6];
};

extern struct pci_dev pci_devs[PCI_MAX_DEVICES];
extern int pci_count;
extern const char *pci_access;     /* "ECAM" or "port 0xcf8" */

void pci_init(void);
void pci_print(void);

/* The index-th device with this vendor:device (0xffff matches any), or NULL. */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, int index);
/* The index-th device of this class/subclass, or NULL. */
struct pci_dev *pci_find_class(uint8_t class_code, uint8_t subclass, int index);

uint32_t pci_read32(const struct pci_dev *d, uint16_t off);
uint16_t pci_read16(const struct pci_dev *d, uint16_t off);
uint8_t pci_read8(const struct pci_dev *d, uint16_t off);
void pci_write32(const struct pci_dev *d, uint16_t off, uint32_t v);
void pci_write16(const struct pci_dev *d, uint16_t off, uint16_t v);
void pci_write8(const struct pci_dev *d, uint16_t off, uint8_t v);

/* Enables memory and I/O decoding and bus mastering (DMA) for the device. */
void pci_enable(struct pci_dev *d);
/* A pointer to a memory BAR (mapped uncached), or NULL for I/O or absent BARs. */
volatile void *pci_map_bar(struct pci_dev *d, int bar);
/* Routes the device's INTx pin to vector through the IOAPIC, using the ISA
 * IRQ the firmware wrote to Interrupt Line and the MADT's override for it
 * (level, active low when there is none, as PCI lines are). This is the
 * firmware's legacy routing, right on QEMU pc/q35; real boards may need the
 * ACPI _PRT (not interpreted here), so drivers should prefer MSI. -1 when
 * the device has no pin or there is no IOAPIC. */
int pci_enable_intx(struct pci_dev *d, int vector);
/* Points the device's MSI at vector on this CPU and enables it (INTx off);
 * -1 when it has no MSI capability. */
int pci_enable_msi(struct pci_dev *d, int vector);

#endif
