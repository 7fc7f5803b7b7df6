/* The PC machine's monitor commands, with QEMU's names, arguments and
 * output (QEMU's HMP): system_reset, system_powerdown, stop, cont/c,
 * info status, info registers, sendkey (QEMU's key names, "qcodes", with
 * their scan code set 1 make codes from the IBM PC/AT keyboard tables). The hosted build registers them; the
 * appliance has its own guest commands (kernel/appliance.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/monitor.h"
#include "emu/cpu/cpu.h"
#include "emu/machine.h"

static struct machine *mon_machine;

static int cmd_system_reset(struct monitor *mon, int argc, char **argv)
{
    (void)mon; (void)argc; (void)argv;
    machine_system_reset(mon_machine);
    return 0;
}

static int cmd_system_powerdown(struct monitor *mon, int argc, char **argv)
{
    (void)mon; (void)argc; (void)argv;
    machine_system_powerdown(mon_machine);
    return 0;
}

static int cmd_stop(struct monitor *mon, int argc, char **argv)
{
    (void)mon; (void)argc; (void)argv;
    machine_set_running(mon_machine, false);
    return 0;
}

static int cmd_cont(struct monitor *mon, int argc, char **argv)
{
    (void)mon; (void)argc; (void)argv;
    machine_set_running(mon_machine, true);
    return 0;
}

static int cmd_info_status(struct monitor *mon, int argc, char **argv)
{
    (void)argc; (void)argv;
    mon_printf(mon, "VM status: %s\n", machine_running(mon_machine) ? "running" : "paused");
    return 0;
}

/* The translator's state, in the spirit of QEMU's "info jit" (its TCG
 * statistics): whether it runs, how many runs it translated, how full the
 * code cache is and how often it was emptied. */
static int cmd_info_jit(struct monitor *mon, int argc, char **argv)
{
    (void)argc; (void)argv;
    struct cpu_jit_stats s;
    machine_get_jit_stats(mon_machine, &s);
    if (!s.threshold) {
        mon_printf(mon, "Translation: off (-accel tcg,jit=off): the CPU interprets\n");
        return 0;
    }
    mon_printf(mon, "Translation: on, after %u runs of a block\n", s.threshold);
    mon_printf(mon, "Translated blocks: %llu\n", (unsigned long long)s.translated);
    mon_printf(mon, "Code cache: %llu of %llu KiB used, emptied %llu times%s\n",
               (unsigned long long)(s.code_bytes >> 10), (unsigned long long)(s.code_capacity >> 10),
               (unsigned long long)s.flushes, s.available || !s.translated ? "" : " (no code memory)");
    return 0;
}

/* A segment register as QEMU's x86 "info registers" prints it: selector,
 * base, limit, then the descriptor's flag bits (bits 8-23 of its high word). */
static void print_seg(struct monitor *mon, const char *name, const struct cpu_seg_state *s)
{
    mon_printf(mon, "%-3s=%04x %08x %08x %08x\n", name, s->sel, s->base, s->limit,
               ((uint32_t)s->attr & 0xf0ffu) << 8);
}

