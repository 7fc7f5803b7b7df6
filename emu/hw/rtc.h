/* The MC146818A real-time clock and its 128 bytes of CMOS RAM (ports 0x70
 * index with the NMI mask in bit 7, 0x71 data), on ISA IRQ8. */
#ifndef BAREMU_EMU_HW_RTC_H
#define BAREMU_EMU_HW_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/io.h"
#include "emu/irq.h"
#include "emu/vclock.h"

struct rtc;

/* base_s: the guest's wall-clock time (seconds since 1970, UTC or local as the
 * user chose) at vclock time 0. */
struct rtc *rtc_create(struct io_bus *io, const struct vclock *clock, struct irq_line irq8,
                       int64_t base_s);
void rtc_destroy(struct rtc *r);
/* CMOS bytes the machine fills in (memory size, boot order, equipment). */
void rtc_cmos_set(struct rtc *r, uint8_t index, uint8_t value);
uint8_t rtc_cmos_get(struct rtc *r, uint8_t index);
/* Recomputes the standard checksum over 0x10-0x2d into 0x2e/0x2f. */
void rtc_cmos_checksum(struct rtc *r);
/* Raises IRQ8 for periodic/alarm/update events due by now; returns the next
 * event's vclock ns or VCLOCK_NEVER. */
uint64_t rtc_poll(struct rtc *r);
/* Whether NMIs are masked (port 0x70 bit 7). */
bool rtc_nmi_masked(const struct rtc *r);
/* The guest's wall time now (seconds since 1970). */
int64_t rtc_guest_time(struct rtc *r);

/* Parses -rtc base=: "utc", "localtime", "YYYY-MM-DDTHH:MM:SS" or
 * "YYYY-MM-DD". host_utc_s and host_local_offset_s describe the host clock.
 * Returns -1 on junk. */
int rtc_parse_base(const char *s, int64_t host_utc_s, int64_t host_local_offset_s, int64_t *out);

/* Days since 1970-01-01 of a proleptic Gregorian date and the reverse. */
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void rtc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

#endif
