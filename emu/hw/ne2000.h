/* The NE2000 core shared by the ISA and PCI (RTL8029) cards: a National
 * DP8390 NIC with its 32 KiB buffer RAM behind remote DMA, the address PROM
 * and the NE2000 ASIC ports (data port at +0x10, reset at +0x1F). The front
 * ends (ne2000_isa.c, ne2000_pci.c) map the 32 ports and carry the IRQ. */
#ifndef BAREMU_EMU_HW_NE2000_H
#define BAREMU_EMU_HW_NE2000_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/hw/nic.h"

#define NE2000_IO_SIZE 0x20
#define NE2000_MEM_START 0x4000u   /* buffer RAM: pages 0x40..0xBF */
#define NE2000_MEM_SIZE 0x8000u

struct ne2000 {
    struct nic nic;
    struct nic_env env;
    uint8_t mac[6];
    bool rtl8029;                 /* answers the RTL8029 ID registers */
    /* The interrupt output: the front end forwards the level. */
    void (*set_irq)(struct ne2000 *s, int level);
    void *front;                  /* the front end's state */
    /* DP8390 registers (National DP8390D datasheet, "Register Descriptions") */
    uint8_t cr, isr, imr, dcr, tcr, rcr, rsr, tsr;
    uint8_t pstart, pstop, bnry, curr, tpsr;
    uint16_t tbcr, rsar, rbcr;
    uint8_t par[6], mar[8];
    uint8_t cntr[3];
    uint8_t mem[NE2000_MEM_START + NE2000_MEM_SIZE];   /* PROM at 0, RAM at 0x4000 */
};

/* Fills the core (PROM from mac), registers the port; the front end then
 * maps ne2000_io_read/write over its 32 ports (offsets 0..0x1F). */
int ne2000_init(struct ne2000 *s, const struct nic_env *env, const char *id, const uint8_t mac[6],
                const char *model, char *err, size_t errlen);
/* The reset port: stopped, RST set (registers otherwise kept). */
void ne2000_reset(struct ne2000 *s);
/* Machine reset (RSTDRV / PCI RST#): every register cleared, then reset. */
void ne2000_power_on(struct ne2000 *s);
uint32_t ne2000_io_read(struct ne2000 *s, unsigned off, unsigned size);
void ne2000_io_write(struct ne2000 *s, unsigned off, uint32_t v, unsigned size);

#endif
