/* The 8259A pair through its ports: initialisation as the PC BIOS does it,
 * edge and level (ELCR) requests, priorities, EOI, masking, the cascade,
 * spurious IRQ7 and the poll command. */
#include "check.h"
#include "emu/hw/pic.h"

static int intr_level;
static void set_intr(void *c, int pin, int level) { intr_level = level; }

static struct io_bus *io;
static struct pic *pic;

/* ICW1-4 as SeaBIOS/Linux program them: master base 0x08, slave 0x70. */
static void setup(uint8_t mbase, uint8_t sbase)
{
    io = io_bus_create();
    intr_level = 0;
    pic = pic_create(io, (struct irq_line){set_intr, NULL, 0});
    io_write(io, 0x20, 0x11, 1);
    io_write(io, 0x21, mbase, 1);
    io_write(io, 0x21, 0x04, 1);
    io_write(io, 0x21, 0x01, 1);
    io_write(io, 0xa0, 0x11, 1);
    io_write(io, 0xa1, sbase, 1);
    io_write(io, 0xa1, 0x02, 1);
    io_write(io, 0xa1, 0x01, 1);
    io_write(io, 0x21, 0x00, 1);
    io_write(io, 0xa1, 0x00, 1);
}

static void teardown(void)
{
    pic_destroy(pic);
    io_bus_destroy(io);
}

TEST(pic_edge_request_ack_eoi)
{
    setup(0x08, 0x70);
    CHECK_EQ_INT(intr_level, 0);
    pic_set_irq(pic, 1, 1);
    CHECK_EQ_INT(intr_level, 1);
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x02);  /* IRR */
    CHECK_EQ_INT(pic_ack(pic), 0x09);
    CHECK_EQ_INT(intr_level, 0);
    io_write(io, 0x20, 0x0b, 1);               /* OCW3: read ISR */
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x02);
    /* The line is still high: an edge input does not request again. */
    io_write(io, 0x20, 0x20, 1);               /* non-specific EOI */
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x00);
    CHECK_EQ_INT(intr_level, 0);
    pic_set_irq(pic, 1, 0);
    pic_set_irq(pic, 1, 1);
    CHECK_EQ_INT(intr_level, 1);
    teardown();
}

TEST(pic_priority_and_nesting)
{
    setup(0x08, 0x70);
    pic_set_irq(pic, 4, 1);
    pic_set_irq(pic, 3, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x0b);          /* IRQ3 beats IRQ4 */
    CHECK_EQ_INT(intr_level, 0);               /* IRQ4 waits for IRQ3's EOI */
    pic_set_irq(pic, 0, 1);                    /* a higher priority nests */
    CHECK_EQ_INT(intr_level, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x08);
    io_write(io, 0x20, 0x60, 1);               /* specific EOI IRQ0 */
    CHECK_EQ_INT(intr_level, 0);
    io_write(io, 0x20, 0x63, 1);               /* specific EOI IRQ3 */
    CHECK_EQ_INT(intr_level, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x0c);
    teardown();
}

TEST(pic_mask_and_spurious)
{
    setup(0x08, 0x70);
    io_write(io, 0x21, 0x02, 1);               /* mask IRQ1 */
    CHECK_EQ_INT(io_read(io, 0x21, 1), 0x02);
    pic_set_irq(pic, 1, 1);
    CHECK_EQ_INT(intr_level, 0);
    /* An acknowledge with nothing unmasked pending gives IRQ7's vector and
     * sets no ISR bit (8259A datasheet, "spurious interrupt"). */
    CHECK_EQ_INT(pic_ack(pic), 0x0f);
    io_write(io, 0x20, 0x0b, 1);
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x00);
    io_write(io, 0x21, 0x00, 1);
    CHECK_EQ_INT(intr_level, 1);
    teardown();
}

TEST(pic_cascade_slave)
{
    setup(0x08, 0x70);
    pic_set_irq(pic, 14, 1);
    CHECK_EQ_INT(intr_level, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x76);
    CHECK_EQ_INT(intr_level, 0);
    io_write(io, 0xa0, 0x0b, 1);
    CHECK_EQ_INT(io_read(io, 0xa0, 1), 0x40);  /* slave ISR bit 6 */
    io_write(io, 0x20, 0x0b, 1);
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x04);  /* master ISR bit 2 */
    io_write(io, 0xa0, 0x20, 1);
    io_write(io, 0x20, 0x20, 1);
    pic_set_irq(pic, 8, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x70);
    teardown();
}

TEST(pic_level_elcr)
{
    setup(0x08, 0x70);
    io_write(io, 0x4d1, 0x08, 1);              /* IRQ11 level-triggered */
    CHECK_EQ_INT(io_read(io, 0x4d1, 1), 0x08);
    io_write(io, 0x4d0, 0xff, 1);              /* IRQ0-2 cannot be level */
    CHECK_EQ_INT(io_read(io, 0x4d0, 1), 0xf8);
    io_write(io, 0x4d0, 0x00, 1);
    pic_set_irq(pic, 11, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x73);
    io_write(io, 0xa0, 0x20, 1);
    io_write(io, 0x20, 0x20, 1);
    /* Still high after EOI: a level input requests again. */
    CHECK_EQ_INT(intr_level, 1);
    pic_set_irq(pic, 11, 0);
    CHECK_EQ_INT(intr_level, 0);
    teardown();
}

TEST(pic_auto_eoi_and_poll)
{
    setup(0x08, 0x70);
    io_write(io, 0x20, 0x11, 1);
    io_write(io, 0x21, 0x20, 1);
    io_write(io, 0x21, 0x04, 1);
    io_write(io, 0x21, 0x03, 1);               /* ICW4: 8086 mode, auto EOI */
    pic_set_irq(pic, 5, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x25);
    io_write(io, 0x20, 0x0b, 1);
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x00);  /* no ISR bit in AEOI mode */
    pic_set_irq(pic, 6, 1);
    io_write(io, 0x20, 0x0c, 1);               /* OCW3 poll */
    CHECK_EQ_INT(io_read(io, 0x20, 1), 0x86);
    CHECK_EQ_INT(intr_level, 0);
    teardown();
}
