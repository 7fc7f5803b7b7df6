/* Reads the ACPI tables through the RSDP (XSDT when revision >= 2, else the
 * RSDT) and extracts what the kernel needs: interrupt controllers (MADT), the
 * PM timer (FADT), the HPET, and PCI ECAM windows (MCFG). ACPI 6.4 chapter 5. */
#include <string.h>

#include "baremu/platform.h"
#include "kernel/acpi.h"
#include "kernel/cpu.h"

struct acpi_info acpi;

static uint8_t sum(const void *p, uint32_t n)
{
    const uint8_t *b = p;
    uint8_t s = 0;
    while (n--)
        s += *b++;
    return s;
}
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void parse_madt(const uint8_t *t, uint32_t len)
{
    acpi.have_madt = 1;
    acpi.lapic_base = rd32(t + 36);
    acpi.pcat_compat = rd32(t + 40) & 1;
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = t[off], elen = t[off + 1];
        if (elen < 2 || off + elen > len)
            break;
        const uint8_t *e = t + off;
        if (type == 1 && elen >= 12 && acpi.nioapics < ACPI_MAX_IOAPICS) {
            acpi.ioapic[acpi.nioapics].id = e[2];
            acpi.ioapic[acpi.nioapics].base = rd32(e + 4);
            acpi.ioapic[acpi.nioapics].gsi_base = rd32(e + 8);
            acpi.nioapics++;
        } else if (type == 2 && elen >= 10 && acpi.noverrides < ACPI_MAX_OVERRIDES) {
            acpi.override[acpi.noverrides].irq = e[3];
            acpi.override[acpi.noverrides].gsi = rd32(e + 4);
            acpi.override[acpi.noverrides].flags = rd16(e + 8);
            acpi.noverrides++;
        } else if (type == 5 && elen >= 12) {
            acpi.lapic_base = rd64(e + 4);
        }
        off += elen;
    }
}

static void parse_fadt(const uint8_t *t, uint32_t len)
{
    if (len >= 80)
        acpi.pm_timer_port = (uint16_t)rd32(t + 76);
    if (len >= 116)
        acpi.pm_timer_32bit = (rd32(t + 112) >> 8) & 1;   /* TMR_VAL_EXT */
    /* X_PM_TMR_BLK (a Generic Address Structure) wins when it names I/O space. */
    if (len >= 220 && t[208] == 1 && rd64(t + 212))
        acpi.pm_timer_port = (uint16_t)rd64(t + 212);
}

static void parse_mcfg(const uint8_t *t, uint32_t len)
{
    for (uint32_t off = 44; off + 16 <= len && acpi.nmcfg < ACPI_MAX_MCFG; off += 16) {
        acpi.mcfg[acpi.nmcfg].base = rd64(t + off);
        acpi.mcfg[acpi.nmcfg].segment = rd16(t + off + 8);
        acpi.mcfg[acpi.nmcfg].bus_start = t[off + 10];
        acpi.mcfg[acpi.nmcfg].bus_end = t[off + 11];
        acpi.nmcfg++;
    }
}

static void add_table(uint64_t addr)
{
    const uint8_t *t = (const uint8_t *)(uintptr_t)addr;
    if (!addr || acpi.ntables == ACPI_MAX_TABLES)
        return;
    uint32_t len = rd32(t + 4);
    if (len < 36 || len > (64u << 20) || sum(t, len) != 0) {
        LOGW("acpi", "table %.4s at %#lx: bad length or checksum, skipped", (const char *)t,
             (unsigned long)addr);
        return;
    }
    memcpy(acpi.sig[acpi.ntables], t, 4);
    acpi.sig[acpi.ntables][4] = 0;
    acpi.addr[acpi.ntables] = addr;
    acpi.ntables++;
    if (!memcmp(t, "APIC", 4))
        parse_madt(t, len);
    else if (!memcmp(t, "FACP", 4))
        parse_fadt(t, len);
    else if (!memcmp(t, "HPET", 4) && len >= 52 && t[40] == 0)
        acpi.hpet_base = rd64(t + 44);
    else if (!memcmp(t, "MCFG", 4))
        parse_mcfg(t, len);
}

