/* The "pc" machine: wires the CPU, memory map and the i440FX/PIIX3 board
 * devices the way QEMU's pc machine lays them out (so SeaBIOS finds them
 * where it expects: hw/i386/pc.c and pc_piix.c are the reference for the
 * addresses, the IBM AT technical reference for the ISA IRQs and CMOS), and
 * runs the CPU in slices bounded by the next device timer. */
#include "emu/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/qopts.h"
#include "emu/cpu/cpu.h"
#include "emu/emu_host.h"
#include "emu/hw/acpi_pm.h"
#include "emu/hw/debug_exit.h"
#include "emu/hw/debugcon.h"
#include "emu/hw/fw_cfg.h"
#include "emu/hw/i440fx.h"
#include "emu/hw/i8042.h"
#include "emu/hw/nic.h"
#include "emu/hw/ide.h"
#include "emu/hw/linuxboot.h"
#include "emu/hw/pci.h"
#include "emu/hw/pic.h"
#include "emu/hw/piix3.h"
#include "emu/hw/pit.h"
#include "emu/hw/port92.h"
#include "emu/hw/rtc.h"
#include "emu/hw/serial.h"
#include "emu/hw/vga.h"
#include "emu/io.h"
#include "emu/memory.h"
#include "emu/vclock.h"

#define DEFAULT_BIOS "/usr/share/seabios/bios-256k.bin"
#define DEFAULT_VGA_BIOS "/usr/share/seabios/vgabios-stdvga.bin"
/* Host time between two pictures handed to the display. */
#define DISPLAY_PERIOD_NS 33000000u
/* How often host input is looked at while the guest idles. */
#define INPUT_POLL_NS 10000000u
#define MAX_SERIALS 2
#define MAX_DEBUG_EXITS 4
/* QEMU's pc: low RAM ends at 3.5 GiB when there is more (the PCI hole). */
#define LOWMEM_MAX 0xe0000000ull
/* Instructions per slice in real-time mode: short enough that timers and
 * input are served within ~1 ms on a slow host. */
#define SLICE_INSNS 20000u

struct machine {
    struct guest_memory *mem;
    struct io_bus *io;
    struct cpu *cpu;
    struct vclock clock;
    /* time */
    int icount_shift;       /* -1: real time */
    uint64_t t0;            /* real time: plat_now_ns at start */
    uint64_t warp_ns;       /* icount: time skipped while halted */
    uint64_t tsc_last;      /* the last TSC value read (it never repeats) */
    /* devices */
    struct pic *pic;
    struct pit *pit;
    struct rtc *rtc;
    struct serial *serial[MAX_SERIALS];
    struct chardev *serial_chr[MAX_SERIALS];
    struct chardev *debugcon_chr;
    struct debugcon *debugcon[2];
    struct debug_exit *debug_exit[MAX_DEBUG_EXITS];
    int ndebug_exit;
    struct port92 *port92;
    struct i8042 *i8042;
    struct vga *vga;
    const struct display_ops *display;
    void *display_ctx;
    uint64_t display_next;
    bool a20_port92, a20_kbc;   /* the A20 gate is the OR of both */
    bool nographic;             /* -nographic: fw_cfg tells SeaBIOS to mirror its screen to COM1 */
    struct pci_bus *pci;
    struct i440fx *i440fx;
    struct piix3 *piix3;
    struct acpi_pm *acpi;
    struct fw_cfg *fw_cfg;
    struct ide *ide;
    struct blockdev *drives[4];
    uint8_t *bios;
    size_t bios_len;
    /* state */
    bool no_reboot;
    bool reset_requested;
    bool exit_requested;
    bool stopped;           /* -S or the monitor's stop: the CPU does not run */
    int exit_status;
    uint64_t ram_size, below_4g;
    uint8_t boot_order[3];  /* CMOS boot device codes */
    bool intr_level;        /* the PIC's INTR output: wakes a halted CPU */
    uint64_t idle_at;       /* host time the CPU last halted (real time) */
};

/* ---- time ---- */

static uint64_t clock_now(void *ctx)
{
    struct machine *m = ctx;
    if (m->icount_shift >= 0)
        return (cpu_retired(m->cpu) << m->icount_shift) + m->warp_ns;
    return plat_now_ns() - m->t0;
}

/* The TSC runs at TSC_HZ on the virtual clock, so it advances across HLT
 * (host time, or the icount warp) and agrees with the PIT, RTC and PM timer
 * it is calibrated and watched against. */
#define TSC_HZ 1000000000u
static uint64_t tsc_ticks(void *ctx)
{
    struct machine *m = ctx;
    /* Two RDTSCs always differ, as on hardware, even within one tick of the
     * host clock. */
    uint64_t t = vclock_ns_to_ticks(clock_now(m), TSC_HZ);
    m->tsc_last = t > m->tsc_last ? t : m->tsc_last + 1;
    return m->tsc_last;
}

/* ---- wiring callbacks ---- */

static bool irq0_pending(void *pic)
{
    return pic_irq_requested(pic, 0);
}

static void intr_set(void *ctx, int pin, int level)
{
    struct machine *m = ctx;
    m->intr_level = level != 0;
    cpu_set_intr(m->cpu, level);
}

static int intr_ack(void *ctx)
{
    struct machine *m = ctx;
    return pic_ack(m->pic);
}

static void request_reset(void *ctx)
{
    struct machine *m = ctx;
    m->reset_requested = true;
    cpu_request_stop(m->cpu);
}

static void request_poweroff(void *ctx)
{
    struct machine *m = ctx;
    LOGI("machine", "guest powered off");
    m->exit_requested = true;
    m->exit_status = 0;
    cpu_request_stop(m->cpu);
}

