/* IDE/ATA and ATAPI devices behind the PIIX3 IDE function; follows ATA/ATAPI-6
 * (T13/1410D): the command block registers (7.x), PIO data-in/data-out and
 * the PACKET protocol (9.5-9.8), IDENTIFY (DEVICE) and IDENTIFY PACKET DEVICE
 * word layouts (8.15, 8.16), the device signatures after reset (9.12); the
 * packet commands follow MMC-2/SPC-2 (INQUIRY, READ CAPACITY, READ(10/12),
 * READ TOC, REQUEST SENSE, MODE SENSE(10)); and the 82371SB datasheet 2.3
 * for the PCI function (IDETIM decode enables at 0x40/0x42) and its bus
 * master IDE function (BAR4; the registers and the PRD walk are in
 * emu/hw/ide_bmdma.c). Transfers are PIO or, for READ/WRITE DMA (EXT) and
 * PACKET with the DMA bit, bus master DMA, which runs whole once the guest
 * has issued the command and set Start, in either order (ATA-6, DMA command
 * protocol). Where the datasheets leave a case open (a PRD table shorter or
 * longer than the transfer) this does what QEMU's PIIX IDE does, since that
 * is what guests are tested against. */
#include "emu/hw/ide.h"

#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "emu/hw/ide_bmdma.h"

/* status bits */
#define ST_ERR  0x01
#define ST_DRQ  0x08
#define ST_DSC  0x10
#define ST_DF   0x20
#define ST_DRDY 0x40
#define ST_BSY  0x80
/* error bits */
#define ER_ABRT 0x04
#define ER_IDNF 0x10
#define ER_UNC  0x40
/* device control */
#define CTL_NIEN 0x02
#define CTL_SRST 0x04
#define CTL_HOB  0x80

#define SECTOR 512
#define CD_SECTOR 2048
#define MAX_MULT 16
#define BUF_SIZE (64 * 1024)

/* SCSI sense keys and additional sense codes */
#define SK_NOT_READY 0x02
#define SK_MEDIUM_ERROR 0x03
#define SK_ILLEGAL_REQUEST 0x05
#define SK_UNIT_ATTENTION 0x06
#define SK_ABORTED_COMMAND 0x0b
#define ASC_INVALID_OPCODE 0x20
#define ASC_LBA_OUT_OF_RANGE 0x21
#define ASC_INVALID_FIELD 0x24
#define ASC_MEDIUM_NOT_PRESENT 0x3a
#define ASC_READ_ERROR 0x11

enum xfer { XFER_NONE, XFER_ATA_READ, XFER_ATA_WRITE, XFER_PIO_IN, XFER_PACKET, XFER_ATAPI_READ, XFER_DMA };

/* A DMA command waiting for (or running under) the bus master. */
enum dma_op { DMA_NONE, DMA_ATA_READ, DMA_ATA_WRITE, DMA_ATAPI_READ, DMA_ATAPI_REPLY };

/* SET FEATURES 03h transfer mode values (ATA-6 8.37.10): the mode kind in
 * bits 7:3, the mode number in bits 2:0. */
#define XM_KIND(v) ((v) >> 3)
#define XM_SWDMA 2
#define XM_MWDMA 4
#define XM_UDMA  8

struct ide_drive {
    struct blockdev *blk;
    bool present, cdrom;
    uint64_t sectors;        /* 512-byte sectors (ATA) or 2048-byte blocks (CD) */
    uint16_t cyls, heads, spt;
    unsigned mult;           /* READ/WRITE MULTIPLE block size, 0 = disabled */
    uint8_t sense_key, asc;
    uint8_t xfer_mode;       /* the last SET FEATURES 03h value */
    char serial[21];
};

struct ide_channel {
    struct ide_drive drive[2];
    int cur;                 /* selected device */
    /* the task file; writes reach both devices (ATA-6 7.1), hob = previous value */
    uint8_t feature, nsector, sector, lcyl, hcyl;
    uint8_t hob_feature, hob_nsector, hob_sector, hob_lcyl, hob_hcyl;
    uint8_t select, control, status, error;
    struct irq_line irq;
    bool irq_pending;
    /* PIO transfer state */
    uint8_t buf[BUF_SIZE];
    uint32_t pos, len;
    enum xfer xfer;
    uint64_t lba;            /* next sector of a multi-sector command */
    uint32_t remaining;      /* sectors (ATA) or blocks (ATAPI) still to go */
    bool lba48;
    bool multiple;           /* READ/WRITE MULTIPLE: blocks of mult sectors */
    uint32_t atapi_limit;    /* byte count limit of the current PACKET */
    uint16_t base, ctl_port;
    /* bus master DMA */
    struct bmdma bm;
    enum dma_op dma;
    int dma_unit;            /* the device that issued the DMA command */
    bool atapi_dma;          /* the current PACKET asked for DMA */
    struct ide *owner;
};

struct ide {
    struct pci_device dev;
    struct ide_channel ch[2];
    bool has_pci;
    struct guest_memory *mem;
};

/* ---- interrupts and status ---- */

static void raise_irq(struct ide_channel *c)
{
    c->irq_pending = true;
    if (!(c->control & CTL_NIEN)) {
        /* The bus master latches every interrupt the drive raises, which is
         * how a driver tells a DMA completion from a shared line's (QEMU's
         * PIIX does the same for PIO commands). */
        c->bm.status |= BM_ST_INTR;
        irq_set(&c->irq, 1);
    }
}

static void lower_irq(struct ide_channel *c)
{
    c->irq_pending = false;
    irq_set(&c->irq, 0);
}

static struct ide_drive *cur(struct ide_channel *c)
{
    return &c->drive[c->cur];
}

/* DMA needs the PCI function (BAR4) and the guest's memory. */
static bool has_bus_master(const struct ide_channel *c)
{
    return c->owner->has_pci && c->owner->mem;
}

static void cmd_done(struct ide_channel *c)
{
    c->status = ST_DRDY | ST_DSC;
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
}

static void cmd_abort(struct ide_channel *c, uint8_t error)
{
    c->status = ST_DRDY | ST_ERR;
    c->error = error;
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
    raise_irq(c);
}

