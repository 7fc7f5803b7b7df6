/* The PIIX4-style ACPI power management function (PCI 00:01.3, 8086:7113, as
 * QEMU's pc machine has it): the PM I/O block with the 3.579545 MHz PM timer,
 * PM1 status/enable/control and soft power-off; the SCI on ISA IRQ 9. */
#ifndef BAREMU_EMU_HW_ACPI_PM_H
#define BAREMU_EMU_HW_ACPI_PM_H

#include <stdint.h>

#include "emu/hw/pci.h"
#include "emu/irq.h"
#include "emu/vclock.h"

#define ACPI_PM_TIMER_HZ 3579545u

struct acpi_pm;

/* poweroff(ctx) is called when the guest enters S5 (SUS_TYP 0 with SUS_EN,
 * the value QEMU's and our _S5 object give). */
struct acpi_pm *acpi_pm_create(struct pci_bus *bus, struct io_bus *io, const struct vclock *clock,
                               struct irq_line sci, void (*poweroff)(void *ctx), void *ctx);
void acpi_pm_destroy(struct acpi_pm *p);
void acpi_pm_reset(struct acpi_pm *p);
/* Raises the SCI on timer overflow (bit 23 toggling) when enabled; returns
 * the next such event or VCLOCK_NEVER. */
uint64_t acpi_pm_poll(struct acpi_pm *p);
/* The PM timer value now (24 bits). */
uint32_t acpi_pm_timer(struct acpi_pm *p);
/* The power button (sets PWRBTN_STS, raises the SCI if enabled). */
void acpi_pm_power_button(struct acpi_pm *p);

#endif