static void debug_exit(void *ctx, int status)
{
    struct machine *m = ctx;
    m->exit_requested = true;
    m->exit_status = status;
    cpu_request_stop(m->cpu);
}

static void set_a20_port92(void *ctx, bool on)
{
    struct machine *m = ctx;
    m->a20_port92 = on;
    cpu_set_a20(m->cpu, m->a20_port92 || m->a20_kbc);
}

static void set_a20_kbc(void *ctx, bool on)
{
    struct machine *m = ctx;
    m->a20_kbc = on;
    cpu_set_a20(m->cpu, m->a20_port92 || m->a20_kbc);
}

static void shadow(void *ctx, uint64_t gpa, uint64_t len, bool r, bool w)
{
    struct machine *m = ctx;
    if (gmem_set_shadow(m->mem, gpa, len, r, w) < 0)
        LOGW("machine", "cannot set shadowing of %#llx", (unsigned long long)gpa);
}

static int mem_map_mmio(void *ctx, uint64_t gpa, uint64_t len, const struct mmio_ops *ops,
                        void *opaque, const char *name)
{
    struct machine *m = ctx;
    return gmem_map_mmio(m->mem, gpa, len, ops, opaque, name);
}

static int mem_map_rom(void *ctx, uint64_t gpa, const void *data, uint64_t len)
{
    struct machine *m = ctx;
    return gmem_map_rom(m->mem, gpa, data, len);
}

static void mem_unmap(void *ctx, uint64_t gpa, uint64_t len)
{
    struct machine *m = ctx;
    gmem_unmap(m->mem, gpa, len);
}

static const struct pci_mem_ops pci_mem = {mem_map_mmio, mem_map_rom, mem_unmap};

void machine_set_isa_irq(struct machine *m, int irq, int level)
{
    pic_set_irq(m->pic, irq, level);
}

/* ---- options ---- */

static int parse_machine_opt(struct options *o, bool *none, char *err, size_t errlen)
{
    *none = false;
    const char *v = NULL;
    int cur = 0;
    const struct option_item *it;
    while ((it = options_next(o, "machine", &cur)))
        v = it->arg;
    cur = 0;
    while ((it = options_next(o, "M", &cur)))
        v = it->arg;
    if (!v)
        return 0;
    struct qopts q;
    if (qopts_parse(&q, "machine", v, "type", err, errlen) < 0)
        return -1;
    const char *type = qopts_get(&q, "type");
    int rc = 0;
    if (type && !strcmp(type, "none")) {
        *none = true;
    } else if (type && strcmp(type, "pc") && strncmp(type, "pc-i440fx", 9)) {
        snprintf(err, errlen, "-machine: unsupported machine type '%s' (pc or none)", type);
        rc = -1;
    }
    /* accel=tcg is what we are; anything else is an error. */
    const char *accel = qopts_get(&q, "accel");
    if (!rc && accel && strcmp(accel, "tcg")) {
        snprintf(err, errlen, "-machine: accel=%s is not available (only tcg)", accel);
        rc = -1;
    }
    if (!rc)
        rc = qopts_check_unused(&q, err, errlen);
    qopts_free(&q);
    return rc;
}

/* -accel tcg and -enable-kvm, as QEMU users write them: baremu interprets
 * the guest's code, which is what QEMU calls its tcg accelerator; KVM and
 * the others are refused with the reason, as QEMU refuses an accelerator
 * the host lacks. */
