/* The ACPI tables the kernel reads (ACPI 6.4: RSDP 5.2.5, RSDT/XSDT 5.2.7-8,
 * FADT 5.2.9, MADT 5.2.12; HPET from the IA-PC HPET spec 3.2.4; MCFG from the
 * PCI Firmware spec 4.1.2). */
#ifndef BAREMU_KERNEL_ACPI_H
#define BAREMU_KERNEL_ACPI_H

#include <stdint.h>

#define ACPI_MAX_TABLES 48
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_OVERRIDES 24
#define ACPI_MAX_MCFG 8

struct acpi_info {
    int present, revision;           /* revision 2 = XSDT used */
    int ntables;
    char sig[ACPI_MAX_TABLES][5];
    uint64_t addr[ACPI_MAX_TABLES];
    /* MADT */
    int have_madt, pcat_compat;
    uint64_t lapic_base;
    int nioapics;
    struct { uint8_t id; uint64_t base; uint32_t gsi_base; } ioapic[ACPI_MAX_IOAPICS];
    int noverrides;
    struct { uint8_t irq; uint32_t gsi; uint16_t flags; } override[ACPI_MAX_OVERRIDES];
    /* FADT */
    uint16_t pm_timer_port;          /* 0 when absent */
    int pm_timer_32bit;
    /* HPET */
    uint64_t hpet_base;              /* 0 when absent */
    /* MCFG */
    int nmcfg;
    struct { uint64_t base; uint16_t segment; uint8_t bus_start, bus_end; } mcfg[ACPI_MAX_MCFG];
};

extern struct acpi_info acpi;

/* Walks the tables from the RSDP (0 = none); bad checksums are reported and
 * the table skipped. */
void acpi_init(uint64_t rsdp);
/* A table by signature, or NULL. */
const void *acpi_find(const char *sig);
/* The GSI and polarity/trigger flags (MADT MPS INTI flags) for an ISA IRQ. */
uint32_t acpi_isa_gsi(uint8_t irq, uint16_t *flags);

/* Powers the machine off through ACPI S5 (\_S5 from the DSDT, PM1 control);
 * returns -1 when that is not possible or did not happen. */
int acpi_poweroff(void);

#endif
