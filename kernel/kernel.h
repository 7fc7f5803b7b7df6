/* Kernel-wide declarations: the image's place in memory, panics, boot timing. */
#ifndef BAREMU_KERNEL_KERNEL_H
#define BAREMU_KERNEL_KERNEL_H

#include <stdint.h>

struct kernel_image {
    uint64_t base, size;     /* where UEFI loaded BOOTX64.EFI */
};
extern struct kernel_image kernel_image;

/* 1 when COM1's receive interrupt is routed (else the UART is polled). */
extern int serial_irq_routed;

_Noreturn void kpanic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
