/* The PS/2 keyboard and mouse behind the i8042 controller (data port 0x60,
 * status and command port 0x64). Firmware leaves translation on, so keyboard
 * bytes arrive in scan code set 1 (IBM PC AT Technical Reference, keyboard
 * scan codes); make codes become ASCII with Shift and Ctrl applied, break
 * codes only update the modifiers. The mouse (status bit 5 marks its bytes)
 * is set to its defaults and streams standard 3-byte packets (IBM PS/2
 * Technical Reference, auxiliary device: byte 0 buttons, sign and overflow
 * bits with bit 3 always set, then X and Y), summed here for the guest. */
#include <stdint.h>

#include "kernel/console.h"
#include "kernel/cpu.h"

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define KBD_CMD 0x64
#define ST_OUTPUT_FULL 0x01
#define ST_INPUT_FULL 0x02
#define ST_AUX_DATA 0x20   /* the byte is from the mouse port */
/* Controller commands and the command byte's bits (8042 command set). */
#define CTL_READ_CB 0x20
#define CTL_WRITE_CB 0x60
#define CTL_AUX_ENABLE 0xa8
#define CTL_WRITE_AUX 0xd4
#define CB_AUX_INT 0x02
#define CB_AUX_OFF 0x20
#define AUX_DEFAULTS 0xf6
#define AUX_STREAM_ON 0xf4
#define AUX_ACK 0xfa

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

/* The mouse: the packet being assembled, and the motion and buttons the
 * guest has not taken yet. */
static uint8_t pkt[3];
static unsigned pkt_n;
static volatile int mouse_dx, mouse_dy, mouse_pending;
static volatile unsigned mouse_buttons;
static int mouse_present;

/* Bounded waits: a controller or a mouse that does not answer costs at most
 * a few hundred thousand port reads, never a hang. */
static int ctl_wait_input_empty(void)
{
    for (int i = 0; i < 200000; i++)
        if (!(inb(KBD_STATUS) & ST_INPUT_FULL))
            return 0;
    return -1;
}

static int ctl_write(uint16_t port, uint8_t v)
{
    if (ctl_wait_input_empty() < 0)
        return -1;
    outb(port, v);
    return 0;
}

/* The next byte of the given source (aux or keyboard); keyboard bytes that
 * arrive while the mouse is set up are dropped. */
static int ctl_read(int aux, uint8_t *v)
{
    for (int i = 0; i < 200000; i++) {
        uint8_t st = inb(KBD_STATUS);
        if (!(st & ST_OUTPUT_FULL))
            continue;
        uint8_t b = inb(KBD_DATA);
        if (!!(st & ST_AUX_DATA) == aux) {
            *v = b;
            return 0;
        }
    }
    return -1;
}

static int aux_command(uint8_t cmd)
{
    uint8_t ack;
    if (ctl_write(KBD_CMD, CTL_WRITE_AUX) < 0 || ctl_write(KBD_DATA, cmd) < 0 || ctl_read(1, &ack) < 0)
        return -1;
    return ack == AUX_ACK ? 0 : -1;
}

int ps2kbd_init(enum ps2_aux aux)
{
    /* Drain whatever the firmware left in the output buffer. */
    for (int i = 0; i < 32 && (inb(KBD_STATUS) & ST_OUTPUT_FULL); i++)
        (void)inb(KBD_DATA);
    /* The mouse port: clock on, its interrupt only when the caller routes
     * IRQ 12 (polled: ps2kbd_poll reads it), then defaults and streaming.
     * A mouse nobody reads would block the keyboard behind its bytes. */
    if (aux == PS2_AUX_OFF)
        return 0;
    int aux_irq = aux == PS2_AUX_IRQ;
    uint8_t cb;
    if (ctl_write(KBD_CMD, CTL_AUX_ENABLE) < 0 || ctl_write(KBD_CMD, CTL_READ_CB) < 0 || ctl_read(0, &cb) < 0)
        return 0;
    cb = (uint8_t)((cb & ~(CB_AUX_OFF | CB_AUX_INT)) | (aux_irq ? CB_AUX_INT : 0));
    if (ctl_write(KBD_CMD, CTL_WRITE_CB) < 0 || ctl_write(KBD_DATA, cb) < 0)
        return 0;
    mouse_present = aux_command(AUX_DEFAULTS) == 0 && aux_command(AUX_STREAM_ON) == 0;
    return mouse_present;
}

static void mouse_byte(uint8_t b)
{
    /* Byte 0 always has bit 3 set: a byte without it cannot start a packet,
     * which is how a lost byte is resynchronised. */
    if (pkt_n == 0 && !(b & 0x08))
        return;
    pkt[pkt_n++] = b;
    if (pkt_n < 3)
        return;
    pkt_n = 0;
    if (!raw_mode)
        return;   /* the appliance's own console has no pointer */
    if (!(pkt[0] & 0xc0)) {   /* X/Y overflow: the motion is unusable */
        mouse_dx += pkt[1] - ((pkt[0] & 0x10) ? 256 : 0);
        mouse_dy += pkt[2] - ((pkt[0] & 0x20) ? 256 : 0);
    }
    mouse_buttons = pkt[0] & 7u;
    mouse_pending = 1;
}

int ps2mouse_get(int *dx, int *dy, unsigned *buttons)
{
    if (!mouse_pending)
        return 0;
    uint64_t fl = cpu_flags();
    cpu_cli();
    *dx = mouse_dx;
    *dy = mouse_dy;
    *buttons = mouse_buttons;
    mouse_dx = mouse_dy = 0;
    mouse_pending = 0;
    if (fl & 0x200)
        cpu_sti();
    return 1;
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
    uint8_t st;
    for (int i = 0; i < 64 && ((st = inb(KBD_STATUS)) & ST_OUTPUT_FULL); i++) {
        uint8_t b = inb(KBD_DATA);
        if (st & ST_AUX_DATA)
            mouse_byte(b);
        else
            scancode(b);
    }
}

void ps2kbd_poll(void)
{
    uint64_t fl = cpu_flags();
    cpu_cli();
    ps2kbd_irq();
    if (fl & 0x200)
        cpu_sti();
}

int ps2kbd_getc(void)
{
    if (tail == head)
        return -1;
    int c = ring[tail];
    tail = (tail + 1) % sizeof(ring);
    return c;
}
