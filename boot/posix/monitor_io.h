/* The hosted monitor transports (stdio, TCP server); see monitor_io.c. */
#ifndef BAREMU_BOOT_POSIX_MONITOR_IO_H
#define BAREMU_BOOT_POSIX_MONITOR_IO_H

#include <stddef.h>

/* spec is -monitor's argument. Returns 0 or -1 with err naming the option. */
int monitor_io_open(const char *spec, char *err, size_t errlen);
void monitor_io_close(void);

#endif