/* The signature a device leaves in the task file after reset or diagnostics. */
static void set_signature(struct ide_channel *c, struct ide_drive *d)
{
    c->nsector = 1;
    c->sector = 1;
    if (d->present && d->cdrom) {
        c->lcyl = 0x14;
        c->hcyl = 0xeb;
    } else {
        c->lcyl = 0;
        c->hcyl = 0;
    }
}

/* ---- IDENTIFY ---- */

static void put_str(uint8_t *id, int word, int words, const char *s)
{
    /* ATA strings: two characters per word, the first in the high byte. */
    size_t n = strlen(s);
    for (int i = 0; i < words * 2; i++) {
        char ch = (size_t)i < n ? s[i] : ' ';
        id[word * 2 + (i ^ 1)] = (uint8_t)ch;
    }
}

static void put_word(uint8_t *id, int word, uint16_t v)
{
    id[word * 2] = (uint8_t)v;
    id[word * 2 + 1] = (uint8_t)(v >> 8);
}

/* Words 62, 63 and 88: single word DMA 0-2, multiword DMA 0-2 and Ultra DMA
 * 0-5 supported, as QEMU's drives say, and the mode SET FEATURES selected
 * (high byte). The PIIX3 itself has no Ultra DMA: drivers pick MWDMA2. */
static void put_dma_modes(uint8_t *id, const struct ide_drive *d)
{
    unsigned kind = XM_KIND(d->xfer_mode), sel = 0x100u << (d->xfer_mode & 7);
    put_word(id, 62, (uint16_t)(0x07 | (kind == XM_SWDMA ? sel : 0)));
    put_word(id, 63, (uint16_t)(0x07 | (kind == XM_MWDMA ? sel : 0)));
    put_word(id, 88, (uint16_t)(0x3f | (kind == XM_UDMA ? sel : 0)));
}

static void identify_ata(struct ide_channel *c, struct ide_drive *d)
{
    uint8_t *id = c->buf;
    memset(id, 0, SECTOR);
    put_word(id, 0, 0x0040);                  /* fixed device */
    put_word(id, 1, d->cyls);
    put_word(id, 3, d->heads);
    put_word(id, 6, d->spt);
    put_str(id, 10, 10, d->serial);
    put_str(id, 23, 4, "1.0");
    put_str(id, 27, 20, "BAREMU HARDDISK");
    put_word(id, 47, 0x8000 | MAX_MULT);
    put_word(id, 49, 0x0b00);                 /* IORDY, LBA, DMA */
    put_word(id, 50, 0x4000);
    put_word(id, 51, 0x0200);                 /* PIO mode 2 timing */
    put_word(id, 52, 0x0200);                 /* DMA mode 2 timing */
    put_word(id, 53, 0x0007);                 /* words 54-58, 64-70 and 88 valid */
    put_word(id, 54, d->cyls);
    put_word(id, 55, d->heads);
    put_word(id, 56, d->spt);
    uint32_t chs = (uint32_t)d->cyls * d->heads * d->spt;
    put_word(id, 57, (uint16_t)chs);
    put_word(id, 58, (uint16_t)(chs >> 16));
    put_word(id, 59, d->mult ? (uint16_t)(0x100 | d->mult) : 0);
    uint32_t lba28 = d->sectors > 0x0fffffff ? 0x0fffffff : (uint32_t)d->sectors;
    put_word(id, 60, (uint16_t)lba28);
    put_word(id, 61, (uint16_t)(lba28 >> 16));
    put_dma_modes(id, d);
    put_word(id, 64, 0x0003);                 /* PIO modes 3 and 4 */
    put_word(id, 65, 120);
    put_word(id, 66, 120);
    put_word(id, 67, 120);
    put_word(id, 68, 120);
    put_word(id, 80, 0x007e);                 /* ATA-1 to ATA-6 */
    put_word(id, 82, 0x4000);
    put_word(id, 83, 0x4000 | 0x2000 | 0x1000 | 0x0400);  /* FLUSH EXT, FLUSH, LBA48 */
    put_word(id, 84, 0x4000);
    put_word(id, 85, 0x4000);
    put_word(id, 86, 0x2000 | 0x1000 | 0x0400);
    put_word(id, 87, 0x4000);
    put_word(id, 93, 0x6001);                 /* device 0 by jumper; 80-conductor cable */
    for (int i = 0; i < 4; i++)
        put_word(id, 100 + i, (uint16_t)(d->sectors >> (16 * i)));
}

static void identify_atapi(struct ide_channel *c, struct ide_drive *d)
{
    uint8_t *id = c->buf;
    memset(id, 0, SECTOR);
    /* ATAPI, CD-ROM (type 5), removable, 50 us DRQ, 12-byte packets. */
    put_word(id, 0, 0x85c0);
    put_str(id, 10, 10, d->serial);
    put_str(id, 23, 4, "1.0");
    put_str(id, 27, 20, "BAREMU DVD-ROM");
    put_word(id, 49, 0x0300);                 /* LBA, DMA */
    put_word(id, 53, 0x0007);
    put_dma_modes(id, d);
    put_word(id, 64, 0x0003);
    put_word(id, 65, 120);
    put_word(id, 66, 120);
    put_word(id, 67, 120);
    put_word(id, 68, 120);
    put_word(id, 71, 30);
    put_word(id, 72, 30);
    put_word(id, 80, 0x007e);
    put_word(id, 82, 0x4010);                 /* PACKET feature set */
    put_word(id, 85, 0x4010);
}

/* ---- ATA sector transfers ---- */

static uint64_t task_lba(struct ide_channel *c, struct ide_drive *d, bool lba48)
{
    if (lba48)
        return (uint64_t)c->sector | (uint64_t)c->lcyl << 8 | (uint64_t)c->hcyl << 16 |
               (uint64_t)c->hob_sector << 24 | (uint64_t)c->hob_lcyl << 32 | (uint64_t)c->hob_hcyl << 40;
    if (c->select & 0x40)
        return (uint64_t)c->sector | (uint64_t)c->lcyl << 8 | (uint64_t)c->hcyl << 16 |
               (uint64_t)(c->select & 0x0f) << 24;
    /* CHS: (C * heads + H) * spt + S - 1 */
    unsigned cyl = c->lcyl | c->hcyl << 8, head = c->select & 0x0f;
    if (!c->sector)
        return UINT64_MAX;
    return ((uint64_t)cyl * d->heads + head) * d->spt + c->sector - 1;
}

