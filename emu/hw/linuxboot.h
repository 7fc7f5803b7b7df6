/* Direct Linux kernel boot (-kernel/-initrd/-append) the way QEMU does it on
 * a pc: the kernel's parts, the initrd and the command line become fw_cfg
 * items, and a small option ROM of our own (a PnP boot entry vector that
 * SeaBIOS runs first, through the bootorder file) fetches them with fw_cfg
 * DMA and enters the kernel's real-mode setup code (Linux boot protocol,
 * Documentation/arch/x86/boot.rst). */
#ifndef BAREMU_EMU_HW_LINUXBOOT_H
#define BAREMU_EMU_HW_LINUXBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "emu/hw/fw_cfg.h"

/* Where the pieces go in guest memory (QEMU's choices for protocol 2.02+). */
#define LINUXBOOT_SETUP_ADDR   0x10000u
#define LINUXBOOT_CMDLINE_ADDR 0x20000u
#define LINUXBOOT_KERNEL_ADDR  0x100000u

/* The name of the ROM in fw_cfg (SeaBIOS loads "genroms/" files as ROMs). */
#define LINUXBOOT_ROM_NAME "genroms/baremu-linuxboot.bin"

/* Checks the bzImage (boot protocol 2.02 or later, loaded high), patches its
 * setup header for the initrd and command line, and adds the fw_cfg items,
 * the ROM and a bootorder naming it first. ram_below_4g bounds the initrd
 * (placed as high as the kernel allows, below the top 1 MiB where SeaBIOS
 * keeps its tables). initrd may be NULL. Returns 0, or -1 with a message. */
int linuxboot_setup(struct fw_cfg *f, const uint8_t *kernel, size_t kernel_len,
                    const uint8_t *initrd, size_t initrd_len, const char *cmdline,
                    uint64_t ram_below_4g, char *err, size_t errlen);

/* The size of the ROM image. */
#define LINUXBOOT_ROM_SIZE 512

#endif
