/* The bare-metal implementation of include/baremu/platform.h: the clock comes
 * from the calibrated TSC (timer.c), log lines go to every console with a
 * timestamp, panics dump a message and stop. */
#include <stdarg.h>
#include <stdio.h>

#include "baremu/platform.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"

int plat_log_level = LOG_INFO;

void plat_vlog(enum log_level level, const char *subsys, const char *fmt, va_list ap)
{
    static const char *const names[] = {"error: ", "warning: ", "", "", ""};
    if ((int)level > plat_log_level)
        return;
    char msg[1024];
    uint64_t ns = plat_now_ns();
    int n = snprintf(msg, sizeof(msg), "[%4lu.%06lu] %s: %s", (unsigned long)(ns / 1000000000u),
                     (unsigned long)(ns / 1000u % 1000000u), subsys, names[level > LOG_TRACE ? LOG_TRACE : level]);
    if (n < 0 || n >= (int)sizeof(msg) - 2)
        n = 0;
    int m = vsnprintf(msg + n, sizeof(msg) - (size_t)n - 1, fmt, ap);
    if (m < 0)
        m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof(msg) - 2)
        len = sizeof(msg) - 2;
    msg[len++] = '\n';
    console_start_line();
    console_write(msg, len);
}

void plat_log(enum log_level level, const char *subsys, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_vlog(level, subsys, fmt, ap);
    va_end(ap);
}

static _Noreturn void vpanic(const char *fmt, va_list ap)
{
    char msg[512];
    cpu_cli();
    vsnprintf(msg, sizeof(msg), fmt, ap);
    console_printf("\n*** baremu: internal error: %s\n*** halted\n", msg);
    if (irq_exit_on_fault)
        debug_exit(EXIT_PANIC);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void plat_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(fmt, ap);
}

void kpanic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vpanic(fmt, ap);
}
