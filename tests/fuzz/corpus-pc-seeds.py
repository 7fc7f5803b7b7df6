# Writes the hand-made seed inputs tests/fuzz/corpus-pc/seed-* in the input
# encoding of fuzz_pc_devices.c (PORTS must match its ports[] table): ATA
# identify/read/write/multiple, ATAPI packets with PIO data, IDE bus master DMA
# (READ/WRITE DMA, LBA48, ATAPI READ(10) and READ CD), fw_cfg DMA, VBE and
# VGA memory with a display refresh, timers with interrupt acknowledges.
# Usage: python3 tests/fuzz/corpus-pc-seeds.py tests/fuzz/corpus-pc
import struct, sys
PORTS = [0x1f0,0x1f1,0x1f2,0x1f3,0x1f4,0x1f5,0x1f6,0x1f7,0x3f6,0x3f7,
 0x170,0x171,0x172,0x173,0x174,0x175,0x176,0x177,0x376,0x377,
 0x20,0x21,0xa0,0xa1,0x4d0,0x4d1, 0x40,0x41,0x42,0x43,0x61, 0x70,0x71,0x60,0x64,0x92,
 0x3f8,0x3f9,0x3fa,0x3fb,0x3fc,0x3fd,0x3fe,0x3ff, 0x2f8,0x2f9,0x2fa,0x2fb,0x2fc,0x2fd,0x2fe,0x2ff,
 0x3c0,0x3c1,0x3c2,0x3c4,0x3c5,0x3c6,0x3c7,0x3c8,0x3c9,0x3cc,0x3ce,
 0x3cf,0x3b4,0x3b5,0x3ba,0x3d4,0x3d5,0x3da,0x1ce,0x1cf,0x1d0,
 0x510,0x511,0x514,0x518, 0x600,0x602,0x604,0x608,0xb2,0xb3,0xafe0,0xafe2,
 0xae00,0xae08,0xcf8,0xcf9,0xcfc,0xcfd,0xcfe,0xcff, 0x402,0xe9,0x501,0x502,0x80]
def out(port, val, size=1):
    szb = {1:0,2:1,4:2}[size]
    return bytes([0, PORTS.index(port), szb]) + val.to_bytes(size,'little')
def inp(port, size=1):
    return bytes([2, PORTS.index(port), {1:0,2:1,4:2}[size]])
def ide(chan, sel, cmd, feat=0, regs=(1,0,0,0)):
    b = bytes([8, chan, sel, feat, 0]) + bytes(regs)
    return b + bytes([cmd])
def pio(chan, read, words, size4=False):
    f = chan | (2 if size4 else 0) | (4 if read else 0)
    b = bytes([9, f]) + words.to_bytes(2,'little')
    if not read: b += b'\x11\x22\x33\x44'
    return b
def packet(chan, slave, pkt, limit=0xfffe):
    assert len(pkt) == 12
    return bytes([10, chan | (2 if slave else 0), limit & 0xff, limit >> 8]) + bytes(pkt)
