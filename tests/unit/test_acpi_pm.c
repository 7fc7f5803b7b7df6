/* The PIIX4 PM function as SeaBIOS and Linux use it: enabling the PM I/O
 * block through config space, the PM timer rate, TMR_STS and the SCI, and
 * soft power-off through SUS_TYP 0 + SUS_EN. */
#include "check.h"
#include "emu/hw/acpi_pm.h"

static uint64_t now_ns;
static uint64_t fake_now(void *ctx) { return now_ns; }
static const struct vclock clk = {fake_now, NULL};
static int sci, poweroffs;
static void set_sci(void *c, int pin, int level) { sci = level; }
static void on_off(void *c) { poweroffs++; }
static int fmap(void *c, uint64_t g, uint64_t l, const struct mmio_ops *o, void *op, const char *n) { return 0; }
static int from(void *c, uint64_t g, const void *d, uint64_t l) { return 0; }
static void funmap(void *c, uint64_t g, uint64_t l) {}
static const struct pci_mem_ops fake_mem = {fmap, from, funmap};

TEST(acpi_pm_timer_sci_poweroff)
{
    struct io_bus *io = io_bus_create();
    struct pci_bus *bus = pci_bus_create(io, &fake_mem, NULL);
    now_ns = 0;
    sci = poweroffs = 0;
    struct acpi_pm *p = acpi_pm_create(bus, io, &clk, (struct irq_line){set_sci, NULL, 9}, on_off, NULL);
    CHECK_EQ_INT(pci_config_read(bus, PCI_DEVFN(1, 3), 0, 4), 0x71138086);
    CHECK_EQ_INT(io_read(io, 0xb008, 4), 0xffffffffu);     /* not mapped yet */
    pci_config_write(bus, PCI_DEVFN(1, 3), 0x40, 0xb001, 4);
    pci_config_write(bus, PCI_DEVFN(1, 3), 0x80, 0x01, 1);
    CHECK_EQ_INT(pci_config_read(bus, PCI_DEVFN(1, 3), 0x40, 4), 0xb001);
    now_ns = 1000000000ull;                                /* one second */
    CHECK_EQ_INT(io_read(io, 0xb008, 4), ACPI_PM_TIMER_HZ);
    /* TMR_STS after bit 23 toggles, SCI once enabled in ACPI mode. */
    io_write(io, 0xb002, 0x0001, 2);
    uint64_t next = acpi_pm_poll(p);
    CHECK_EQ_INT(next, 2343484438ull);                      /* 2^23 ticks: 2.34 s */
    now_ns = next;
    acpi_pm_poll(p);
    CHECK_EQ_INT(io_read(io, 0xb000, 2) & 1, 1);
    CHECK_EQ_INT(sci, 0);
    io_write(io, 0xb004, 0x0001, 2);                       /* SCI_EN */
    CHECK_EQ_INT(sci, 1);
    io_write(io, 0xb000, 0x0001, 2);                       /* clear TMR_STS */
    CHECK_EQ_INT(sci, 0);
    /* S5: SUS_TYP 0, SUS_EN. A byte write to the high half works too. */
    io_write(io, 0xb004, 0x0001 | (1 << 10) | (1 << 13), 2); /* type 1: ignored */
    CHECK_EQ_INT(poweroffs, 0);
    io_write(io, 0xb005, 0x20, 1);
    CHECK_EQ_INT(poweroffs, 1);
    CHECK_EQ_INT(io_read(io, 0xb004, 2) & 0x2000, 0);
    /* The FADT's SMI_CMD port: ACPI_DISABLE/ACPI_ENABLE flip SCI_EN, as the
     * SMI handler of a real board would; APMS is a scratch byte. */
    io_write(io, 0xb2, 0xf0, 1);
    CHECK_EQ_INT(io_read(io, 0xb004, 2) & 1, 0);
    io_write(io, 0xb2, 0xf1, 1);
    CHECK_EQ_INT(io_read(io, 0xb004, 2) & 1, 1);
    io_write(io, 0xb3, 0x5a, 1);
    CHECK_EQ_INT(io_read(io, 0xb3, 1), 0x5a);
    acpi_pm_destroy(p);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}

