/* QEMU's firmware configuration interface (fw_cfg) as SeaBIOS reads it on
 * x86: selector at port 0x510 (16-bit), data at 0x511 (8-bit), the DMA
 * address at 0x514/0x518, numbered items and a directory of named files. */
#ifndef BAREMU_EMU_HW_FW_CFG_H
#define BAREMU_EMU_HW_FW_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "emu/io.h"

/* Item numbers (QEMU docs/specs/fw_cfg.rst, "Selector Register Values"). */
enum {
    FW_CFG_SIGNATURE = 0x00, FW_CFG_ID = 0x01, FW_CFG_UUID = 0x02, FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04, FW_CFG_NB_CPUS = 0x05, FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07, FW_CFG_KERNEL_SIZE = 0x08, FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a, FW_CFG_INITRD_SIZE = 0x0b, FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d, FW_CFG_BOOT_MENU = 0x0e, FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10, FW_CFG_KERNEL_DATA = 0x11, FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13, FW_CFG_CMDLINE_SIZE = 0x14, FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16, FW_CFG_SETUP_SIZE = 0x17, FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19, FW_CFG_FILE_FIRST = 0x20,
    /* x86 items in the architecture-local range */
    FW_CFG_ACPI_TABLES = 0x8000, FW_CFG_SMBIOS_ENTRIES = 0x8001, FW_CFG_IRQ0_OVERRIDE = 0x8002,
    FW_CFG_E820_TABLE = 0x8003, FW_CFG_HPET = 0x8004,
};

#define FW_CFG_MAX_FILES 64
#define FW_CFG_FILE_NAME_MAX 56

struct fw_cfg;
struct guest_memory;

/* With mem, the DMA interface (ports 0x514-0x51b) is offered too. */
struct fw_cfg *fw_cfg_create(struct io_bus *io, struct guest_memory *mem);
void fw_cfg_destroy(struct fw_cfg *f);
/* Adds (or replaces) an item with a copy of data. Returns 0 or -1. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, size_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v);  /* little-endian */
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
/* Adds a named file (replacing one of the same name); it gets the next free
 * selector from FW_CFG_FILE_FIRST and a directory entry. Returns the
 * selector or -1 (name too long, table full). */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, size_t len);

#endif
