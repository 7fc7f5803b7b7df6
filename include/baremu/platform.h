/* The base platform interface that emu/ and net/ use: a monotonic clock, the
 * wall clock, logging and panics. The hosted build implements it in
 * boot/posix/platform.c and the bare-metal kernel in kernel/platform.c; nothing
 * in emu/ or net/ calls the OS or the hardware any other way (the emulator's
 * devices add emu/emu_host.h, the network layer net/net_host.h). */
#ifndef BAREMU_PLATFORM_H
#define BAREMU_PLATFORM_H

#include <stdarg.h>
#include <stdint.h>

/* Monotonic time in nanoseconds since an arbitrary origin. */
uint64_t plat_now_ns(void);

/* Wall-clock time in seconds since 1970-01-01 UTC (for the guest's RTC). */
int64_t plat_wall_time_s(void);

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3, LOG_TRACE = 4 };

/* Messages above this level are dropped before formatting. */
extern int plat_log_level;

/* One log line: "subsys: message". The platform adds the newline. */
void plat_log(enum log_level level, const char *subsys, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plat_vlog(enum log_level level, const char *subsys, const char *fmt, va_list ap);

/* An internal bug (never a guest's or a peer's doing): report and stop. */
_Noreturn void plat_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define LOGE(sub, ...) plat_log(LOG_ERROR, sub, __VA_ARGS__)
#define LOGW(sub, ...) plat_log(LOG_WARN, sub, __VA_ARGS__)
#define LOGI(sub, ...) plat_log(LOG_INFO, sub, __VA_ARGS__)
#define LOGD(sub, ...) do { if (plat_log_level >= LOG_DEBUG) plat_log(LOG_DEBUG, sub, __VA_ARGS__); } while (0)

#endif
