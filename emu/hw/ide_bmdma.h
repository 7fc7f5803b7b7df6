/* The bus master IDE function of one PIIX3 IDE channel: the BMICx command,
 * BMISx status and BMIDTPx descriptor table pointer registers and the walk
 * of the Physical Region Descriptor table (82371SB datasheet, "Bus Master
 * IDE Registers" and "Bus Master IDE Operation"). It knows nothing of ATA:
 * emu/hw/ide.c decides when a transfer runs and what it moves. */
#ifndef BAREMU_EMU_HW_IDE_BMDMA_H
#define BAREMU_EMU_HW_IDE_BMDMA_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/memory.h"

#define BM_CMD_START   0x01   /* BMIC bit 0: start/stop bus master */
#define BM_CMD_TO_MEM  0x08   /* BMIC bit 3: bus master writes memory (a device read) */
#define BM_ST_ACTIVE   0x01   /* BMIS bit 0 */
#define BM_ST_ERROR    0x02   /* BMIS bit 1, write 1 to clear */
#define BM_ST_INTR     0x04   /* BMIS bit 2, write 1 to clear */
#define BM_ST_CAPABLE  0x60   /* BMIS bits 5/6: drive 0/1 DMA capable (software's) */
/* A table is read for at most one page, as QEMU does: a table with no
 * end-of-table bit stops after 512 entries. */
#define BM_TABLE_MAX   4096

struct bmdma {
    uint8_t cmd, status;
    uint32_t table;           /* BMIDTP: the table's address, dword aligned */
    /* The walk: the next entry to fetch, and what is left of the current one. */
    uint32_t next;
    uint32_t seg_addr, seg_left;
    bool seg_last;
};

enum bmdma_result {
    BMDMA_OK,                 /* all bytes moved */
    BMDMA_SHORT,              /* the table ended first */
    BMDMA_FAULT,              /* an entry or a region is not RAM */
};

void bmdma_reset(struct bmdma *b);
/* Goes back to the table's first entry (done when Start is set). */
void bmdma_rewind(struct bmdma *b);

/* Walks the table from its first entry without moving data: BMDMA_OK when it
 * describes at least len bytes (*tail: bytes of the last needed entry left
 * over), BMDMA_SHORT when it ends first, BMDMA_FAULT when an entry cannot be
 * read from RAM. At most BM_TABLE_MAX / 8 entries are read. */
enum bmdma_result bmdma_measure(const struct bmdma *b, struct guest_memory *mem, uint64_t len,
                                uint32_t *tail);

/* Moves len bytes between buf and the regions of the table, going on where
 * the previous call stopped; to_mem: buf to guest memory. */
enum bmdma_result bmdma_move(struct bmdma *b, struct guest_memory *mem, void *buf, uint32_t len,
                             bool to_mem);

/* Register access at offset 0..7 of the channel's 8-byte block, one byte at
 * a time. A write returns +1 when it set Start, -1 when it cleared it, else 0. */
uint8_t bmdma_read(const struct bmdma *b, unsigned off);
int bmdma_write(struct bmdma *b, unsigned off, uint8_t v);

#endif
