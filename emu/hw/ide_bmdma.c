/* The bus master IDE registers and the PRD table walk of one PIIX3 IDE
 * channel, after the 82371SB (PIIX3) datasheet, "Bus Master IDE Registers"
 * (BMICx at +0: bit 0 start, bit 3 direction; BMISx at +2: bit 0 active,
 * bits 1/2 error and interrupt written 1 to clear, bits 5/6 drive DMA
 * capable; BMIDTPx at +4, dword aligned) and "Physical Region Descriptor
 * Table" (a dword base address with bit 0 zero, a 16-bit byte count with 0
 * meaning 64 KiB, bit 31 of the second dword ends the table). The guest
 * writes the table, so every entry and region is reached only through the
 * bounds-checked DMA accessors, and a table is read for at most one page
 * (QEMU's fail-safe): no table, however built, makes the walk loop long. */
#include "emu/hw/ide_bmdma.h"

#include <string.h>

void bmdma_reset(struct bmdma *b)
{
    memset(b, 0, sizeof(*b));
}

void bmdma_rewind(struct bmdma *b)
{
    b->next = 0;
    b->seg_addr = 0;
    b->seg_left = 0;
    b->seg_last = false;
}

/* Reads the entry at byte pos of the table into (addr, len, last). Returns
 * BMDMA_SHORT past the page the table may use, BMDMA_FAULT if not RAM. */
static enum bmdma_result fetch(const struct bmdma *b, struct guest_memory *mem, uint32_t pos,
                               uint32_t *addr, uint32_t *len, bool *last)
{
    if (pos >= BM_TABLE_MAX)
        return BMDMA_SHORT;
    uint8_t e[8];
    if (gmem_dma_read(mem, (uint64_t)b->table + pos, e, sizeof(e)) < 0)
        return BMDMA_FAULT;
    uint32_t base = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24;
    uint32_t count = (uint32_t)(e[4] | e[5] << 8) & 0xfffe;  /* bit 0 is reserved */
    *addr = base & ~1u;
    *len = count ? count : 0x10000;
    *last = e[7] & 0x80;
    return BMDMA_OK;
}

enum bmdma_result bmdma_measure(const struct bmdma *b, struct guest_memory *mem, uint64_t len,
                                uint32_t *tail)
{
    uint64_t have = 0;
    *tail = 0;
    for (uint32_t pos = 0; have < len; pos += 8) {
        uint32_t addr, n;
        bool last;
        enum bmdma_result r = fetch(b, mem, pos, &addr, &n, &last);
        if (r != BMDMA_OK)
            return r;
        have += n;
        if (have >= len) {
            *tail = (uint32_t)(have - len);
            return BMDMA_OK;
        }
        if (last)
            return BMDMA_SHORT;
    }
    return BMDMA_OK;
}

enum bmdma_result bmdma_move(struct bmdma *b, struct guest_memory *mem, void *buf, uint32_t len,
                             bool to_mem)
{
    uint8_t *p = buf;
    while (len) {
        if (!b->seg_left) {
            if (b->seg_last)
                return BMDMA_SHORT;
            enum bmdma_result r = fetch(b, mem, b->next, &b->seg_addr, &b->seg_left, &b->seg_last);
            if (r != BMDMA_OK)
                return r;
            b->next += 8;
        }
        uint32_t n = len < b->seg_left ? len : b->seg_left;
        int rc = to_mem ? gmem_dma_write(mem, b->seg_addr, p, n) : gmem_dma_read(mem, b->seg_addr, p, n);
        if (rc < 0)
            return BMDMA_FAULT;
        b->seg_addr += n;
        b->seg_left -= n;
        p += n;
        len -= n;
    }
    return BMDMA_OK;
}

uint8_t bmdma_read(const struct bmdma *b, unsigned off)
{
    switch (off) {
    case 0: return b->cmd;
    case 2: return b->status;   /* bit 7 (simplex only) reads 0: both channels may run */
    case 4: case 5: case 6: case 7: return (uint8_t)(b->table >> (8 * (off - 4)));
    default: return 0xff;       /* reserved bytes, as QEMU's PIIX */
    }
}

int bmdma_write(struct bmdma *b, unsigned off, uint8_t v)
{
    switch (off) {
    case 0: {
        int edge = 0;
        if ((v ^ b->cmd) & BM_CMD_START) {
            if (v & BM_CMD_START) {
                /* A new start walks the table from its first entry. */
                bmdma_rewind(b);
                b->status |= BM_ST_ACTIVE;
                edge = 1;
            } else {
                /* Stopping aborts the bus master; the command stays with the drive. */
                b->status &= (uint8_t)~BM_ST_ACTIVE;
                edge = -1;
            }
        }
        b->cmd = v & (BM_CMD_START | BM_CMD_TO_MEM);
        return edge;
    }
    case 2:
        b->status = (uint8_t)((v & BM_ST_CAPABLE) | (b->status & BM_ST_ACTIVE) |
                              (b->status & ~v & (BM_ST_ERROR | BM_ST_INTR)));
        return 0;
    case 4: case 5: case 6: case 7: {
        unsigned sh = 8 * (off - 4);
        b->table = (b->table & ~(0xffu << sh)) | ((uint32_t)v << sh);
        b->table &= ~3u;
        return 0;
    }
    default:
        return 0;
    }
}