static int parse_accel(struct options *o, int *jit_threshold, char *err, size_t errlen)
{
    *jit_threshold = -1;   /* the CPU's default */
    if (options_flag(o, "enable-kvm")) {
        snprintf(err, errlen, "-enable-kvm: KVM is not available: baremu interprets the guest's "
                 "code (drop the option, or write -accel tcg)");
        return -1;
    }
    int cur = 0;
    const struct option_item *it;
    while ((it = options_next(o, "accel", &cur))) {
        struct qopts q;
        if (qopts_parse(&q, "accel", it->arg, "accel", err, errlen) < 0)
            return -1;
        const char *accel = qopts_get(&q, "accel");
        const char *thread = qopts_get(&q, "thread");
        /* baremu's own: jit=off interprets only; jit-threshold=N translates
         * a run of instructions once it has run N times (tests use 1). */
        const char *jit = qopts_get(&q, "jit");
        const char *jit_thr = qopts_get(&q, "jit-threshold");
        int rc = 0;
        if (jit && strcmp(jit, "on") && strcmp(jit, "off")) {
            snprintf(err, errlen, "-accel %s: jit must be on or off", it->arg);
            rc = -1;
        } else if (jit && !strcmp(jit, "off")) {
            *jit_threshold = 0;
        }
        if (!rc && jit_thr) {
            char *end;
            unsigned long n = strtoul(jit_thr, &end, 10);
            if (!*jit_thr || *end || n < 1 || n > 1000000) {
                snprintf(err, errlen, "-accel %s: jit-threshold must be 1..1000000", it->arg);
                rc = -1;
            } else if (*jit_threshold != 0) {
                *jit_threshold = (int)n;
            }
        }
        if (rc) {
            /* reported above */
        } else if (!accel || strcmp(accel, "tcg")) {
            snprintf(err, errlen, "-accel %s: accelerator '%s' is not available (only tcg: baremu "
                     "interprets the guest's code)", it->arg, accel ? accel : "");
            rc = -1;
        } else if (thread && strcmp(thread, "single")) {
            snprintf(err, errlen, "-accel %s: thread=%s is not available (one guest CPU, thread=single)",
                     it->arg, thread);
            rc = -1;
        }
        if (!rc)
            rc = qopts_check_unused(&q, err, errlen);
        qopts_free(&q);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* -smp as QEMU users write it: the PC has one CPU (no local APIC, no MP
 * table entries for more), so 1 is accepted in each of QEMU's spellings
 * and more is refused with the reason. */
static int parse_smp(struct options *o, char *err, size_t errlen)
{
    const char *v = options_last(o, "smp");
    if (!v)
        return 0;
    struct qopts q;
    if (qopts_parse(&q, "smp", v, "cpus", err, errlen) < 0)
        return -1;
    static const char *const keys[] = {"cpus", "maxcpus", "sockets", "dies", "cores", "threads"};
    int rc = 0;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && !rc; i++) {
        uint64_t n;
        if (qopts_get_u64(&q, keys[i], 1, false, &n, err, errlen) < 0)
            rc = -1;
        else if (n != 1) {
            snprintf(err, errlen, "-smp %s: %s=%llu is not available: the PC has one guest CPU "
                     "(no local APIC)", v, keys[i], (unsigned long long)n);
            rc = -1;
        }
    }
    if (!rc)
        rc = qopts_check_unused(&q, err, errlen);
    qopts_free(&q);
    return rc;
}

static int parse_icount(struct options *o, int *shift, char *err, size_t errlen)
{
    *shift = -1;
    const char *v = options_last(o, "icount");
    if (!v)
        return 0;
    struct qopts q;
    if (qopts_parse(&q, "icount", v, "shift", err, errlen) < 0)
        return -1;
    const char *s = qopts_get(&q, "shift");
    uint64_t n = 0;
    int rc = 0;
    if (!s || !strcmp(s, "auto")) {
        snprintf(err, errlen, "-icount: shift=N (0..10) is required; 'auto' is not supported");
        rc = -1;
    } else if (qopts_get_u64(&q, "shift", 0, false, &n, err, errlen) < 0 || n > 10) {
        snprintf(err, errlen, "-icount: shift must be 0..10");
        rc = -1;
    }
    /* sleep=off/on and align are accepted: time never sleeps in icount mode. */
    bool dummy;
    if (!rc && qopts_get_bool(&q, "sleep", false, &dummy, err, errlen) < 0)
        rc = -1;
    if (!rc)
        rc = qopts_check_unused(&q, err, errlen);
    qopts_free(&q);
    *shift = (int)n;
    return rc;
}

static int parse_rtc(struct options *o, int64_t *base, char *err, size_t errlen)
{
    int64_t now = plat_wall_time_s();
    *base = now;
    const char *v = options_last(o, "rtc");
    if (!v)
        return 0;
    struct qopts q;
    if (qopts_parse(&q, "rtc", v, NULL, err, errlen) < 0)
        return -1;
    int rc = 0;
    const char *b = qopts_get(&q, "base");
    /* The host's UTC offset is not known to emu/: localtime is UTC here. */
    if (b && rtc_parse_base(b, now, 0, base) < 0) {
        snprintf(err, errlen, "-rtc: invalid base '%s' (utc, localtime or YYYY-MM-DD[THH:MM:SS])", b);
        rc = -1;
    }
    const char *clk = qopts_get(&q, "clock");
    if (!rc && clk && strcmp(clk, "host") && strcmp(clk, "vm") && strcmp(clk, "rt")) {
        snprintf(err, errlen, "-rtc: invalid clock '%s'", clk);
        rc = -1;
    }
    qopts_get(&q, "driftfix");
    if (!rc)
        rc = qopts_check_unused(&q, err, errlen);
    qopts_free(&q);
    return rc;
}

static int parse_boot(struct options *o, uint8_t order[3], char *err, size_t errlen)
{
    /* QEMU's default for a pc: disk first, then CD, then network. */
    order[0] = 2;
    order[1] = 3;
    order[2] = 4;
    const char *v = options_last(o, "boot");
    if (!v)
        return 0;
    struct qopts q;
    if (qopts_parse(&q, "boot", v, "order", err, errlen) < 0)
        return -1;
    const char *s = qopts_get(&q, "order");
    int rc = 0;
    bool menu;
    if (qopts_get_bool(&q, "menu", false, &menu, err, errlen) < 0)
        rc = -1;
    if (!rc && s) {
        if (strlen(s) > 3) {
            snprintf(err, errlen, "-boot: at most 3 boot devices ('%s')", s);
            rc = -1;
        }
        for (int i = 0; !rc && i < 3; i++) {
            order[i] = 0;
            if (!s[i])
                break;
            switch (s[i]) {
            case 'a': order[i] = 1; break;
            case 'c': order[i] = 2; break;
            case 'd': order[i] = 3; break;
            case 'n': order[i] = 4; break;
            default:
                snprintf(err, errlen, "-boot: invalid boot device '%c' (a, c, d or n)", s[i]);
                rc = -1;
            }
        }
        for (int i = (int)strlen(s); !rc && i < 3; i++)
            order[i] = 0;
    }
    if (!rc)
        rc = qopts_check_unused(&q, err, errlen);
    qopts_free(&q);
    return rc;
}

/* -device isa-debug-exit[,iobase=N][,iosize=N]; other drivers are left
 * unused for the subsystems that own them (the NICs). */
static int parse_devices(struct machine *m, struct options *o, char *err, size_t errlen)
{
    for (int i = 0; i < o->count; i++) {
        struct option_item *it = &o->items[i];
        if (strcmp(it->def->name, "device") || it->used)
            continue;
        struct qopts q;
        if (qopts_parse(&q, "device", it->arg, "driver", err, errlen) < 0)
            return -1;
        const char *drv = qopts_get(&q, "driver");
        if (!drv || strcmp(drv, "isa-debug-exit")) {
            qopts_free(&q);
            continue;
        }
        it->used = true;
        uint64_t base, size;
        int rc = 0;
        if (qopts_get_u64(&q, "iobase", 0x501, false, &base, err, errlen) < 0 ||
            qopts_get_u64(&q, "iosize", 2, false, &size, err, errlen) < 0)
            rc = -1;
        else if (base > 0xffff || size < 1 || size > 4 || base + size > 0x10000) {
            snprintf(err, errlen, "-device isa-debug-exit: iobase/iosize out of range");
            rc = -1;
        } else if (m->ndebug_exit == MAX_DEBUG_EXITS) {
            snprintf(err, errlen, "-device isa-debug-exit: too many");
            rc = -1;
        }
        if (!rc)
            rc = qopts_check_unused(&q, err, errlen);
        qopts_free(&q);
        if (rc)
            return -1;
        m->debug_exit[m->ndebug_exit++] =
            debug_exit_create(m->io, (uint16_t)base, (uint16_t)size, debug_exit, m);
    }
    return 0;
}

/* Opens one IDE unit's image. */
static int add_drive(struct machine *m, const char *opt, int unit, const char *file, bool cdrom,
                     bool read_only, bool snapshot, char *err, size_t errlen)
{
    if (unit < 0 || unit > 3) {
        snprintf(err, errlen, "-%s: IDE index %d out of range (0-3)", opt, unit);
        return -1;
    }
    if (m->drives[unit] || (cdrom && !file)) {
        if (m->drives[unit])
            snprintf(err, errlen, "-%s: IDE unit %d is already in use", opt, unit);
        else
            snprintf(err, errlen, "-%s: a CD-ROM without an image is not supported", opt);
        return -1;
    }
    char e[256];
    /* A CD is read-only media; -snapshot keeps a disk image untouched. */
    struct blockdev *b = emu_host_block_open(file, read_only || cdrom, snapshot, e, sizeof(e));
    if (!b) {
        snprintf(err, errlen, "-%s: %s", opt, e);
        return -1;
    }
    if (!cdrom && (b->size < 512 || (b->size & 511)))
        LOGW("ide", "%s: size %llu is not a multiple of 512; the tail is not visible", file,
             (unsigned long long)b->size);
    m->drives[unit] = b;
    if (ide_attach(m->ide, unit, b, cdrom) < 0) {
        snprintf(err, errlen, "-%s: cannot attach IDE unit %d", opt, unit);
        return -1;
    }
    return 0;
}

static int parse_drives(struct machine *m, struct options *o, char *err, size_t errlen)
{
    bool snapshot = options_flag(o, "snapshot");
    static const char *const hd[4] = {"hda", "hdb", "hdc", "hdd"};
    for (int i = 0; i < 4; i++) {
        const char *f = options_last(o, hd[i]);
        if (f && add_drive(m, hd[i], i, f, false, false, snapshot, err, errlen) < 0)
            return -1;
    }
    const char *cd = options_last(o, "cdrom");
    if (cd && add_drive(m, "cdrom", 2, cd, true, true, snapshot, err, errlen) < 0)
        return -1;
    int cur = 0;
    const struct option_item *it;
    while ((it = options_next(o, "drive", &cur))) {
        struct qopts q;
        if (qopts_parse(&q, "drive", it->arg, NULL, err, errlen) < 0)
            return -1;
        int rc = 0;
        const char *file = qopts_get(&q, "file");
        const char *fmt = qopts_get(&q, "format");
        const char *ifc = qopts_get(&q, "if");
        const char *media = qopts_get(&q, "media");
        qopts_get(&q, "id");
        qopts_get(&q, "cache");
        uint64_t index = 0;
        bool ro = false, snap = snapshot;
        bool has_index = qopts_has(&q, "index");
        if (qopts_get_u64(&q, "index", 0, false, &index, err, errlen) < 0 ||
            qopts_get_bool(&q, "readonly", false, &ro, err, errlen) < 0 ||
            qopts_get_bool(&q, "snapshot", snapshot, &snap, err, errlen) < 0)
            rc = -1;
        else if (!file)
            snprintf(err, errlen, "-drive: file= is required"), rc = -1;
        else if (fmt && strcmp(fmt, "raw"))
            snprintf(err, errlen, "-drive: format=%s is not supported (raw only)", fmt), rc = -1;
        else if (ifc && strcmp(ifc, "ide"))
            snprintf(err, errlen, "-drive: if=%s is not supported (ide only)", ifc), rc = -1;
        else if (media && strcmp(media, "disk") && strcmp(media, "cdrom"))
            snprintf(err, errlen, "-drive: media=%s is invalid (disk or cdrom)", media), rc = -1;
        if (!rc && !has_index) {
            /* The first free unit, as QEMU numbers drives per interface. */
            index = 0;
            while (index < 4 && m->drives[index])
                index++;
        }
        if (!rc)
            rc = qopts_check_unused(&q, err, errlen);
        if (!rc)
            rc = add_drive(m, "drive", (int)(index > 4 ? 4 : index), file, media && !strcmp(media, "cdrom"),
                           ro, snap, err, errlen);
        qopts_free(&q);
        if (rc)
            return -1;
    }
    return 0;
}

/* ---- firmware and CMOS ---- */

static int load_bios(struct machine *m, const char *path, char *err, size_t errlen)
{
    char e[256];
    m->bios = emu_host_read_file(path, 16u << 20, &m->bios_len, e, sizeof(e));
    if (!m->bios) {
        snprintf(err, errlen, "-bios: %s", e);
        return -1;
    }
    if (m->bios_len < 0x10000 || (m->bios_len & 0xffff)) {
        snprintf(err, errlen, "-bios: '%s' is not a firmware image (size must be a multiple of 64 KiB)", path);
        return -1;
    }
    /* The whole image ends at 4 GiB; its last 128 KiB also appear below
     * 1 MiB at 0xE0000 (the "isa-bios" alias, shadowable through PAM). */
    size_t alias = m->bios_len < 0x20000 ? m->bios_len : 0x20000;
    if (gmem_map_rom(m->mem, 0x100000000ull - m->bios_len, m->bios, m->bios_len) < 0 ||
        gmem_map_rom(m->mem, 0x100000 - alias, m->bios + m->bios_len - alias, alias) < 0) {
        snprintf(err, errlen, "-bios: cannot map the firmware");
        return -1;
    }
    return 0;
}

static void setup_cmos(struct machine *m)
{
    struct rtc *r = m->rtc;
    rtc_cmos_set(r, 0x10, 0x00);                 /* no floppy drives */
    rtc_cmos_set(r, 0x14, 0x06);                 /* equipment: FPU, PS/2 mouse, VGA */
    rtc_cmos_set(r, 0x15, 0x80);                 /* 640 KiB base memory */
    rtc_cmos_set(r, 0x16, 0x02);
    /* Extended memory in KiB above 1 MiB, saturating at 0xFFFF (~64 MiB). */
    uint64_t ext_kb = m->below_4g > 0x100000 ? (m->below_4g - 0x100000) >> 10 : 0;
    if (ext_kb > 0xffff)
        ext_kb = 0xffff;
    rtc_cmos_set(r, 0x17, (uint8_t)ext_kb);
    rtc_cmos_set(r, 0x18, (uint8_t)(ext_kb >> 8));
    rtc_cmos_set(r, 0x30, (uint8_t)ext_kb);
    rtc_cmos_set(r, 0x31, (uint8_t)(ext_kb >> 8));
    /* RAM above 16 MiB below 4 GiB, in 64 KiB units (SeaBIOS reads these). */
    uint64_t above16 = m->below_4g > 0x1000000 ? (m->below_4g - 0x1000000) >> 16 : 0;
    if (above16 > 0xffff)
        above16 = 0xffff;
    rtc_cmos_set(r, 0x34, (uint8_t)above16);
    rtc_cmos_set(r, 0x35, (uint8_t)(above16 >> 8));
    uint64_t above4g = (m->ram_size - m->below_4g) >> 16;
    rtc_cmos_set(r, 0x5b, (uint8_t)above4g);
    rtc_cmos_set(r, 0x5c, (uint8_t)(above4g >> 8));
    rtc_cmos_set(r, 0x5d, (uint8_t)(above4g >> 16));
    rtc_cmos_set(r, 0x5f, 0);                    /* CPUs - 1 */
    /* Boot order: 0x3D low nibble first, high nibble second; 0x38 bits 7:4
     * third; 0x38 bit 0 set skips the floppy boot-signature check. */
    rtc_cmos_set(r, 0x3d, (uint8_t)(m->boot_order[0] | m->boot_order[1] << 4));
    rtc_cmos_set(r, 0x38, (uint8_t)(m->boot_order[2] << 4 | 1));
    rtc_cmos_checksum(r);
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void setup_fw_cfg(struct machine *m)
{
    struct fw_cfg *f = m->fw_cfg;
    fw_cfg_add_i64(f, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_i16(f, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_i16(f, FW_CFG_MAX_CPUS, 1);
    /* As QEMU: 1 only for -nographic (not -display none). SeaBIOS then
     * turns on its serial console on COM1 (sercon), so option ROMs such as
     * iPXE and boot loaders that print through INT 10h show on the terminal. */
    fw_cfg_add_i16(f, FW_CFG_NOGRAPHIC, m->nographic ? 1 : 0);
    fw_cfg_add_i16(f, FW_CFG_BOOT_MENU, 0);
    /* etc/e820: {le64 address, le64 length, le32 type} per RAM range. */
    uint8_t e820[2 * 20];
    size_t n = 0;
    put_le64(e820, 0);
    put_le64(e820 + 8, m->below_4g);
    e820[16] = 1;
    e820[17] = e820[18] = e820[19] = 0;
    n = 20;
    if (m->ram_size > m->below_4g) {
        put_le64(e820 + 20, 0x100000000ull);
        put_le64(e820 + 28, m->ram_size - m->below_4g);
        e820[36] = 1;
        e820[37] = e820[38] = e820[39] = 0;
        n = 40;
    }
    fw_cfg_add_file(f, "etc/e820", e820, n);
}

/* -kernel/-initrd/-append: the files go into fw_cfg for our boot ROM. */
static int setup_kernel(struct machine *m, struct options *o, char *err, size_t errlen)
{
    const char *kernel = options_last(o, "kernel");
    const char *initrd = options_last(o, "initrd");
    const char *append = options_last(o, "append");
    if (!kernel) {
        if (initrd || append) {
            snprintf(err, errlen, "-%s needs -kernel", initrd ? "initrd" : "append");
            return -1;
        }
        return 0;
    }
    char e[256];
    size_t klen = 0, ilen = 0;
    uint8_t *k = emu_host_read_file(kernel, 256u << 20, &klen, e, sizeof(e));
    if (!k) {
        snprintf(err, errlen, "-kernel: %s", e);
        return -1;
    }
    uint8_t *i = NULL;
    if (initrd && !(i = emu_host_read_file(initrd, 1u << 30, &ilen, e, sizeof(e)))) {
        snprintf(err, errlen, "-initrd: %s", e);
        free(k);
        return -1;
    }
    int rc = linuxboot_setup(m->fw_cfg, k, klen, i, ilen, append, m->below_4g, err, errlen);
    free(k);
    free(i);
    return rc;
}

/* ---- reset ---- */

static void machine_reset(struct machine *m)
{
    pic_reset(m->pic);
    pit_reset(m->pit);
    for (int i = 0; i < MAX_SERIALS; i++)
        if (m->serial[i])
            serial_reset(m->serial[i]);
    port92_reset(m->port92);
    i8042_reset(m->i8042);
    if (m->vga)
        vga_reset(m->vga);
    pci_bus_reset(m->pci);
    i440fx_reset(m->i440fx);
    piix3_reset(m->piix3);
    acpi_pm_reset(m->acpi);
    ide_reset(m->ide);
    nic_machine_reset();
    cpu_reset(m->cpu);
    /* A20 is on after reset: the 8042's output port comes up with bit 1 set. */
    m->a20_port92 = false;
    m->a20_kbc = true;
    cpu_set_a20(m->cpu, true);
    m->reset_requested = false;
}

/* ---- creation ---- */

static struct chardev *open_chr(const char *opt, const char *spec, char *err, size_t errlen)
{
    char e[256];
    struct chardev *c = emu_host_chardev_open(spec, e, sizeof(e));
    if (!c)
        snprintf(err, errlen, "-%s: %s", opt, e);
    return c;
}

struct machine *machine_create(struct options *o, char *err, size_t errlen)
{
    err[0] = 0;
    bool none;
    int jit_threshold;
    if (parse_machine_opt(o, &none, err, errlen) < 0 || parse_accel(o, &jit_threshold, err, errlen) < 0 || none)
        return NULL;
    struct machine *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->clock = (struct vclock){clock_now, m};
    int64_t rtc_base;
    uint64_t ram = 128ull << 20;
    const char *v = options_last(o, "m");
    if (v) {
        /* "-m 512", "-m 512M", "-m size=512M" */
        const char *s = !strncmp(v, "size=", 5) ? v + 5 : v;
        if (parse_size(s, 1ull << 20, &ram) < 0 || ram < (2ull << 20) || ram > (8ull << 30)) {
            snprintf(err, errlen, "-m: invalid RAM size '%s' (2M..8G)", v);
            goto fail;
        }
        ram = (ram + 0xfffff) & ~0xfffffull;
    }
    m->ram_size = ram;
    m->below_4g = ram < LOWMEM_MAX ? ram : LOWMEM_MAX;
    if (parse_smp(o, err, errlen) < 0 || parse_icount(o, &m->icount_shift, err, errlen) < 0 || parse_rtc(o, &rtc_base, err, errlen) < 0 ||
        parse_boot(o, m->boot_order, err, errlen) < 0)
        goto fail;
    m->no_reboot = options_flag(o, "no-reboot");
    m->stopped = options_flag(o, "S");
    bool nographic = options_flag(o, "nographic");
    m->nographic = nographic;
    const char *display = options_last(o, "display");
    if (display && strcmp(display, "none")) {
        snprintf(err, errlen, "-display: only 'none' is available in this build");
        goto fail;
    }
    /* -vga std (the default, as in QEMU) or none. */
    const char *vga = options_last(o, "vga");
    if (vga && strcmp(vga, "std") && strcmp(vga, "none")) {
        snprintf(err, errlen, "-vga: unsupported card '%s' (std or none)", vga);
        goto fail;
    }
    bool want_vga = !vga || !strcmp(vga, "std");

    m->mem = gmem_create(ram, m->below_4g);
    m->io = io_bus_create();
    if (!m->mem || !m->io) {
        snprintf(err, errlen, "out of memory for %llu MiB of guest RAM", (unsigned long long)(ram >> 20));
        goto fail;
    }
    m->cpu = cpu_create(m->mem, m->io);
    if (!m->cpu) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (jit_threshold >= 0)
        cpu_set_jit_threshold(m->cpu, (unsigned)jit_threshold);
    cpu_set_intr_ack(m->cpu, intr_ack, m);
    cpu_set_tsc_source(m->cpu, tsc_ticks, m);
    /* The legacy VGA window is not RAM: the VGA's, or unassigned. */
    gmem_unmap(m->mem, 0xa0000, 0x20000);

    const char *bios = options_last(o, "bios");
    if (load_bios(m, bios ? bios : DEFAULT_BIOS, err, errlen) < 0)
        goto fail;

    m->pic = pic_create(m->io, (struct irq_line){intr_set, m, 0});
    m->pit = pit_create(m->io, &m->clock, pic_irq_line(m->pic, 0));
    if (m->pit)
        pit_set_irq0_pending(m->pit, irq0_pending, m->pic);
    m->rtc = rtc_create(m->io, &m->clock, pic_irq_line(m->pic, 8), rtc_base);
    m->port92 = port92_create(m->io, set_a20_port92, request_reset, m);
    m->i8042 = i8042_create(m->io, pic_irq_line(m->pic, 1), pic_irq_line(m->pic, 12), set_a20_kbc,
                            request_reset, m);
    m->pci = pci_bus_create(m->io, &pci_mem, m);
    pci_bus_set_mmio_window(m->pci, m->below_4g, 0xfec00000u);
    m->i440fx = i440fx_create(m->pci, shadow, m);
    m->piix3 = piix3_create(m->pci, m->io, m->pic, request_reset, m);
    m->acpi = acpi_pm_create(m->pci, m->io, &m->clock, pic_irq_line(m->pic, 9), request_poweroff, m);
    m->fw_cfg = fw_cfg_create(m->io, m->mem);
    if (want_vga) {
        /* The VGA BIOS is the VGA's option ROM; without it the card still
         * works for a guest that programs it itself. */
        size_t rom_len = 0;
        char e[256];
        uint8_t *rom = emu_host_read_file(DEFAULT_VGA_BIOS, 1u << 20, &rom_len, e, sizeof(e));
        if (!rom)
            LOGW("vga", "no VGA BIOS (%s): the screen stays blank until the guest sets a mode", e);
        m->vga = vga_create(m->pci, m->io, m->mem, rom, rom_len);
        free(rom);
        if (!m->vga) {
            snprintf(err, errlen, "out of memory for the VGA");
            goto fail;
        }
    }
    m->ide = ide_create(m->pci, m->io, m->mem, pic_irq_line(m->pic, 14), pic_irq_line(m->pic, 15));
    if (!m->ide || !m->pic || !m->pit || !m->rtc || !m->port92 || !m->i8042 || !m->pci || !m->i440fx || !m->piix3 || !m->acpi ||
        !m->fw_cfg) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }

    /* Serial ports: -serial in order for COM1 and COM2; by default COM1 is
     * stdio with -nographic and absent output otherwise. */
    static const uint16_t com_base[MAX_SERIALS] = {0x3f8, 0x2f8};
    static const int com_irq[MAX_SERIALS] = {4, 3};
    static const char *const com_name[MAX_SERIALS] = {"com1", "com2"};
    const char *spec[MAX_SERIALS] = {nographic ? "stdio" : "null", NULL};
    int cur = 0, nser = 0;
    const struct option_item *it;
    while ((it = options_next(o, "serial", &cur))) {
        if (nser == MAX_SERIALS) {
            snprintf(err, errlen, "-serial: at most %d serial ports", MAX_SERIALS);
            goto fail;
        }
        spec[nser++] = it->arg;
    }
    for (int i = 0; i < MAX_SERIALS; i++) {
        if (!spec[i] || !strcmp(spec[i], "none"))
            continue;
        if (!(m->serial_chr[i] = open_chr("serial", spec[i], err, errlen)))
            goto fail;
        m->serial[i] = serial_create(m->io, com_base[i], pic_irq_line(m->pic, com_irq[i]),
                                     m->serial_chr[i], com_name[i]);
    }

    /* The debug console answers on both Bochs's 0xE9 and SeaBIOS's 0x402
     * (QEMU needs -global isa-debugcon.iobase=0x402 for the latter). */
    const char *dc = options_last(o, "debugcon");
    uint16_t dc_port = 0;
    cur = 0;
    while ((it = options_next(o, "global", &cur))) {
        uint64_t port;
        if (!strncmp(it->arg, "isa-debugcon.iobase=", 20) &&
            parse_size(it->arg + 20, 1, &port) == 0 && port <= 0xffff) {
            dc_port = (uint16_t)port;
        } else {
            snprintf(err, errlen, "-global: unsupported property '%s' (isa-debugcon.iobase=N)", it->arg);
            goto fail;
        }
    }
    if (dc && strcmp(dc, "none")) {
        if (!(m->debugcon_chr = open_chr("debugcon", dc, err, errlen)))
            goto fail;
        m->debugcon[0] = debugcon_create(m->io, 0xe9, m->debugcon_chr);
        m->debugcon[1] = debugcon_create(m->io, dc_port ? dc_port : 0x402, m->debugcon_chr);
    }
    if (parse_devices(m, o, err, errlen) < 0 || parse_drives(m, o, err, errlen) < 0)
        goto fail;

    /* The NIC models, for -device/-nic/-net nic (net_configure runs next). */
    nic_machine_attach(m, o);
    setup_cmos(m);
    setup_fw_cfg(m);
    if (setup_kernel(m, o, err, errlen) < 0)
        goto fail;
    m->t0 = plat_now_ns();
    machine_reset(m);
    return m;
fail:
    machine_destroy(m);
    return NULL;
}

void machine_destroy(struct machine *m)
{
    if (!m)
        return;
    nic_machine_detach();
    for (int i = 0; i < m->ndebug_exit; i++)
        debug_exit_destroy(m->debug_exit[i]);
    for (int i = 0; i < 2; i++)
        if (m->debugcon[i])
            debugcon_destroy(m->debugcon[i]);
    emu_host_chardev_close(m->debugcon_chr);
    for (int i = 0; i < MAX_SERIALS; i++) {
        if (m->serial[i])
            serial_destroy(m->serial[i]);
        emu_host_chardev_close(m->serial_chr[i]);
    }
    if (m->fw_cfg)
        fw_cfg_destroy(m->fw_cfg);
    if (m->ide)
        ide_destroy(m->ide);
    if (m->vga)
        vga_destroy(m->vga);
    for (int i = 0; i < 4; i++)
        emu_host_block_close(m->drives[i]);
    if (m->acpi)
        acpi_pm_destroy(m->acpi);
    if (m->piix3)
        piix3_destroy(m->piix3);
    if (m->i440fx)
        i440fx_destroy(m->i440fx);
    if (m->pci)
        pci_bus_destroy(m->pci);
    if (m->port92)
        port92_destroy(m->port92);
    if (m->i8042)
        i8042_destroy(m->i8042);
    if (m->rtc)
        rtc_destroy(m->rtc);
    if (m->pit)
        pit_destroy(m->pit);
    if (m->pic)
        pic_destroy(m->pic);
    if (m->cpu)
        cpu_destroy(m->cpu);
    if (m->io)
        io_bus_destroy(m->io);
    if (m->mem)
        gmem_destroy(m->mem);
    free(m->bios);
    free(m);
}

/* ---- running ---- */

/* Lets every timer device catch up with the clock; the earliest next event
 * on the virtual clock. */
static uint64_t poll_devices(struct machine *m)
{
    uint64_t next = pit_poll(m->pit);
    uint64_t t = rtc_poll(m->rtc);
    if (t < next)
        next = t;
    t = acpi_pm_poll(m->acpi);
    if (t < next)
        next = t;
    for (int i = 0; i < MAX_SERIALS; i++)
        if (m->serial[i])
            serial_poll(m->serial[i]);
    return next;
}

uint64_t machine_next_deadline_ns(struct machine *m)
{
    if (m->stopped && !m->exit_requested && !m->reset_requested)
        return UINT64_MAX;   /* only the monitor's cont starts it */
    uint64_t next = poll_devices(m);
    /* An interrupt became pending while the CPU was halted (a timer that
     * fired just now in poll_devices, a device fed from outside the CPU's
     * slice): the CPU must run now to take it. */
    if (m->intr_level) {
        struct cpu_regs r;
        cpu_get_regs(m->cpu, &r);
        if (r.eflags & 0x200)
            return 0;  /* now (a fixed past time: the loop compares it twice) */
    }
    if (m->icount_shift >= 0 && next != VCLOCK_NEVER)
        return 0;  /* icount never sleeps: it warps */
    uint64_t t = next == VCLOCK_NEVER ? UINT64_MAX : m->t0 + next;
    /* Host input (serial streams, the display's keyboard) has no descriptor
     * the loop could wait on: while the guest idles, look every 10 ms from
     * when it went idle. A tickless guest may otherwise sleep forever
     * waiting for a key. */
    if (m->serial_chr[0] || m->serial_chr[1] || m->display) {
        uint64_t cap = m->idle_at + INPUT_POLL_NS;
        if (cap < t)
            t = cap;
    }
    return t;
}

void machine_set_display(struct machine *m, const struct display_ops *ops, void *ctx)
{
    m->display = ops;
    m->display_ctx = ctx;
    m->display_next = 0;
}

/* Hands the screen to the display and its input to the 8042. */
static void service_display(struct machine *m, uint64_t now)
{
    if (!m->display || now < m->display_next)
        return;
    m->display_next = now + DISPLAY_PERIOD_NS;
    struct input_event ev[16];
    size_t n = m->display->input_poll ? m->display->input_poll(m->display_ctx, ev, 16) : 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].type == INPUT_KEY)
            i8042_key(m->i8042, ev[i].code, ev[i].down);
        else
            i8042_mouse(m->i8042, ev[i].dx, ev[i].dy, ev[i].buttons);
    }
    if (m->display->update) {
        struct display_state st = {.kind = DISPLAY_BLANK};
        if (m->vga)
            vga_display_state(m->vga, &st);
        m->display->update(m->display_ctx, &st);
    }
}

