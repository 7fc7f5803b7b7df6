/* The real-NIC core (see nic.h): probe in PCI address order, stable names
 * eth0.. printed with their MACs, interrupt setup (MSI per PCI Local Bus spec
 * 3.0 section 6.8, MSI-X per 6.8.2, else the firmware's INTx line through the IOAPIC), the
 * event-loop hook that polls, and each NIC's net_port. */
#include "drivers/net/nic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "kernel/apic.h"
#include "kernel/irq.h"
#include "kernel/loop.h"
#include "kernel/timer.h"

struct nic *nics[NIC_MAX];
int nic_count;

static const struct nic_driver *const drivers[] = {&intel_driver, &virtio_net_driver, &rtl8139_driver};

/* A shared INTx line: every NIC on one GSI is asked in turn (level-triggered
 * lines are shared by design, PCI 3.0 section 2.2.6). */
struct irq_line {
    int gsi, vector;
    struct nic *members[NIC_MAX];
    int count;
};
static struct irq_line lines[NIC_MAX];
static int nlines;

static void nic_msi_handler(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct nic *n = ctx;
    n->drv->ops->irq(n);
    n->st.irqs++;
    n->irq_seen = 1;
}

static void nic_line_handler(struct irq_frame *f, void *ctx)
{
    (void)f;
    struct irq_line *l = ctx;
    for (int i = 0; i < l->count; i++) {
        struct nic *n = l->members[i];
        if (n->drv->ops->irq(n)) {
            n->st.irqs++;
            n->irq_seen = 1;
        }
    }
}

/* MSI-X (PCI 3.0 section 6.8.2): entry 0 of the table in the BAR named by
 * the capability's BIR, pointed at vector on this CPU; then the driver
 * routes its sources to entry 0. */
static int setup_msix(struct nic *n, int vector)
{
    struct pci_dev *p = n->pci;
    uint16_t c = p->msix_cap;
    uint32_t tbl = pci_read32(p, (uint16_t)(c + 4));
    volatile uint8_t *bar = pci_map_bar(p, (int)(tbl & 7));
    if (!bar)
        return -1;
    volatile uint32_t *e = (volatile uint32_t *)(bar + (tbl & ~7u));
    e[0] = 0xfee00000u | (lapic_id() & 0xff) << 12;   /* SDM 10.11.1 */
    e[1] = 0;
    e[2] = (uint32_t)vector;                           /* fixed, edge */
    e[3] = 0;                                          /* unmasked */
    uint16_t ctl = pci_read16(p, (uint16_t)(c + 2));
    pci_write16(p, (uint16_t)(c + 2), (uint16_t)((ctl & ~0x4000) | 0x8000));
    pci_write16(p, 0x04, pci_read16(p, 0x04) | 0x400);   /* INTx off */
    if (n->drv->ops->use_msix(n) != 0) {
        pci_write16(p, (uint16_t)(c + 2), (uint16_t)(ctl & ~0x8000));
        pci_write16(p, 0x04, pci_read16(p, 0x04) & ~0x400);
        return -1;
    }
    return 0;
}

