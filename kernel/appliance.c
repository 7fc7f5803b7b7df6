/* The appliance (issue 8): runs the PC machine (emu/machine.h) of the config
 * as an event-loop hook beside the network, owns the console input (the
 * guest's COM1 on "stdio", the Ctrl-A escape into the appliance monitor) and
 * shows configuration errors as a full screen that waits instead of
 * rebooting. The QEMU -nographic escape keys are reused (Ctrl-A c, x, h). */
#include "kernel/appliance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/monitor.h"
#include "emu/io.h"
#include "emu/machine.h"
#include "kernel/acpi.h"
#include "kernel/apic.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/display.h"
#include "kernel/irq.h"
#include "kernel/kernel.h"
#include "kernel/loop.h"
#include "kernel/timer.h"

/* Everything else is implied by appliance_create: the firmware found on the
 * volume, COM1 on the console, disk.img as the first disk. */
const char appliance_default_config[] =
    "# baremu built-in configuration (no \\baremu\\baremu.cfg on the boot volume):\n"
    "# a PC with 128 MiB, SeaBIOS from bios.bin, disk.img as its disk, COM1 on the console\n";

/* Longest stretch of guest code between two turns of the loop: the network
 * and the consoles wait at most this long. */
#define SLICE_NS 10000000ull
/* The shortest slice, when another hook's deadline has already passed. */
#define MIN_SLICE_NS 1000000ull

#define ESCAPE_KEY 0x01   /* Ctrl-A */
/* How often a sleeping guest's screen and keyboard are looked at. */
#define DISPLAY_POLL_NS 40000000ull
#define MON_PROMPT "(baremu) "

static struct machine *guest;
static int exit_with_guest;
static int guest_started, guest_stopped;
static int no_firmware;   /* the guest was skipped for want of firmware */
static int has_display;   /* the guest's VGA owns the screen and the keyboard */
static int monitor_on_screen;   /* the monitor was opened with Ctrl+Alt+2 */

/* Console input waiting for the guest's UART (filled by the console hook). */
static uint8_t inq[512];
static unsigned inq_head, inq_tail;

static int escape_pending, monitor_open;
static char mon_line[160];
static size_t mon_len;

static const struct boot_file *find_any(const char *const *names, const char **found)
{
    for (; *names; names++) {
        const struct boot_file *f = boot_file_find(*names);
        if (f) {
            *found = *names;
            return f;
        }
    }
    return NULL;
}

/* Appends options the appliance implies, as if they ended the config. */
static int imply(struct options *o, const char *text, char *err, size_t errlen)
{
    return options_parse_text(o, text, "appliance default", err, errlen);
}

int appliance_create(struct options *o, int builtin, char *err, size_t errlen)
{
    err[0] = 0;
    exit_with_guest = options_flag(o, "exit-with-guest");
    const char *mach = NULL;
    int cur = 0;
    const struct option_item *it;
    while ((it = options_next(o, "machine", &cur)))
        mach = it->arg;
    cur = 0;
    while ((it = options_next(o, "M", &cur)))
        mach = it->arg;
    if (mach && (!strcmp(mach, "none") || !strncmp(mach, "none,", 5) || !strncmp(mach, "type=none", 9))) {
        LOGI("guest", "-machine none: no guest, network only");
        return 0;
    }
    /* QEMU's default firmware path means nothing here: the firmware is
     * whichever SeaBIOS image the boot volume holds. */
    if (!options_last(o, "bios")) {
        static const char *const bios_names[] = {"bios.bin", "bios-256k.bin", NULL};
        const char *name = NULL;
        if (!find_any(bios_names, &name)) {
            LOGW("guest", "no -bios and no bios.bin in \\baremu\\: no guest, network only");
            no_firmware = 1;
            return 0;
        }
        char opt[64];
        snprintf(opt, sizeof(opt), "-bios %s", name);
        if (imply(o, opt, err, errlen) < 0)
            return -1;
    }
    if (!options_last(o, "serial") && !options_flag(o, "nographic") && imply(o, "-serial stdio", err, errlen) < 0)
        return -1;
    /* The built-in configuration boots the volume's default guest disk. */
    if (builtin && boot_file_find("disk.img") && imply(o, "-hda disk.img", err, errlen) < 0)
        return -1;
    const char *vga = options_last(o, "vga");
    int want_display = !options_flag(o, "nographic") && !(vga && !strcmp(vga, "none"));
    guest = machine_create(o, err, errlen);
    if (!guest)
        return err[0] ? -1 : 0;
    const struct display_ops *dops = want_display ? display_init() : NULL;
    if (dops) {
        machine_set_display(guest, dops, NULL);
        has_display = 1;
        LOGI("guest", "the guest's VGA is drawn on the screen and the keyboard goes to its 8042 "
             "(Ctrl+Alt+2: appliance monitor); the log stays on serial");
    }
    LOGI("guest", "PC machine created %lu.%03lu ms after efi_main (guest COM1 on the %s)",
         (unsigned long)(timer_now_ns() / 1000000u), (unsigned long)(timer_now_ns() / 1000u % 1000u),
         "appliance console");
    return 0;
}

