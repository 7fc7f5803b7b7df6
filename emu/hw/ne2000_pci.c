/* The NE2000 on PCI as QEMU's ne2k_pci presents it: a Realtek RTL8029
 * (PCI 10EC:8029, RTL8029AS datasheet) whose DP8390 core and NE2000 ports
 * (ne2000.c) sit in a 256-byte I/O BAR, interrupting on INTA. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "emu/hw/ne2000.h"
#include "emu/hw/pci.h"
#include "emu/io.h"

struct ne2k_pci {
    struct ne2000 core;   /* first: the struct nic is at offset 0 */
    struct pci_device pci;
};

static uint32_t pio_read(void *opaque, uint16_t port, unsigned size)
{
    struct ne2k_pci *d = opaque;
    unsigned off = (unsigned)(port - d->pci.bars[0].mapped);
    return off < NE2000_IO_SIZE ? ne2000_io_read(&d->core, off, size) : 0;
}

static void pio_write(void *opaque, uint16_t port, uint32_t v, unsigned size)
{
    struct ne2k_pci *d = opaque;
    unsigned off = (unsigned)(port - d->pci.bars[0].mapped);
    if (off < NE2000_IO_SIZE)
        ne2000_io_write(&d->core, off, v, size);
}

static const struct io_ops ne_pci_io = {pio_read, pio_write};

static void set_irq(struct ne2000 *s, int level)
{
    struct ne2k_pci *d = s->front;
    pci_set_irq(&d->pci, level);
}

static void reset(struct nic *n)
{
    ne2000_power_on((struct ne2000 *)n);
}

static void destroy(struct nic *n)
{
    free(n);
}

struct nic *ne2k_pci_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                            const uint8_t *rom, size_t rom_len, char *err, size_t errlen)
{
    struct ne2k_pci *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "ne2k_pci: out of memory");
        return NULL;
    }
    d->core.rtl8029 = true;
    d->core.front = d;
    d->core.set_irq = set_irq;
    d->core.nic.reset = reset;
    d->core.nic.destroy = destroy;
    pci_device_init(&d->pci, "ne2k_pci", 0x10ec, 0x8029, 0x020000, 0x00);
    pci_set_bar(&d->pci, 0, PCI_BAR_IO, 0x100, &ne_pci_io, NULL, d);
    pci_set_intx_pin(&d->pci, 1);
    if (rom)
        pci_set_rom(&d->pci, rom, (uint32_t)rom_len);
    d->pci.opaque = d;
    if (ne2000_init(&d->core, env, id, mac, "ne2k_pci", err, errlen) < 0) {
        free(d);
        return NULL;
    }
    if (nic_pci_register(env->pci, &d->pci) < 0) {
        net_port_unregister(&d->core.nic.port);
        snprintf(err, errlen, "ne2k_pci: no free PCI slot");
        free(d);
        return NULL;
    }
    ne2000_reset(&d->core);
    return &d->core.nic;
}