void acpi_init(uint64_t rsdp_addr)
{
    const uint8_t *rsdp = (const uint8_t *)(uintptr_t)rsdp_addr;
    if (!rsdp || memcmp(rsdp, "RSD PTR ", 8) || sum(rsdp, 20) != 0) {
        LOGW("acpi", "no valid RSDP: running without ACPI");
        return;
    }
    acpi.present = 1;
    uint64_t xsdt = 0;
    if (rsdp[15] >= 2 && sum(rsdp, rd32(rsdp + 20)) == 0)
        xsdt = rd64(rsdp + 24);
    const uint8_t *root = (const uint8_t *)(uintptr_t)(xsdt ? xsdt : rd32(rsdp + 16));
    acpi.revision = xsdt ? 2 : 0;
    if (!root) 
        return;
    uint32_t len = rd32(root + 4), esz = xsdt ? 8 : 4;
    if (len < 36 || sum(root, len) != 0) {
        LOGW("acpi", "%s checksum bad: running without ACPI", xsdt ? "XSDT" : "RSDT");
        acpi.present = 0;
        return;
    }
    add_table((uint64_t)(uintptr_t)root);
    for (uint32_t off = 36; off + esz <= len; off += esz)
        add_table(esz == 8 ? rd64(root + off) : rd32(root + off));
    /* The FADT points at the DSDT (and FACS) rather than listing them. */
    const uint8_t *fadt = acpi_find("FACP");
    if (fadt) {
        uint32_t flen = rd32(fadt + 4);
        uint64_t dsdt = flen >= 148 ? rd64(fadt + 140) : 0;
        add_table(dsdt ? dsdt : rd32(fadt + 40));
    }
}

const void *acpi_find(const char *sig)
{
    for (int i = 0; i < acpi.ntables; i++)
        if (!memcmp(acpi.sig[i], sig, 4))
            return (const void *)(uintptr_t)acpi.addr[i];
    return NULL;
}

uint32_t acpi_isa_gsi(uint8_t irq, uint16_t *flags)
{
    for (int i = 0; i < acpi.noverrides; i++)
        if (acpi.override[i].irq == irq) {
            *flags = acpi.override[i].flags;
            return acpi.override[i].gsi;
        }
    *flags = 0;   /* ISA defaults: active high, edge */
    return irq;
}

/* The value of a DSDT integer element at p (ACPI 6.4 20.2.3 data objects:
 * ZeroOp, OneOp, OnesOp, BytePrefix); -1 for anything else. */
static int aml_small_int(const uint8_t *p, const uint8_t *end)
{
    if (p >= end)
        return -1;
    switch (p[0]) {
    case 0x00: return 0;
    case 0x01: return 1;
    case 0x0a: return p + 1 < end ? p[1] : -1;
    default: return -1;
    }
}

/* Soft-off (ACPI 6.4 7.4.2 \_S5 and 4.8.3.2.1 PM1 control): SLP_TYPa from the
 * DSDT's \_S5 package (found by its name, without an AML interpreter: every
 * firmware seen so far declares it as Name(_S5, Package(){a, b, ...})), then
 * SLP_TYPa | SLP_EN written to PM1a_CNT (and PM1b_CNT when present). */
int acpi_poweroff(void)
{
    const uint8_t *fadt = acpi_find("FACP"), *dsdt = acpi_find("DSDT");
    if (!fadt || !dsdt || rd32(fadt + 4) < 72)
        return -1;
    uint16_t pm1a = (uint16_t)rd32(fadt + 64), pm1b = (uint16_t)rd32(fadt + 68);
    uint32_t dlen = rd32(dsdt + 4);
    const uint8_t *end = dsdt + dlen;
    for (const uint8_t *p = dsdt + 36; p + 8 < end; p++) {
        if (memcmp(p, "_S5_", 4) || p[4] != 0x12)   /* PackageOp */
            continue;
        const uint8_t *q = p + 5;
        q += 1 + (q[0] >> 6);          /* PkgLength: 1..4 bytes */
        q += 1;                        /* NumElements */
        int typa = aml_small_int(q, end);
        if (typa < 0)
            return -1;
        q += q[0] == 0x0a ? 2 : 1;
        int typb = aml_small_int(q, end);
        if (!pm1a)
            return -1;
        __asm__ volatile("cli");
        outw(pm1a, (uint16_t)((typa & 7) << 10 | 1u << 13));
        if (pm1b && typb >= 0)
            outw(pm1b, (uint16_t)((typb & 7) << 10 | 1u << 13));
        for (volatile int i = 0; i < 10000000; i++)
            ;
        return -1;   /* still running: the write did not power off */
    }
    return -1;
}