const char *appliance_no_guest_reason(void)
{
    return no_firmware ? " (there is no guest: no bios.bin in \\baremu\\ and no -bios)" : "";
}

/* ---- console input: the guest's COM1, the escape, the monitor ---- */

int appliance_console_getc(void)
{
    if (inq_head == inq_tail)
        return -1;
    return inq[inq_tail++ % sizeof(inq)];
}

static void mon_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    console_write(text, len);
}

static struct monitor mon = {mon_write, NULL, false};

static void guest_reset(void)
{
    if (!guest || guest_stopped) {
        LOGW("guest", "no running guest to reset");
        return;
    }
    /* The PIIX3 reset control register (82371SB 4.1.5: RCR, bits 1-2 =
     * hard reset), the same path as a guest asking for a reset. */
    io_write(machine_io(guest), 0xcf9, 1, 0x06);
    LOGI("guest", "guest reset from the appliance monitor");
}

static int cmd_system_reset(struct monitor *m, int argc, char **argv)
{
    (void)m; (void)argc; (void)argv;
    guest_reset();
    return 0;
}

static int cmd_poweroff(struct monitor *m, int argc, char **argv)
{
    (void)m; (void)argc; (void)argv;
    appliance_poweroff();
}

static int cmd_info_guest(struct monitor *m, int argc, char **argv)
{
    (void)argc; (void)argv;
    if (!guest)
        mon_printf(m, "no guest (-machine none, or no firmware on the boot volume)\n");
    else if (guest_stopped)
        mon_printf(m, "guest stopped (exit status %d)\n", machine_exit_status(guest));
    else
        mon_printf(m, "guest %s\n", guest_started ? "running" : "not started yet");
    return 0;
}

static void quit_hook(void)
{
    appliance_poweroff();
}

static void escape_help(void)
{
    console_puts("\nbaremu console keys: Ctrl-A c  monitor on/off   Ctrl-A r  reset the guest\n"
                 "                    Ctrl-A x  power off          Ctrl-A Ctrl-A  a Ctrl-A for the guest\n");
}

static void monitor_toggle(void)
{
    monitor_open = !monitor_open;
    mon_len = 0;
    if (monitor_open) {
        console_puts("\nbaremu monitor (help lists the commands; Ctrl-A c returns to the guest)\n" MON_PROMPT);
    } else {
        console_puts("\n[monitor closed]\n");
        if (monitor_on_screen) {
            monitor_on_screen = 0;
            fbcon_set_colors(0xc0c0c0, 0);
            display_take_screen();
        }
    }
}

void appliance_monitor_screen(int open)
{
    if (!open || monitor_open) {
        if (monitor_open)
            monitor_toggle();
        return;
    }
    /* The screen becomes the monitor's: white on blue so it is not taken
     * for the guest's own console. */
    display_release_screen();
    monitor_on_screen = 1;
    fbcon_set_colors(0xffffff, 0x000080);
    fbcon_clear();
    console_puts("baremu appliance monitor - Esc or Ctrl-A c returns to the guest\n"
                 "commands: info guest, info network, system_reset, poweroff, help\n");
    monitor_toggle();
}

static void monitor_key(int c)
{
    if (c == '\n' || c == '\r') {
        console_puts("\n");
        mon_line[mon_len] = 0;
        if (mon_len)
            monitor_execute(&mon, mon_line);
        mon_len = 0;
        if (monitor_open)
            console_puts(MON_PROMPT);
    } else if (c == 8 || c == 127) {
        if (mon_len) {
            mon_len--;
            console_puts("\b \b");
        }
    } else if (c >= 32 && c < 127 && mon_len < sizeof(mon_line) - 1) {
        char ch = (char)c;
        mon_line[mon_len++] = ch;
        console_write(&ch, 1);
    }
}

/* One typed character: the escape, the monitor, or the guest (or, without a
 * guest, the echo that shows the console is alive). 0 when the guest's
 * queue is full and the character must wait. */
