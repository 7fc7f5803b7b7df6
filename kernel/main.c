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
#include "kernel/timer.h"
#include "lwip/timeouts.h"

#ifndef BAREMU_VERSION
#define BAREMU_VERSION "unknown"
#endif

#define CONFIG_NAME "baremu.cfg"
#define CONFIG_ORIGIN "\\baremu\\baremu.cfg"

struct kernel_image kernel_image;
static struct options opts;
static const char *fault_kind;
static int exit_after_boot;

static void kbd_irq(struct irq_frame *f, void *ctx)
{
    (void)f; (void)ctx;
    ps2kbd_irq();
}

/* Echoes what is typed on the serial line or the keyboard (the appliance's
 * console will take this over). */
static int console_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)now; (void)until; (void)next;
    if (!ioapic_ok)
        ps2kbd_poll();
    int busy = LOOP_IDLE, c;
    while ((c = console_getc()) >= 0) {
        char ch = (char)c;
        console_write(&ch, 1);
        busy = LOOP_BUSY;
    }
    /* The serial line raises no interrupt (polled UART): look again soon. */
    *next = now + 20 * 1000000ull;
    return busy;
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
    static uint64_t deadline, turns0;
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
        timer_irqs = 0;
    }
    if (now < deadline) {
        *next = deadline;
        return LOOP_IDLE;
    }
    state = 2;
    LOGI("loop", "deadline met: %lu timer interrupt(s), %lu loop turn(s) in 10 ms (%s)",
         (unsigned long)timer_irqs, (unsigned long)(loop_turns - turns0),
         lapic_timer_hz ? "HLT until the local APIC timer" : "polling: no APIC timer");
    if (exit_after_boot) {
        LOGI("boot", "exit-after-boot: writing %d to isa-debug-exit", EXIT_OK);
        debug_exit(EXIT_OK);
    }
    return LOOP_IDLE;
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

/* Reads the config file; returns -1 after printing an error naming file and line. */
static int read_config(void)
{
    options_init(&opts);
    const struct boot_file *f = boot_file_find(CONFIG_NAME);
    if (!f) {
        LOGI("config", "no " CONFIG_ORIGIN ": defaults");
        return 0;
    }
    char err[256];
    if (options_parse_text(&opts, (const char *)f->data, CONFIG_ORIGIN, err, sizeof(err)) != 0) {
        LOGE("config", "%s", err);
        return -1;
    }
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
            LOGE("config", "%s: -fault %s: expected none, ud, gp, pf or de", last->origin, last->arg);
            return -1;
        }
        if (strcmp(last->arg, "none"))
            fault_kind = last->arg;
    }
    LOGI("config", CONFIG_ORIGIN ": %d option(s)%s%s%s", opts.count,
         exit_after_boot ? ", exit-after-boot" : "", fault_kind ? ", fault " : "", fault_kind ? fault_kind : "");
    return 0;
}

void kernel_main(struct boot_info *bi)
{
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
    ps2kbd_init();
    if (ioapic_route_isa(1, VEC_KBD) == 0) {
        irq_set_handler(VEC_KBD, kbd_irq, NULL);
        LOGI("irq", "PS/2 keyboard on IOAPIC (ISA IRQ 1)");
    } else {
        LOGI("irq", "no IOAPIC route: keyboard polled by the event loop");
    }
    cpu_sti();

    pci_init();
    pci_print();

    for (int i = 0; i < bi->file_count; i++)
        LOGI("boot", "file \\baremu\\%s (%lu bytes)", bi->files[i].name, (unsigned long)bi->files[i].size);
    if (read_config() != 0) {
        /* Issue 8 adds an error screen; until then the error stays on the
         * consoles, and tests see it as EXIT_CONFIG. */
        irq_exit_on_fault = 1;
        debug_exit(EXIT_CONFIG);
        for (;;)
            loop_wait_event();
    }
    irq_exit_on_fault = exit_after_boot || fault_kind;
    if (net_boot(&opts) != 0) {
        irq_exit_on_fault = 1;
        debug_exit(EXIT_CONFIG);
        for (;;)
            loop_wait_event();
    }
    LOGI("mem", "%lu MiB of free pages after boot (heap and page allocator)", (unsigned long)(pmm_free_pages() >> 8));

    static const struct loop_hook boot_hook = {"boot", boot_done_hook, NULL};
    static const struct loop_hook con_hook = {"console", console_hook, NULL};
    static const struct loop_hook lw_hook = {"lwip-timeouts", lwip_hook, NULL};
    loop_add(&boot_hook);
    loop_add(&con_hook);
    loop_add(&lw_hook);
    loop_run();
}