/* Writes the LBA of the last sector handled back into the task file, as
 * ATA-6 requires after an error (and drivers read it for diagnostics). */
static void set_task_lba(struct ide_channel *c, uint64_t lba)
{
    c->sector = (uint8_t)lba;
    c->lcyl = (uint8_t)(lba >> 8);
    c->hcyl = (uint8_t)(lba >> 16);
    if (c->lba48) {
        c->hob_sector = (uint8_t)(lba >> 24);
        c->hob_lcyl = (uint8_t)(lba >> 32);
        c->hob_hcyl = (uint8_t)(lba >> 40);
    } else {
        c->select = (uint8_t)((c->select & 0xf0) | ((lba >> 24) & 0x0f));
    }
}

static unsigned block_sectors(struct ide_channel *c, bool multiple)
{
    unsigned n = multiple ? cur(c)->mult : 1;
    return n < c->remaining ? n : c->remaining;
}

/* Loads the next block of a read into the buffer and signals DRQ. */
static void ata_read_block(struct ide_channel *c, bool multiple)
{
    struct ide_drive *d = cur(c);
    unsigned n = block_sectors(c, multiple);
    if (d->blk->ops->read(d->blk->ctx, c->lba * SECTOR, c->buf, (size_t)n * SECTOR) < 0) {
        set_task_lba(c, c->lba);
        cmd_abort(c, ER_UNC);
        return;
    }
    c->lba += n;
    c->remaining -= n;
    c->pos = 0;
    c->len = n * SECTOR;
    c->status = ST_DRDY | ST_DSC | ST_DRQ;
    raise_irq(c);
}

static void dma_start(struct ide_channel *c, enum dma_op op);

static void ata_rw(struct ide_channel *c, bool write, bool lba48, bool multiple, bool dma)
{
    struct ide_drive *d = cur(c);
    if ((multiple && !d->mult) || (dma && !has_bus_master(c))) {
        cmd_abort(c, ER_ABRT);
        return;
    }
    uint32_t count = lba48 ? (uint32_t)(c->nsector | c->hob_nsector << 8) : c->nsector;
    if (!count)
        count = lba48 ? 65536 : 256;
    c->lba48 = lba48;
    uint64_t lba = task_lba(c, d, lba48);
    if (lba == UINT64_MAX || lba >= d->sectors || count > d->sectors - lba) {
        cmd_abort(c, ER_IDNF);
        return;
    }
    c->lba = lba;
    c->remaining = count;
    if (dma) {
        dma_start(c, write ? DMA_ATA_WRITE : DMA_ATA_READ);
        return;
    }
    c->xfer = write ? XFER_ATA_WRITE : XFER_ATA_READ;
    c->multiple = multiple;
    if (write) {
        /* Data-out: the first block is requested without an interrupt. */
        c->pos = 0;
        c->len = block_sectors(c, multiple) * SECTOR;
        c->status = ST_DRDY | ST_DSC | ST_DRQ;
    } else {
        ata_read_block(c, multiple);
    }
}

/* The host has read the whole buffer (data-in) or filled it (data-out). */
static void ata_block_done(struct ide_channel *c)
{
    struct ide_drive *d = cur(c);
    bool multiple = c->multiple;
    if (c->xfer == XFER_ATA_READ) {
        if (c->remaining) {
            ata_read_block(c, multiple);
        } else {
            set_task_lba(c, c->lba - 1);
            cmd_done(c);
        }
        return;
    }
    unsigned n = c->len / SECTOR;
    if (d->blk->ops->write(d->blk->ctx, c->lba * SECTOR, c->buf, c->len) < 0) {
        set_task_lba(c, c->lba);
        cmd_abort(c, ER_UNC);
        return;
    }
    c->lba += n;
    c->remaining -= n;
    if (c->remaining) {
        c->pos = 0;
        c->len = block_sectors(c, multiple) * SECTOR;
        c->status = ST_DRDY | ST_DSC | ST_DRQ;
    } else {
        set_task_lba(c, c->lba - 1);
        cmd_done(c);
    }
    raise_irq(c);
}

/* ---- ATAPI ---- */

static void atapi_set_sense(struct ide_drive *d, uint8_t key, uint8_t asc)
{
    d->sense_key = key;
    d->asc = asc;
}

static void atapi_error(struct ide_channel *c, uint8_t key, uint8_t asc)
{
    atapi_set_sense(cur(c), key, asc);
    c->status = ST_DRDY | ST_ERR;
    c->error = (uint8_t)(key << 4);
    c->nsector = 3;  /* I/O = 1, C/D = 1: status phase */
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
    raise_irq(c);
}

static void atapi_ok(struct ide_channel *c)
{
    atapi_set_sense(cur(c), 0, 0);
    c->status = ST_DRDY | ST_DSC;
    c->nsector = 3;
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
    raise_irq(c);
}

/* Starts a data-in phase of the first len bytes of buf (already filled),
 * cut to the host's allocation length. */
static void atapi_send(struct ide_channel *c, uint32_t len, uint32_t alloc)
{
    if (len > alloc)
        len = alloc;
    if (!len) {
        atapi_ok(c);
        return;
    }
    atapi_set_sense(cur(c), 0, 0);
    c->pos = 0;
    c->len = len;
    if (c->atapi_dma) {
        dma_start(c, DMA_ATAPI_REPLY);
        return;
    }
    c->xfer = XFER_PIO_IN;
    c->lcyl = (uint8_t)len;
    c->hcyl = (uint8_t)(len >> 8);
    c->nsector = 2;  /* I/O = 1, C/D = 0: data to the host */
    c->status = ST_DRDY | ST_DSC | ST_DRQ;
    raise_irq(c);
}

