"""Checks, in a booted test guest (tests/lib/vm.py), that Debian's ata_piix
drives the IDE disk (disk.img, FAT16 partition 1) and the ATAPI CD (cd.iso,
ISO 9660) with DMA, and reads a file back intact from each: the guest's
vmlinuz, whose SHA-256 the host computes from its own copy. What QEMU 7.2's
pc machine gives this guest is the reference: dmesg "ata1: PATA max MWDMA2
cmd 0x1f0 ctl 0x3f6 bmdma 0xc040 irq 14" (a bus master base, not 0) and
/sys/class/ata_device/dev{1,2}.0/xfer_mode "XFER_MW_DMA_2" (Linux 6.1 no
longer prints "configured for MWDMA2" at the default log level). It also
writes 1 MiB of random data to a file on the disk (the caller runs the
emulator with -snapshot), remounts with caches dropped and reads it back.
Optionally (pio=True) it
then reloads libata with DMA off and times the same raw read, so the caller
can print DMA and PIO read speeds of one run.
Used by tests/guest/boot_check.py when BOOT_CHECK_STORAGE is set."""
import hashlib
import re

# Bottom-up: the initramfs's modules.dep lists only direct dependencies,
# which busybox modprobe does not follow further.
MODULES = ("scsi_common scsi_mod libata ata_piix crct10dif_common crc-t10dif crc64 "
           "crc64-rocksoft t10-pi sd_mod cdrom sr_mod fat vfat isofs nls_cp437 nls_ascii")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def wait_for(vm, path, what, seconds=60):
    st, _ = vm.run("i=0; while [ ! -b %s ] && [ $i -lt %d ]; do sleep 1; i=$((i+1)); done; [ -b %s ]"
                   % (path, seconds, path), seconds + 30)
    assert st == 0, "%s (%s) did not appear within %ds; dmesg:\n%s" % (
        path, what, seconds, vm.run("dmesg | tail -n 30", 30)[1])


def dd_speed(vm, dev, mib):
    """Reads mib MiB of dev uncached; returns "N MiB/s" by the guest's clock
    (/proc/uptime: this busybox dd prints no rate)."""
    st, out = vm.run("echo 3 >/proc/sys/vm/drop_caches; a=$(cut -d' ' -f1 /proc/uptime); "
                     "dd if=%s of=/dev/null bs=64k count=%d 2>/dev/null; b=$(cut -d' ' -f1 /proc/uptime); "
                     "echo $a $b" % (dev, mib * 16), 300)
    assert st == 0, "dd from %s failed: %s" % (dev, out)
    a, b = (float(x) for x in out.split()[-2:])
    return "%.1f MiB/s (%.2f s)" % (mib / max(b - a, 0.01), b - a)


def xfer_mode(vm, dev):
    st, out = vm.run("cat /sys/class/ata_device/%s/xfer_mode" % dev, 30)
    assert st == 0, "no %s in /sys/class/ata_device: %s" % (dev, out)
    return out.strip()


def check(vm, vmlinuz, mode="XFER_MW_DMA_2", pio=False):
    want = sha256_file(vmlinuz)
    st, out = vm.run("for m in %s; do modprobe $m || echo FAILED $m; done" % MODULES, 120)
    assert st == 0 and "FAILED" not in out, "loading the storage modules: %s" % out
    wait_for(vm, "/dev/sda1", "the IDE disk's partition")
    wait_for(vm, "/dev/sr0", "the ATAPI CD")
    st, dmesg = vm.run("dmesg | grep -E 'ata[12]: PATA'", 30)
    lines = dmesg.splitlines()
    for port in ("ata1", "ata2"):
        got = [l for l in lines if port + ":" in l]
        assert got and re.search(r"PATA max MWDMA2 .* bmdma 0x0*[1-9a-f][0-9a-f]* irq", got[-1]), \
            "%s: expected 'PATA max MWDMA2 ... bmdma 0x(non-zero)', dmesg says %r" % (port, got)
    for dev in ("dev1.0", "dev2.0"):
        got = xfer_mode(vm, dev)
        assert got == mode, "%s (%s) runs in %s, expected %s" % (
            dev, "disk" if dev == "dev1.0" else "CD", got, mode)
        lines.append("%s %s" % (dev, got))
    results = {}
    for dev, mnt, fs in (("/dev/sda1", "/mnt/disk", "vfat"), ("/dev/sr0", "/mnt/cd", "iso9660")):
        st, out = vm.run("mkdir -p %s && mount -t %s -o ro %s %s && sha256sum %s/vmlinuz"
                         % (mnt, fs, dev, mnt, mnt), 120)
        assert st == 0, "mounting %s and hashing vmlinuz failed: %s" % (dev, out)
        got = out.split()[0] if out else ""
        assert got == want, "%s/vmlinuz read through DMA differs: %s, host has %s" % (mnt, got, want)
        results[dev] = got
    # A write through WRITE DMA, read back after a remount with caches dropped.
    st, out = vm.run("mount -o remount,rw /mnt/disk && dd if=/dev/urandom of=/mnt/disk/dma.bin bs=64k count=16 "
                     "2>/dev/null && sha256sum /mnt/disk/dma.bin && umount /mnt/disk && "
                     "echo 3 >/proc/sys/vm/drop_caches && mount -t vfat -o ro /dev/sda1 /mnt/disk && "
                     "sha256sum /mnt/disk/dma.bin", 180)
    sums = [l.split()[0] for l in out.splitlines() if l.endswith("dma.bin")]
    assert st == 0 and len(sums) == 2 and sums[0] == sums[1], \
        "writing 1 MiB to the disk and reading it back after a remount failed: %s" % out
    lines.append("1 MiB written and read back")
    # No DMA error or bus reset on the way.
    st, errs = vm.run("dmesg | grep -E 'ata[0-9].*(exception|failed command|BMDMA|timeout|hard resetting)'", 30)
    assert st != 0, "libata reported errors:\n%s" % errs
    speeds = {"dma": dd_speed(vm, "/dev/sda", 24)}
    if pio:
        vm.run("umount /mnt/disk /mnt/cd; rmmod sd_mod sr_mod ata_piix libata", 60, check=True)
        vm.run("modprobe libata dma=0 && modprobe ata_piix && modprobe sd_mod", 60, check=True)
        wait_for(vm, "/dev/sda", "the IDE disk under PIO")
        got = xfer_mode(vm, "dev1.0")
        assert "PIO" in got, "libata dma=0 did not give PIO: %r" % got
        speeds["pio"] = dd_speed(vm, "/dev/sda", 24)
    return lines, speeds
