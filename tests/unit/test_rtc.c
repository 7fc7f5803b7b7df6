/* The MC146818 RTC with a controlled virtual clock: BCD time of a known base,
 * the clock advancing, binary mode, setting the time under SET, UIP, the
 * periodic interrupt and register C, CMOS storage and -rtc base= parsing. */
#include "check.h"
#include "emu/hw/rtc.h"

static uint64_t now_ns;
static uint64_t fake_now(void *ctx) { return now_ns; }
static const struct vclock clk = {fake_now, NULL};
static int irq_level;
static void set_irq(void *c, int pin, int level) { irq_level = level; }

static struct io_bus *io;
static struct rtc *rtc;

static uint8_t cmos(uint8_t i)
{
    io_write(io, 0x70, i, 1);
    return (uint8_t)io_read(io, 0x71, 1);
}

static void wcmos(uint8_t i, uint8_t v)
{
    io_write(io, 0x70, i, 1);
    io_write(io, 0x71, v, 1);
}

static void setup(const char *base)
{
    int64_t b;
    now_ns = 0;
    irq_level = 0;
    io = io_bus_create();
    CHECK(rtc_parse_base(base, 0, 0, &b) == 0);
    rtc = rtc_create(io, &clk, (struct irq_line){set_irq, NULL, 8}, b);
}

static void teardown(void)
{
    rtc_destroy(rtc);
    io_bus_destroy(io);
}

TEST(rtc_bcd_time_from_base)
{
    setup("2024-02-29T23:59:58");
    CHECK_EQ_INT(cmos(0x00), 0x58);
    CHECK_EQ_INT(cmos(0x02), 0x59);
    CHECK_EQ_INT(cmos(0x04), 0x23);
    CHECK_EQ_INT(cmos(0x07), 0x29);
    CHECK_EQ_INT(cmos(0x08), 0x02);
    CHECK_EQ_INT(cmos(0x09), 0x24);
    CHECK_EQ_INT(cmos(0x32), 0x20);
    CHECK_EQ_INT(cmos(0x06), 0x05);            /* a Thursday (Sunday = 1) */
    now_ns = 3000000000ull;                    /* +3 s: past midnight into March */
    CHECK_EQ_INT(cmos(0x00), 0x01);
    CHECK_EQ_INT(cmos(0x04), 0x00);
    CHECK_EQ_INT(cmos(0x07), 0x01);
    CHECK_EQ_INT(cmos(0x08), 0x03);
    CHECK_EQ_INT(cmos(0x0d), 0x80);
    teardown();
}

TEST(rtc_binary_12h_and_set)
{
    setup("2000-01-01T13:05:00");
    wcmos(0x0b, 0x04);                         /* binary, 12-hour */
    CHECK_EQ_INT(cmos(0x04), 0x81);            /* 1 PM */
    CHECK_EQ_INT(cmos(0x02), 5);
    wcmos(0x0b, 0x86);                         /* SET, binary, 24-hour */
    CHECK_EQ_INT(cmos(0x04), 13);
    wcmos(0x09, 99);
    wcmos(0x32, 19);
    now_ns = 10000000000ull;                   /* frozen while SET */
    CHECK_EQ_INT(cmos(0x00), 0);
    wcmos(0x0b, 0x06);                         /* run */
    CHECK_EQ_INT(cmos(0x09), 99);
    CHECK_EQ_INT(cmos(0x32), 19);
    CHECK_EQ_INT(cmos(0x04), 13);
    now_ns += 2000000000ull;
    CHECK_EQ_INT(cmos(0x00), 2);
    CHECK_EQ_INT(rtc_guest_time(rtc), 915195902);  /* 1999-01-01T13:05:02 */
    teardown();
}

TEST(rtc_uip_before_update)
{
    setup("utc");
    now_ns = 500000000ull;
    CHECK_EQ_INT(cmos(0x0a) & 0x80, 0);
    now_ns = 999900000ull;
    CHECK_EQ_INT(cmos(0x0a) & 0x80, 0x80);
    teardown();
}

TEST(rtc_periodic_interrupt_and_reg_c)
{
    setup("utc");
    wcmos(0x0a, 0x26);                         /* 1024 Hz */
    wcmos(0x0b, 0x42);                         /* PIE, 24h */
    uint64_t next = rtc_poll(rtc);
    CHECK_EQ_INT(next, 976563);                /* 1/1024 s, rounded up */
    CHECK_EQ_INT(irq_level, 0);
    now_ns = next;
    rtc_poll(rtc);
    CHECK_EQ_INT(irq_level, 1);
    uint8_t c = cmos(0x0c);
    CHECK_EQ_INT(c & 0xc0, 0xc0);              /* IRQF and PF */
    CHECK_EQ_INT(irq_level, 0);                /* reading C clears it */
    CHECK_EQ_INT(cmos(0x0c) & 0x40, 0);
    teardown();
}

TEST(rtc_cmos_ram_and_checksum)
{
    setup("utc");
    wcmos(0x40, 0x5a);
    CHECK_EQ_INT(cmos(0x40), 0x5a);
    rtc_cmos_set(rtc, 0x10, 0x40);
    rtc_cmos_set(rtc, 0x2d, 0x01);
    rtc_cmos_checksum(rtc);
    CHECK_EQ_INT(cmos(0x2e), 0x00);
    CHECK_EQ_INT(cmos(0x2f), 0x41);
    io_write(io, 0x70, 0x80 | 0x10, 1);
    CHECK(rtc_nmi_masked(rtc));
    teardown();
}

TEST(rtc_parse_base_forms)
{
    int64_t t;
    CHECK(rtc_parse_base("1970-01-02", 0, 0, &t) == 0 && t == 86400);
    CHECK(rtc_parse_base("2006-06-17T16:01:21", 0, 0, &t) == 0 && t == 1150560081);
    CHECK(rtc_parse_base("localtime", 100, 3600, &t) == 0 && t == 3700);
    CHECK(rtc_parse_base("2006-13-01", 0, 0, &t) < 0);
    CHECK(rtc_parse_base("yesterday", 0, 0, &t) < 0);
    CHECK(rtc_parse_base("2006-06-17T16:01:21x", 0, 0, &t) < 0);
}
