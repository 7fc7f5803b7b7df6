/* The guest's screen and keyboard on the real machine (kernel/display.c):
 * the emu_host.h display_ops the appliance attaches to the guest machine. */
#ifndef BAREMU_KERNEL_DISPLAY_H
#define BAREMU_KERNEL_DISPLAY_H

struct display_ops;

/* The display ops over the GOP framebuffer; NULL without a framebuffer. */
const struct display_ops *display_init(void);
/* The guest's picture takes the screen (the console stops drawing) and the
 * keyboard goes raw to the guest's 8042. */
void display_take_screen(void);
/* The console gets the screen and the keyboard back (monitor, errors). */
void display_release_screen(void);

#endif