def bmdma(chan, f, table, entries, ata=None, atapi=None, sel=0):
    """fuzz_pc_devices.c bm_dma(): f's bits: 1 table anywhere, 2 no end bit,
    4 to memory, 8 Start first, 16 ATAPI, 0x80 Stop after; entries are
    (address, byte count) with counts that are 512 multiples below 16 KiB;
    ata = (command index 0-3: c8 ca 25 35, count, lba low, lba mid)."""
    assert not f & 1
    b = bytes([9, 0xc0 | chan, f]) + table.to_bytes(3, 'little') + bytes([len(entries) - 1])
    for addr, cnt in entries:
        assert cnt % 512 == 0 and cnt < 32 * 512
        b += bytes([(cnt // 512) << 2]) + addr.to_bytes(3, 'little')
    b += bytes([sel])
    if atapi is not None:
        assert len(atapi) == 12 and f & 16
        ops = [0x28, 0xa8, 0xbe, 0x12, 0x03, 0x25, 0x43, 0x5a]
        b += bytes([ops.index(atapi[0])]) + bytes(atapi[1:])
    else:
        c, count, lo, mid = ata
        b += bytes([c | (8 if mid > 7 else 0), count, lo, mid])
    return b
def adv(e, j=0): return bytes([6, e, j])
def dma(desc, control, length, addr):
    return bytes([11]) + desc.to_bytes(3,'little') + control.to_bytes(4,'little') + length.to_bytes(4,'little') + bytes([0]) + addr.to_bytes(3,'little')
def mmio_w(region, off, val, sizeexp):
    return bytes([4, sizeexp, region]) + off.to_bytes(4,'little') + val.to_bytes(8,'little')
seeds = {}
# ATA: identify, read 2 sectors, write 1 sector, read multiple, LBA48 read on both disks
s = b'\x00' + ide(0, 0xe0, 0xec) + pio(0, True, 256)
s += ide(0, 0xe0, 2, regs=(2, 5, 0, 0)) + pio(0, True, 512)
s += ide(0, 0xe0, 0x30 if False else 6, regs=(1, 9, 0, 0)) + pio(0, False, 256)
s += ide(0, 0xf0, 12, regs=(4, 0, 0, 0)) + pio(0, False, 0)  # SET MULTIPLE 4 on slave (cmds[12]=0xc6)
s += ide(0, 0xf0, 4, regs=(8, 0, 0, 0)) + pio(0, True, 2048, True)  # READ MULTIPLE
s += adv(20) + inp(0x1f7)
seeds['ata'] = s
# ATAPI on the secondary master and slave: INQUIRY, READ CAPACITY, READ(10), TOC, REQUEST SENSE
s = b'\x00' + ide(1, 0xa0, 1) + pio(1, True, 256)
s += packet(1, 0, [2, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0]) + pio(1, True, 18)
s += packet(1, 0, [5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) + pio(1, True, 4)
s += packet(1, 0, [0x28, 0, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0], 0x800) + pio(1, True, 1024) + pio(1, True, 1024)
s += packet(1, 1, [0x28, 0, 0, 0, 0, 2, 0, 0, 3, 0, 0, 0]) + pio(1, True, 4096 // 2, True)
s += packet(1, 1, [8, 2, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0]) + pio(1, True, 16)
s += packet(1, 0, [1, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0]) + pio(1, True, 9)
seeds['atapi'] = s
# fw_cfg: the directory by DMA, then the e820 file by the data port
s = b'\x00' + dma(0x1000, 0x0019000a, 0x400, 0x2000)
s += out(0x510, 0x0000, 2) + inp(0x511) + inp(0x511) + inp(0x511)
s += dma(0x1000, 0x0020000a, 40, 0x3000) + dma(0x1000, 0x00000004, 2, 0x3000) + dma(0x1000, 0x10, 4, 0x3000)
seeds['fwcfg'] = s
# VBE 640x480x32 with the LFB, text mode and VGA window writes, a display refresh
s = b'\x00'
for idx, v in ((1, 640), (2, 480), (3, 32), (4, 0x41)):
    s += out(0x1ce, idx, 2) + out(0x1cf, v, 2)
s += mmio_w(1, 0x1000, 0x1122334455667788, 3) + mmio_w(1, 640*4*479, 0xffffffff, 2) + adv(10)
s += out(0x1ce, 4, 2) + out(0x1cf, 0, 2) + mmio_w(0, 0x18000, 0x0741, 1) + out(0x3c0, 0x20) + adv(10)
s += out(0x3ce, 0x05) + out(0x3cf, 0x03) + mmio_w(0, 0x100, 0xa5, 0) + out(0x3c0, 0x1f) + inp(0x3c1)
seeds['vga'] = s
# Timers: PIT mode 2, RTC periodic, PM timer overflow, 8042 and COM1 interrupts, EOIs
s = b'\x00' + out(0x43, 0x34) + out(0x40, 0x9c) + out(0x40, 0x2e)
s += out(0x70, 0x0b) + out(0x71, 0x42) + out(0x70, 0x0a) + out(0x71, 0x26)
s += out(0x602, 1, 2) + out(0x604, 1, 2)
s += out(0x64, 0xae) + out(0x60, 0xf2) + out(0x3f9, 0x0f) + out(0x3fc, 0x18) + out(0x3f8, 0x41)
for e in (16, 22, 24, 30, 0x80 | 22, 0x80 | 33):
    s += adv(e)
s += out(0x70, 0x0c) + inp(0x71) + out(0x604, 0x2000, 2)
seeds['timers'] = s
# Bus master DMA: READ DMA of 8 sectors into three regions (command, then
# Start), WRITE DMA EXT of 4 sectors with Start first, then on the secondary
# channel ATAPI READ(10) of 2 blocks and READ CD of 1 block with the DMA bit.
s = b'\x00'
s += bmdma(0, 0x04, 0x8000, [(0x10000, 1024), (0x20000, 2048), (0x30000, 1024)], ata=(0, 8, 3, 0)) + inp(0x1f7)
s += bmdma(0, 0x08, 0x8000, [(0x10000, 2048)], ata=(3, 4, 40, 0)) + inp(0x1f7)
s += bmdma(1, 0x14, 0x9000, [(0x40000, 4096)], atapi=[0x28, 0, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0])
s += bmdma(1, 0x1c, 0x9000, [(0x50000, 2048)], atapi=[0xbe, 0, 0, 0, 0, 9, 0, 0, 1, 0x10, 0, 0]) + adv(20)
seeds['bmdma'] = s
for k, v in seeds.items():
    open(sys.argv[1] + '/seed-' + k, 'wb').write(v)
    print(k, len(v))
