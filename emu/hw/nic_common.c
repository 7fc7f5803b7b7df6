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

unsigned nic_mcast_hash6(const uint8_t mac[6])
{
    uint32_t crc = 0xffffffffu;
    for (int i = 0; i < 6; i++) {
        uint8_t o = mac[i];
        for (int b = 0; b < 8; b++, o >>= 1)
            crc = (crc << 1) ^ (((crc >> 31) ^ (o & 1)) ? 0x04c11db7u : 0);
    }
    return crc >> 26;
}

/* The IPv4 header at f+14 when the frame holds a whole one: its length. */
static size_t ipv4_hdr(const uint8_t *f, size_t len)
{
    if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(f[14] & 0xf) * 4;
    if (ihl < 20 || 14 + ihl > len)
        return 0;
    return ihl;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4len)
{
    return nic_csum_add(0, ip + 12, 8) + proto + (uint32_t)l4len;
}

void nic_ipv4_checksums(uint8_t *f, size_t len, bool ip, bool l4)
{
    size_t ihl = ipv4_hdr(f, len);
    if (!ihl)
        return;
    uint8_t *iph = f + 14;
    if (ip) {
        iph[10] = iph[11] = 0;
        uint16_t c = nic_csum_fold(nic_csum_add(0, iph, ihl));
        iph[10] = (uint8_t)(c >> 8);
        iph[11] = (uint8_t)c;
    }
    size_t tot = (size_t)(iph[2] << 8 | iph[3]);
    if (!l4 || tot < ihl || 14 + tot > len || (iph[6] & 0x3f) || iph[7])
        return;   /* truncated, or a fragment: no L4 checksum */
    uint8_t proto = iph[9];
    uint8_t *l4h = iph + ihl;
    size_t l4len = tot - ihl;
    size_t off = proto == 6 ? 16 : proto == 17 ? 6 : 0;
    if (!off || l4len < off + 2)
        return;
    l4h[off] = l4h[off + 1] = 0;
    uint16_t c = nic_csum_fold(nic_csum_add(pseudo_sum(iph, proto, l4len), l4h, l4len));
    if (proto == 17 && c == 0)
        c = 0xffff;   /* UDP: zero means "no checksum" (RFC 768) */
    l4h[off] = (uint8_t)(c >> 8);
    l4h[off + 1] = (uint8_t)c;
}

int nic_tso_ipv4(const uint8_t *f, size_t len, unsigned mss, uint8_t *seg,
                 void (*send)(void *ctx, uint8_t *frame, size_t len), void *ctx)
{
    size_t ihl = ipv4_hdr(f, len);
    if (!ihl || f[14 + 9] != 6 || !mss)
        return 0;
    size_t l4 = 14 + ihl;
    if (l4 + 20 > len)
        return 0;
    size_t thl = (size_t)(f[l4 + 12] >> 4) * 4;
    size_t hl = l4 + thl;
    if (thl < 20 || hl > len || hl + mss > NET_FRAME_MAX)
        return 0;
    size_t pay = len - hl;
    uint32_t seq0 = (uint32_t)f[l4 + 4] << 24 | (uint32_t)f[l4 + 5] << 16 | (uint32_t)f[l4 + 6] << 8 | f[l4 + 7];
    uint16_t id0 = (uint16_t)(f[18] << 8 | f[19]);
    int n = 0;
    size_t off = 0;
    do {
        size_t plen = pay - off < mss ? pay - off : mss;
        bool last = off + plen >= pay;
        memcpy(seg, f, hl);
        memcpy(seg + hl, f + hl + off, plen);
        size_t tot = ihl + thl + plen;
        seg[16] = (uint8_t)(tot >> 8);
        seg[17] = (uint8_t)tot;
        uint16_t id = (uint16_t)(id0 + n);
        seg[18] = (uint8_t)(id >> 8);
        seg[19] = (uint8_t)id;
        uint32_t seq = seq0 + (uint32_t)off;
        seg[l4 + 4] = (uint8_t)(seq >> 24);
        seg[l4 + 5] = (uint8_t)(seq >> 16);
        seg[l4 + 6] = (uint8_t)(seq >> 8);
        seg[l4 + 7] = (uint8_t)seq;
        if (!last)
            seg[l4 + 13] &= (uint8_t)~0x09;   /* FIN, PSH */
        nic_ipv4_checksums(seg, hl + plen, true, true);
        send(ctx, seg, hl + plen);
        n++;
        off += plen;
    } while (off < pay);
    return n;
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

/* A ROM whose PCI data structure (PCI Firmware 3.0, 5.1.2) names another
 * vendor/device (Debian's pxe-ne2k_pci.rom says 0000:0000) is not run by
 * SeaBIOS, which matches the IDs. As QEMU does when it loads a ROM, write
 * the device's IDs there and keep the image's 8-bit sum by adjusting byte 6,
 * which iPXE leaves for that. */
static void patch_rom_ids(uint8_t *rom, size_t len, uint16_t vendor, uint16_t device)
{
    size_t pcir = (size_t)rom[0x18] | (size_t)rom[0x19] << 8;
    if (pcir + 8 > len || memcmp(rom + pcir, "PCIR", 4) != 0)
        return;
    uint8_t ids[4] = {(uint8_t)vendor, (uint8_t)(vendor >> 8), (uint8_t)device, (uint8_t)(device >> 8)};
    unsigned delta = 0;
    for (int i = 0; i < 4; i++) {
        delta += rom[pcir + 4 + i];
        delta -= ids[i];
        rom[pcir + 4 + i] = ids[i];
    }
    rom[6] = (uint8_t)(rom[6] + delta);
}

/* The iPXE ROM for a model: romfile= wins (empty disables), else -boot n
 * picks Debian's ipxe-qemu image. */
static int load_rom(const char *model, uint16_t vendor, uint16_t device, const struct net_nic_conf *c,
                    const uint8_t **rom, size_t *len, char *err, size_t errlen)
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
    patch_rom_ids(data, *len, vendor, device);
    roms[nroms++] = data;
    *rom = data;
    return 0;
}

