/* The local APIC, the IOAPICs and the masked legacy PIC. Register offsets from
 * Intel SDM vol. 3A table 10-1 (xAPIC) and 10.12 (x2APIC MSR = 0x800 + offset
 * / 16); IOAPIC redirection entries from the 82093AA datasheet section 3.2.4;
 * 8259A initialisation words from its datasheet. */
#include "baremu/platform.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/mm.h"

#define MSR_APIC_BASE 0x1b
enum {
    LAPIC_ID = 0x20, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0, LAPIC_SVR = 0xf0, LAPIC_ESR = 0x280,
    LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360, LAPIC_LVT_ERROR = 0x370,
    LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390, LAPIC_TIMER_DIV = 0x3e0,
};
#define LVT_MASKED 0x10000u

int lapic_ok, ioapic_ok;
static uint64_t lapic_base;
static int x2apic;

static uint32_t lapic_read(uint32_t reg)
{
    if (x2apic)
        return (uint32_t)rdmsr(0x800 + reg / 16);
    return mmio_read32(lapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
    if (x2apic)
        wrmsr(0x800 + reg / 16, v);
    else
        mmio_write32(lapic_base + reg, v);
}

void lapic_eoi(void)
{
    if (lapic_ok)
        lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
    if (!lapic_ok)
        return 0;
    return x2apic ? lapic_read(LAPIC_ID) : lapic_read(LAPIC_ID) >> 24;
}

void lapic_timer_oneshot(uint32_t count)
{
    if (!lapic_ok)
        return;
    lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);   /* one-shot, unmasked */
    lapic_write(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_current(void)
{
    return lapic_ok ? lapic_read(LAPIC_TIMER_CUR) : 0;
}

/* The two 8259As: remapped away from the exception vectors (their spurious
 * IRQ 7/15 could still arrive) and fully masked. */
static void pic_disable(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);                  /* ICW1: init, ICW4 follows */
    outb(0x21, VEC_PIC_BASE); outb(0xa1, VEC_PIC_BASE + 8); /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02);                  /* ICW3: slave on IRQ 2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);                  /* ICW4: 8086 mode */
    outb(0x21, 0xff); outb(0xa1, 0xff);                  /* mask everything */
}

static uint32_t ioapic_read(uint64_t base, uint32_t reg)
{
    mmio_write32(base, reg);
    return mmio_read32(base + 0x10);
}

static void ioapic_write(uint64_t base, uint32_t reg, uint32_t v)
{
    mmio_write32(base, reg);
    mmio_write32(base + 0x10, v);
}

int apic_init(void)
{
    pic_disable();
    uint32_t r[4];
    cpuid(1, 0, r);
    if (!(r[3] & (1u << 9))) {
        LOGW("apic", "no local APIC: polling devices, no timer interrupts");
        return -1;
    }
    uint64_t msr = rdmsr(MSR_APIC_BASE);
    x2apic = (msr >> 10) & 1;   /* firmware left it in x2APIC mode: keep it */
    lapic_base = acpi.lapic_base ? acpi.lapic_base : (msr & ~0xfffull);
    if (!x2apic && !paging_map_mmio(lapic_base, 4096)) {
        LOGW("apic", "local APIC at %#lx cannot be mapped", (unsigned long)lapic_base);
        return -1;
    }
    wrmsr(MSR_APIC_BASE, msr | (1u << 11));             /* global enable */
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);        /* software enable */
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);            /* the PIC's ExtINT path: unused */
    lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_DIV, 0x3);                   /* divide by 16 */
    if (!x2apic)
        lapic_write(LAPIC_ESR, 0);
    lapic_ok = 1;

    for (int i = 0; i < acpi.nioapics; i++) {
        uint64_t base = acpi.ioapic[i].base;
        if (!paging_map_mmio(base, 4096))
            continue;
        uint32_t n = ((ioapic_read(base, 1) >> 16) & 0xff) + 1;
        for (uint32_t k = 0; k < n; k++) {
            ioapic_write(base, 0x10 + 2 * k, LVT_MASKED);
            ioapic_write(base, 0x11 + 2 * k, 0);
        }
        ioapic_ok = 1;
    }
    if (!ioapic_ok)
        LOGW("apic", "no IOAPIC in the MADT: device interrupts off, polling instead");
    return 0;
}

int ioapic_route_gsi(uint32_t gsi, int vector, int level, int active_low)
{
    for (int i = 0; i < acpi.nioapics; i++) {
        uint64_t base = acpi.ioapic[i].base;
        uint32_t first = acpi.ioapic[i].gsi_base;
        uint32_t n = ((ioapic_read(base, 1) >> 16) & 0xff) + 1;
        if (gsi < first || gsi >= first + n)
            continue;
        uint32_t k = gsi - first;
        uint32_t lo = (uint32_t)vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
        ioapic_write(base, 0x11 + 2 * k, lapic_id() << 24);   /* physical destination */
        ioapic_write(base, 0x10 + 2 * k, lo);                 /* fixed delivery, unmasked */
        return 0;
    }
    return -1;
}

int ioapic_route_isa(uint8_t irq, int vector)
{
    if (!ioapic_ok)
        return -1;
    uint16_t flags;
    uint32_t gsi = acpi_isa_gsi(irq, &flags);
    /* MPS INTI flags: polarity bits 1:0 (3 = active low), trigger 3:2 (3 = level);
     * 0 means "bus default", which for ISA is active high, edge. */
    return ioapic_route_gsi(gsi, vector, (flags & 0xc) == 0xc, (flags & 0x3) == 0x3);
}
