/* virtio-net over PCI, both transports: legacy (1af4:1000, I/O BAR, virtio
 * 1.0 spec section 4.1.4.8 "Legacy Interfaces") and modern (1af4:1041,
 * capabilities in config space, section 4.1.4). One receive and one transmit
 * split virtqueue (section 2.4), no offloads, no mergeable buffers. */
#include <string.h>

#include "baremu/platform.h"
#include "drivers/net/nic.h"
#include "kernel/cpu.h"
#include "kernel/mm.h"
#include "kernel/timer.h"

/* Legacy I/O registers (4.1.4.8), device config at 0x14 without MSI-X. */
enum {
    L_HOST_FEATURES = 0x00, L_GUEST_FEATURES = 0x04, L_QUEUE_PFN = 0x08, L_QUEUE_NUM = 0x0c,
    L_QUEUE_SEL = 0x0e, L_QUEUE_NOTIFY = 0x10, L_STATUS = 0x12, L_ISR = 0x13, L_CONFIG = 0x14,
};
/* Modern common configuration (4.1.4.3). */
enum {
    C_DFSELECT = 0x00, C_DF = 0x04, C_GFSELECT = 0x08, C_GF = 0x0c, C_MSIX = 0x10, C_NUMQ = 0x12,
    C_STATUS = 0x14, C_QSELECT = 0x16, C_QSIZE = 0x18, C_QMSIX = 0x1a, C_QENABLE = 0x1c, C_QNOTIFY_OFF = 0x1e,
    C_QDESC = 0x20, C_QDRIVER = 0x28, C_QDEVICE = 0x30,
};
enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_FAILED = 128 };
enum { F_MAC = 5, F_STATUS = 16, F_VERSION_1 = 32 };
enum { VRING_F_NEXT = 1, VRING_F_WRITE = 2 };
enum { NET_S_LINK_UP = 1 };

#define QMAX 256            /* we use at most this many entries of a queue */

struct vring_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vring_used_elem { uint32_t id, len; };

struct vq {
    unsigned size;                       /* entries (power of two) */
    volatile struct vring_desc *desc;
    volatile uint16_t *avail;            /* flags, idx, ring[size], used_event */
    volatile uint16_t *used;             /* flags, idx, then elems */
    uint16_t last_used, avail_idx;
    uint8_t *bufs;
    uint64_t bufs_phys;
    unsigned inflight;
    volatile uint16_t *notify;           /* modern: where to write the queue index */
};

struct vnet {
    int modern;
    uint16_t io;                                     /* legacy */
    volatile uint8_t *common, *isr, *device, *notify_base;  /* modern */
    uint32_t notify_mult;
    unsigned hdr_len;                                /* 10 legacy, 12 with VERSION_1 */
    unsigned cfg_off;                                /* legacy: 0x14, 0x18 with MSI-X */
    int has_status;
    struct vq rx, tx;
};

static const struct nic_id vnet_ids[] = {
    {0x1af4, 0x1000, "virtio-net (legacy)", 0},
    {0x1af4, 0x1041, "virtio-net (modern)", NIC_Q_MODERN},
    {0, 0, NULL, 0},
};

static volatile struct vring_used_elem *used_elem(struct vq *q, unsigned i)
{
    return (volatile struct vring_used_elem *)((volatile uint8_t *)q->used + 4) + i;
}

/* Lays out a split virtqueue in one contiguous DMA block: descriptors,
 * the available ring, then (4096-aligned, as the legacy interface requires,
 * 2.4.2) the used ring; plus size buffers of NIC_BUF_SIZE. */
static int vq_alloc(struct vq *q, unsigned size)
{
    q->size = size;
    size_t avail_end = 16u * size + 6u + 2u * size;
    size_t used_off = (avail_end + 4095) & ~(size_t)4095;
    size_t total = used_off + ((6u + 8u * size + 4095) & ~(size_t)4095);
    uint64_t phys;
    uint8_t *m = dma_alloc(total, &phys);
    q->bufs = dma_alloc((size_t)size * NIC_BUF_SIZE, &q->bufs_phys);
    if (!m || !q->bufs)
        return -1;
    q->desc = (volatile struct vring_desc *)m;
    q->avail = (volatile uint16_t *)(m + 16u * size);
    q->used = (volatile uint16_t *)(m + used_off);
    q->last_used = q->avail_idx = 0;
    q->inflight = 0;
    return 0;
}

static uint64_t vq_phys(const void *p)
{
    return (uint64_t)(uintptr_t)p;   /* identity-mapped (kernel/mm.h) */
}