static void setup_irq(struct nic *n, int force_poll)
{
    n->irq_mode = NIC_IRQ_POLL;
    if (force_poll || !lapic_ok)
        return;
    if (n->pci->msi_cap) {
        int v = irq_alloc_vector();
        if (v >= 0) {
            irq_set_handler(v, nic_msi_handler, n);
            if (pci_enable_msi(n->pci, v) == 0) {
                n->irq_mode = NIC_IRQ_MSI;
                n->vector = v;
                return;
            }
        }
    }
    if (n->pci->msix_cap && n->drv->ops->use_msix) {
        int v = irq_alloc_vector();
        if (v >= 0) {
            irq_set_handler(v, nic_msi_handler, n);
            if (setup_msix(n, v) == 0) {
                n->irq_mode = NIC_IRQ_MSIX;
                n->vector = v;
                return;
            }
        }
    }
    /* INTx: on -machine pc the firmware wrote the ISA IRQ the PIIX3 routes
     * the pin to (its MADT override makes it level-triggered). On q35 the
     * ICH9 sends PIRQs to IOAPIC pins 16-23 per the ACPI _PRT, which this
     * kernel does not interpret: there (and with no line) we poll. */
    if (!ioapic_ok || !n->pci->irq_pin || n->pci->irq_line == 0 || n->pci->irq_line >= 16 ||
        !strcmp(pci_access, "ECAM"))
        return;
    int gsi = n->pci->irq_line;
    struct irq_line *l = NULL;
    for (int i = 0; i < nlines; i++)
        if (lines[i].gsi == gsi)
            l = &lines[i];
    if (!l) {
        if (nlines == NIC_MAX)
            return;
        int v = irq_alloc_vector();
        if (v < 0)
            return;
        l = &lines[nlines];
        l->gsi = gsi;
        l->vector = v;
        l->count = 0;
        irq_set_handler(v, nic_line_handler, l);
        if (ioapic_route_isa((uint8_t)gsi, v) != 0)
            return;
        nlines++;
    }
    l->members[l->count++] = n;
    n->irq_mode = NIC_IRQ_IOAPIC;
    n->vector = l->vector;
    n->gsi = gsi;
}

/* The port side: a frame from the peer (uplink, passthrough) goes to the wire. */
static bool nic_port_receive(struct net_port *p, const uint8_t *frame, size_t len)
{
    struct nic *n = p->opaque;
    if (!n->up || len > NIC_MTU_FRAME || len < 14) {
        n->st.tx_dropped++;
        return true;
    }
    /* Ring full: reclaim what the chip finished, waiting up to 500 us (a
     * 1514-byte frame takes 121 us at 100 Mbit/s); never receive here. */
    int tries = 0;
    while (n->drv->ops->transmit(n, frame, len) != 0) {
        if (tries++ == 50) {
            n->st.tx_dropped++;
            return true;
        }
        n->drv->ops->reclaim(n);
        if (tries > 1)
            timer_udelay(10);
    }
    n->st.tx_frames++;
    n->st.tx_bytes += len;
    return true;
}

static void nic_port_describe(struct net_port *p, char *buf, size_t len)
{
    struct nic *n = p->opaque;
    snprintf(buf, len, "%s %s %02x:%02x:%02x:%02x:%02x:%02x link %s", n->drv->family, n->id->name, n->mac[0],
             n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->link_up ? "up" : "down");
}

static const struct net_port_ops nic_port_ops = {
    .receive = nic_port_receive,
    .describe = nic_port_describe,
};

void nic_rx(struct nic *n, const uint8_t *frame, size_t len)
{
    n->st.rx_frames++;
    n->st.rx_bytes += len;
    if (!n->port.peer || !net_port_send(&n->port, frame, len))
        n->st.rx_dropped++;
}

static void check_link(struct nic *n)
{
    int up = n->drv->ops->link(n) ? 1 : 0;
    if (up == n->link_up)
        return;
    n->link_up = up;
    n->st.link_changes++;
    LOGI("nic", "%s: link %s", n->name, up ? "up" : "down");
    net_port_set_link(&n->port, up);
}

/* The loop hook: poll every NIC that raised an interrupt (or all of them in
 * polling mode); look at the links every 250 ms (a link interrupt also wakes
 * us). Polling NICs ask to run again within 1 ms. */
static int nic_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    static uint64_t next_link;
    int busy = LOOP_IDLE, any_poll = 0;
    for (int i = 0; i < nic_count; i++) {
        struct nic *n = nics[i];
        if (!n->up)
            continue;
        if (n->irq_mode == NIC_IRQ_POLL)
            any_poll = 1;
        if (n->irq_mode == NIC_IRQ_POLL || n->irq_seen) {
            n->irq_seen = 0;
            if (n->drv->ops->poll(n) > 0)
                busy = LOOP_BUSY;
        }
    }
    if (now >= next_link) {
        for (int i = 0; i < nic_count; i++)
            if (nics[i]->up)
                check_link(nics[i]);
        next_link = now + 250 * 1000000ull;
    }
    if (next_link < *next)
        *next = next_link;
    if (any_poll && now + 1000000ull < *next)
        *next = now + 1000000ull;
    return busy;
}

