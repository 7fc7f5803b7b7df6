/* The 8042 keyboard controller with a PS/2 keyboard and mouse; follows the
 * IBM PS/2 Hardware Interface Technical Reference ("Keyboard/Auxiliary Device
 * Controller": status register bits, the command byte, controller commands
 * 0x20-0xFF, the output port) and its "Keyboard and Auxiliary Device" chapter
 * for the devices' commands and replies (ACK 0xFA, BAT 0xAA, ID AB 83 and
 * 00, the 3-byte mouse packet). Bytes from the keyboard and the mouse wait
 * in small queues; one sits in the output buffer at a time, with its IRQ
 * (1 or 12) high while it does and the command byte enables it. */
#include "emu/hw/i8042.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"

/* Status register (port 0x64 read). */
#define ST_OBF     0x01
#define ST_SYS     0x04
#define ST_CMD     0x08  /* the last write was to 0x64 */
#define ST_UNLOCK  0x10  /* keyboard not inhibited by the key lock */
#define ST_AUX     0x20  /* the output buffer holds a mouse byte */

/* Command byte. */
#define CB_KBD_INT  0x01
#define CB_AUX_INT  0x02
#define CB_SYS      0x04
#define CB_KBD_DIS  0x10
#define CB_AUX_DIS  0x20
#define CB_XLATE    0x40

#define QSIZE 64

struct queue {
    uint8_t b[QSIZE];
    unsigned head, n;
};

struct i8042 {
    struct irq_line kbd_irq, aux_irq;
    void (*set_a20)(void *ctx, bool on);
    void (*reset)(void *ctx);
    void *ctx;
    uint8_t status, cmdbyte, outport;
    uint8_t obuf;
    uint8_t pending_cmd;     /* controller command waiting for its data byte */
    uint8_t ram[32];
    struct queue kq, mq;
    uint16_t cq[8];          /* controller replies; bit 8: from the aux port */
    unsigned cq_n;
    /* keyboard */
    bool kbd_enabled;
    uint8_t kbd_pending;     /* device command waiting for its parameter */
    uint8_t scan_set;
    /* mouse */
    bool aux_enabled;        /* data reporting */
    uint8_t aux_pending;
    uint8_t aux_rate, aux_res, aux_id;
    bool aux_scale21, aux_remote, aux_wrap;
    uint8_t rate_hist[3];    /* the last sample rates, for the IntelliMouse knock */
    unsigned aux_buttons;
    bool kbd_level, aux_level;
};

static void q_put(struct queue *q, uint8_t v)
{
    if (q->n == QSIZE)
        return;  /* overrun: the byte is lost, as a real device's buffer would */
    q->b[(q->head + q->n) % QSIZE] = v;
    q->n++;
}

static uint8_t q_get(struct queue *q)
{
    uint8_t v = q->b[q->head];
    q->head = (q->head + 1) % QSIZE;
    q->n--;
    return v;
}

static void update_irqs(struct i8042 *k)
{
    bool obf = k->status & ST_OBF, aux = k->status & ST_AUX;
    bool kl = obf && !aux && (k->cmdbyte & CB_KBD_INT);
    bool al = obf && aux && (k->cmdbyte & CB_AUX_INT);
    if (kl != k->kbd_level) {
        k->kbd_level = kl;
        irq_set(&k->kbd_irq, kl);
    }
    if (al != k->aux_level) {
        k->aux_level = al;
        irq_set(&k->aux_irq, al);
    }
}

/* Moves the next queued byte into an empty output buffer. */
static void refill(struct i8042 *k)
{
    if (!(k->status & ST_OBF) && k->cq_n) {
        uint16_t r = k->cq[0];
        memmove(k->cq, k->cq + 1, --k->cq_n * sizeof(k->cq[0]));
        k->obuf = (uint8_t)r;
        k->status |= ST_OBF;
        if (r & 0x100)
            k->status |= ST_AUX;
        else
            k->status &= (uint8_t)~ST_AUX;
    }
    if (!(k->status & ST_OBF)) {
        if (k->kq.n && !(k->cmdbyte & CB_KBD_DIS)) {
            k->obuf = q_get(&k->kq);
            k->status = (uint8_t)((k->status | ST_OBF) & ~ST_AUX);
        } else if (k->mq.n && !(k->cmdbyte & CB_AUX_DIS)) {
            k->obuf = q_get(&k->mq);
            k->status |= ST_OBF | ST_AUX;
        }
    }
    update_irqs(k);
}

