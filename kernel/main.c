/* kernel_main: brings the machine up in dependency order (consoles, own
 * descriptor tables, page tables, allocators, ACPI, clocks, interrupt
 * controllers, PCI), reads \baremu\baremu.cfg, reports what it found and
 * enters the event loop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/options.h"
#include "kernel/acpi.h"
#include "kernel/appliance.h"
#include "kernel/apic.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/loop.h"
#include "kernel/mm.h"
#include "kernel/net_boot.h"
#include "kernel/pci.h"
#include "kernel/pcitest.h"
#include "kernel/timer.h"
#include "lwip/timeouts.h"

#ifndef BAREMU_VERSION
#define BAREMU_VERSION "unknown"
#endif

#define CONFIG_NAME "baremu.cfg"
#define CONFIG_ORIGIN "\\baremu\\baremu.cfg"

struct kernel_image kernel_image;
const struct boot_info *kernel_boot_info;
static struct options opts;
static const char *fault_kind;
static int config_builtin;   /* no config file: appliance_default_config */
static int exit_after_boot;
int serial_irq_routed;   /* COM1 input raises IRQ 4: no need to poll it */

static void kbd_irq(struct irq_frame *f, void *ctx)
{
    (void)f; (void)ctx;
    ps2kbd_irq();
}

static int lwip_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    sys_check_timeouts();
    u32_t ms = sys_timeouts_sleeptime();
    if (ms != SYS_TIMEOUTS_SLEEPTIME_INFINITE)
        *next = now + (uint64_t)ms * 1000000u;
    return LOOP_IDLE;
}

static volatile uint64_t timer_irqs;

static void timer_irq(struct irq_frame *f, void *ctx)
{
    (void)f; (void)ctx;
    timer_irqs++;
}

/* The end of the boot, on the loop's first turns: report the time to reach the
 * loop, raise the -fault exception if asked, then prove the idle path works by
 * sleeping once until a deadline 10 ms ahead (HLT woken by the local APIC
 * timer) before -exit-after-boot exits. */
static int boot_done_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    static int state;
    static uint64_t deadline, turns0, sleeps0;
    if (state == 2)
        return LOOP_IDLE;
    if (state == 0) {
        state = 1;
        LOGI("boot", "main loop reached %lu.%03lu ms after efi_main", (unsigned long)(now / 1000000u),
             (unsigned long)(now / 1000u % 1000u));
        if (fault_kind) {
            LOGI("boot", "raising the exception asked for by -fault %s", fault_kind);
            if (!strcmp(fault_kind, "ud"))
                fault_raise_ud();
            else if (!strcmp(fault_kind, "gp"))
                fault_raise_gp();
            else if (!strcmp(fault_kind, "pf"))
                fault_raise_pf(0x10);   /* page 0 is unmapped: a NULL-ish dereference */
            else if (!strcmp(fault_kind, "de"))
                fault_raise_de();
            LOGE("boot", "-fault %s: the exception did not happen", fault_kind);
        }
        deadline = now + 10 * 1000000ull;
        turns0 = loop_turns;
        sleeps0 = loop_sleeps;
        timer_irqs = 0;
    }
    if (now < deadline) {
        *next = deadline;
        return LOOP_IDLE;
    }
    /* Also wait for at least one HLT and one timer interrupt (not just the
     * time): that they happen is what this checks, however late a loaded host
     * delivers them; a new deadline 1 ms ahead makes the loop sleep again. */
    if (lapic_timer_hz && (!timer_irqs || loop_sleeps == sleeps0)) {
        *next = now + 1000000u;
        return LOOP_IDLE;
    }
    state = 2;
    LOGI("loop", "deadline met: %lu timer interrupt(s), %lu sleep(s) in HLT, %lu loop turn(s) (%s)",
         (unsigned long)timer_irqs, (unsigned long)(loop_sleeps - sleeps0), (unsigned long)(loop_turns - turns0),
         lapic_timer_hz ? "HLT until the local APIC timer" : "polling: no APIC timer");
    if (exit_after_boot) {
        LOGI("boot", "exit-after-boot: writing %d to isa-debug-exit", EXIT_OK);
        debug_exit(EXIT_OK);
    }
    return LOOP_IDLE;
}

/* Exercises the heap (newlib malloc over sbrk) and the DMA allocator once, so
 * a broken allocator shows at boot rather than in a driver. */