/* Carries out a requested reset (with -no-reboot, an exit instead).
 * Returns true once the machine is to exit. */
static bool take_reset(struct machine *m)
{
    if (m->reset_requested && !m->exit_requested) {
        if (m->no_reboot) {
            LOGI("machine", "guest reset with -no-reboot: exiting");
            m->exit_requested = true;
            m->exit_status = 0;
        } else {
            machine_reset(m);
        }
    }
    return m->exit_requested;
}

enum machine_status machine_run(struct machine *m, uint64_t until_ns)
{
    service_display(m, plat_now_ns());
    for (;;) {
        if (take_reset(m))
            return MACHINE_EXIT;
        if (m->stopped)
            return MACHINE_IDLE;
        uint64_t next = poll_devices(m);
        if (plat_now_ns() >= until_ns)
            return MACHINE_TIME_UP;
        uint64_t budget = SLICE_INSNS;
        if (m->icount_shift >= 0 && next != VCLOCK_NEVER) {
            /* Stop exactly at the next timer event. */
            uint64_t now = clock_now(m);
            uint64_t left = next > now ? (next - now + (1ull << m->icount_shift) - 1) >> m->icount_shift : 1;
            if (left < budget)
                budget = left ? left : 1;
        }
        enum cpu_stop st = cpu_run(m->cpu, budget);
        switch (st) {
        case CPU_STOP_HLT:
            if (m->icount_shift >= 0) {
                /* Deterministic time: skip straight to the next event. */
                uint64_t now = clock_now(m);
                next = poll_devices(m);
                if (next == VCLOCK_NEVER) {
                    m->idle_at = plat_now_ns();
                    return MACHINE_IDLE;  /* halted with no timer: only input can wake it */
                }
                if (next > now)
                    m->warp_ns += next - now;
                break;
            }
            m->idle_at = plat_now_ns();
            return MACHINE_IDLE;
        case CPU_STOP_RESET:
            LOGI("machine", "CPU shutdown (triple fault): resetting");
            m->reset_requested = true;
            break;
        default:
            break;
        }
    }
}