/* A byte from the controller itself (command replies, 0xD2/0xD3 echoes)
 * goes before the devices' queued bytes and ignores their disable bits. */
static void ctrl_reply(struct i8042 *k, uint8_t v, bool aux)
{
    if (k->cq_n < sizeof(k->cq) / sizeof(k->cq[0]))
        k->cq[k->cq_n++] = (uint16_t)(v | (aux ? 0x100 : 0));
    refill(k);
}

static void kbd_out(struct i8042 *k, uint8_t v)
{
    q_put(&k->kq, v);
    refill(k);
}

static void aux_out(struct i8042 *k, uint8_t v)
{
    q_put(&k->mq, v);
    refill(k);
}

static void write_outport(struct i8042 *k, uint8_t v)
{
    if ((v ^ k->outport) & 0x02)
        k->set_a20(k->ctx, v & 0x02);
    k->outport = v;
    if (!(v & 0x01))
        k->reset(k->ctx);  /* bit 0 low holds the CPU in reset */
}

static void kbd_defaults(struct i8042 *k)
{
    k->kbd_enabled = true;
    k->scan_set = 2;
    k->kbd_pending = 0;
}

static void kbd_command(struct i8042 *k, uint8_t v)
{
    if (k->kbd_pending) {
        uint8_t cmd = k->kbd_pending;
        k->kbd_pending = 0;
        if (cmd == 0xf0) {
            kbd_out(k, 0xfa);
            if (v == 0)
                kbd_out(k, k->scan_set);
            else if (v <= 3)
                k->scan_set = v;
            return;
        }
        /* 0xED LEDs, 0xF3 typematic: the parameter is acknowledged. */
        kbd_out(k, 0xfa);
        return;
    }
    switch (v) {
    case 0xed: case 0xf3: case 0xf0:
        k->kbd_pending = v;
        kbd_out(k, 0xfa);
        break;
    case 0xee:
        kbd_out(k, 0xee);  /* echo */
        break;
    case 0xf2:
        kbd_out(k, 0xfa);  /* identify: an MF2 keyboard */
        kbd_out(k, 0xab);
        kbd_out(k, 0x83);
        break;
    case 0xf4:
        k->kbd_enabled = true;
        kbd_out(k, 0xfa);
        break;
    case 0xf5:
        kbd_defaults(k);
        k->kbd_enabled = false;
        kbd_out(k, 0xfa);
        break;
    case 0xf6:
        kbd_defaults(k);
        kbd_out(k, 0xfa);
        break;
    case 0xff:
        kbd_defaults(k);
        k->kq.n = 0;
        kbd_out(k, 0xfa);
        kbd_out(k, 0xaa);  /* basic assurance test passed */
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa: case 0xfb: case 0xfc: case 0xfd:
        kbd_out(k, 0xfa);  /* set-3 key types: accepted, no effect */
        break;
    case 0xfe:
        break;             /* resend: nothing was lost */
    default:
        kbd_out(k, 0xfe);  /* unknown command: resend */
        break;
    }
}

static void aux_defaults(struct i8042 *k)
{
    k->aux_enabled = false;
    k->aux_rate = 100;
    k->aux_res = 2;
    k->aux_scale21 = false;
    k->aux_remote = false;
    k->aux_pending = 0;
}

static void aux_packet(struct i8042 *k, int dx, int dy)
{
    if (dx > 255) dx = 255;
    if (dx < -256) dx = -256;
    if (dy > 255) dy = 255;
    if (dy < -256) dy = -256;
    uint8_t b0 = (uint8_t)(0x08 | (k->aux_buttons & 7) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0));
    aux_out(k, b0);
    aux_out(k, (uint8_t)dx);
    aux_out(k, (uint8_t)dy);
    if (k->aux_id == 3)
        aux_out(k, 0);  /* IntelliMouse: no wheel motion */
}