static void memory_self_test(void)
{
    size_t big = 4u << 20;   /* well past newlib's first sbrk, cheap to touch */
    uint8_t *p = malloc(big);
    if (!p) {
        LOGE("mem", "self-test: malloc(4 MiB) failed");
        return;
    }
    memset(p, 0xa5, big);
    int ok = p[0] == 0xa5 && p[big - 1] == 0xa5;
    free(p);
    uint64_t phys = 0;
    void *d = dma_alloc(3 * PAGE_SIZE, &phys);
    int dma_ok = d && phys < (1ull << 32) && phys % PAGE_SIZE == 0 && (uint64_t)(uintptr_t)d == phys &&
                 ((uint8_t *)d)[0] == 0 && ((uint8_t *)d)[3 * PAGE_SIZE - 1] == 0;
    dma_free(d, 3 * PAGE_SIZE);
    LOGI("mem", "self-test: malloc(4 MiB) at %p %s, dma_alloc(12 KiB) at %#lx %s", (void *)p,
         ok ? "ok" : "FAILED", (unsigned long)phys, dma_ok ? "ok" : "FAILED");
}

/* CRC-32 (IEEE 802.3 polynomial, reflected, as zlib's crc32) so tests can
 * check that a file arrived intact from the boot volume. */
static uint32_t crc32_ieee(const uint8_t *p, uint64_t n)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xffffffffu;
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* newlib's stdio over the boot files (kernel/syscalls.c): every file read back
 * through fopen/fseek/fread in 4 KiB pieces must equal what efi_main loaded. */
static void stdio_self_test(const struct boot_info *bi)
{
    static char buf[4096];
    for (int i = 0; i < bi->file_count; i++) {
        const struct boot_file *bf = &bi->files[i];
        if (bf->size > (1u << 20))
            continue;   /* disk images: reading them back costs seconds under emulation */
        char path[80];
        snprintf(path, sizeof(path), "/baremu/%s", bf->name);
        FILE *f = fopen(path, "r");
        if (!f) {
            LOGE("boot", "self-test: fopen(%s) failed", path);
            continue;
        }
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint64_t off = 0;
        int same = (uint64_t)size == bf->size;
        size_t n;
        while (same && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
            same = off + n <= bf->size && memcmp(buf, (const char *)bf->data + off, n) == 0;
            off += n;
        }
        fclose(f);
        same = same && off == bf->size;
        LOGI("boot", "self-test: fopen/fseek/fread of %s: %ld bytes, %s", path, size,
             same ? "same content" : "DIFFERENT");
    }
    FILE *missing = fopen("/baremu/no-such-file", "r");
    if (missing) {
        LOGE("boot", "self-test: fopen of a missing file succeeded");
        fclose(missing);
    }
}

static void report_memory(const struct boot_info *bi)
{
    static const char *const kinds[BOOT_MEM_KINDS] = {
        "free", "boot services", "loader", "ACPI reclaim", "ACPI NVS", "runtime", "MMIO", "reserved"};
    uint64_t by_kind[BOOT_MEM_KINDS] = {0}, ram = 0;
    for (uint32_t i = 0; i < bi->mem_count; i++) {
        by_kind[bi->mem[i].kind] += bi->mem[i].size;
        LOGD("mem", "%016lx-%016lx %s", (unsigned long)bi->mem[i].base,
             (unsigned long)(bi->mem[i].base + bi->mem[i].size - 1), kinds[bi->mem[i].kind]);
    }
    for (int k = 0; k < BOOT_MEM_KINDS; k++)
        if (k != BOOT_MEM_MMIO && k != BOOT_MEM_RESERVED)
            ram += by_kind[k];
    LOGI("mem", "memory: %lu MiB total RAM, %lu MiB usable (%u map entries; loader %lu KiB, "
         "ACPI %lu KiB, runtime %lu KiB)",
         (unsigned long)(ram >> 20), (unsigned long)((by_kind[BOOT_MEM_FREE] + by_kind[BOOT_MEM_BOOT_SVC]) >> 20),
         bi->mem_count, (unsigned long)(by_kind[BOOT_MEM_KERNEL] >> 10),
         (unsigned long)((by_kind[BOOT_MEM_ACPI_RECLAIM] + by_kind[BOOT_MEM_ACPI_NVS]) >> 10),
         (unsigned long)(by_kind[BOOT_MEM_RUNTIME] >> 10));
}

