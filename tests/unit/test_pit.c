/* The 8254 against a controlled virtual clock: counting and latching, the
 * mode 2 IRQ0 rate, mode 0 on channel 2 read back through port 0x61 (the
 * SeaBIOS/Linux TSC calibration sequence), the read-back command. */
#include "check.h"
#include "emu/hw/pit.h"

static uint64_t now_ns;
static uint64_t fake_now(void *ctx) { return now_ns; }
static const struct vclock clk = {fake_now, NULL};
static int irq_edges, irq_level;
static void set_irq(void *c, int pin, int level)
{
    if (level && !irq_level)
        irq_edges++;
    irq_level = level;
}

static struct io_bus *io;
static struct pit *pit;

static void setup(void)
{
    now_ns = 1000;
    irq_edges = irq_level = 0;
    io = io_bus_create();
    pit = pit_create(io, &clk, (struct irq_line){set_irq, NULL, 0});
}

static void teardown(void)
{
    pit_destroy(pit);
    io_bus_destroy(io);
}

static uint16_t read_latched(int ch)
{
    io_write(io, 0x43, (uint32_t)(ch << 6), 1);
    uint16_t lo = (uint16_t)io_read(io, 0x40 + ch, 1);
    return (uint16_t)(lo | io_read(io, 0x40 + ch, 1) << 8);
}

TEST(pit_mode2_counts_and_irq0_rate)
{
    setup();
    io_write(io, 0x43, 0x34, 1);               /* ch0, lo/hi, mode 2 */
    io_write(io, 0x40, 0x00, 1);
    io_write(io, 0x40, 0x00, 1);               /* 65536: 18.2 Hz */
    irq_edges = 0;                             /* OUT went high with the mode */
    CHECK_EQ_INT(read_latched(0), 0);          /* 65536 reads as 0 */
    now_ns += vclock_ticks_to_ns(1000, PIT_HZ);
    CHECK_EQ_INT(read_latched(0), 65536 - 1000);
    /* One simulated second: 18 IRQ0 edges (1193182 / 65536 = 18.2). */
    uint64_t end = 1000 + 1000000000ull;
    while (now_ns < end) {
        uint64_t next = pit_poll(pit);
        CHECK(next > now_ns);
        now_ns = next < end ? next : end;
    }
    pit_poll(pit);
    CHECK_EQ_INT(irq_edges, 18);
    teardown();
}

/* A host stall of 10 periods: the missed IRQ0 edges come late, one per
 * poll (each poll asks to be called again at once while some are owed),
 * so a guest counting ticks loses none; a stall beyond the backlog cap
 * delivers only the cap. */
TEST(pit_mode2_missed_periods_delivered_late)
{
    setup();
    io_write(io, 0x43, 0x34, 1);
    io_write(io, 0x40, 0x9c, 1);
    io_write(io, 0x40, 0x2e, 1);               /* 11932: 100 Hz, as Linux's HZ=100 */
    irq_edges = 0;
    now_ns += vclock_ticks_to_ns(10 * 11932, PIT_HZ);
    int polls = 0;
    uint64_t next;
    while ((next = pit_poll(pit)) <= now_ns && polls < 100)
        polls++;
    CHECK_EQ_INT(irq_edges, 10);
    CHECK_EQ_INT(polls, 9);
    CHECK(next > now_ns);
    irq_edges = 0;
    now_ns += vclock_ticks_to_ns(5000ull * 11932, PIT_HZ);
    for (polls = 0; pit_poll(pit) <= now_ns && polls < 10000; polls++)
        ;
    CHECK_EQ_INT(irq_edges, 250);
    teardown();
}

TEST(pit_latch_holds_value)
{
    setup();
    io_write(io, 0x43, 0x34, 1);
    io_write(io, 0x40, 0x10, 1);
    io_write(io, 0x40, 0x27, 1);               /* 10000 */
    now_ns += vclock_ticks_to_ns(100, PIT_HZ);
    io_write(io, 0x43, 0x00, 1);               /* latch ch0 */
    now_ns += vclock_ticks_to_ns(500, PIT_HZ);
    uint16_t lo = (uint16_t)io_read(io, 0x40, 1);
    uint16_t v = (uint16_t)(lo | io_read(io, 0x40, 1) << 8);
    CHECK_EQ_INT(v, 9900);
    CHECK_EQ_INT(read_latched(0), 9400);       /* the next latch is fresh */
    teardown();
}

TEST(pit_channel2_mode0_out_via_port61)
{
    setup();
    /* Gate on, speaker off, then mode 0 with count 0x1000. */
    io_write(io, 0x61, (io_read(io, 0x61, 1) & ~0x02u) | 0x01, 1);
    io_write(io, 0x43, 0xb0, 1);
    io_write(io, 0x42, 0x00, 1);
    io_write(io, 0x42, 0x10, 1);
    CHECK_EQ_INT(io_read(io, 0x61, 1) & 0x20, 0);
    now_ns += vclock_ticks_to_ns(0x0fff, PIT_HZ);
    CHECK_EQ_INT(io_read(io, 0x61, 1) & 0x20, 0);
    now_ns += vclock_ticks_to_ns(2, PIT_HZ);
    CHECK_EQ_INT(io_read(io, 0x61, 1) & 0x20, 0x20);
    /* Gate off freezes a mode 0 count. */
    io_write(io, 0x43, 0xb0, 1);
    io_write(io, 0x42, 0x00, 1);
    io_write(io, 0x42, 0x10, 1);
    now_ns += vclock_ticks_to_ns(0x100, PIT_HZ);
    io_write(io, 0x61, 0x00, 1);
    uint16_t frozen = read_latched(2);
    now_ns += vclock_ticks_to_ns(0x400, PIT_HZ);
    CHECK_EQ_INT(read_latched(2), frozen);
    CHECK(frozen <= 0x1000 - 0x100 && frozen >= 0x1000 - 0x101);
    teardown();
}

TEST(pit_refresh_bit_toggles)
{
    setup();
    uint8_t a = (uint8_t)io_read(io, 0x61, 1);
    now_ns += 15085;
    uint8_t b = (uint8_t)io_read(io, 0x61, 1);
    CHECK((a ^ b) & 0x10);
    teardown();
}

TEST(pit_readback_status)
{
    setup();
    io_write(io, 0x43, 0x36, 1);               /* ch0 lo/hi mode 3 */
    io_write(io, 0x43, 0xe2, 1);               /* read-back: status only, ch0 */
    uint8_t st = (uint8_t)io_read(io, 0x40, 1);
    CHECK_EQ_INT(st & 0x3f, 0x36);
    CHECK(st & 0x40);                          /* null count: nothing loaded yet */
    teardown();
}

/* Linux's one-shot clock event: mode 4 (control 0x38) and a new count for
 * each event; every terminal count must be a rising edge on IRQ0 (OUT is
 * high while counting, pulses low for one tick). */
TEST(pit_mode4_oneshot_edges)
{
    setup();
    io_write(io, 0x43, 0x38, 1);
    irq_edges = 0;  /* OUT rising with the mode 4 control word is not a tick */
    for (int i = 1; i <= 3; i++) {
        io_write(io, 0x40, 100, 1);
        io_write(io, 0x40, 0, 1);
        uint64_t next = pit_poll(pit);
        CHECK_EQ_INT(irq_edges, i - 1);
        now_ns = next;
        pit_poll(pit);
        CHECK_EQ_INT(irq_edges, i);
        CHECK_EQ_INT(pit_poll(pit), VCLOCK_NEVER);
        CHECK_EQ_INT(irq_edges, i);
    }
    teardown();
}
