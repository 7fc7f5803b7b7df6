/* PCI bus 0 through 0xCF8/0xCFC: absent functions, the i440FX and PIIX3
 * identities, BAR sizing and mapping (I/O and memory, only when enabled and
 * inside the hole), the ROM BAR, status write-one-to-clear, i440FX PAM
 * shadowing and PIIX3 PIRQ routing of INTx to the PIC. */
#include "check.h"
#include "emu/hw/i440fx.h"
#include "emu/hw/piix3.h"

/* A fake memory map recording the last calls. */
static uint64_t mmio_gpa, mmio_len, unmap_gpa, rom_gpa;
static int mmio_maps, unmaps, rom_maps;
static int fmap(void *c, uint64_t gpa, uint64_t len, const struct mmio_ops *o, void *op, const char *n)
{
    mmio_gpa = gpa;
    mmio_len = len;
    mmio_maps++;
    return 0;
}
static int from(void *c, uint64_t gpa, const void *d, uint64_t len)
{
    rom_gpa = gpa;
    rom_maps++;
    return 0;
}
static void funmap(void *c, uint64_t gpa, uint64_t len)
{
    unmap_gpa = gpa;
    unmaps++;
}
static const struct pci_mem_ops fake_mem = {fmap, from, funmap};

static uint8_t shadow_r[16], shadow_w[16];  /* per 16 KiB segment from 0xC0000 */
static void shadow(void *c, uint64_t gpa, uint64_t len, bool r, bool w)
{
    for (uint64_t a = gpa; a < gpa + len; a += 0x4000) {
        shadow_r[(a - 0xc0000) / 0x4000] = r;
        shadow_w[(a - 0xc0000) / 0x4000] = w;
    }
}

static int reset_calls;
static void on_reset(void *c) { reset_calls++; }
static void no_intr(void *c, int pin, int level) {}

static uint32_t bar_io_read(void *o, uint16_t port, unsigned size) { return 0x1234; }
static const struct io_ops bar_io = {bar_io_read, NULL};
static const struct mmio_ops bar_mmio = {NULL, NULL};

static struct io_bus *io;
static struct pci_bus *bus;

static uint32_t cfg_read(int dev, int fn, int off, unsigned size)
{
    io_write(io, 0xcf8, 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc), 4);
    return io_read(io, 0xcfc + (off & 3), size);
}

static void cfg_write(int dev, int fn, int off, uint32_t v, unsigned size)
{
    io_write(io, 0xcf8, 0x80000000u | (uint32_t)dev << 11 | (uint32_t)fn << 8 | (off & 0xfc), 4);
    io_write(io, 0xcfc + (off & 3), v, size);
}

TEST(pci_enumeration_and_bars)
{
    io = io_bus_create();
    bus = pci_bus_create(io, &fake_mem, NULL);
    struct pic *pic = pic_create(io, (struct irq_line){no_intr, NULL, 0});
    struct i440fx *h = i440fx_create(bus, shadow, NULL);
    struct piix3 *px = piix3_create(bus, io, pic, on_reset, NULL);
    CHECK(h && px);
    CHECK_EQ_INT(cfg_read(0, 0, 0, 4), 0x12378086);
    CHECK_EQ_INT(cfg_read(1, 0, 0, 4), 0x70008086);
    CHECK_EQ_INT(cfg_read(1, 0, 0x0e, 1), 0x80);
    CHECK_EQ_INT(cfg_read(5, 0, 0, 4), 0xffffffffu);
    CHECK_EQ_INT(cfg_read(0, 0, 0x0a, 2), 0x0600);
    /* Bus 1 does not exist. */
    io_write(io, 0xcf8, 0x80010000u, 4);
    CHECK_EQ_INT(io_read(io, 0xcfc, 4), 0xffffffffu);

    static struct pci_device nic;
    static uint8_t rom[3000];
    pci_device_init(&nic, "nic", 0x10ec, 0x8139, 0x020000, 0x20);
    pci_set_bar(&nic, 0, PCI_BAR_IO, 256, &bar_io, NULL, NULL);
    pci_set_bar(&nic, 1, PCI_BAR_MEM32, 4096, NULL, &bar_mmio, NULL);
    pci_set_rom(&nic, rom, sizeof(rom));
    pci_set_intx_pin(&nic, 1);
    CHECK_EQ_INT(pci_register(bus, &nic, PCI_DEVFN(3, 0)), 0);
    CHECK_EQ_INT(pci_register(bus, &nic, PCI_DEVFN(3, 0)), -1);
    /* Sizing. */
    cfg_write(3, 0, 0x10, 0xffffffffu, 4);
    CHECK_EQ_INT(cfg_read(3, 0, 0x10, 4), 0xffffff01u);
    cfg_write(3, 0, 0x14, 0xffffffffu, 4);
    CHECK_EQ_INT(cfg_read(3, 0, 0x14, 4), 0xfffff000u);
    cfg_write(3, 0, 0x30, 0xfffffffeu, 4);
    CHECK_EQ_INT(cfg_read(3, 0, 0x30, 4), 0xfffff000u);  /* 4 KiB covers 3000 bytes */
    CHECK_EQ_INT(cfg_read(3, 0, 0x3d, 1), 1);
    /* Assign; nothing is decoded until the command register enables it. */
    cfg_write(3, 0, 0x10, 0xc001, 4);
    cfg_write(3, 0, 0x14, 0xfebf0000u, 4);
    CHECK_EQ_INT(io_read(io, 0xc000, 2), 0xffff);
    CHECK_EQ_INT(mmio_maps, 0);
    cfg_write(3, 0, 0x04, 0x0003, 2);
    CHECK_EQ_INT(io_read(io, 0xc000, 2), 0x1234);
    CHECK_EQ_INT(mmio_maps, 1);
    CHECK_EQ_INT(mmio_gpa, 0xfebf0000u);
    CHECK_EQ_INT(mmio_len, 4096);
    /* Move the I/O BAR; the old ports are released. */
    cfg_write(3, 0, 0x10, 0xc101, 4);
    CHECK_EQ_INT(io_read(io, 0xc000, 2), 0xffff);
    CHECK_EQ_INT(io_read(io, 0xc100, 2), 0x1234);
    /* The ROM BAR maps when enabled. */
    cfg_write(3, 0, 0x30, 0xfeb80001u, 4);
    CHECK_EQ_INT(rom_maps, 1);
    CHECK_EQ_INT(rom_gpa, 0xfeb80000u);
    /* A memory BAR outside the hole is not mapped (guest RAM stays RAM). */
    cfg_write(3, 0, 0x14, 0x00100000u, 4);
    CHECK_EQ_INT(unmaps, 1);
    CHECK_EQ_INT(unmap_gpa, 0xfebf0000u);
    CHECK_EQ_INT(mmio_maps, 1);
    /* Status error bits are write-one-to-clear; others are read-only. */
    nic.config[PCI_STATUS + 1] = 0x20;
    cfg_write(3, 0, 0x06, 0x2000 | 0x0010, 2);
    CHECK_EQ_INT(cfg_read(3, 0, 0x06, 2), 0x0000);
    /* The read-only vendor ID stays. */
    cfg_write(3, 0, 0x00, 0, 4);
    CHECK_EQ_INT(cfg_read(3, 0, 0x00, 2), 0x10ec);
    i440fx_destroy(h);
    piix3_destroy(px);
    pic_destroy(pic);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}