/* Loads the next chunk of a READ(10/12) and signals DRQ. */
static void atapi_read_chunk(struct ide_channel *c)
{
    struct ide_drive *d = cur(c);
    uint32_t per = c->atapi_limit / CD_SECTOR;
    if (!per)
        per = 1;  /* a limit below one block: send whole blocks anyway */
    if (per > BUF_SIZE / CD_SECTOR)
        per = BUF_SIZE / CD_SECTOR;
    uint32_t n = c->remaining < per ? c->remaining : per;
    if (d->blk->ops->read(d->blk->ctx, c->lba * CD_SECTOR, c->buf, (size_t)n * CD_SECTOR) < 0) {
        atapi_error(c, SK_MEDIUM_ERROR, ASC_READ_ERROR);
        return;
    }
    c->lba += n;
    c->remaining -= n;
    c->pos = 0;
    c->len = n * CD_SECTOR;
    c->xfer = XFER_ATAPI_READ;
    c->lcyl = (uint8_t)c->len;
    c->hcyl = (uint8_t)(c->len >> 8);
    c->nsector = 2;
    c->status = ST_DRDY | ST_DSC | ST_DRQ;
    raise_irq(c);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Fills an MSF address (minutes, seconds, frames; LBA 0 is 00:02:00). */
static void put_msf(uint8_t *p, uint32_t lba)
{
    lba += 150;
    p[0] = 0;
    p[1] = (uint8_t)(lba / (60 * 75));
    p[2] = (uint8_t)(lba / 75 % 60);
    p[3] = (uint8_t)(lba % 75);
}

static void atapi_read_toc(struct ide_channel *c, const uint8_t *p, uint32_t alloc)
{
    struct ide_drive *d = cur(c);
    bool msf = p[1] & 2;
    unsigned format = p[9] >> 6 ? p[9] >> 6 : p[2] & 0x0f;
    uint8_t *b = c->buf;
    memset(b, 0, 32);
    if (format == 0) {
        /* One data track, then the lead-out (MMC-2 table 236). */
        unsigned start = p[6];
        if (start > 1 && start != 0xaa) {
            atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            return;
        }
        uint8_t *q = b + 4;
        if (start <= 1) {
            q[1] = 0x14;  /* ADR 1, data track */
            q[2] = 1;
            if (msf)
                put_msf(q + 4, 0);
            else
                put_be32(q + 4, 0);
            q += 8;
        }
        q[1] = 0x14;
        q[2] = 0xaa;
        if (msf)
            put_msf(q + 4, (uint32_t)d->sectors);
        else
            put_be32(q + 4, (uint32_t)d->sectors);
        q += 8;
        uint32_t len = (uint32_t)(q - b);
        b[0] = (uint8_t)((len - 2) >> 8);
        b[1] = (uint8_t)(len - 2);
        b[2] = 1;
        b[3] = 1;
        atapi_send(c, len, alloc);
    } else if (format == 1) {
        /* Session information: one session starting at track 1, LBA 0. */
        b[1] = 10;
        b[2] = 1;
        b[3] = 1;
        b[5] = 0x14;
        b[6] = 1;
        if (msf)
            put_msf(b + 8, 0);
        atapi_send(c, 12, alloc);
    } else {
        atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
    }
}

/* Starts a read of n blocks from lba (READ(10), READ(12), READ CD) after
 * the range check; send false (READ CD asking for no sector part) or no
 * blocks end the command at once, as the range check passed. */
static void atapi_start_read(struct ide_channel *c, uint64_t lba, uint32_t n, bool send)
{
    struct ide_drive *d = cur(c);
    if (lba > d->sectors || n > d->sectors - lba) {
        atapi_error(c, SK_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
        return;
    }
    if (!n || !send) {
        atapi_ok(c);
        return;
    }
    c->lba = lba;
    c->remaining = n;
    if (c->atapi_dma)
        dma_start(c, DMA_ATAPI_READ);
    else
        atapi_read_chunk(c);
}

static void atapi_command(struct ide_channel *c)
{
    struct ide_drive *d = cur(c);
    uint8_t p[12];
    memcpy(p, c->buf, 12);
    bool media = d->blk != NULL;
    uint8_t *b = c->buf;
    switch (p[0]) {
    case 0x00:  /* TEST UNIT READY */
        if (!media)
            atapi_error(c, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        else
            atapi_ok(c);
        break;
    case 0x03: {  /* REQUEST SENSE: fixed format (SPC-2 7.20.2) */
        memset(b, 0, 18);
        b[0] = 0x70;
        b[2] = d->sense_key;
        b[7] = 10;
        b[12] = d->asc;
        uint8_t alloc = p[4];
        d->sense_key = d->asc = 0;
        atapi_send(c, 18, alloc);
        break;
    }
    case 0x12:  /* INQUIRY (SPC-2 7.3.2) */
        if (p[1] & 1) {
            atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);  /* no VPD pages */
            break;
        }
        memset(b, 0, 36);
        b[0] = 0x05;   /* CD/DVD device */
        b[1] = 0x80;   /* removable */
        b[2] = 0x00;
        b[3] = 0x21;   /* ATAPI, response format 1 */
        b[4] = 31;
        memcpy(b + 8, "BAREMU  ", 8);
        memcpy(b + 16, "BAREMU DVD-ROM  ", 16);
        memcpy(b + 32, "1.0 ", 4);
        atapi_send(c, 36, p[4]);
        break;
    case 0x1b:  /* START STOP UNIT: the tray is not modelled */
    case 0x1e:  /* PREVENT ALLOW MEDIUM REMOVAL */
        atapi_ok(c);
        break;
    case 0x25:  /* READ CAPACITY: last block and block size */
        if (!media) {
            atapi_error(c, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
            break;
        }
        put_be32(b, (uint32_t)(d->sectors - 1));
        put_be32(b + 4, CD_SECTOR);
        atapi_send(c, 8, 8);
        break;
    case 0x28:    /* READ(10) */
    case 0xa8: {  /* READ(12) */
        if (!media) {
            atapi_error(c, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
            break;
        }
        atapi_start_read(c, be32(p + 2), p[0] == 0x28 ? be16(p + 7) : be32(p + 6), true);
        break;
    }
    case 0xbe: {  /* READ CD (MMC-2 6.1.16): user data of data sectors only */
        if (!media) {
            atapi_error(c, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
            break;
        }
        /* Byte 9 says which parts of each sector to send: none (0) or the
         * 2048 user bytes (0x10); headers, sync, EDC and C2 are not kept. */
        if ((p[9] & 0xf8) != 0x10 && (p[9] & 0xf8) != 0) {
            atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            break;
        }
        atapi_start_read(c, be32(p + 2), (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8], p[9] & 0xf8);
        break;
    }
    case 0x43:  /* READ TOC/PMA/ATIP */
        if (!media)
            atapi_error(c, SK_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
        else
            atapi_read_toc(c, p, be16(p + 7));
        break;
    case 0x4a:  /* GET EVENT STATUS NOTIFICATION: media class, no event */
        if (!(p[1] & 1)) {
            atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);  /* only polled mode */
            break;
        }
        memset(b, 0, 8);
        b[1] = 6;
        b[2] = 4;      /* media class */
        b[3] = 0x10;   /* supported: media */
        b[5] = media ? 2 : 0;
        atapi_send(c, 8, be16(p + 7));
        break;
    case 0x5a: {  /* MODE SENSE(10): the capabilities page (MMC-2 5.5.10) */
        unsigned page = p[2] & 0x3f;
        if (page != 0x2a && page != 0x3f) {
            atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
            break;
        }
        memset(b, 0, 8 + 20);
        b[1] = 8 + 20 - 2;
        b[2] = 0x70;   /* medium type: CD-ROM no disc/door closed, as drives report */
        uint8_t *pg = b + 8;
        pg[0] = 0x2a;
        pg[1] = 18;
        pg[2] = 0x03;  /* reads CD-R, CD-RW */
        pg[4] = 0x71;  /* audio play, multisession, mode 2 form 1/2 */
        pg[5] = 0x00;
        pg[6] = 0x2b;  /* tray, eject, lock */
        pg[8] = 0x02;  /* max speed 706 kB/s (4x) */
        pg[9] = 0xc2;
        atapi_send(c, 28, be16(p + 7));
        break;
    }
    case 0x46:  /* GET CONFIGURATION: only the header, current profile CD-ROM */
        memset(b, 0, 8);
        b[3] = 4;
        b[7] = media ? 0x08 : 0x00;
        atapi_send(c, 8, be16(p + 7));
        break;
    default:
        LOGD("ide", "ATAPI command %#x not supported", p[0]);
        atapi_error(c, SK_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        break;
    }
}

static void atapi_data_done(struct ide_channel *c)
{
    if (c->xfer == XFER_PACKET) {
        atapi_command(c);
    } else if (c->xfer == XFER_ATAPI_READ && c->remaining) {
        atapi_read_chunk(c);
    } else {
        atapi_ok(c);
    }
}

/* ---- bus master DMA ---- */

static bool bus_master_enabled(const struct ide *d)
{
    return d->dev.config[PCI_COMMAND] & PCI_CMD_MASTER;
}

/* The table is shorter than the transfer. QEMU moves nothing, clears
 * Active and raises no interrupt: the driver sees the missing interrupt
 * (its timeout) with Active clear, as the datasheet's "PRD smaller than the
 * drive transfer" case. */
static void dma_short(struct ide_channel *c)
{
    c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
    c->dma = DMA_NONE;
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
    c->status = ST_DRDY | ST_DSC;
}

/* A table entry or region outside RAM (the master abort of real hardware),
 * or bus mastering disabled: BMIS error, Active clear, the command aborts
 * with an interrupt so the driver learns it at once. */
static void dma_fault(struct ide_channel *c, bool atapi)
{
    c->bm.status = (uint8_t)((c->bm.status & ~BM_ST_ACTIVE) | BM_ST_ERROR);
    c->dma = DMA_NONE;
    if (atapi)
        atapi_error(c, SK_ABORTED_COMMAND, 0);
    else
        cmd_abort(c, ER_ABRT);
}

/* Runs the pending command's whole transfer through the bounce buffer, in
 * chunks of at most BUF_SIZE: at most the 32 MiB one table can describe. */
static void dma_run(struct ide_channel *c)
{
    struct ide *ide = c->owner;
    struct ide_drive *d = &c->drive[c->dma_unit];
    enum dma_op op = c->dma;
    bool atapi = op == DMA_ATAPI_READ || op == DMA_ATAPI_REPLY;
    uint64_t need = op == DMA_ATAPI_REPLY ? c->len
                    : (uint64_t)c->remaining * (atapi ? CD_SECTOR : SECTOR);
    uint32_t tail = 0;
    /* Each command walks the table from its first entry. */
    bmdma_rewind(&c->bm);
    enum bmdma_result r = bus_master_enabled(ide) ? bmdma_measure(&c->bm, ide->mem, need, &tail)
                                                  : BMDMA_FAULT;
    if (r == BMDMA_SHORT) {
        dma_short(c);
        return;
    }
    if (r != BMDMA_OK) {
        dma_fault(c, atapi);
        return;
    }
    if (op == DMA_ATAPI_REPLY) {
        if (bmdma_move(&c->bm, ide->mem, c->buf, c->len, true) != BMDMA_OK) {
            dma_fault(c, true);
            return;
        }
    }
    unsigned unit = atapi ? CD_SECTOR : SECTOR;
    while (op != DMA_ATAPI_REPLY && c->remaining) {
        uint32_t n = BUF_SIZE / unit < c->remaining ? BUF_SIZE / unit : c->remaining;
        size_t bytes = (size_t)n * unit;
        if (op == DMA_ATA_WRITE) {
            if (bmdma_move(&c->bm, ide->mem, c->buf, (uint32_t)bytes, false) != BMDMA_OK) {
                dma_fault(c, false);
                return;
            }
            /* A read-only image refuses the write: the command aborts. */
            if (d->blk->ops->write(d->blk->ctx, c->lba * SECTOR, c->buf, bytes) < 0) {
                c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
                c->dma = DMA_NONE;
                set_task_lba(c, c->lba);
                cmd_abort(c, ER_ABRT);
                return;
            }
        } else {
            if (d->blk->ops->read(d->blk->ctx, c->lba * unit, c->buf, bytes) < 0) {
                c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
                c->dma = DMA_NONE;
                if (atapi) {
                    atapi_error(c, SK_MEDIUM_ERROR, ASC_READ_ERROR);
                } else {
                    set_task_lba(c, c->lba);
                    cmd_abort(c, ER_UNC);
                }
                return;
            }
            if (bmdma_move(&c->bm, ide->mem, c->buf, (uint32_t)bytes, true) != BMDMA_OK) {
                dma_fault(c, atapi);
                return;
            }
        }
        c->lba += n;
        c->remaining -= n;
    }
    c->dma = DMA_NONE;
    if (atapi) {
        /* QEMU ends an ATAPI transfer inactive whatever the table's length. */
        c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
        atapi_ok(c);
        return;
    }
    /* A table longer than the transfer leaves Active set (datasheet, and
     * QEMU when the last entry used has bytes left). */
    if (!tail)
        c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
    set_task_lba(c, c->lba - 1);
    cmd_done(c);
    raise_irq(c);
}

/* The command is ready for its data: it runs now if the guest already set
 * Start, else when it does. */
static void dma_start(struct ide_channel *c, enum dma_op op)
{
    c->dma = op;
    c->dma_unit = c->cur;
    c->xfer = XFER_DMA;
    c->pos = 0;
    c->status = ST_DRDY | ST_DSC | ST_DRQ;
    if (op == DMA_ATAPI_READ || op == DMA_ATAPI_REPLY)
        c->nsector = 2;  /* I/O = 1, C/D = 0: data to the host */
    if (c->bm.status & BM_ST_ACTIVE)
        dma_run(c);
}

static uint32_t bm_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide *d = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (uint16_t)(port + i - d->dev.bars[4].mapped);
        uint8_t b = off < 16 ? bmdma_read(&d->ch[off >> 3].bm, off & 7) : 0xff;
        v |= (uint32_t)b << (8 * i);
    }
    return v;
}

static void bm_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct ide *d = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned off = (uint16_t)(port + i - d->dev.bars[4].mapped);
        if (off >= 16)
            continue;
        struct ide_channel *c = &d->ch[off >> 3];
        if (bmdma_write(&c->bm, off & 7, (uint8_t)(value >> (8 * i))) > 0 && c->dma != DMA_NONE)
            dma_run(c);
    }
}

static const struct io_ops bm_ops = {bm_read, bm_write};

/* ---- commands ---- */

/* SET FEATURES (ATA-6 8.37): a transfer mode (03h) is checked and shown in
 * IDENTIFY; other features (caches, power) are accepted and change nothing. */
static void set_features(struct ide_channel *c, struct ide_drive *d)
{
    if (c->feature == 0x03) {
        unsigned kind = XM_KIND(c->nsector);
        /* PIO default (0), PIO flow control (1), single word, multiword and Ultra DMA. */
        if (kind != 0 && kind != 1 && kind != XM_SWDMA && kind != XM_MWDMA && kind != XM_UDMA) {
            cmd_abort(c, ER_ABRT);
            return;
        }
        d->xfer_mode = c->nsector;
    }
    cmd_done(c);
    raise_irq(c);
}

static void execute(struct ide_channel *c, uint8_t cmd)
{
    struct ide_drive *d = cur(c);
    /* Commands to an absent device are ignored (no one drives the bus). */
    if (!d->present)
        return;
    /* A new command replaces a DMA command still waiting for Start. */
    if (c->dma != DMA_NONE) {
        c->dma = DMA_NONE;
        c->xfer = XFER_NONE;
    }
    c->error = 0;
    lower_irq(c);
    if (d->cdrom) {
        switch (cmd) {
        case 0xa1:  /* IDENTIFY PACKET DEVICE */
            identify_atapi(c, d);
            c->pos = 0;
            c->len = SECTOR;
            c->xfer = XFER_PIO_IN;
            c->status = ST_DRDY | ST_DSC | ST_DRQ;
            raise_irq(c);
            return;
        case 0xa0:  /* PACKET */
            /* Feature bit 0: the data phase, if any, is bus master DMA. */
            c->atapi_dma = c->feature & 1;
            if (c->atapi_dma && !has_bus_master(c)) {
                cmd_abort(c, ER_ABRT);  /* no bus master on an ISA controller */
                return;
            }
            c->atapi_limit = (uint32_t)(c->lcyl | c->hcyl << 8);
            if (!c->atapi_limit || c->atapi_limit == 0xffff)
                c->atapi_limit = 0xfffe;
            c->atapi_limit &= ~1u;
            c->pos = 0;
            c->len = 12;
            c->xfer = XFER_PACKET;
            c->nsector = 1;  /* C/D = 1, I/O = 0: the host sends the packet */
            c->status = ST_DRDY | ST_DRQ;
            return;
        case 0x08:  /* DEVICE RESET */
            set_signature(c, d);
            c->status = 0;
            c->error = 1;
            c->xfer = XFER_NONE;
            return;
        case 0x90:
            break;
        case 0xef:  /* SET FEATURES */
            set_features(c, d);
            return;
        case 0xe0: case 0xe1: case 0xe5: case 0xe7:  /* standby/idle/check power/flush */
            cmd_done(c);
            raise_irq(c);
            return;
        default:
            /* An ATA command to an ATAPI device aborts with its signature,
             * which is how drivers tell the two apart. */
            set_signature(c, d);
            cmd_abort(c, ER_ABRT);
            return;
        }
    }
    switch (cmd) {
    case 0xec:  /* IDENTIFY DEVICE */
        identify_ata(c, d);
        c->pos = 0;
        c->len = SECTOR;
        c->xfer = XFER_PIO_IN;
        c->status = ST_DRDY | ST_DSC | ST_DRQ;
        raise_irq(c);
        break;
    case 0x20: case 0x21: ata_rw(c, false, false, false, false); break; /* READ SECTORS */
    case 0x24: ata_rw(c, false, true, false, false); break;             /* READ SECTORS EXT */
    case 0xc4: ata_rw(c, false, false, true, false); break;             /* READ MULTIPLE */
    case 0x29: ata_rw(c, false, true, true, false); break;              /* READ MULTIPLE EXT */
    case 0x30: case 0x31: ata_rw(c, true, false, false, false); break;  /* WRITE SECTORS */
    case 0x34: ata_rw(c, true, true, false, false); break;              /* WRITE SECTORS EXT */
    case 0xc5: ata_rw(c, true, false, true, false); break;              /* WRITE MULTIPLE */
    case 0xc8: case 0xc9: ata_rw(c, false, false, false, true); break;  /* READ DMA */
    case 0x25: ata_rw(c, false, true, false, true); break;              /* READ DMA EXT */
    case 0xca: case 0xcb: ata_rw(c, true, false, false, true); break;   /* WRITE DMA */
    case 0x35: ata_rw(c, true, true, false, true); break;               /* WRITE DMA EXT */
    case 0x39: ata_rw(c, true, true, true, false); break;               /* WRITE MULTIPLE EXT */
    case 0x40: case 0x41: case 0x42: {                                  /* READ VERIFY (EXT) */
        bool l48 = cmd == 0x42;
        uint32_t count = l48 ? (uint32_t)(c->nsector | c->hob_nsector << 8) : c->nsector;
        uint64_t lba = task_lba(c, d, l48);
        if (!count)
            count = l48 ? 65536 : 256;
        if (lba == UINT64_MAX || lba >= d->sectors || count > d->sectors - lba) {
            cmd_abort(c, ER_IDNF);
            break;
        }
        cmd_done(c);
        raise_irq(c);
        break;
    }
    case 0xc6:  /* SET MULTIPLE MODE */
        if (c->nsector > MAX_MULT || (c->nsector & (c->nsector - 1))) {
            cmd_abort(c, ER_ABRT);
        } else {
            d->mult = c->nsector;
            cmd_done(c);
            raise_irq(c);
        }
        break;
    case 0x91:  /* INITIALIZE DEVICE PARAMETERS: only our own geometry */
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15: case 0x16: case 0x17:
    case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d: case 0x1e: case 0x1f:  /* RECALIBRATE */
    case 0x70:  /* SEEK */
    case 0xef:  /* SET FEATURES */
        set_features(c, d);
        break;
    case 0xe0: case 0xe1: case 0xe2: case 0xe3: case 0xe5: case 0xe6:  /* power management */
    case 0x94: case 0x95: case 0x96: case 0x97: case 0x98: case 0x99:
        cmd_done(c);
        raise_irq(c);
        break;
    case 0xe7:  /* FLUSH CACHE */
    case 0xea:  /* FLUSH CACHE EXT */
        if (d->blk->ops->flush && d->blk->ops->flush(d->blk->ctx) < 0) {
            cmd_abort(c, ER_ABRT);
            break;
        }
        cmd_done(c);
        raise_irq(c);
        break;
    case 0x90:  /* EXECUTE DEVICE DIAGNOSTIC: signatures of both devices */
        set_signature(c, d);
        c->error = 0x01;
        c->status = d->cdrom ? 0 : (ST_DRDY | ST_DSC);
        c->xfer = XFER_NONE;
        raise_irq(c);
        break;
    case 0xf8:  /* READ NATIVE MAX ADDRESS */
        set_task_lba(c, d->sectors - 1);
        cmd_done(c);
        raise_irq(c);
        break;
    default:
        LOGD("ide", "ATA command %#x not supported", cmd);
        cmd_abort(c, ER_ABRT);
        break;
    }
}

/* ---- register access ---- */

static void soft_reset(struct ide_channel *c)
{
    for (int i = 0; i < 2; i++) {
        c->drive[i].mult = 0;
        c->drive[i].sense_key = SK_UNIT_ATTENTION;
        c->drive[i].asc = 0x29;  /* power on, reset or bus device reset occurred */
    }
    c->cur = 0;
    c->select = 0xa0;
    set_signature(c, &c->drive[0]);
    c->error = 0x01;
    c->status = c->drive[0].present && !c->drive[0].cdrom ? (ST_DRDY | ST_DSC) : 0;
    c->xfer = XFER_NONE;
    c->pos = c->len = 0;
    c->feature = 0;
    /* The reset ends a DMA command; the bus master's registers stay. */
    c->dma = DMA_NONE;
    c->bm.status &= (uint8_t)~BM_ST_ACTIVE;
    lower_irq(c);
}

static bool channel_empty(const struct ide_channel *c)
{
    return !c->drive[0].present && !c->drive[1].present;
}

static uint32_t data_read(struct ide_channel *c, unsigned size)
{
    if (!(c->status & ST_DRQ) || c->xfer == XFER_ATA_WRITE || c->xfer == XFER_PACKET ||
        c->xfer == XFER_DMA)
        return 0;
    unsigned n = size == 4 ? 4 : 2;
    uint32_t v = 0;
    for (unsigned i = 0; i < n && c->pos < c->len; i++)
        v |= (uint32_t)c->buf[c->pos++] << (8 * i);
    if (c->pos >= c->len) {
        if (c->xfer == XFER_ATA_READ)
            ata_block_done(c);
        else if (cur(c)->cdrom)
            atapi_data_done(c);
        else
            cmd_done(c);
    }
    return v;
}

static void data_write(struct ide_channel *c, uint32_t v, unsigned size)
{
    if (!(c->status & ST_DRQ) || (c->xfer != XFER_ATA_WRITE && c->xfer != XFER_PACKET))
        return;
    unsigned n = size == 4 ? 4 : 2;
    for (unsigned i = 0; i < n && c->pos < c->len; i++)
        c->buf[c->pos++] = (uint8_t)(v >> (8 * i));
    if (c->pos >= c->len) {
        if (c->xfer == XFER_ATA_WRITE)
            ata_block_done(c);
        else
            atapi_data_done(c);
    }
}

static struct ide_channel *chan_of(struct ide *d, uint16_t port)
{
    return (port >= 0x1f0 && port <= 0x1f7) || port == 0x3f6 || port == 0x3f7 ? &d->ch[0] : &d->ch[1];
}

static uint32_t ide_read(void *opaque, uint16_t port, unsigned size)
{
    struct ide_channel *c = chan_of(opaque, port);
    bool empty = channel_empty(c);
    if (port == c->ctl_port) {
        /* Alternate status: no interrupt acknowledge. */
        if (empty)
            return 0xff;
        return cur(c)->present ? c->status : 0;
    }
    if (port == c->ctl_port + 1)
        return 0xff;  /* the drive address register is obsolete */
    unsigned reg = port - c->base;
    if (reg == 0)
        return empty ? 0xffffffffu : data_read(c, size);
    /* A channel with no device reads as a floating bus. */
    if (empty)
        return 0xff;
    bool hob = c->control & CTL_HOB;
    switch (reg) {
    case 1: return hob ? c->hob_feature : c->error;
    case 2: return hob ? c->hob_nsector : c->nsector;
    case 3: return hob ? c->hob_sector : c->sector;
    case 4: return hob ? c->hob_lcyl : c->lcyl;
    case 5: return hob ? c->hob_hcyl : c->hcyl;
    case 6: return c->select;
    default:
        /* Status: reading it acknowledges the interrupt. An absent slave
         * next to a master reads 0. */
        lower_irq(c);
        return cur(c)->present ? c->status : 0;
    }
}

static void ide_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    struct ide_channel *c = chan_of(opaque, port);
    uint8_t v = (uint8_t)value;
    if (port == c->ctl_port) {
        bool was_reset = c->control & CTL_SRST;
        c->control = v;
        if ((v & CTL_SRST) && !was_reset) {
            c->status = ST_BSY;
        } else if (!(v & CTL_SRST) && was_reset) {
            soft_reset(c);
        }
        /* nIEN masks the line without forgetting a pending interrupt. */
        if (c->irq_pending && !(v & CTL_NIEN))
            irq_set(&c->irq, 1);
        else if (v & CTL_NIEN)
            irq_set(&c->irq, 0);
        return;
    }
    if (port == c->ctl_port + 1)
        return;
    unsigned reg = port - c->base;
    if (reg == 0) {
        data_write(c, value, size);
        return;
    }
    /* Writing a command block register clears HOB (ATA-6 7.9). */
    c->control &= (uint8_t)~CTL_HOB;
    switch (reg) {
    case 1: c->hob_feature = c->feature; c->feature = v; break;
    case 2: c->hob_nsector = c->nsector; c->nsector = v; break;
    case 3: c->hob_sector = c->sector; c->sector = v; break;
    case 4: c->hob_lcyl = c->lcyl; c->lcyl = v; break;
    case 5: c->hob_hcyl = c->hcyl; c->hcyl = v; break;
    case 6:
        c->select = v | 0xa0;
        c->cur = (v >> 4) & 1;
        break;
    default:
        execute(c, v);
        break;
    }
}

static const struct io_ops ide_ops = {ide_read, ide_write};

/* ---- setup ---- */

void ide_reset(struct ide *d)
{
    for (int i = 0; i < 2; i++) {
        d->ch[i].control = 0;
        soft_reset(&d->ch[i]);
        bmdma_reset(&d->ch[i].bm);
    }
    if (d->has_pci) {
        /* IDETIM: both channels' legacy decode enabled (82371SB 2.3.2). */
        d->dev.config[0x40] = 0x00;
        d->dev.config[0x41] = 0x80;
        d->dev.config[0x42] = 0x00;
        d->dev.config[0x43] = 0x80;
    }
}

struct ide *ide_create(struct pci_bus *bus, struct io_bus *io, struct guest_memory *mem,
                       struct irq_line irq14, struct irq_line irq15)
{
    struct ide *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->mem = mem;
    static const uint16_t base[2] = {0x1f0, 0x170}, ctl[2] = {0x3f6, 0x376};
    for (int i = 0; i < 2; i++) {
        d->ch[i].owner = d;
        d->ch[i].base = base[i];
        d->ch[i].ctl_port = ctl[i];
        io_register(io, base[i], 8, &ide_ops, d, i ? "ide1" : "ide0");
        io_register(io, ctl[i], 2, &ide_ops, d, i ? "ide1-ctl" : "ide0-ctl");
    }
    d->ch[0].irq = irq14;
    d->ch[1].irq = irq15;
    if (bus) {
        /* Mass storage, IDE, legacy mode on both channels, bus master
         * capable (prog-if 0x80) with its registers at BAR4 (BMIBA, 16
         * I/O ports), as the PIIX3 reports. */
        pci_device_init(&d->dev, "piix3-ide", 0x8086, 0x7010, 0x010180, 0x00);
        for (int i = 0x40; i < 0x48; i++)
            d->dev.wmask[i] = 0xff;
        if (mem)
            pci_set_bar(&d->dev, 4, PCI_BAR_IO, 16, &bm_ops, NULL, d);
        if (pci_register(bus, &d->dev, PCI_DEVFN(1, 1)) < 0) {
            free(d);
            return NULL;
        }
        d->has_pci = true;
    }
    ide_reset(d);
    return d;
}

void ide_destroy(struct ide *d)
{
    free(d);
}

int ide_attach(struct ide *d, int unit, struct blockdev *blk, bool cdrom)
{
    if (unit < 0 || unit > 3)
        return -1;
    struct ide_channel *c = &d->ch[unit >> 1];
    struct ide_drive *dr = &c->drive[unit & 1];
    if (dr->present)
        return -1;
    dr->present = true;
    dr->cdrom = cdrom;
    dr->blk = blk;
    dr->xfer_mode = XM_UDMA << 3 | 5;  /* what QEMU's drives show before SET FEATURES */
    if (cdrom) {
        dr->sectors = blk ? blk->size / CD_SECTOR : 0;
    } else {
        dr->sectors = blk->size / SECTOR;
        /* The usual translation for a CHS view: 16 heads, 63 sectors. */
        dr->heads = 16;
        dr->spt = 63;
        uint64_t cyls = dr->sectors / (16 * 63);
        dr->cyls = (uint16_t)(cyls > 16383 ? 16383 : cyls ? cyls : 1);
    }
    static const char *const serials[4] = {"QM00001", "QM00002", "QM00003", "QM00004"};
    strcpy(dr->serial, serials[unit]);
    soft_reset(c);
    return 0;
}