static void report_acpi(void)
{
    if (!acpi.present)
        return;
    char line[ACPI_MAX_TABLES * 5 + 1] = "";
    for (int i = 0; i < acpi.ntables; i++) {
        strcat(line, " ");
        strcat(line, acpi.sig[i]);
    }
    LOGI("acpi", "ACPI %s, tables:%s", acpi.revision >= 2 ? "2.0+ (XSDT)" : "1.0 (RSDT)", line);
    LOGI("acpi", "%d IOAPIC(s), local APIC at %#lx, HPET %s, PM timer %s, %d ECAM window(s)",
         acpi.nioapics, (unsigned long)acpi.lapic_base, acpi.hpet_base ? "yes" : "no",
         acpi.pm_timer_port ? "yes" : "no", acpi.nmcfg);
}

/* Reads the config file (or the built-in one); returns -1 with a message
 * naming file and line in err. */
static int read_config(char *err, size_t errlen)
{
    options_init(&opts);
    const struct boot_file *f = boot_file_find(CONFIG_NAME);
    if (!f) {
        LOGI("config", "no " CONFIG_ORIGIN ": defaults (the built-in configuration)");
        config_builtin = 1;
        return options_parse_text(&opts, appliance_default_config, "built-in configuration", err, errlen);
    }
    if (options_parse_text(&opts, (const char *)f->data, CONFIG_ORIGIN, err, errlen) != 0)
        return -1;
    exit_after_boot = options_flag(&opts, "exit-after-boot");
    int cursor = 0;
    const struct option_item *it = NULL, *last = NULL;
    while ((it = options_next(&opts, "fault", &cursor)))
        last = it;
    if (last) {
        static const char *const kinds[] = {"none", "ud", "gp", "pf", "de"};
        int ok = 0;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            if (!strcmp(last->arg, kinds[i]))
                ok = 1;
        if (!ok) {
            snprintf(err, errlen, "%s: -fault %s: expected none, ud, gp, pf or de", last->origin, last->arg);
            return -1;
        }
        if (strcmp(last->arg, "none"))
            fault_kind = last->arg;
    }
    LOGI("config", CONFIG_ORIGIN ": %d option(s)%s%s%s", opts.count,
         exit_after_boot ? ", exit-after-boot" : "", fault_kind ? ", fault " : "", fault_kind ? fault_kind : "");
    return 0;
}

/* x87 and SSE on, whatever the firmware left (UEFI 2.9 2.3.4 asks for it,
 * this makes it certain): CR0.MP on, EM and TS off; CR4.OSFXSR (FXSAVE, used
 * by the interrupt entry) and OSXMMEXCPT (SIMD exceptions as #XM). SDM 3A 13.1. */
static void fpu_init(void)
{
    uint64_t cr0 = read_cr0();
    cr0 = (cr0 | 0x2) & ~(uint64_t)(0x4 | 0x8);
    __asm__ volatile("mov %0, %%cr0" :: "r"(cr0));
    uint64_t cr4 = read_cr4() | (1u << 9) | (1u << 10);
    __asm__ volatile("mov %0, %%cr4" :: "r"(cr4));
    __asm__ volatile("fninit");
}