TEST(i440fx_pam_shadowing)
{
    io = io_bus_create();
    bus = pci_bus_create(io, &fake_mem, NULL);
    memset(shadow_r, 9, sizeof(shadow_r));
    struct i440fx *h = i440fx_create(bus, shadow, NULL);
    CHECK_EQ_INT(shadow_r[0], 0);
    CHECK_EQ_INT(shadow_r[12], 0);
    cfg_write(0, 0, 0x59, 0x30, 1);            /* F0000-FFFFF: read/write DRAM */
    CHECK(shadow_r[12] && shadow_w[12] && shadow_r[15] && shadow_w[15]);
    cfg_write(0, 0, 0x5a, 0x21, 1);            /* C0000 read DRAM, C4000 write DRAM */
    CHECK(shadow_r[0] && !shadow_w[0]);
    CHECK(!shadow_r[1] && shadow_w[1]);
    cfg_write(0, 0, 0x5f, 0x30, 1);            /* EC000 */
    CHECK(shadow_r[11] && shadow_w[11] && !shadow_r[10]);
    CHECK_EQ_INT(cfg_read(0, 0, 0x59, 1), 0x30);
    i440fx_reset(h);
    CHECK(!shadow_r[12] && !shadow_w[0]);
    i440fx_destroy(h);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}

static int intr;
static void set_intr(void *c, int pin, int level) { intr = level; }

TEST(piix3_pirq_routing_and_reset)
{
    io = io_bus_create();
    bus = pci_bus_create(io, &fake_mem, NULL);
    intr = 0;
    struct pic *pic = pic_create(io, (struct irq_line){set_intr, NULL, 0});
    /* Initialise the PICs: vectors 0x08/0x70, IRQ11 level-triggered. */
    const uint8_t init[][2] = {{0x20, 0x11}, {0x21, 0x08}, {0x21, 4}, {0x21, 1},
                               {0xa0, 0x11}, {0xa1, 0x70}, {0xa1, 2}, {0xa1, 1}};
    for (unsigned i = 0; i < sizeof(init) / sizeof(init[0]); i++)
        io_write(io, init[i][0], init[i][1], 1);
    io_write(io, 0x4d1, 0x08, 1);
    reset_calls = 0;
    struct piix3 *px = piix3_create(bus, io, pic, on_reset, NULL);
    static struct pci_device d;
    pci_device_init(&d, "dev", 0x1234, 0x5678, 0xff0000, 0);
    pci_set_intx_pin(&d, 1);
    pci_register(bus, &d, PCI_DEVFN(3, 0));
    /* Slot 3 INTA is PIRQC (the swizzle SeaBIOS assumes). */
    CHECK_EQ_INT(piix3_slot_pirq(3, 0), 2);
    pci_set_irq(&d, 1);
    CHECK_EQ_INT(intr, 0);                     /* PIRQC not routed yet */
    CHECK_EQ_INT(cfg_read(3, 0, 0x06, 1) & 0x08, 0x08);
    cfg_write(1, 0, 0x62, 11, 1);
    CHECK_EQ_INT(intr, 1);
    CHECK_EQ_INT(pic_ack(pic), 0x73);
    /* INTx disable in the command register drops the line. */
    cfg_write(3, 0, 0x04, 0x0400, 2);
    io_write(io, 0xa0, 0x20, 1);
    io_write(io, 0x20, 0x20, 1);
    CHECK_EQ_INT(intr, 0);
    cfg_write(3, 0, 0x04, 0x0000, 2);
    CHECK_EQ_INT(intr, 1);
    pci_set_irq(&d, 0);
    CHECK_EQ_INT(intr, 0);
    /* 0xCF9: RST_CPU 0->1 resets. */
    io_write(io, 0xcf9, 0x02, 1);
    CHECK_EQ_INT(reset_calls, 0);
    io_write(io, 0xcf9, 0x06, 1);
    CHECK_EQ_INT(reset_calls, 1);
    piix3_destroy(px);
    pic_destroy(pic);
    pci_bus_destroy(bus);
    io_bus_destroy(io);
}