static void vq_kick(struct nic *n, struct vq *q, uint16_t index)
{
    struct vnet *v = n->priv;
    nic_barrier();
    if (q->used[0] & 1)   /* VIRTQ_USED_F_NO_NOTIFY (2.4.7) */
        return;
    if (v->modern)
        *q->notify = index;
    else
        outw(v->io + L_QUEUE_NOTIFY, index);
}

static void vq_push(struct vq *q, uint16_t id)
{
    q->avail[2 + (q->avail_idx % q->size)] = id;
    nic_barrier();
    q->avail_idx++;
    q->avail[1] = q->avail_idx;
}

/* ---- modern transport: find the capabilities (4.1.4) ---- */

static volatile uint8_t *cap_map(struct nic *n, uint8_t bar, uint32_t off)
{
    volatile uint8_t *b = pci_map_bar(n->pci, bar);
    return b ? b + off : NULL;
}

static int modern_caps(struct nic *n)
{
    struct vnet *v = n->priv;
    if (!(pci_read16(n->pci, 0x06) & 0x10))
        return -1;
    uint8_t p = pci_read8(n->pci, 0x34) & 0xfc;
    for (int guard = 0; p && guard < 48; guard++) {
        if (pci_read8(n->pci, p) == 0x09) {   /* vendor-specific: virtio_pci_cap */
            uint8_t type = pci_read8(n->pci, p + 3), bar = pci_read8(n->pci, p + 4);
            uint32_t off = pci_read32(n->pci, p + 8);
            if (bar < 6) {
                if (type == 1 && !v->common)
                    v->common = cap_map(n, bar, off);
                else if (type == 2 && !v->notify_base) {
                    v->notify_base = cap_map(n, bar, off);
                    v->notify_mult = pci_read32(n->pci, p + 16);
                } else if (type == 3 && !v->isr)
                    v->isr = cap_map(n, bar, off);
                else if (type == 4 && !v->device)
                    v->device = cap_map(n, bar, off);
            }
        }
        p = pci_read8(n->pci, p + 1) & 0xfc;
    }
    return v->common && v->notify_base && v->isr && v->device ? 0 : -1;
}

#define C8(off) (*(volatile uint8_t *)(v->common + (off)))
#define C16(off) (*(volatile uint16_t *)(v->common + (off)))
#define C32(off) (*(volatile uint32_t *)(v->common + (off)))

static int modern_queue(struct nic *n, struct vq *q, uint16_t index)
{
    struct vnet *v = n->priv;
    C16(C_QSELECT) = index;
    unsigned size = C16(C_QSIZE);
    if (!size)
        return -1;
    if (size > QMAX)
        size = QMAX;       /* 4.1.4.3: the driver may lower queue_size */
    C16(C_QSIZE) = (uint16_t)size;
    if (vq_alloc(q, size))
        return -1;
    C16(C_QMSIX) = 0xffff;  /* NO_VECTOR: INTx or polling */
    uint64_t d = vq_phys((const void *)q->desc), a = vq_phys((const void *)q->avail), u = vq_phys((const void *)q->used);
    C32(C_QDESC) = (uint32_t)d;
    C32(C_QDESC + 4) = (uint32_t)(d >> 32);
    C32(C_QDRIVER) = (uint32_t)a;
    C32(C_QDRIVER + 4) = (uint32_t)(a >> 32);
    C32(C_QDEVICE) = (uint32_t)u;
    C32(C_QDEVICE + 4) = (uint32_t)(u >> 32);
    q->notify = (volatile uint16_t *)(v->notify_base + (uint32_t)C16(C_QNOTIFY_OFF) * v->notify_mult);
    C16(C_QENABLE) = 1;
    return 0;
}

static int legacy_queue(struct nic *n, struct vq *q, uint16_t index)
{
    struct vnet *v = n->priv;
    outw(v->io + L_QUEUE_SEL, index);
    unsigned size = inw(v->io + L_QUEUE_NUM);
    /* Legacy devices fix the queue size (4.1.4.8): we must lay out all of it. */
    if (!size || size > 32768 || (size & (size - 1)))
        return -1;
    if (vq_alloc(q, size))
        return -1;
    outl(v->io + L_QUEUE_PFN, (uint32_t)(vq_phys((const void *)q->desc) >> 12));
    return 0;
}

static void set_status(struct nic *n, uint8_t s)
{
    struct vnet *v = n->priv;
    if (v->modern)
        C8(C_STATUS) = s;
    else
        outb(v->io + L_STATUS, s);
}

