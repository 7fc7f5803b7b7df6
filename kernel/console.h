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

void ps2kbd_init(void);
void ps2kbd_irq(void);                /* IRQ 1 handler body */
void ps2kbd_poll(void);               /* the same, for the no-interrupt fallback */
int ps2kbd_getc(void);                /* -1 when nothing is waiting */
/* Raw mode (for the guest's keyboard): scan code set 1 bytes as they come,
 * including 0xe0 prefixes and break codes; ps2kbd_getc then returns nothing. */
void ps2kbd_set_raw(int on);
int ps2kbd_get_scancode(void);        /* -1 when nothing is waiting */

/* Writes to every console; '\n' becomes CR LF on serial. Safe to call from
 * exception handlers (no allocation, no locks). */
void console_write(const char *s, size_t n);
void console_puts(const char *s);
/* Formats into a stack buffer and writes (at most 1023 characters). */
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Next input character from the serial line or the keyboard, -1 if none. */
int console_getc(void);

#endif
