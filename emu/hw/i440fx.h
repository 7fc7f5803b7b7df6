/* The Intel 82441FX PCI and memory controller (i440FX host bridge, PCI
 * 00.0): identity and the PAM registers that shadow the BIOS area. */
#ifndef BAREMU_EMU_HW_I440FX_H
#define BAREMU_EMU_HW_I440FX_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/hw/pci.h"

/* Sets what reads and writes of [gpa, gpa+len) reach: RAM, or the ROM/PCI
 * behind (emu/memory.h gmem_set_shadow). */
typedef void (*i440fx_shadow_fn)(void *ctx, uint64_t gpa, uint64_t len, bool read_ram, bool write_ram);

struct i440fx;

struct i440fx *i440fx_create(struct pci_bus *bus, i440fx_shadow_fn shadow, void *ctx);
void i440fx_destroy(struct i440fx *h);
/* Back to power-on: every PAM segment reads and writes the ROM side. */
void i440fx_reset(struct i440fx *h);

#endif
