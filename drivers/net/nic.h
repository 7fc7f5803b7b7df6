/* The bare-metal real-NIC layer: one driver per chip family, each a static
 * ops table plus a PCI ID table with quirk flags (iPXE's intel.c style); the
 * probe that names NICs eth0, eth1 ... in PCI address order; interrupts
 * (MSI, else the IOAPIC for the firmware's INTx line, else polling); and the
 * net_port (net/port.h) through which every NIC meets the network layer. */
#ifndef BAREMU_DRIVERS_NIC_H
#define BAREMU_DRIVERS_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/pci.h"
#include "net/port.h"

#define NIC_MAX 8
#define NIC_BUF_SIZE 2048     /* one receive/transmit buffer: a 1518-byte frame fits */
#define NIC_MTU_FRAME 1514    /* largest frame we transmit (no VLAN tag, no FCS) */

struct nic;

struct nic_ops {
    /* Resets the chip, sets up rings (dma_alloc), reads the MAC into n->mac
     * and enables receive and transmit. 0 or -1 with a log line. */
    int (*open)(struct nic *n);
    /* Stops DMA and interrupts (the rings stay allocated). */
    void (*close)(struct nic *n);
    /* Queues one frame; 0, or -1 when the ring is full (the frame is counted
     * as dropped by the caller). Frames shorter than 60 bytes are padded. */
    int (*transmit)(struct nic *n, const uint8_t *frame, size_t len);
    /* Delivers received frames through nic_rx() and reclaims sent buffers;
     * returns the number of frames received. */
    int (*poll)(struct nic *n);
    /* Reclaims sent transmit buffers only (never receives: it runs from the
     * transmit path, inside lwIP, which must not be re-entered). */
    void (*reclaim)(struct nic *n);
    /* In interrupt context: reads (and so acknowledges) the chip's cause
     * register; 1 when the interrupt was this NIC's. */
    int (*irq)(struct nic *n);
    /* 1 when the link is up. */
    int (*link)(struct nic *n);
    /* MSI-X table entry 0 is armed and enabled: point the device's own
     * interrupt sources at it (virtio's config/queue vectors). 0, or -1 to
     * fall back. Optional: without it MSI-X is not used. */
    int (*use_msix)(struct nic *n);
    /* Receive filter: promiscuous on/off (passthrough ports need it). Optional. */
    void (*set_promisc)(struct nic *n, int on);
};

/* Quirk flags of a PCI ID entry; each family gives them its own meanings
 * through these shared bits. */
enum {
    NIC_Q_PCIE = 1u << 0,        /* a PCIe part (82571 and later) */
    NIC_Q_QUEUE_ENABLE = 1u << 1,/* Intel 82575+/I21x/I22x: RXDCTL/TXDCTL.ENABLE per queue */
    NIC_Q_NO_ASDE = 1u << 2,     /* Intel: speed detection is the PHY's, leave CTRL.ASDE clear */
    NIC_Q_UNTESTED = 1u << 3,    /* in the table for real hardware, never run under QEMU here */
    NIC_Q_MODERN = 1u << 4,      /* virtio 1.0 transport (capabilities in config space) */
};

struct nic_id {
    uint16_t vendor, device;
    const char *name;
    unsigned quirks;
};

struct nic_driver {
    const char *family;          /* "intel", "virtio-net", "rtl8139" */
    const struct nic_id *ids;    /* ends with vendor 0 */
    const struct nic_ops *ops;
    size_t priv_size;
};

struct nic_stats {
    uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
    uint64_t rx_dropped;         /* lost by the chip (overrun) or refused by the port */
    uint64_t tx_dropped;         /* ring full or oversized */
    uint64_t rx_errors;
    uint64_t irqs, link_changes;
};

enum nic_irq_mode { NIC_IRQ_POLL, NIC_IRQ_IOAPIC, NIC_IRQ_MSI, NIC_IRQ_MSIX };

struct nic {
    char name[8];                /* "eth0" */
    int index;
    uint8_t mac[6];
    struct pci_dev *pci;
    const struct nic_driver *drv;
    const struct nic_id *id;
    void *priv;                  /* the driver's state (priv_size bytes, zeroed) */
    int up, link_up;
    enum nic_irq_mode irq_mode;
    int vector, gsi;
    volatile int irq_seen;       /* set by the interrupt handler, cleared by the poll */
    struct nic_stats st;
    struct net_port port;        /* kind "nic", id = name */
};

extern struct nic *nics[NIC_MAX];
extern int nic_count;

/* Finds every supported NIC on the PCI bus, opens it, names it and prints
 * one line each ("nic: eth0 ..."); force_poll keeps interrupts off. Returns
 * the number of NICs up. Registers the event-loop hook that polls them. */
int nic_probe_all(int force_poll);
/* By name ("eth0") or MAC ("52:54:00:12:34:56"), or NULL. */
struct nic *nic_find(const char *name_or_mac);
/* Called by drivers from poll(): hands a received frame to the port's peer. */
void nic_rx(struct nic *n, const uint8_t *frame, size_t len);
/* Polls every NIC once (receive and reclaim), outside the event loop. */
void nic_poll_all(void);
/* One line per NIC with its counters (log). */
void nic_report(void);

/* The families (drivers/net/FAMILY.c). */
extern const struct nic_driver intel_driver;
extern const struct nic_driver virtio_net_driver;
extern const struct nic_driver rtl8139_driver;

/* Helpers for drivers. */
static inline uint32_t nic_rd32(volatile void *base, uint32_t off)
{
    return *(volatile uint32_t *)((volatile uint8_t *)base + off);
}
static inline void nic_wr32(volatile void *base, uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)((volatile uint8_t *)base + off) = v;
}
#define nic_barrier() __asm__ volatile("mfence" ::: "memory")

#endif
