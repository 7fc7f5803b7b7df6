/* The PC machine's monitor commands, with QEMU's names, arguments and
 * output (QEMU's HMP): system_reset, system_powerdown, stop, cont/c,
 * info status, info registers. The hosted build registers them; the
 * appliance has its own guest commands (kernel/appliance.c). */
#include <stdio.h>

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
}