static void aux_command(struct i8042 *k, uint8_t v)
{
    if (k->aux_wrap && v != 0xec && v != 0xff) {
        aux_out(k, v);  /* wrap mode echoes */
        return;
    }
    if (k->aux_pending) {
        uint8_t cmd = k->aux_pending;
        k->aux_pending = 0;
        if (cmd == 0xf3) {
            k->aux_rate = v;
            k->rate_hist[0] = k->rate_hist[1];
            k->rate_hist[1] = k->rate_hist[2];
            k->rate_hist[2] = v;
            /* Sample rates 200, 100, 80 switch an IntelliMouse to ID 3. */
            if (k->rate_hist[0] == 200 && k->rate_hist[1] == 100 && k->rate_hist[2] == 80)
                k->aux_id = 3;
        } else if (cmd == 0xe8) {
            k->aux_res = v & 3;
        }
        aux_out(k, 0xfa);
        return;
    }
    switch (v) {
    case 0xe6: k->aux_scale21 = false; aux_out(k, 0xfa); break;
    case 0xe7: k->aux_scale21 = true; aux_out(k, 0xfa); break;
    case 0xe8: case 0xf3:
        k->aux_pending = v;
        aux_out(k, 0xfa);
        break;
    case 0xe9:
        aux_out(k, 0xfa);
        aux_out(k, (uint8_t)((k->aux_remote ? 0x40 : 0) | (k->aux_enabled ? 0x20 : 0) |
                             (k->aux_scale21 ? 0x10 : 0) | (k->aux_buttons & 1 ? 4 : 0) |
                             (k->aux_buttons & 4 ? 2 : 0) | (k->aux_buttons & 2 ? 1 : 0)));
        aux_out(k, k->aux_res);
        aux_out(k, k->aux_rate);
        break;
    case 0xea: k->aux_remote = false; aux_out(k, 0xfa); break;
    case 0xf0: k->aux_remote = true; aux_out(k, 0xfa); break;
    case 0xeb:
        aux_out(k, 0xfa);
        aux_packet(k, 0, 0);
        break;
    case 0xec: k->aux_wrap = false; aux_out(k, 0xfa); break;
    case 0xee: k->aux_wrap = true; aux_out(k, 0xfa); break;
    case 0xf2:
        aux_out(k, 0xfa);
        aux_out(k, k->aux_id);
        break;
    case 0xf4: k->aux_enabled = true; aux_out(k, 0xfa); break;
    case 0xf5: k->aux_enabled = false; aux_out(k, 0xfa); break;
    case 0xf6: aux_defaults(k); aux_out(k, 0xfa); break;
    case 0xff:
        aux_defaults(k);
        k->aux_wrap = false;
        k->aux_id = 0;
        k->mq.n = 0;
        aux_out(k, 0xfa);
        aux_out(k, 0xaa);
        aux_out(k, 0x00);
        break;
    default:
        aux_out(k, 0xfe);
        break;
    }
}

static void ctrl_command(struct i8042 *k, uint8_t v)
{
    if (v >= 0x20 && v <= 0x3f) {
        ctrl_reply(k, v == 0x20 ? k->cmdbyte : k->ram[v & 0x1f], false);
        return;
    }
    if ((v >= 0x60 && v <= 0x7f) || v == 0xd1 || v == 0xd2 || v == 0xd3 || v == 0xd4) {
        k->pending_cmd = v;
        return;
    }
    switch (v) {
    case 0xa1: ctrl_reply(k, 0x00, false); break;  /* controller version */
    case 0xa7: k->cmdbyte |= CB_AUX_DIS; break;
    case 0xa8: k->cmdbyte &= (uint8_t)~CB_AUX_DIS; refill(k); break;
    case 0xa9: ctrl_reply(k, 0x00, false); break;  /* aux interface test: OK */
    case 0xaa:
        k->status |= ST_SYS;
        k->cmdbyte |= CB_SYS;
        ctrl_reply(k, 0x55, false);                 /* self test passed */
        break;
    case 0xab: ctrl_reply(k, 0x00, false); break;  /* keyboard interface test */
    case 0xad: k->cmdbyte |= CB_KBD_DIS; break;
    case 0xae: k->cmdbyte &= (uint8_t)~CB_KBD_DIS; refill(k); break;
    case 0xc0: ctrl_reply(k, 0x80, false); break;  /* input port: keyboard not locked */
    case 0xd0: ctrl_reply(k, k->outport, false); break;
    case 0xdd: write_outport(k, k->outport & (uint8_t)~0x02); break;
    case 0xdf: write_outport(k, k->outport | 0x02); break;
    default:
        if (v >= 0xf0) {
            /* Pulse output port bits whose mask bit is 0: bit 0 resets. */
            if (!(v & 1))
                k->reset(k->ctx);
        } else {
            LOGD("i8042", "command %#x ignored", v);
        }
        break;
    }
}

