/* The x86 I/O port space (64 Ki ports) between the CPU and the devices: a
 * device registers handlers for a port range; unclaimed ports read as all
 * ones and ignore writes, as on a PC's ISA bus. */
#ifndef BAREMU_EMU_IO_H
#define BAREMU_EMU_IO_H

#include <stdint.h>

struct io_ops {
    /* size is 1, 2 or 4; port is the absolute port number */
    uint32_t (*read)(void *opaque, uint16_t port, unsigned size);
    void (*write)(void *opaque, uint16_t port, uint32_t value, unsigned size);
};

struct io_bus;

struct io_bus *io_bus_create(void);
void io_bus_destroy(struct io_bus *b);
/* Claims [base, base+count); a later claim of a port replaces the earlier. */
int io_register(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                void *opaque, const char *name);
void io_unregister(struct io_bus *b, uint16_t base, uint32_t count);
/* For decoders the guest places (PCI I/O BARs, the PM I/O base): claims only
 * the ports of [base, base+count) nobody has, and releases only the ports
 * this handler holds, so a guest that moves one over another device's ports
 * neither takes them nor, moving it away, leaves them unclaimed. */
void io_register_free(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                      void *opaque, const char *name);
void io_unregister_owned(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                         void *opaque);
uint32_t io_read(struct io_bus *b, uint16_t port, unsigned size);
void io_write(struct io_bus *b, uint16_t port, uint32_t value, unsigned size);
/* The name of the device at port, or NULL (for logs and the monitor). */
const char *io_owner(const struct io_bus *b, uint16_t port);

#endif
