/* The standard VGA with the Bochs VBE extension as QEMU's "-vga std" has it:
 * PCI 00:02.0, 1234:1111, the linear framebuffer at BAR 0, the legacy VGA
 * ports 0x3B0-0x3DF and window 0xA0000-0xBFFFF, the VBE DISPI registers at
 * 0x1CE/0x1CF, and an option ROM (Debian's vgabios-stdvga.bin). */
#ifndef BAREMU_EMU_HW_VGA_H
#define BAREMU_EMU_HW_VGA_H

#include <stddef.h>
#include <stdint.h>

#include "emu/emu_host.h"
#include "emu/hw/pci.h"

#define VGA_VRAM_SIZE (16u << 20)

struct vga;

/* rom (len bytes, may be NULL) is copied and served through the ROM BAR. */
struct vga *vga_create(struct pci_bus *bus, struct io_bus *io, struct guest_memory *mem,
                       const uint8_t *rom, size_t rom_len);
void vga_destroy(struct vga *v);
void vga_reset(struct vga *v);

/* What the screen shows now, for the host's display (emu_host.h). Text cells
 * and 8-bit pixels are copied into buffers the VGA owns; 15/16/24/32-bit VBE
 * modes point into VRAM. Valid until the next call or guest access. */
void vga_display_state(struct vga *v, struct display_state *out);

#endif