static int cmd_info_registers(struct monitor *mon, int argc, char **argv)
{
    (void)argc; (void)argv;
    struct cpu_regs r;
    machine_get_cpu_regs(mon_machine, &r);
    mon_printf(mon, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n", r.gpr[CPU_EAX], r.gpr[CPU_EBX],
               r.gpr[CPU_ECX], r.gpr[CPU_EDX]);
    mon_printf(mon, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", r.gpr[CPU_ESI], r.gpr[CPU_EDI],
               r.gpr[CPU_EBP], r.gpr[CPU_ESP]);
    mon_printf(mon, "EIP=%08x EFL=%08x\n", r.eip, r.eflags);
    static const char *const names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
    for (int i = 0; i < 6; i++)
        print_seg(mon, names[i], &r.seg[i]);
    print_seg(mon, "LDT", &r.ldtr);
    print_seg(mon, "TR", &r.tr);
    mon_printf(mon, "GDT=     %08x %08x\n", r.gdt_base, r.gdt_limit);
    mon_printf(mon, "IDT=     %08x %08x\n", r.idt_base, r.idt_limit);
    mon_printf(mon, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", r.cr0, r.cr2, r.cr3, r.cr4);
    return 0;
}

/* QEMU's key names and their set 1 make codes (0xE0 prefix as 0xE0xx). */
static const struct key_name {
    const char *name;
    uint16_t code;
} key_names[] = {
    {"esc", 0x01}, {"1", 0x02}, {"2", 0x03}, {"3", 0x04}, {"4", 0x05}, {"5", 0x06}, {"6", 0x07},
    {"7", 0x08}, {"8", 0x09}, {"9", 0x0a}, {"0", 0x0b}, {"minus", 0x0c}, {"equal", 0x0d},
    {"backspace", 0x0e}, {"tab", 0x0f}, {"q", 0x10}, {"w", 0x11}, {"e", 0x12}, {"r", 0x13},
    {"t", 0x14}, {"y", 0x15}, {"u", 0x16}, {"i", 0x17}, {"o", 0x18}, {"p", 0x19},
    {"bracket_left", 0x1a}, {"bracket_right", 0x1b}, {"ret", 0x1c}, {"ctrl", 0x1d},
    {"a", 0x1e}, {"s", 0x1f}, {"d", 0x20}, {"f", 0x21}, {"g", 0x22}, {"h", 0x23}, {"j", 0x24},
    {"k", 0x25}, {"l", 0x26}, {"semicolon", 0x27}, {"apostrophe", 0x28}, {"grave_accent", 0x29},
    {"shift", 0x2a}, {"backslash", 0x2b}, {"z", 0x2c}, {"x", 0x2d}, {"c", 0x2e}, {"v", 0x2f},
    {"b", 0x30}, {"n", 0x31}, {"m", 0x32}, {"comma", 0x33}, {"dot", 0x34}, {"slash", 0x35},
    {"shift_r", 0x36}, {"kp_multiply", 0x37}, {"asterisk", 0x37}, {"alt", 0x38}, {"spc", 0x39},
    {"caps_lock", 0x3a}, {"f1", 0x3b}, {"f2", 0x3c}, {"f3", 0x3d}, {"f4", 0x3e}, {"f5", 0x3f},
    {"f6", 0x40}, {"f7", 0x41}, {"f8", 0x42}, {"f9", 0x43}, {"f10", 0x44}, {"num_lock", 0x45},
    {"scroll_lock", 0x46}, {"kp_7", 0x47}, {"kp_8", 0x48}, {"kp_9", 0x49}, {"kp_subtract", 0x4a},
    {"kp_4", 0x4b}, {"kp_5", 0x4c}, {"kp_6", 0x4d}, {"kp_add", 0x4e}, {"kp_1", 0x4f},
    {"kp_2", 0x50}, {"kp_3", 0x51}, {"kp_0", 0x52}, {"kp_decimal", 0x53}, {"less", 0x56},
    {"f11", 0x57}, {"f12", 0x58}, {"kp_enter", 0xe01c}, {"ctrl_r", 0xe01d},
    {"kp_divide", 0xe035}, {"print", 0xe037}, {"sysrq", 0xe037}, {"alt_r", 0xe038},
    {"home", 0xe047}, {"up", 0xe048}, {"pgup", 0xe049}, {"left", 0xe04b}, {"right", 0xe04d},
    {"end", 0xe04f}, {"down", 0xe050}, {"pgdn", 0xe051}, {"insert", 0xe052},
    {"delete", 0xe053}, {"meta_l", 0xe05b}, {"meta_r", 0xe05c}, {"menu", 0xe05d},
};

/* A key name, or a raw make code as QEMU also takes it ("0x1e"). */
static int key_code(const char *name, uint16_t *code)
{
    for (size_t i = 0; i < sizeof(key_names) / sizeof(key_names[0]); i++)
        if (!strcmp(key_names[i].name, name)) {
            *code = key_names[i].code;
            return 0;
        }
    if (name[0] == '0' && (name[1] == 'x' || name[1] == 'X') && name[2]) {
        char *end;
        unsigned long v = strtoul(name + 2, &end, 16);
        if (!*end && v && v <= 0xffff && ((v >> 8) == 0 || (v >> 8) == 0xe0) && (v & 0x7f) == (v & 0xff)) {
            *code = (uint16_t)v;
            return 0;
        }
    }
    return -1;
}

/* sendkey KEYS [HOLD_MS]: KEYS joined by '-' are pressed in order and
 * released in reverse (ctrl-alt-delete). The 8042 queues both; the guest
 * reads them in order, so the hold time only has to be valid. */
static int cmd_sendkey(struct monitor *mon, int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        mon_printf(mon, "usage: sendkey keys [hold_ms]\n");
        return -1;
    }
    if (argc == 3) {
        char *end;
        strtoul(argv[2], &end, 10);
        if (!argv[2][0] || *end) {
            mon_printf(mon, "invalid hold time '%s'\n", argv[2]);
            return -1;
        }
    }
    uint16_t codes[8];
    int n = 0;
    char keys[128];
    snprintf(keys, sizeof(keys), "%s", argv[1]);
    for (char *k = keys, *next; k; k = next) {
        next = strchr(k, '-');
        if (next)
            *next++ = 0;
        if (n == (int)(sizeof(codes) / sizeof(codes[0]))) {
            mon_printf(mon, "too many keys in '%s'\n", argv[1]);
            return -1;
        }
        if (key_code(k, &codes[n]) < 0) {
            mon_printf(mon, "invalid parameter: unknown key '%s'\n", k);
            return -1;
        }
        n++;
    }
    for (int i = 0; i < n; i++)
        machine_key(mon_machine, codes[i], true);
    for (int i = n - 1; i >= 0; i--)
        machine_key(mon_machine, codes[i], false);
    return 0;
}

void machine_monitor_register(struct machine *m)
{
    mon_machine = m;
    static bool registered;
    if (registered)
        return;
    registered = true;
    monitor_register("system_reset", "", "reset the system", cmd_system_reset);
    monitor_register("system_powerdown", "", "send the ACPI power button event", cmd_system_powerdown);
    monitor_register("stop", "", "stop emulation", cmd_stop);
    monitor_register("cont", "", "resume emulation (also c)", cmd_cont);
    monitor_register("c", "", "resume emulation", cmd_cont);
    monitor_register("info status", "", "show the current VM status (running|paused)", cmd_info_status);
    monitor_register("info registers", "", "show the CPU registers", cmd_info_registers);
    monitor_register("info jit", "", "show the translator's state", cmd_info_jit);
    monitor_register("sendkey", "keys [hold_ms]", "send keys to the guest (e.g. ctrl-alt-delete)", cmd_sendkey);
}