/* SeaBIOS's tables name the GPE0 block at 0xAFE0 and PCI hotplug PCIU/PCID at
 * 0xAE00/0xAE04: with nothing decoding them they read all ones and Linux ejects
 * the devices of slots 2+ on its first SCI. They must read "nothing pending". */
TEST(acpi_gpe0_and_pci_hotplug_read_idle)
{
    struct io_bus *io = io_bus_create();
    struct pci_bus *bus = pci_bus_create(io, &fake_mem, NULL);
    struct acpi_pm *p = acpi_pm_create(bus, io, &clk, (struct irq_line){set_sci, NULL, 9}, on_off, NULL);
    CHECK_EQ_INT(io_read(io, 0xafe0, 2), 0);               /* GPE0_STS: no event */
    CHECK_EQ_INT(io_read(io, 0xafe2, 2), 0);
    io_write(io, 0xafe2, 0x0002, 2);                       /* Linux enables GPE 1 (_E01) */
    CHECK_EQ_INT(io_read(io, 0xafe2, 2), 0x0002);
    CHECK_EQ_INT(io_read(io, 0xafe0, 2), 0);
    io_write(io, 0xafe0, 0xffff, 2);                       /* write-one-to-clear: stays 0 */
    CHECK_EQ_INT(io_read(io, 0xafe0, 4), 0x00020000);
    CHECK_EQ_INT(io_read(io, 0xae00, 4), 0);               /* PCIU: no slot came up */
    CHECK_EQ_INT(io_read(io, 0xae04, 4), 0);               /* PCID: no eject request */
    io_write(io, 0xae08, 1u << 3, 4);                      /* B0EJ ignored */
    CHECK_EQ_INT(io_read(io, 0xae04, 4), 0);
    acpi_pm_reset(p);
    CHECK_EQ_INT(io_read(io, 0xafe2, 2), 0);
    acpi_pm_destroy(p);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}

/* A guest that puts PMBA over the PCI host's 0xCF8-0xCFF (base 0xCC0) and
 * then moves it: the host bridge keeps its ports all along (it claims them
 * before the PCI bus sees the cycle, PCI 2.1 3.7.4.1) and configuration
 * cycles still work afterwards; the PM block answers at its new base. */
TEST(acpi_pm_base_over_other_ports)
{
    struct io_bus *io = io_bus_create();
    struct pci_bus *bus = pci_bus_create(io, &fake_mem, NULL);
    struct acpi_pm *p = acpi_pm_create(bus, io, &clk, (struct irq_line){set_sci, NULL, 9}, on_off, NULL);
    io_write(io, 0xcf8, 0x80000000u | PCI_DEVFN(1, 3) << 8 | 0x40, 4);
    io_write(io, 0xcfc, 0xcc1, 4);
    io_write(io, 0xcf8, 0x80000000u | PCI_DEVFN(1, 3) << 8 | 0x80, 4);
    io_write(io, 0xcfc, 1, 1);
    CHECK_EQ_INT(io_read(io, 0xcf8, 4), 0x80000000u | PCI_DEVFN(1, 3) << 8 | 0x80);
    io_write(io, 0xcc4, 0x0001, 2);                        /* PM block below the host's ports */
    CHECK_EQ_INT(io_read(io, 0xcc4, 2), 1);
    io_write(io, 0xcf8, 0x80000000u | PCI_DEVFN(1, 3) << 8 | 0x40, 4);
    io_write(io, 0xcfc, 0xb001, 4);
    CHECK_EQ_INT(io_read(io, 0xcc4, 2), 0xffff);           /* released */
    CHECK_EQ_INT(io_read(io, 0xb004, 2), 1);
    io_write(io, 0xcf8, 0x80000000u | PCI_DEVFN(1, 3) << 8, 4);
    CHECK_EQ_INT(io_read(io, 0xcfc, 4), 0x71138086);       /* the host bridge still answers */
    acpi_pm_destroy(p);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}
