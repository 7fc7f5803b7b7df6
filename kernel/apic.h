/* Interrupt controllers: the local APIC (xAPIC MMIO or x2APIC MSRs), the
 * IOAPICs from the MADT, and the legacy 8259 PICs, which are remapped and
 * masked (Intel SDM vol. 3A chapter 10; 82093AA IOAPIC datasheet). */
#ifndef BAREMU_KERNEL_APIC_H
#define BAREMU_KERNEL_APIC_H

#include <stdint.h>

/* 0 when the local APIC is up; ioapic_ok tells whether device interrupts
 * (keyboard) are routed, else the event loop polls the devices instead. */
int apic_init(void);
extern int lapic_ok, ioapic_ok;

void lapic_eoi(void);
uint32_t lapic_id(void);
/* One-shot timer on VEC_TIMER: count in timer ticks (bus clock / 16); 0 stops it. */
void lapic_timer_oneshot(uint32_t count);
uint32_t lapic_timer_current(void);

/* Routes an ISA IRQ (through the MADT's overrides) or a GSI to a vector on
 * this CPU. -1 when no IOAPIC covers it. */
int ioapic_route_isa(uint8_t irq, int vector);
int ioapic_route_gsi(uint32_t gsi, int vector, int level, int active_low);

#endif
