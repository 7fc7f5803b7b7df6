/* Shared NIC helpers (IEEE 802.3 CRC-32, RFC 1071 checksum, PCI slot choice)
 * and the NIC model registry the machine hands to net/netdev.h: -device
 * MODEL,netdev=ID[,mac=][,romfile=], -nic and -net nic end up here. */
#include "emu/hw/nic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/options.h"
#include "config/qopts.h"
#include "emu/emu_host.h"
#include "emu/hw/pci.h"
#include "emu/machine.h"
#include "net/netdev.h"

/* ---- checksums ---- */

static uint32_t crc_table[256];
static bool crc_ready;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc_table[i] = c;
    }
    crc_ready = true;
}

uint32_t nic_crc32(const uint8_t *data, size_t len)
{
    if (!crc_ready)
        crc_init();
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < len; i++)
        c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
    return ~c;
}

uint32_t nic_csum_add(uint32_t sum, const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; i + 1 < len; i += 2) {
        sum += (uint32_t)(data[i] << 8 | data[i + 1]);
        if (sum & 0x80000000u)
            sum = (sum & 0xffff) + (sum >> 16);
    }
    if (i < len)
        sum += (uint32_t)data[i] << 8;
    return sum;
}

uint16_t nic_csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

int nic_pci_register(struct pci_bus *bus, struct pci_device *d)
{
    for (int slot = 3; slot < 32; slot++)
        if (pci_register(bus, d, PCI_DEVFN(slot, 0)) == 0)
            return 0;
    return -1;
}

/* ---- the registry ---- */

static struct machine *cur_machine;
static struct nic_env cur_env;
static bool boot_net;             /* -boot with 'n': load the PXE ROMs */
static struct nic *nics;
static uint8_t *roms[16];         /* option ROM images, freed at detach */
static int nroms;

static void isa_irq(void *ctx, int irq, int level)
{
    machine_set_isa_irq(ctx, irq, level);
}

static void add_nic(struct nic *n)
{
    n->next = nics;
    nics = n;
}

/* The iPXE ROM for a model: romfile= wins (empty disables), else -boot n
 * picks Debian's ipxe-qemu image. */
static int load_rom(const char *model, const struct net_nic_conf *c, const uint8_t **rom,
                    size_t *len, char *err, size_t errlen)
{
    *rom = NULL;
    *len = 0;
    const char *path = c->props ? qopts_get(c->props, "romfile") : NULL;
    char def[128];
    if (!path && boot_net) {
        snprintf(def, sizeof(def), "/usr/lib/ipxe/qemu/pxe-%s.rom", model);
        path = def;
    }
    if (!path || !*path)
        return 0;
    if (nroms == (int)(sizeof(roms) / sizeof(roms[0]))) {
        snprintf(err, errlen, "too many option ROMs");
        return -1;
    }
    char e[256];
    uint8_t *data = emu_host_read_file(path, 1u << 20, len, e, sizeof(e));
    if (!data) {
        snprintf(err, errlen, "romfile: %s", e);
        return -1;
    }
    if (*len < 512 || data[0] != 0x55 || data[1] != 0xaa) {
        free(data);
        snprintf(err, errlen, "romfile '%s' is not a PCI option ROM (no 55 AA signature)", path);
        return -1;
    }
    roms[nroms++] = data;
    *rom = data;
    return 0;
}

static int make_pci(const struct net_nic_conf *c, char *err, size_t errlen,
                    struct nic *(*create)(const struct nic_env *, const char *, const uint8_t *,
                                          const uint8_t *, size_t, char *, size_t),
                    const char *rom_model)
{
    const uint8_t *rom;
    size_t rom_len;
    if (load_rom(rom_model, c, &rom, &rom_len, err, errlen) < 0)
        return -1;
    struct nic *n = create(&cur_env, c->id, c->mac, rom, rom_len, err, errlen);
    if (!n)
        return -1;
    add_nic(n);
    return net_nic_attach(&n->port, c);
}

static int ctor_e1000(const struct net_nic_conf *c, char *err, size_t errlen)
{
    return make_pci(c, err, errlen, e1000_create, "e1000");
}

void nic_machine_attach(struct machine *m, struct options *opts)
{
    cur_machine = m;
    cur_env = (struct nic_env){
        .pci = machine_pci_bus(m), .mem = machine_memory(m), .io = machine_io(m),
        .isa_irq = isa_irq, .ctx = m,
    };
    const char *b = options_last(opts, "boot");
    boot_net = false;
    if (b) {
        /* "-boot n", "-boot order=nc", "-boot once=n": any 'n' in the order. */
        const char *s = strstr(b, "order=");
        if (!s)
            s = strstr(b, "once=");
        if (s)
            s = strchr(s, '=') + 1;
        else
            s = strchr(b, '=') ? "" : b;
        for (; *s && *s != ','; s++)
            if (*s == 'n')
                boot_net = true;
    }
    net_nic_register_model("e1000", ctor_e1000);
    net_nic_set_default_model("e1000");
}

void nic_machine_reset(void)
{
    for (struct nic *n = nics; n; n = n->next)
        if (n->reset)
            n->reset(n);
}

void nic_machine_detach(void)
{
    while (nics) {
        struct nic *n = nics;
        nics = n->next;
        net_port_unregister(&n->port);
        n->destroy(n);
    }
    for (int i = 0; i < nroms; i++)
        free(roms[i]);
    nroms = 0;
    cur_machine = NULL;
    net_nic_set_default_model(NULL);
}
