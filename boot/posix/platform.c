/* The hosted build's implementation of include/baremu/platform.h: clock_gettime
 * for time, stderr for the log. */
#include "baremu/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int plat_log_level = LOG_INFO;

uint64_t plat_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t plat_wall_time_s(void)
{
    return (int64_t)time(NULL);
}

void plat_vlog(enum log_level level, const char *subsys, const char *fmt, va_list ap)
{
    static const char *const names[] = {"error", "warning", "info", "debug", "trace"};
    if ((int)level > plat_log_level)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (level <= LOG_WARN)
        fprintf(stderr, "baremu: %s: %s: %s\n", subsys, names[level], msg);
    else
        fprintf(stderr, "baremu: %s: %s\n", subsys, msg);
}

void plat_log(enum log_level level, const char *subsys, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_vlog(level, subsys, fmt, ap);
    va_end(ap);
}

void plat_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "baremu: internal error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}
