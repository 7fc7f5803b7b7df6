/* The "pc" machine: an i440FX/PIIX3 PC built from QEMU-syntax options, and
 * the loop that runs its CPU in slices bounded by the devices' timers. */
#ifndef BAREMU_EMU_MACHINE_H
#define BAREMU_EMU_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/options.h"

struct machine;
struct pci_bus;
struct guest_memory;
struct io_bus;

/* Builds the machine from the options it owns (-machine, -m, -bios, -serial,
 * -debugcon, -rtc, -icount, -boot, -no-reboot, -nographic, -display,
 * -device isa-debug-exit, -global isa-debugcon.iobase, -snapshot ...), marking
 * them used. NULL with err[0] == 0 means "-machine none" (no guest);
 * NULL with a message in err is an error naming the option. */
struct machine *machine_create(struct options *opts, char *err, size_t errlen);
void machine_destroy(struct machine *m);

enum machine_status {
    MACHINE_TIME_UP,   /* until_ns reached */
    MACHINE_IDLE,      /* the CPU halted waiting for an interrupt: sleep until
                          machine_next_deadline_ns() or outside input */
    MACHINE_EXIT,      /* power-off, isa-debug-exit, reset with -no-reboot */
};

/* Runs the guest until host time until_ns (plat_now_ns), or earlier when it
 * idles or exits. */
enum machine_status machine_run(struct machine *m, uint64_t until_ns);
/* The host time (plat_now_ns) at which machine_run is due: the next timer
 * event, 0 when the CPU must run now (busy, or an interrupt is pending for
 * the halted CPU), UINT64_MAX when only input can wake the guest. */
uint64_t machine_next_deadline_ns(struct machine *m);
/* The process exit status the machine asks for once MACHINE_EXIT: 0 after a
 * power-off or a reset with -no-reboot, (V << 1) | 1 after isa-debug-exit. */
int machine_exit_status(const struct machine *m);

/* The monitor's machine commands (emu/machine_monitor.c), as QEMU's:
 * system_reset (a reset as the guest's own; with -no-reboot, an exit),
 * system_powerdown (the ACPI power button), stop/cont (also -S), sendkey. */
struct cpu_regs;
struct cpu_jit_stats;
void machine_system_reset(struct machine *m);
void machine_system_powerdown(struct machine *m);
void machine_set_running(struct machine *m, bool running);
bool machine_running(const struct machine *m);
void machine_get_cpu_regs(const struct machine *m, struct cpu_regs *r);
void machine_get_jit_stats(const struct machine *m, struct cpu_jit_stats *s);
/* A key on the PS/2 keyboard: its scan code set 1 make code (0xE0-prefixed
 * keys as 0xE000 | code), pressed or released (the monitor's sendkey). */
void machine_key(struct machine *m, uint16_t code, bool down);
/* Registers those commands with config/monitor.c for this machine. */
void machine_monitor_register(struct machine *m);

/* Drives the devices without the CPU (tests/fuzz/fuzz_pc_devices.c): under
 * -icount, where time is the machine's own, the virtual clock moves on by ns
 * as if the CPU had sat in HLT; the timers catch up, a requested reset is
 * carried out as machine_run would, and an attached display gets the screen
 * at once. MACHINE_EXIT once the guest asked to exit, else MACHINE_IDLE. */
enum machine_status machine_advance(struct machine *m, uint64_t ns);
/* The CPU's interrupt acknowledge cycle: the vector the PICs hand over, or
 * -1 while their INTR output is low. */
int machine_intr_ack(struct machine *m);

/* Attaches the host's display and input (emu/emu_host.h): the VGA's screen
 * goes to ops->update about 30 times a second of host time, and events from
 * ops->input_poll to the PS/2 keyboard and mouse. ops NULL detaches. */
struct display_ops;
void machine_set_display(struct machine *m, const struct display_ops *ops, void *ctx);

/* For devices added by other subsystems (the NICs). */
struct pci_bus *machine_pci_bus(struct machine *m);
struct guest_memory *machine_memory(struct machine *m);
struct io_bus *machine_io(struct machine *m);
/* A line to ISA IRQ n of the PICs. */
void machine_set_isa_irq(struct machine *m, int irq, int level);

#endif