void machine_system_reset(struct machine *m)
{
    m->reset_requested = true;
}

void machine_key(struct machine *m, uint16_t code, bool down)
{
    i8042_key(m->i8042, code, down);
}

void machine_system_powerdown(struct machine *m)
{
    acpi_pm_power_button(m->acpi);
}

void machine_set_running(struct machine *m, bool running)
{
    m->stopped = !running;
    if (running)
        m->idle_at = plat_now_ns();
}

bool machine_running(const struct machine *m)
{
    return !m->stopped;
}

void machine_get_jit_stats(const struct machine *m, struct cpu_jit_stats *s)
{
    cpu_get_jit_stats(m->cpu, s);
}

void machine_get_cpu_regs(const struct machine *m, struct cpu_regs *r)
{
    cpu_get_regs(m->cpu, r);
}

enum machine_status machine_advance(struct machine *m, uint64_t ns)
{
    if (m->icount_shift >= 0)
        m->warp_ns += ns;
    poll_devices(m);
    take_reset(m);
    m->display_next = 0;
    service_display(m, plat_now_ns());
    return m->exit_requested ? MACHINE_EXIT : MACHINE_IDLE;
}

int machine_intr_ack(struct machine *m)
{
    return m->intr_level ? intr_ack(m) : -1;
}

int machine_exit_status(const struct machine *m)
{
    return m->exit_status;
}

struct pci_bus *machine_pci_bus(struct machine *m)
{
    return m->pci;
}

struct guest_memory *machine_memory(struct machine *m)
{
    return m->mem;
}

struct io_bus *machine_io(struct machine *m)
{
    return m->io;
}
