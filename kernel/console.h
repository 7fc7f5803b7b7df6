/* The kernel's consoles: COM1 (serial.c), the GOP framebuffer text console
 * (fbcon.c) and the PS/2 keyboard (ps2kbd.c), joined into one output stream
 * and one input stream (console.c). */
#ifndef BAREMU_KERNEL_CONSOLE_H
#define BAREMU_KERNEL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct boot_fb;

void serial_init(void);
void serial_putc(char c);
int serial_getc(void);                /* -1 when nothing is waiting */
void serial_enable_rx_irq(void);      /* after routing ISA IRQ 4 */

int fbcon_init(const struct boot_fb *fb); /* 0 when a framebuffer console is up */
void fbcon_putc(char c);
void fbcon_size(int *cols, int *rows);
/* Stops (0) or resumes (1) drawing text, for when a guest display owns the
 * screen; the log still goes to serial. */
void fbcon_set_enabled(int on);
/* Colours as 0xRRGGBB for the text drawn next (and for fbcon_clear). */
void fbcon_set_colors(uint32_t fg_rgb, uint32_t bg_rgb);
/* Fills the screen with the background colour; text restarts at the top. */
void fbcon_clear(void);

/* Sets up the keyboard and, when one answers, the mouse: with its interrupt
 * (the caller routes IRQ 12 to ps2kbd_irq), polled (ps2kbd_poll reads it),
 * or left off. Call with interrupts disabled; 1 when a mouse streams. */
enum ps2_aux { PS2_AUX_OFF, PS2_AUX_IRQ, PS2_AUX_POLLED };
int ps2kbd_init(enum ps2_aux aux);
void ps2kbd_irq(void);                /* IRQ 1 handler body */
void ps2kbd_poll(void);               /* the same, for the no-interrupt fallback */
int ps2kbd_getc(void);                /* -1 when nothing is waiting */
/* Raw mode (for the guest's keyboard): scan code set 1 bytes as they come,
 * including 0xe0 prefixes and break codes; ps2kbd_getc then returns nothing. */
void ps2kbd_set_raw(int on);
int ps2kbd_get_scancode(void);        /* -1 when nothing is waiting */
/* Mouse motion (right, up) summed since the last call and the buttons (bit 0
 * left, 1 right, 2 middle), gathered only in raw mode; 0 when none. */
int ps2mouse_get(int *dx, int *dy, unsigned *buttons);

/* Writes to every console; '\n' becomes CR LF on serial. Safe to call from
 * exception handlers (no allocation, no locks). */
void console_write(const char *s, size_t n);
void console_puts(const char *s);
/* Ends a line left open (by the guest's output) so that what follows, one of
 * the appliance's log lines, starts at the left margin. */
void console_start_line(void);
/* Formats into a stack buffer and writes (at most 1023 characters). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Next input character from the serial line or the keyboard, -1 if none. */
int console_getc(void);

#endif