static int console_key(int c)
{
    if (escape_pending) {
        escape_pending = 0;
        switch (c) {
        case 'c': case 'C': monitor_toggle(); return 1;
        case 'x': case 'X': appliance_poweroff();
        case 'r': case 'R': guest_reset(); return 1;
        case ESCAPE_KEY: break;   /* a literal Ctrl-A for the guest */
        default: escape_help(); return 1;
        }
    } else if (c == ESCAPE_KEY) {
        escape_pending = 1;
        return 1;
    }
    if (monitor_open) {
        if (c == 27)
            monitor_toggle();
        else
            monitor_key(c);
        return 1;
    }
    if (!guest || guest_stopped) {
        char ch = (char)c;
        console_write(&ch, 1);
        return 1;
    }
    if (inq_head - inq_tail == sizeof(inq))
        return 0;
    inq[inq_head++ % sizeof(inq)] = (uint8_t)c;
    return 1;
}

static int held = -1;   /* a character the full queue could not take */

static int console_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx; (void)until;
    if (!ioapic_ok)
        ps2kbd_poll();
    int busy = LOOP_IDLE, c;
    while ((c = held >= 0 ? held : console_getc()) >= 0) {
        held = -1;
        if (!console_key(c)) {
            held = c;
            break;
        }
        busy = LOOP_BUSY;
    }
    /* Without COM1's interrupt the UART is looked at every 20 ms. */
    if (!serial_irq_routed)
        *next = now + 20 * 1000000ull;
    return busy;
}

/* ---- the guest CPU ---- */

static int machine_hook(void *ctx, uint64_t now, uint64_t until, uint64_t *next)
{
    (void)ctx;
    if (!guest || guest_stopped)
        return LOOP_IDLE;
    if (!guest_started) {
        guest_started = 1;
        if (has_display)
            display_take_screen();
        LOGI("guest", "guest CPU starts %lu.%03lu ms after efi_main", (unsigned long)(now / 1000000u),
             (unsigned long)(now / 1000u % 1000u));
    }
    uint64_t end = now + SLICE_NS;
    if (until < end)
        end = until > now + MIN_SLICE_NS ? until : now + MIN_SLICE_NS;
    switch (machine_run(guest, end)) {
    case MACHINE_TIME_UP:
        return LOOP_BUSY;
    case MACHINE_IDLE: {
        uint64_t d = machine_next_deadline_ns(guest);
        /* The display and the keyboard are serviced from machine_run: come
         * back for them even when the guest sleeps. */
        if (has_display && d > now + DISPLAY_POLL_NS)
            d = now + DISPLAY_POLL_NS;
        if (d < *next)
            *next = d;
        return LOOP_IDLE;
    }
    case MACHINE_EXIT:
    default:
        break;
    }
    guest_stopped = 1;
    if (has_display)
        display_release_screen();
    int st = machine_exit_status(guest);
    LOGI("guest", "guest stopped (exit status %d); the appliance and its network stay up "
         "(Ctrl-A c for the monitor, Ctrl-A x powers off)", st);
    if (exit_with_guest) {
        /* Tests: the outer QEMU exits with ((st << 1) | 1) & 0xff. */
        LOGI("guest", "-exit-with-guest: writing %d to isa-debug-exit", st);
        debug_exit((uint8_t)st);
    }
    return LOOP_IDLE;
}

void appliance_start(void)
{
    monitor_register("system_reset", "", "reset the guest", cmd_system_reset);
    monitor_register("poweroff", "", "power the appliance off", cmd_poweroff);
    monitor_register("info guest", "", "the guest's state", cmd_info_guest);
    monitor_quit_hook = quit_hook;
    static const struct loop_hook con = {"console", console_hook, NULL};
    static const struct loop_hook cpu = {"guest", machine_hook, NULL};
    loop_add(&con);
    if (guest)
        loop_add(&cpu);
}

/* ---- error screen and power-off ---- */

void appliance_error_screen(const char *title, const char *msg)
{
    fbcon_set_enabled(1);
    fbcon_set_colors(0xffffff, 0x800000);
    fbcon_clear();
    console_printf("\n  baremu: %s\n\n  %s\n\n"
                   "  The appliance is waiting and will not restart by itself.\n"
                   "  Fix \\baremu\\baremu.cfg on the boot volume (or remove it to use the\n"
                   "  built-in configuration), then restart the machine.\n",
                   title, msg);
    LOGE("config", "%s", msg);
    /* Tests see the error as EXIT_CONFIG; on a real board port 0xf4 is unused. */
    irq_exit_on_fault = 1;
    debug_exit(EXIT_CONFIG);
    for (;;)
        loop_wait_event();
}

void appliance_poweroff(void)
{
    LOGI("appliance", "powering off");
    acpi_poweroff();
    console_puts("\nbaremu: ACPI power-off did not work: it is now safe to turn the machine off.\n");
    cpu_cli();
    for (;;)
        __asm__ volatile("hlt");
}
