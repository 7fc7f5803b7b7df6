/* The 16550A: output reaches the character device, input through the FIFO
 * with DR, IIR priorities and THRE, OUT2 gating of the IRQ, loopback, the
 * divisor latch and the scratch register. */
#include "check.h"
#include "emu/hw/serial.h"

static char out[256];
static size_t out_len;
static const char *in_data;
static size_t cw(void *ctx, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n && out_len < sizeof(out) - 1; i++)
        out[out_len++] = (char)b[i];
    return n;
}
static size_t cr(void *ctx, uint8_t *b, size_t n)
{
    size_t k = 0;
    while (k < n && in_data && *in_data)
        b[k++] = (uint8_t)*in_data++;
    return k;
}
static const struct chardev_ops ops = {cw, cr, NULL};
static struct chardev chr = {&ops, NULL};
static int irq_level;
static void set_irq(void *c, int pin, int level) { irq_level = level; }

static struct io_bus *io;
static struct serial *s;

static void setup(void)
{
    out_len = 0;
    memset(out, 0, sizeof(out));
    in_data = NULL;
    irq_level = 0;
    io = io_bus_create();
    s = serial_create(io, 0x3f8, (struct irq_line){set_irq, NULL, 4}, &chr, "com1");
}

static void teardown(void)
{
    serial_destroy(s);
    io_bus_destroy(io);
}

TEST(serial_output_and_lsr)
{
    setup();
    CHECK_EQ_INT(io_read(io, 0x3fd, 1) & 0x60, 0x60);
    for (const char *p = "hi\n"; *p; p++)
        io_write(io, 0x3f8, (uint8_t)*p, 1);
    CHECK_STR(out, "hi\n");
    teardown();
}

TEST(serial_input_fifo_and_irq)
{
    setup();
    io_write(io, 0x3fa, 0xc7, 1);              /* FIFO on, trigger 14 */
    io_write(io, 0x3f9, 0x01, 1);              /* RDA interrupt */
    CHECK_EQ_INT(irq_level, 0);
    in_data = "abc";
    serial_poll(s);
    CHECK_EQ_INT(irq_level, 0);                /* OUT2 clear: IRQ gated off */
    io_write(io, 0x3fc, 0x0b, 1);              /* DTR, RTS, OUT2 */
    CHECK_EQ_INT(irq_level, 1);
    CHECK_EQ_INT(io_read(io, 0x3fa, 1), 0xcc); /* FIFO, character timeout */
    CHECK_EQ_INT(io_read(io, 0x3fd, 1) & 1, 1);
    CHECK_EQ_INT(io_read(io, 0x3f8, 1), 'a');
    CHECK_EQ_INT(io_read(io, 0x3f8, 1), 'b');
    CHECK_EQ_INT(io_read(io, 0x3f8, 1), 'c');
    CHECK_EQ_INT(io_read(io, 0x3fd, 1) & 1, 0);
    CHECK_EQ_INT(irq_level, 0);
    CHECK_EQ_INT(io_read(io, 0x3fa, 1), 0xc1);
    teardown();
}

TEST(serial_thre_interrupt)
{
    setup();
    io_write(io, 0x3fc, 0x08, 1);
    io_write(io, 0x3f9, 0x02, 1);              /* THRE interrupt: raised at once */
    CHECK_EQ_INT(irq_level, 1);
    CHECK_EQ_INT(io_read(io, 0x3fa, 1), 0x02);
    CHECK_EQ_INT(irq_level, 0);                /* reading IIR cleared it */
    io_write(io, 0x3f8, 'x', 1);
    CHECK_EQ_INT(irq_level, 1);
    teardown();
}

TEST(serial_loopback_divisor_scratch)
{
    setup();
    io_write(io, 0x3fb, 0x80, 1);
    io_write(io, 0x3f8, 0x01, 1);
    io_write(io, 0x3f9, 0x00, 1);
    io_write(io, 0x3fb, 0x03, 1);
    io_write(io, 0x3fb, 0x83, 1);
    CHECK_EQ_INT(io_read(io, 0x3f8, 1), 0x01);
    io_write(io, 0x3fb, 0x03, 1);
    io_write(io, 0x3fc, 0x10 | 0x01, 1);       /* loopback, DTR */
    CHECK_EQ_INT(io_read(io, 0x3fe, 1) & 0x20, 0x20);  /* DTR -> DSR */
    io_write(io, 0x3f8, 0x5a, 1);
    CHECK_EQ_INT(out_len, 0);
    CHECK_EQ_INT(io_read(io, 0x3f8, 1), 0x5a);
    io_write(io, 0x3ff, 0xa5, 1);
    CHECK_EQ_INT(io_read(io, 0x3ff, 1), 0xa5);
    teardown();
}
