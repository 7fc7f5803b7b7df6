/* A self-test of the driver-facing PCI API (pci_find, pci_enable, pci_map_bar,
 * irq_alloc_vector, pci_enable_msi, dma_alloc with bus mastering), run only
 * when QEMU's "edu" teaching device (1234:11e8, never found on real PCs) is
 * present. Register layout from QEMU's docs/specs/edu.rst: 0x00 identity
 * 0xRRrr00ed, 0x04 liveness (reads back inverted), 0x24 interrupt status,
 * 0x60 raise, 0x64 acknowledge, 0x80/0x88/0x90/0x98 DMA source, destination,
 * count, command (1 start, 2 device-to-RAM); its DMA buffer is at 0x40000. */
#include <string.h>

#include "baremu/platform.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/mm.h"
#include "kernel/pci.h"
#include "kernel/pcitest.h"
#include "kernel/timer.h"

#define EDU_ID 0x00
#define EDU_LIVE 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_BUF 0x40000u

static volatile uint8_t *bar;
static volatile uint32_t irq_status_seen;
static volatile int irq_count;

static uint32_t rd32(uint32_t off) { return *(volatile uint32_t *)(bar + off); }
static void wr32(uint32_t off, uint32_t v) { *(volatile uint32_t *)(bar + off) = v; }
static void wr64(uint32_t off, uint64_t v) { *(volatile uint64_t *)(bar + off) = v; }
static uint64_t rd64(uint32_t off) { return *(volatile uint64_t *)(bar + off); }

static void edu_irq(struct irq_frame *f, void *ctx)
{
    (void)f; (void)ctx;
    uint32_t st = rd32(EDU_IRQ_STATUS);
    irq_status_seen |= st;
    wr32(EDU_IRQ_ACK, st);   /* the device keeps raising until acknowledged */
    irq_count++;
}

/* Polls cond for up to 1 s of TSC time; 0 when it never held. */
static int wait_for(int (*cond)(void))
{
    uint64_t end = timer_now_ns() + 1000000000ull;
    while (!cond())
        if (timer_now_ns() > end)
            return 0;
        else
            cpu_pause();
    return 1;
}
static int got_irq(void) { return irq_count > 0; }
static int dma_idle(void) { return !(rd64(EDU_DMA_CMD) & 1); }

static int dma(uint64_t src, uint64_t dst, uint32_t n, uint32_t cmd)
{
    wr64(EDU_DMA_SRC, src);
    wr64(EDU_DMA_DST, dst);
    wr64(EDU_DMA_COUNT, n);
    wr64(EDU_DMA_CMD, cmd | 1);
    return wait_for(dma_idle);
}

void pcitest_edu(void)
{
    struct pci_dev *d = pci_find(0x1234, 0x11e8, 0);
    if (!d)
        return;
    pci_enable(d);
    bar = pci_map_bar(d, 0);
    if (!bar) {
        LOGE("pcitest", "edu: BAR0 cannot be mapped");
        return;
    }
    uint32_t id = rd32(EDU_ID);
    wr32(EDU_LIVE, 0x12345678u);
    int live = rd32(EDU_LIVE) == ~0x12345678u;

    /* INTx first (the device's default), then MSI, each on its own vector. */
    int ivec = irq_alloc_vector(), intx_ok = 0, intx_count = 0;
    if (ivec >= 0 && (irq_set_handler(ivec, edu_irq, NULL), pci_enable_intx(d, ivec)) == 0) {
        wr32(EDU_IRQ_RAISE, 0x123);
        intx_ok = wait_for(got_irq) && irq_status_seen == 0x123;
        intx_count = irq_count;
        /* Level-triggered: acknowledged in the handler, so it stays quiet. */
    }
    irq_count = 0;
    irq_status_seen = 0;
    int vec = irq_alloc_vector();
    int msi = -1;
    if (vec >= 0) {
        irq_set_handler(vec, edu_irq, NULL);
        msi = pci_enable_msi(d, vec);
    }
    int irq_ok = 0;
    if (msi == 0) {
        wr32(EDU_IRQ_RAISE, 0xabc);
        irq_ok = wait_for(got_irq) && irq_status_seen == 0xabc;
    }

    /* RAM -> device buffer -> RAM 100 bytes further on, through bus mastering. */
    uint64_t phys = 0;
    uint8_t *buf = dma_alloc(PAGE_SIZE, &phys);
    int dma_ok = 0;
    if (buf) {
        for (int i = 0; i < 100; i++)
            buf[i] = (uint8_t)(i * 7 + 3);
        dma_ok = dma(phys, EDU_DMA_BUF, 100, 0) && dma(EDU_DMA_BUF, phys + 100, 100, 2) &&
                 memcmp(buf, buf + 100, 100) == 0;
        dma_free(buf, PAGE_SIZE);
    }
    LOGI("pcitest", "edu %02x:%02x.%x: INTx (irq %u) vector %#x %s (%d interrupt(s))", d->bus, d->dev, d->fn,
         d->irq_line, ivec, intx_ok ? "ok" : "FAILED", intx_count);
    LOGI("pcitest", "edu %02x:%02x.%x: id %#x %s, liveness %s, MSI vector %#x %s (%d interrupt(s), status %#x), "
         "DMA 100 bytes via %#lx %s",
         d->bus, d->dev, d->fn, id, (id & 0xff) == 0xed ? "ok" : "BAD", live ? "ok" : "FAILED", vec,
         irq_ok ? "ok" : "FAILED", irq_count, irq_status_seen, (unsigned long)phys, dma_ok ? "ok" : "FAILED");
}
