/* Standard input/output as a character device (-serial stdio, mon:stdio); see stdio_chr.c. */
#ifndef BAREMU_BOOT_POSIX_STDIO_CHR_H
#define BAREMU_BOOT_POSIX_STDIO_CHR_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/emu_host.h"

/* mux: the monitor shares the line through the Ctrl-A keys (mon:stdio). */
struct chardev *stdio_chr_open(bool mux, char *err, size_t errlen);

#endif