static uint8_t get_status(struct nic *n)
{
    struct vnet *v = n->priv;
    return v->modern ? C8(C_STATUS) : inb(v->io + L_STATUS);
}

static uint8_t cfg8(struct nic *n, unsigned off)
{
    struct vnet *v = n->priv;
    return v->modern ? v->device[off] : inb(v->io + v->cfg_off + off);
}

static int vnet_open(struct nic *n)
{
    struct vnet *v = n->priv;
    v->modern = (n->id->quirks & NIC_Q_MODERN) != 0;
    if (v->modern) {
        if (modern_caps(n) != 0) {
            LOGE("virtio-net", "%s: virtio 1.0 capabilities missing", n->name);
            return -1;
        }
    } else {
        if (!n->pci->bar[0].size || !n->pci->bar[0].is_io) {
            LOGE("virtio-net", "%s: legacy device without an I/O BAR0", n->name);
            return -1;
        }
        v->io = (uint16_t)n->pci->bar[0].base;
        v->cfg_off = L_CONFIG;
        /* MSI-X is still off here, so the device config starts at 0x14
         * (4.1.4.8); vnet_use_msix moves it to 0x18. */
    }
    /* Initialization sequence (3.1.1): reset, ACK, DRIVER, features,
     * FEATURES_OK (modern), queues, DRIVER_OK. */
    set_status(n, 0);
    for (int t = 0; t < 1000 && get_status(n) != 0; t++)
        timer_udelay(10);
    set_status(n, S_ACK);
    set_status(n, S_ACK | S_DRIVER);
    uint64_t have, want;
    if (v->modern) {
        C32(C_DFSELECT) = 0;
        have = C32(C_DF);
        C32(C_DFSELECT) = 1;
        have |= (uint64_t)C32(C_DF) << 32;
        want = have & (1ull << F_MAC | 1ull << F_STATUS | 1ull << F_VERSION_1);
        if (!(want & 1ull << F_VERSION_1)) {
            LOGE("virtio-net", "%s: modern device without VERSION_1", n->name);
            set_status(n, S_FAILED);
            return -1;
        }
        C32(C_GFSELECT) = 0;
        C32(C_GF) = (uint32_t)want;
        C32(C_GFSELECT) = 1;
        C32(C_GF) = (uint32_t)(want >> 32);
        set_status(n, S_ACK | S_DRIVER | S_FEATURES_OK);
        if (!(get_status(n) & S_FEATURES_OK)) {
            LOGE("virtio-net", "%s: device refused our features", n->name);
            set_status(n, S_FAILED);
            return -1;
        }
        v->hdr_len = 12;   /* struct virtio_net_hdr with num_buffers (5.1.6) */
    } else {
        have = inl(v->io + L_HOST_FEATURES);
        want = have & (1u << F_MAC | 1u << F_STATUS);
        outl(v->io + L_GUEST_FEATURES, (uint32_t)want);
        v->hdr_len = 10;
    }
    v->has_status = (want >> F_STATUS) & 1;
    if (want & 1ull << F_MAC) {
        for (int i = 0; i < 6; i++)
            n->mac[i] = cfg8(n, (unsigned)i);
    } else {
        static const uint8_t fallback[6] = {0x52, 0x54, 0x00, 0xbe, 0x00, 0x01};
        memcpy(n->mac, fallback, 6);
        n->mac[5] = (uint8_t)(n->mac[5] + n->index);
    }
    int rc = v->modern ? modern_queue(n, &v->rx, 0) | modern_queue(n, &v->tx, 1)
                       : legacy_queue(n, &v->rx, 0) | legacy_queue(n, &v->tx, 1);
    if (rc) {
        LOGE("virtio-net", "%s: cannot set up the virtqueues", n->name);
        set_status(n, S_FAILED);
        return -1;
    }
    /* Receive queue: every entry a device-writable buffer (5.1.6.3). */
    for (unsigned i = 0; i < v->rx.size; i++) {
        v->rx.desc[i].addr = v->rx.bufs_phys + (uint64_t)i * NIC_BUF_SIZE;
        v->rx.desc[i].len = NIC_BUF_SIZE;
        v->rx.desc[i].flags = VRING_F_WRITE;
        v->rx.desc[i].next = 0;
        vq_push(&v->rx, (uint16_t)i);
    }
    set_status(n, S_ACK | S_DRIVER | (v->modern ? S_FEATURES_OK : 0) | S_DRIVER_OK);
    vq_kick(n, &v->rx, 0);
    return 0;
}

static void vnet_close(struct nic *n)
{
    set_status(n, 0);
}