static const struct nic_id *match(const struct nic_driver *d, const struct pci_dev *p)
{
    for (const struct nic_id *id = d->ids; id->vendor; id++)
        if (id->vendor == p->vendor && id->device == p->device)
            return id;
    return NULL;
}

static const char *const irq_names[] = {"polling", "IOAPIC", "MSI", "MSI-X"};

int nic_probe_all(int force_poll)
{
    /* pci_devs is in enumeration order: segment, bus, device, function
     * ascending, so eth0 is the NIC with the lowest PCI address. */
    for (int i = 0; i < pci_count && nic_count < NIC_MAX; i++) {
        struct pci_dev *p = &pci_devs[i];
        const struct nic_driver *drv = NULL;
        const struct nic_id *id = NULL;
        for (size_t k = 0; k < sizeof(drivers) / sizeof(drivers[0]) && !id; k++)
            if ((id = match(drivers[k], p)))
                drv = drivers[k];
        if (!id)
            continue;
        struct nic *n = calloc(1, sizeof(*n));
        void *priv = calloc(1, drv->priv_size);
        if (!n || !priv) {
            LOGE("nic", "out of memory");
            free(n);
            free(priv);
            break;
        }
        n->index = nic_count;
        snprintf(n->name, sizeof(n->name), "eth%d", nic_count);
        n->pci = p;
        n->drv = drv;
        n->id = id;
        n->priv = priv;
        pci_enable(p);
        if (drv->ops->open(n) != 0) {
            LOGE("nic", "%02x:%02x.%x %04x:%04x %s: open failed; skipped", p->bus, p->dev, p->fn, p->vendor,
                 p->device, id->name);
            free(priv);
            free(n);
            continue;
        }
        n->up = 1;
        setup_irq(n, force_poll);
        n->link_up = drv->ops->link(n) ? 1 : 0;
        net_port_register(&n->port, &nic_port_ops, "nic", n->name, n);
        nics[nic_count++] = n;
        char irq[32];
        if (n->irq_mode == NIC_IRQ_IOAPIC)
            snprintf(irq, sizeof(irq), "IOAPIC IRQ %d", n->gsi);
        else
            snprintf(irq, sizeof(irq), "%s", irq_names[n->irq_mode]);
        LOGI("nic", "%s: %02x:%02x.%x %04x:%04x %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x, %s, link %s", n->name,
             p->bus, p->dev, p->fn, p->vendor, p->device, id->name, drv->family, n->mac[0], n->mac[1], n->mac[2],
             n->mac[3], n->mac[4], n->mac[5], irq, n->link_up ? "up" : "down");
    }
    if (nic_count) {
        static const struct loop_hook hook = {"nic", nic_hook, NULL};
        loop_add(&hook);
    } else {
        LOGI("nic", "no supported network card found");
    }
    return nic_count;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char end;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
        return -1;
    for (int i = 0; i < 6; i++) {
        if (v[i] > 255)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

struct nic *nic_find(const char *s)
{
    uint8_t mac[6];
    int by_mac = parse_mac(s, mac) == 0;
    for (int i = 0; i < nic_count; i++)
        if (by_mac ? !memcmp(nics[i]->mac, mac, 6) : !strcmp(nics[i]->name, s))
            return nics[i];
    return NULL;
}

void nic_poll_all(void)
{
    for (int i = 0; i < nic_count; i++)
        if (nics[i]->up)
            nics[i]->drv->ops->poll(nics[i]);
}

void nic_report(void)
{
    for (int i = 0; i < nic_count; i++) {
        const struct nic_stats *s = &nics[i]->st;
        LOGI("nic", "%s: rx %lu frames %lu bytes, tx %lu frames %lu bytes, dropped rx %lu tx %lu, errors %lu, "
             "irqs %lu, link changes %lu", nics[i]->name, (unsigned long)s->rx_frames, (unsigned long)s->rx_bytes,
             (unsigned long)s->tx_frames, (unsigned long)s->tx_bytes, (unsigned long)s->rx_dropped,
             (unsigned long)s->tx_dropped, (unsigned long)s->rx_errors, (unsigned long)s->irqs,
             (unsigned long)s->link_changes);
    }
}
