/* Time: the TSC calibrated against the HPET, else the ACPI PM timer, else the
 * PIT; a monotonic nanosecond clock counted from efi_main's entry; and one
 * timer deadline on the local APIC timer (one-shot), which wakes the event
 * loop's HLT. */
#ifndef BAREMU_KERNEL_TIMER_H
#define BAREMU_KERNEL_TIMER_H

#include <stdint.h>

extern uint64_t tsc_hz;
extern const char *tsc_source;   /* "HPET", "ACPI PM timer" or "PIT" */
extern uint64_t lapic_timer_hz;

/* origin_tsc: the TSC value that is time 0 (efi_main's entry). */
void timer_init(uint64_t origin_tsc, int64_t wall_time_at_origin);
/* After apic_init: measures the local APIC timer against the TSC. */
void timer_calibrate_lapic(void);
uint64_t timer_now_ns(void);
/* Arms the one-shot interrupt for the absolute time ns (UINT64_MAX: none). */
void timer_set_deadline(uint64_t ns);
/* Busy-waits (for device resets and calibration). */
void timer_udelay(uint64_t us);

#endif
