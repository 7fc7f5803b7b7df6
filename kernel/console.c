/* One output stream to all consoles (serial and framebuffer) and one input
 * stream from the serial line and the PS/2 keyboard. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "kernel/console.h"

/* Whether the last character written ended a line: the guest's serial
 * output and the appliance's log share the consoles. */
static bool mid_line;

void console_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
        fbcon_putc(s[i]);
    }
    if (n)
        mid_line = s[n - 1] != '\n';
}

void console_start_line(void)
{
    if (mid_line)
        console_write("\n", 1);
}

void console_puts(const char *s)
{
    console_write(s, strlen(s));
}

void console_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    console_write(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int console_getc(void)
{
    int c = serial_getc();
    if (c >= 0)
        return c == '\r' ? '\n' : c;
    return ps2kbd_getc();
}
