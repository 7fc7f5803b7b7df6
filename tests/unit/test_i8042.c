/* The 8042 as firmware and Linux drive it: self test, the command byte,
 * keyboard reset/identify/scan-set replies, key codes with IRQ 1, the mouse
 * through 0xD4 with IRQ 12 and its packets, the IntelliMouse knock, the A20
 * output port bit and the pulse-reset command. */
#include "check.h"
#include "emu/hw/i8042.h"

static int kirq, mirq, resets, a20 = -1;
static void set_irq(void *c, int pin, int level)
{
    if (pin == 1)
        kirq = level;
    else
        mirq = level;
}
static void on_a20(void *c, bool on) { a20 = on; }
static void on_reset(void *c) { resets++; }

static struct io_bus *io;

static int rd(void)
{
    if (!(io_read(io, 0x64, 1) & 1))
        return -1;
    return (int)io_read(io, 0x60, 1);
}

TEST(i8042_controller_keyboard)
{
    io = io_bus_create();
    struct i8042 *k = i8042_create(io, (struct irq_line){set_irq, NULL, 1}, (struct irq_line){set_irq, NULL, 12},
                                   on_a20, on_reset, NULL);
    CHECK_EQ_INT(io_read(io, 0x64, 1) & 1, 0);
    io_write(io, 0x64, 0xaa, 1);                 /* self test */
    CHECK_EQ_INT(rd(), 0x55);
    CHECK(io_read(io, 0x64, 1) & 0x04);          /* SYS flag */
    io_write(io, 0x64, 0x20, 1);
    CHECK_EQ_INT(rd() & 0x41, 0x41);             /* translate, kbd IRQ */
    io_write(io, 0x60, 0xff, 1);                 /* keyboard reset */
    CHECK_EQ_INT(kirq, 1);
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 0xaa);
    CHECK_EQ_INT(kirq, 0);
    CHECK_EQ_INT(rd(), -1);
    io_write(io, 0x60, 0xf2, 1);                 /* identify */
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 0xab);
    CHECK_EQ_INT(rd(), 0x83);
    io_write(io, 0x60, 0xf0, 1);                 /* get scan set */
    io_write(io, 0x60, 0x00, 1);
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 2);
    /* A key (set 1 through translation): make, break, E0-prefixed. */
    i8042_key(k, 0x1e, true);
    i8042_key(k, 0x1e, false);
    i8042_key(k, 0xe048, true);
    CHECK_EQ_INT(kirq, 1);
    CHECK_EQ_INT(rd(), 0x1e);
    CHECK_EQ_INT(rd(), 0x9e);
    CHECK_EQ_INT(rd(), 0xe0);
    CHECK_EQ_INT(rd(), 0x48);
    /* With the keyboard IRQ disabled in the command byte, no IRQ. */
    io_write(io, 0x64, 0x60, 1);
    io_write(io, 0x60, 0x40, 1);
    i8042_key(k, 0x1c, true);
    CHECK_EQ_INT(kirq, 0);
    CHECK_EQ_INT(rd(), 0x1c);
    /* A controller reply is delivered even with the keyboard disabled. */
    io_write(io, 0x64, 0xad, 1);
    i8042_key(k, 0x1c, true);
    io_write(io, 0x64, 0x20, 1);
    CHECK_EQ_INT(rd(), 0x50);
    CHECK_EQ_INT(rd(), -1);                      /* the key waits */
    io_write(io, 0x64, 0xae, 1);
    CHECK_EQ_INT(rd(), 0x1c);
    /* A20 through the output port; 0xFE pulses reset. */
    io_write(io, 0x64, 0xdd, 1);
    CHECK_EQ_INT(a20, 0);
    io_write(io, 0x64, 0xd1, 1);
    io_write(io, 0x60, 0x03, 1);
    CHECK_EQ_INT(a20, 1);
    io_write(io, 0x64, 0xd0, 1);
    CHECK_EQ_INT(rd(), 0x03);
    io_write(io, 0x64, 0xfe, 1);
    CHECK_EQ_INT(resets, 1);
    i8042_destroy(k);
    io_bus_destroy(io);
}

TEST(i8042_mouse)
{
    io = io_bus_create();
    struct i8042 *k = i8042_create(io, (struct irq_line){set_irq, NULL, 1}, (struct irq_line){set_irq, NULL, 12},
                                   on_a20, on_reset, NULL);
    io_write(io, 0x64, 0x60, 1);
    io_write(io, 0x60, 0x47, 1);                 /* both IRQs, translate, SYS */
    io_write(io, 0x64, 0xa8, 1);
    io_write(io, 0x64, 0xd4, 1);
    io_write(io, 0x60, 0xff, 1);                 /* mouse reset */
    CHECK_EQ_INT(mirq, 1);
    CHECK_EQ_INT(io_read(io, 0x64, 1) & 0x21, 0x21);
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 0xaa);
    CHECK_EQ_INT(rd(), 0x00);
    CHECK_EQ_INT(mirq, 0);
    static const uint8_t knock[] = {200, 100, 80};
    for (int i = 0; i < 3; i++) {
        io_write(io, 0x64, 0xd4, 1);
        io_write(io, 0x60, 0xf3, 1);
        CHECK_EQ_INT(rd(), 0xfa);
        io_write(io, 0x64, 0xd4, 1);
        io_write(io, 0x60, knock[i], 1);
        CHECK_EQ_INT(rd(), 0xfa);
    }
    io_write(io, 0x64, 0xd4, 1);
    io_write(io, 0x60, 0xf2, 1);
    CHECK_EQ_INT(rd(), 0xfa);
    CHECK_EQ_INT(rd(), 3);                       /* IntelliMouse */
    i8042_mouse(k, 5, -3, 1);
    CHECK_EQ_INT(rd(), -1);                      /* reporting still off */
    io_write(io, 0x64, 0xd4, 1);
    io_write(io, 0x60, 0xf4, 1);
    CHECK_EQ_INT(rd(), 0xfa);
    i8042_mouse(k, 5, -3, 1);
    CHECK_EQ_INT(rd(), 0x29);                    /* left, Y negative, bit 3 */
    CHECK_EQ_INT(rd(), 5);
    CHECK_EQ_INT(rd(), 0xfd);
    CHECK_EQ_INT(rd(), 0);                       /* wheel */
    /* 0xD3 writes a byte as if from the mouse. */
    io_write(io, 0x64, 0xd3, 1);
    io_write(io, 0x60, 0x5a, 1);
    CHECK_EQ_INT(io_read(io, 0x64, 1) & 0x20, 0x20);
    CHECK_EQ_INT(rd(), 0x5a);
    i8042_destroy(k);
    io_bus_destroy(io);
}
