/* What every emulated NIC model (NE2000, RTL8139, e1000) shares: how it
 * reaches the machine (PCI bus, guest memory for DMA, I/O ports, ISA IRQs),
 * the Ethernet helpers (CRC-32 of IEEE 802.3 clause 3.2.9, the Internet
 * checksum of RFC 1071) and the registry that lets -device/-nic/-net nic
 * (net/netdev.h) create the models on the running machine. */
#ifndef BAREMU_EMU_HW_NIC_H
#define BAREMU_EMU_HW_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/port.h"

struct pci_bus;
struct guest_memory;
struct io_bus;
struct options;
struct machine;
struct qopts;

/* The machine as a NIC sees it (unit tests build one by hand). */
struct nic_env {
    struct pci_bus *pci;
    struct guest_memory *mem;
    struct io_bus *io;
    void (*isa_irq)(void *ctx, int irq, int level);  /* ISA cards only */
    void *ctx;
};

/* The common part of every NIC instance: its port (a NIC is a port, see
 * net/port.h) and its life-cycle hooks. Models embed it first. */
struct nic {
    struct net_port port;
    const char *model;
    void (*reset)(struct nic *n);      /* machine reset */
    void (*destroy)(struct nic *n);    /* frees the model */
    struct nic *next;
    /* Bad guest input that was dropped (a malformed descriptor or ring, a
     * DMA address outside RAM): counted, never fatal. */
    uint64_t bad_desc, bad_dma;
};

/* Ethernet frames shorter than this (without FCS) are padded by the MAC. */
#define ETH_MIN_FRAME 60
#define ETH_FCS_LEN 4

/* CRC-32 of IEEE 802.3 (reflected 0xEDB88320, init and final xor ~0): the
 * frame check sequence, stored little-endian after the frame. */
uint32_t nic_crc32(const uint8_t *data, size_t len);
/* Ones' complement sum of data (RFC 1071) added to sum, not folded. */
uint32_t nic_csum_add(uint32_t sum, const uint8_t *data, size_t len);
/* Folds and complements a sum into the 16-bit checksum. */
uint16_t nic_csum_fold(uint32_t sum);
/* The 6-bit multicast hash of the DP8390 and RTL8139 (the top 6 bits of the
 * MSB-first CRC-32 of the address, as Linux's ether_crc). */
unsigned nic_mcast_hash6(const uint8_t mac[6]);
/* Offloads for frames whose driver asked the NIC to checksum an IPv4
 * packet: computes the IPv4 header checksum (ip) and the TCP/UDP checksum
 * with its pseudo header (l4) from scratch. Non-IPv4 frames are untouched. */
void nic_ipv4_checksums(uint8_t *f, size_t len, bool ip, bool l4);
/* TCP segmentation of an Ethernet/IPv4/TCP frame into mss-byte segments
 * (sequence numbers, IP length and ID, FIN/PSH on the last, checksums),
 * each built in seg (room for NET_FRAME_MAX) and passed to send. Returns
 * the number of segments, 0 when the frame is not IPv4 TCP. */
int nic_tso_ipv4(const uint8_t *f, size_t len, unsigned mss, uint8_t *seg,
                 void (*send)(void *ctx, uint8_t *frame, size_t len), void *ctx);

/* The models' constructors, called from the registry below or from tests.
 * Each registers its port under id and returns the NIC (NULL with err). */
struct nic *e1000_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                         const uint8_t *rom, size_t rom_len, char *err, size_t errlen);
struct nic *rtl8139_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                           const uint8_t *rom, size_t rom_len, char *err, size_t errlen);
/* cplus=false presents a plain RTL8139C (revision 0x10) for Linux's 8139too. */
struct nic *rtl8139_create_rev(const struct nic_env *env, const char *id, const uint8_t mac[6],
                               const uint8_t *rom, size_t rom_len, bool cplus, char *err, size_t errlen);
struct nic *ne2k_pci_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                            const uint8_t *rom, size_t rom_len, char *err, size_t errlen);
struct nic *ne2k_isa_create(const struct nic_env *env, const char *id, const uint8_t mac[6],
                            uint16_t iobase, int irq, char *err, size_t errlen);

/* Finds a free PCI slot from 3 up (QEMU's pc puts the first NIC at 00:03.0)
 * and registers d there; -1 when the bus is full. */
struct pci_device;
int nic_pci_register(struct pci_bus *bus, struct pci_device *d);

/* The machine calls these: registers the NIC models with net/netdev.h
 * (default model e1000, as QEMU's pc), and resets / frees every NIC made.
 * -boot n (or a romfile= property) loads the iPXE option ROM. */
void nic_machine_attach(struct machine *m, struct options *opts);
void nic_machine_reset(void);
void nic_machine_detach(void);

#endif