static int vnet_transmit(struct nic *n, const uint8_t *frame, size_t len)
{
    struct vnet *v = n->priv;
    struct vq *q = &v->tx;
    if (q->inflight >= q->size || len + v->hdr_len > NIC_BUF_SIZE)
        return -1;
    /* Descriptor i always uses buffer i; the id cycles with avail_idx, and
     * the device completes in order for a single-descriptor chain ring. */
    uint16_t id = (uint16_t)(q->avail_idx % q->size);
    uint8_t *b = q->bufs + (size_t)id * NIC_BUF_SIZE;
    memset(b, 0, v->hdr_len);       /* no checksum offload, no GSO (5.1.6.2) */
    memcpy(b + v->hdr_len, frame, len);
    q->desc[id].addr = q->bufs_phys + (uint64_t)id * NIC_BUF_SIZE;
    q->desc[id].len = (uint32_t)(len + v->hdr_len);
    q->desc[id].flags = 0;
    vq_push(q, id);
    q->inflight++;
    vq_kick(n, q, 1);
    return 0;
}

static void vnet_reclaim(struct nic *n)
{
    struct vnet *v = n->priv;
    struct vq *t = &v->tx;
    while (t->last_used != t->used[1]) {
        t->last_used++;
        if (t->inflight)
            t->inflight--;
    }
}

static int vnet_poll(struct nic *n)
{
    struct vnet *v = n->priv;
    int got = 0;
    vnet_reclaim(n);
    struct vq *q = &v->rx;
    int refill = 0;
    for (int budget = 64; budget > 0 && q->last_used != q->used[1]; budget--) {
        nic_barrier();
        volatile struct vring_used_elem *e = used_elem(q, q->last_used % q->size);
        uint32_t id = e->id, len = e->len;
        q->last_used++;
        if (id >= q->size) {
            n->st.rx_errors++;   /* a device bug; never trust the index */
            continue;
        }
        if (len > v->hdr_len + 14 && len <= NIC_BUF_SIZE) {
            nic_rx(n, q->bufs + (size_t)id * NIC_BUF_SIZE + v->hdr_len, len - v->hdr_len);
            got++;
        } else {
            n->st.rx_errors++;
        }
        vq_push(q, (uint16_t)id);
        refill = 1;
    }
    if (refill)
        vq_kick(n, q, 0);
    return got;
}

static int vnet_irq(struct nic *n)
{
    struct vnet *v = n->priv;
    /* The ISR status is cleared by reading it (4.1.4.5). */
    uint8_t isr = v->modern ? *v->isr : inb(v->io + L_ISR);
    return isr != 0;
}

static int vnet_link(struct nic *n)
{
    struct vnet *v = n->priv;
    if (!v->has_status)
        return 1;
    return (cfg8(n, 6) & NET_S_LINK_UP) != 0;
}

/* MSI-X entry 0 for configuration changes and both queues: modern
 * msix_config/queue_msix_vector (4.1.4.3), legacy registers at 0x14/0x16
 * with the device config moved to 0x18 (4.1.4.8). A device that cannot map
 * a vector reads back NO_VECTOR (0xffff). */
static int vnet_use_msix(struct nic *n)
{
    struct vnet *v = n->priv;
    if (v->modern) {
        C16(C_MSIX) = 0;
        if (C16(C_MSIX) != 0)
            return -1;
        for (uint16_t q = 0; q < 2; q++) {
            C16(C_QSELECT) = q;
            C16(C_QMSIX) = 0;
            if (C16(C_QMSIX) != 0)
                return -1;
        }
        return 0;
    }
    outw(v->io + 0x14, 0);
    if (inw(v->io + 0x14) != 0)
        return -1;
    for (uint16_t q = 0; q < 2; q++) {
        outw(v->io + L_QUEUE_SEL, q);
        outw(v->io + 0x16, 0);
        if (inw(v->io + 0x16) != 0)
            return -1;
    }
    v->cfg_off = 0x18;
    return 0;
}

static const struct nic_ops vnet_ops = {
    .use_msix = vnet_use_msix,
    .open = vnet_open,
    .close = vnet_close,
    .transmit = vnet_transmit,
    .poll = vnet_poll,
    .reclaim = vnet_reclaim,
    .irq = vnet_irq,
    .link = vnet_link,
    .set_promisc = NULL,   /* needs the control queue (VIRTIO_NET_F_CTRL_RX); QEMU's backend floods anyway */
};

const struct nic_driver virtio_net_driver = {"virtio-net", vnet_ids, &vnet_ops, sizeof(struct vnet)};