void kernel_main(struct boot_info *bi)
{
    fpu_init();
    kernel_boot_info = bi;
    kernel_image.base = bi->image_base;
    kernel_image.size = bi->image_size;
    serial_init();
    gdt_init();
    idt_init();
    pmm_init(bi);
    paging_init(bi);
    /* Now on our own stack, GDT, IDT and page tables: UEFI's boot-services
     * memory holds nothing we use any more. */
    pmm_release_boot_services(bi);
    heap_init();
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    fbcon_init(&bi->fb);

    console_printf("\nbaremu %s - bare-metal PC emulator appliance (x86-64 UEFI)\n", BAREMU_VERSION);
    LOGI("boot", "image at %#lx size %#lx", (unsigned long)kernel_image.base, (unsigned long)kernel_image.size);
    if (bi->boot_error)
        LOGW("boot", "%s", bi->boot_error);
    report_memory(bi);
    if (bi->fb.present) {
        int c, r;
        fbcon_size(&c, &r);
        LOGI("fb", "GOP framebuffer %ux%u at %#lx (text %dx%d)", bi->fb.width, bi->fb.height,
             (unsigned long)bi->fb.base, c, r);
    } else {
        LOGI("fb", "no GOP framebuffer: serial console only");
    }

    acpi_init(bi->rsdp);
    report_acpi();
    timer_init(bi->tsc_at_entry, bi->wall_time_s);
    LOGI("timer", "TSC %lu.%03lu MHz (calibrated against the %s)", (unsigned long)(tsc_hz / 1000000u),
         (unsigned long)(tsc_hz / 1000u % 1000u), tsc_source);

    if (apic_init() == 0) {
        timer_calibrate_lapic();
        LOGI("irq", "local APIC id %u, timer %lu kHz; legacy PIC masked", lapic_id(),
             (unsigned long)(lapic_timer_hz / 1000u));
    }
    irq_set_handler(VEC_TIMER, timer_irq, NULL);
    /* The keyboard and mouse share one handler; routes first, then the
     * controller set-up with interrupts off (its replies are read here, not
     * by the handler). */
    uint64_t fl = cpu_flags();
    cpu_cli();
    enum ps2_aux aux = PS2_AUX_POLLED;
    if (ioapic_route_isa(1, VEC_KBD) == 0) {
        irq_set_handler(VEC_KBD, kbd_irq, NULL);
        aux = PS2_AUX_OFF;
        if (ioapic_route_isa(12, VEC_MOUSE) == 0) {
            irq_set_handler(VEC_MOUSE, kbd_irq, NULL);
            aux = PS2_AUX_IRQ;
        }
        LOGI("irq", "PS/2 keyboard on IOAPIC (ISA IRQ 1)%s", aux == PS2_AUX_IRQ ? ", mouse on ISA IRQ 12" : "");
    } else {
        LOGI("irq", "no IOAPIC route: keyboard polled by the event loop");
    }
    int mouse = ps2kbd_init(aux);
    if (fl & 0x200)
        cpu_sti();
    LOGI("input", "PS/2 mouse: %s", mouse ? "streaming (goes to the guest with the keyboard)" : "none answered");
    /* COM1's interrupt only wakes the loop (dispatch sets irq_pending); the
     * console hook reads the data. */
    if (ioapic_route_isa(4, VEC_COM1) == 0) {
        serial_enable_rx_irq();
        serial_irq_routed = 1;
        LOGI("irq", "COM1 input on IOAPIC (ISA IRQ 4)");
    } else {
        LOGI("irq", "no IOAPIC route: COM1 polled every 20 ms");
    }
    cpu_sti();

    pci_init();
    pci_print();
    pcitest_edu();

    for (int i = 0; i < bi->file_count; i++) {
        const struct boot_file *f = &bi->files[i];
        if (f->size <= (16u << 20))
            LOGI("boot", "file \\baremu\\%s (%lu bytes, crc32 %08x)", f->name, (unsigned long)f->size,
                 crc32_ieee(f->data, f->size));
        else
            LOGI("boot", "file \\baremu\\%s (%lu bytes)", f->name, (unsigned long)f->size);
    }
    char err[512];
    if (read_config(err, sizeof(err)) != 0)
        appliance_error_screen("configuration error", err);
    irq_exit_on_fault = exit_after_boot || fault_kind;
    memory_self_test();
    stdio_self_test(bi);
    /* The machine first: its NIC models must exist when the network layer
     * connects -nic/-netdev. */
    if (appliance_create(&opts, config_builtin, err, sizeof(err)) != 0)
        appliance_error_screen("the guest machine cannot be built", err);
    if (net_boot(&opts, err, sizeof(err)) != 0)
        appliance_error_screen("network configuration error", err);
    if (options_check_used(&opts, err, sizeof(err)) != 0) {
        size_t n = strlen(err);
        snprintf(err + n, sizeof(err) - n, "%s", appliance_no_guest_reason());
        appliance_error_screen("configuration error", err);
    }
    LOGI("mem", "%lu MiB of physical pages unclaimed after boot", (unsigned long)(pmm_free_pages() >> 8));

    static const struct loop_hook boot_hook = {"boot", boot_done_hook, NULL};
    static const struct loop_hook lw_hook = {"lwip-timeouts", lwip_hook, NULL};
    loop_add(&boot_hook);
    appliance_start();
    loop_add(&lw_hook);
    loop_run();
}