static int make_pci(const struct net_nic_conf *c, char *err, size_t errlen,
                    struct nic *(*create)(const struct nic_env *, const char *, const uint8_t *,
                                          const uint8_t *, size_t, char *, size_t),
                    const char *rom_model, uint16_t vendor, uint16_t device)
{
    const uint8_t *rom;
    size_t rom_len;
    if (load_rom(rom_model, vendor, device, c, &rom, &rom_len, err, errlen) < 0)
        return -1;
    struct nic *n = create(&cur_env, c->id, c->mac, rom, rom_len, err, errlen);
    if (!n)
        return -1;
    add_nic(n);
    return net_nic_attach(&n->port, c);
}

static int ctor_e1000(const struct net_nic_conf *c, char *err, size_t errlen)
{
    return make_pci(c, err, errlen, e1000_create, "e1000", 0x8086, 0x100e);
}

static int ctor_ne2k_pci(const struct net_nic_conf *c, char *err, size_t errlen)
{
    return make_pci(c, err, errlen, ne2k_pci_create, "ne2k_pci", 0x10ec, 0x8029);
}

static int ctor_ne2k_isa(const struct net_nic_conf *c, char *err, size_t errlen)
{
    /* QEMU's isa-ne2000 defaults: iobase=0x300, irq=9. */
    uint64_t base = 0x300, irq = 9;
    if (c->props && (qopts_get_u64(c->props, "iobase", 0x300, false, &base, err, errlen) < 0 ||
                     qopts_get_u64(c->props, "irq", 9, false, &irq, err, errlen) < 0))
        return -1;
    if (base > 0xffe0 || (base & 0x1f) || irq > 15 || irq == 2 || irq == 0) {
        snprintf(err, errlen, "ne2k_isa: invalid iobase=%#llx or irq=%llu", (unsigned long long)base,
                 (unsigned long long)irq);
        return -1;
    }
    struct nic *n = ne2k_isa_create(&cur_env, c->id, c->mac, (uint16_t)base, (int)irq, err, errlen);
    if (!n)
        return -1;
    add_nic(n);
    return net_nic_attach(&n->port, c);
}

static int ctor_rtl8139(const struct net_nic_conf *c, char *err, size_t errlen)
{
    /* cplus=off (baremu's own property) presents a plain RTL8139C. */
    bool cplus = true;
    if (c->props && qopts_get_bool(c->props, "cplus", true, &cplus, err, errlen) < 0)
        return -1;
    const uint8_t *rom;
    size_t rom_len;
    if (load_rom("rtl8139", 0x10ec, 0x8139, c, &rom, &rom_len, err, errlen) < 0)
        return -1;
    struct nic *n = rtl8139_create_rev(&cur_env, c->id, c->mac, rom, rom_len, cplus, err, errlen);
    if (!n)
        return -1;
    add_nic(n);
    return net_nic_attach(&n->port, c);
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
    net_nic_register_model("rtl8139", ctor_rtl8139);
    net_nic_register_model("ne2k_pci", ctor_ne2k_pci);
    net_nic_register_model("ne2k_isa", ctor_ne2k_isa);
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
