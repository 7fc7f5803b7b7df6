/* A bench for the NIC models without a CPU: guest RAM, an I/O bus and a PCI
 * bus wired like the machine's, INTx/ISA IRQ levels recorded, and a peer port
 * standing in for the network that records what the NIC sends. Tests and
 * fuzzers act as the guest driver through the register accessors. */
#ifndef BAREMU_TESTS_NIC_HARNESS_H
#define BAREMU_TESTS_NIC_HARNESS_H

#include <stdlib.h>
#include <string.h>

#include "emu/hw/nic.h"
#include "emu/hw/pci.h"
#include "emu/io.h"
#include "emu/memory.h"
#include "net/port.h"

#ifndef NH_RAM
#define NH_RAM (16u << 20)
#endif
#define NH_BAR_MEM 0xf0000000u
#define NH_BAR_IO 0xc000u
#define NH_MAX_FRAMES 64

struct nic_harness {
    struct guest_memory *mem;
    struct io_bus *io;
    struct pci_bus *pci;
    struct nic_env env;
    struct nic *nic;
    struct pci_device *dev;
    int intx;                    /* the device's INTx level */
    int isa_irq[16];
    struct net_port peer;
    /* frames the NIC sent */
    uint8_t *frames[NH_MAX_FRAMES];
    size_t lens[NH_MAX_FRAMES];
    int nframes;
    bool peer_blocked;
};

static struct nic_harness *nh_cur;

static inline int nh_map_mmio(void *ctx, uint64_t gpa, uint64_t len, const struct mmio_ops *ops, void *op,
                       const char *name)
{
    return gmem_map_mmio(ctx, gpa, len, ops, op, name);
}
static inline int nh_map_rom(void *ctx, uint64_t gpa, const void *d, uint64_t len)
{
    return gmem_map_rom(ctx, gpa, d, len);
}
static inline void nh_unmap(void *ctx, uint64_t gpa, uint64_t len)
{
    gmem_unmap(ctx, gpa, len);
}
static const struct pci_mem_ops nh_mem_ops = {nh_map_mmio, nh_map_rom, nh_unmap};

static inline void nh_route(void *ctx, uint8_t devfn, int pin, int level)
{
    ((struct nic_harness *)ctx)->intx = level;
}
static inline void nh_isa_irq(void *ctx, int irq, int level)
{
    ((struct nic_harness *)ctx)->isa_irq[irq & 15] = level;
}

static inline bool nh_peer_receive(struct net_port *p, const uint8_t *f, size_t len)
{
    struct nic_harness *h = p->opaque;
    if (h->nframes == NH_MAX_FRAMES)
        return true;
    h->frames[h->nframes] = malloc(len);
    memcpy(h->frames[h->nframes], f, len);
    h->lens[h->nframes++] = len;
    return true;
}
static inline bool nh_peer_can_receive(struct net_port *p)
{
    return !((struct nic_harness *)p->opaque)->peer_blocked;
}
static const struct net_port_ops nh_peer_ops = {.receive = nh_peer_receive,
                                                .can_receive = nh_peer_can_receive};

static inline void nh_init(struct nic_harness *h)
{
    memset(h, 0, sizeof(*h));
    h->mem = gmem_create(NH_RAM, NH_RAM);
    h->io = io_bus_create();
    h->pci = pci_bus_create(h->io, &nh_mem_ops, h->mem);
    pci_bus_set_mmio_window(h->pci, NH_RAM, 0xfec00000u);
    pci_bus_set_router(h->pci, nh_route, h);
    h->env = (struct nic_env){.pci = h->pci, .mem = h->mem, .io = h->io, .isa_irq = nh_isa_irq, .ctx = h};
    net_port_register(&h->peer, &nh_peer_ops, "test", "nh-peer", h);
    nh_cur = h;
}

/* Connects the NIC and, for a PCI NIC, enables it with BAR0 (and BAR1) at
 * the harness addresses: memory BAR at NH_BAR_MEM, I/O BAR at NH_BAR_IO. */
static inline void nh_attach(struct nic_harness *h, struct nic *n)
{
    h->nic = n;
    net_port_connect(&n->port, &h->peer);
    for (int slot = 0; slot < 32; slot++) {
        struct pci_device *d = pci_bus_device(h->pci, PCI_DEVFN(slot, 0));
        if (!d)
            continue;
        h->dev = d;
        for (int b = 0; b < 2; b++) {
            if (d->bars[b].type == PCI_BAR_MEM32)
                pci_config_write(h->pci, d->devfn, PCI_BAR0 + 4 * b, NH_BAR_MEM, 4);
            else if (d->bars[b].type == PCI_BAR_IO)
                pci_config_write(h->pci, d->devfn, PCI_BAR0 + 4 * b, NH_BAR_IO, 4);
        }
        pci_config_write(h->pci, d->devfn, PCI_COMMAND, PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_MASTER, 2);
    }
}

static inline void nh_free_frames(struct nic_harness *h)
{
    for (int i = 0; i < h->nframes; i++)
        free(h->frames[i]);
    h->nframes = 0;
}

static inline void nh_fini(struct nic_harness *h)
{
    nh_free_frames(h);
    if (h->nic) {
        net_port_unregister(&h->nic->port);
        h->nic->destroy(h->nic);
    }
    net_port_unregister(&h->peer);
    pci_bus_destroy(h->pci);
    io_bus_destroy(h->io);
    gmem_destroy(h->mem);
}

static inline uint32_t nh_rd32(struct nic_harness *h, uint32_t off) { return (uint32_t)gmem_read(h->mem, NH_BAR_MEM + off, 4); }
static inline void nh_wr32(struct nic_harness *h, uint32_t off, uint32_t v) { gmem_write(h->mem, NH_BAR_MEM + off, v, 4); }
static inline uint16_t nh_rd16(struct nic_harness *h, uint32_t off) { return (uint16_t)gmem_read(h->mem, NH_BAR_MEM + off, 2); }
static inline void nh_wr16(struct nic_harness *h, uint32_t off, uint16_t v) { gmem_write(h->mem, NH_BAR_MEM + off, v, 2); }
static inline uint8_t nh_rd8(struct nic_harness *h, uint32_t off) { return (uint8_t)gmem_read(h->mem, NH_BAR_MEM + off, 1); }
static inline void nh_wr8(struct nic_harness *h, uint32_t off, uint8_t v) { gmem_write(h->mem, NH_BAR_MEM + off, v, 1); }
static inline uint32_t nh_in(struct nic_harness *h, uint16_t port, unsigned size) { return io_read(h->io, port, size); }
static inline void nh_out(struct nic_harness *h, uint16_t port, uint32_t v, unsigned size) { io_write(h->io, port, v, size); }

static inline uint8_t *nh_ram(struct nic_harness *h, uint64_t gpa) { return gmem_ram(h->mem) + gpa; }

/* Delivers a frame from the network to the NIC (queued if it can't take it). */
static inline bool nh_inject(struct nic_harness *h, const uint8_t *f, size_t len)
{
    return net_port_send(&h->peer, f, len);
}

/* A test frame: dst, src 02:00:00:00:00:01, ethertype 0x88b5 (local
 * experimental), payload bytes i*7+seed. */
static inline size_t nh_make_frame(uint8_t *f, const uint8_t dst[6], size_t len, uint8_t seed)
{
    static const uint8_t src[6] = {2, 0, 0, 0, 0, 1};
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i * 7 + seed);
    return len;
}

#endif
