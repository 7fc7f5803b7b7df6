/* The PS/2 keyboard behind the i8042 controller (data port 0x60, status 0x64).
 * Firmware leaves translation on, so bytes arrive in scan code set 1 (IBM PC
 * AT Technical Reference, keyboard scan codes); make codes become ASCII with
 * Shift and Ctrl applied, break codes only update the modifiers. */
#include <stdint.h>

#include "kernel/console.h"
#include "kernel/cpu.h"

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define ST_OUTPUT_FULL 0x01
#define ST_AUX_DATA 0x20   /* the byte is from the mouse port */

/* Set 1 make codes 0x00-0x39 to ASCII, unshifted and shifted. */
static const char plain[0x3a] = {
    0, 27, '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0, 'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0, '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0, '*', 0, ' ',
};
static const char shifted[0x3a] = {
    0, 27, '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0, 'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0, '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0, '*', 0, ' ',
};

static volatile uint8_t ring[64];
static volatile unsigned head, tail;
static int shift, ctrl, extended;
/* Raw mode: every byte from the keyboard (prefixes, make and break codes)
 * goes to its own ring for the guest's emulated keyboard; no ASCII. */
static volatile uint8_t raw[256];
static volatile unsigned raw_head, raw_tail;
static volatile int raw_mode;

void ps2kbd_set_raw(int on)
{
    raw_mode = on;
}

int ps2kbd_get_scancode(void)
{
    if (raw_tail == raw_head)
        return -1;
    int c = raw[raw_tail];
    raw_tail = (raw_tail + 1) % sizeof(raw);
    return c;
}

void ps2kbd_init(void)
{
    /* Drain whatever the firmware left in the output buffer. */
    for (int i = 0; i < 32 && (inb(KBD_STATUS) & ST_OUTPUT_FULL); i++)
        (void)inb(KBD_DATA);
}

static void scancode(uint8_t sc)
{
    if (raw_mode) {
        unsigned next = (raw_head + 1) % sizeof(raw);
        if (next != raw_tail) {
            raw[raw_head] = sc;
            raw_head = next;
        }
        return;
    }
    if (sc == 0xe0) {
        extended = 1;
        return;
    }
    int release = sc & 0x80, code = sc & 0x7f, ext = extended;
    extended = 0;
    if (code == 0x2a || code == 0x36) { shift = !release; return; }
    if (code == 0x1d) { ctrl = !release; return; }
    if (release || ext || code >= 0x3a)
        return;
    char c = shift ? shifted[code] : plain[code];
    if (!c)
        return;
    if (ctrl && c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 1);
    unsigned next = (head + 1) % sizeof(ring);
    if (next != tail) {   /* full: drop the key */
        ring[head] = (uint8_t)c;
        head = next;
    }
}

void ps2kbd_irq(void)
{
    while ((inb(KBD_STATUS) & (ST_OUTPUT_FULL | ST_AUX_DATA)) == ST_OUTPUT_FULL)
        scancode(inb(KBD_DATA));
}

void ps2kbd_poll(void)
{
    ps2kbd_irq();
}

int ps2kbd_getc(void)
{
    if (tail == head)
        return -1;
    int c = ring[tail];
    tail = (tail + 1) % sizeof(ring);
    return c;
}