static void write_data(struct i8042 *k, uint8_t v)
{
    uint8_t cmd = k->pending_cmd;
    k->pending_cmd = 0;
    if (cmd >= 0x60 && cmd <= 0x7f) {
        if (cmd == 0x60) {
            k->cmdbyte = v;
            k->status = (uint8_t)((k->status & ~ST_SYS) | (v & CB_SYS));
            refill(k);
        } else {
            k->ram[cmd & 0x1f] = v;
        }
        return;
    }
    switch (cmd) {
    case 0xd1: write_outport(k, v); break;
    case 0xd2: ctrl_reply(k, v, false); break;
    case 0xd3: ctrl_reply(k, v, true); break;
    case 0xd4: aux_command(k, v); break;
    default:
        /* A byte for the keyboard enables its interface, as on real boards. */
        k->cmdbyte &= (uint8_t)~CB_KBD_DIS;
        kbd_command(k, v);
        break;
    }
}

static uint32_t i8042_read(void *opaque, uint16_t port, unsigned size)
{
    struct i8042 *k = opaque;
    if (port == 0x64)
        return k->status;
    uint8_t v = k->obuf;
    if (k->status & ST_OBF) {
        k->status &= (uint8_t)~(ST_OBF | ST_AUX);
        update_irqs(k);
        refill(k);
    }
    return v;
}

static void i8042_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct i8042 *k = opaque;
    if (port == 0x64) {
        k->status |= ST_CMD;
        ctrl_command(k, (uint8_t)value);
    } else {
        k->status &= (uint8_t)~ST_CMD;
        write_data(k, (uint8_t)value);
    }
}

static const struct io_ops i8042_ops = {i8042_read, i8042_write};

void i8042_key(struct i8042 *k, uint16_t code, bool down)
{
    if (!k->kbd_enabled)
        return;
    if (k->scan_set == 2 && !(k->cmdbyte & CB_XLATE)) {
        /* Untranslated set 2 would need a code table; not modelled. */
        LOGD("i8042", "key dropped: untranslated scan code set 2");
        return;
    }
    if (code >> 8)
        kbd_out(k, (uint8_t)(code >> 8));
    kbd_out(k, (uint8_t)((code & 0x7f) | (down ? 0 : 0x80)));
}

void i8042_mouse(struct i8042 *k, int dx, int dy, unsigned buttons)
{
    k->aux_buttons = buttons & 7;
    if (!k->aux_enabled || k->aux_remote)
        return;
    aux_packet(k, dx, dy);
}

void i8042_reset(struct i8042 *k)
{
    k->status = ST_UNLOCK;
    k->cmdbyte = CB_KBD_INT | CB_XLATE;
    k->outport = 0x03;  /* A20 on (the machine sets it at reset), reset line high */
    k->pending_cmd = 0;
    memset(k->ram, 0, sizeof(k->ram));
    k->kq.n = k->mq.n = 0;
    k->cq_n = 0;
    k->kq.head = k->mq.head = 0;
    kbd_defaults(k);
    aux_defaults(k);
    k->aux_wrap = false;
    k->aux_id = 0;
    k->aux_buttons = 0;
    memset(k->rate_hist, 0, sizeof(k->rate_hist));
    update_irqs(k);
}

struct i8042 *i8042_create(struct io_bus *io, struct irq_line kbd_irq, struct irq_line mouse_irq,
                           void (*set_a20)(void *ctx, bool on), void (*reset)(void *ctx), void *ctx)
{
    struct i8042 *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->kbd_irq = kbd_irq;
    k->aux_irq = mouse_irq;
    k->set_a20 = set_a20;
    k->reset = reset;
    k->ctx = ctx;
    i8042_reset(k);
    io_register(io, 0x60, 1, &i8042_ops, k, "i8042");
    io_register(io, 0x64, 1, &i8042_ops, k, "i8042");
    return k;
}

void i8042_destroy(struct i8042 *k)
{
    free(k);
}
