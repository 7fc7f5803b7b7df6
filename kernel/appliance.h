/* The appliance (issue 8): the PC machine of the config running as an event
 * loop hook beside the network, the console escape into the appliance
 * monitor, and the configuration error screen. */
#ifndef BAREMU_KERNEL_APPLIANCE_H
#define BAREMU_KERNEL_APPLIANCE_H

#include <stddef.h>

#include "config/options.h"

/* Where the config came from, for messages. */
#define APPLIANCE_CONFIG_ORIGIN "\\baremu\\baremu.cfg"

/* The built-in configuration used when \baremu\baremu.cfg is missing: a PC
 * with SeaBIOS, the guest's COM1 on the appliance console, and the boot
 * volume's disk.img (if any) as its first disk. */
extern const char appliance_default_config[];

/* Fills in what the appliance implies (the firmware found on the boot volume
 * when no -bios is given, COM1 on the console when no -serial is given) and
 * builds the machine: call after the config is parsed and before net_boot,
 * so the machine's NIC models exist when the network is configured; builtin
 * when o holds appliance_default_config (then disk.img is the guest's disk). No
 * firmware on the boot volume and no -bios means no guest (network only).
 * -1 with a message in err on a config error. */
int appliance_create(struct options *o, int builtin, char *err, size_t errlen);

/* Why guest options may be left unused: "" or a note for error messages. */
const char *appliance_no_guest_reason(void);

/* Registers the guest CPU and the console escape on the event loop. */
void appliance_start(void);

/* The guest's view of the console input (emu_host "stdio"): what is typed
 * on COM1 or the keyboard, minus the Ctrl-A escape sequences and anything
 * typed while the monitor is open. */
int appliance_console_getc(void);

/* Opens (1) or closes (0) the appliance monitor on the screen (the host
 * key combination of kernel/display.c). */
void appliance_monitor_screen(int open);

/* Shows the configuration error on the screen (a full-screen message) and
 * on serial, then waits forever without rebooting. title says what failed. */
_Noreturn void appliance_error_screen(const char *title, const char *msg);

/* Powers the machine off (ACPI S5); halts with a message when that fails. */
_Noreturn void appliance_poweroff(void);

#endif
