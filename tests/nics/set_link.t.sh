# timeout: 180
# set_link from the monitor is seen by the guest through the registers a
# driver reads: a boot sector (tests/nics/linkguest.S, assembled here) booted
# by SeaBIOS finds the NIC on PCI, polls the link bit through the I/O BAR
# SeaBIOS assigned and prints <U>, <D>, <I> (link-change cause latched) and
# <U> on the debug console while this script turns the link off and on with
# "set_link ID off|on" on baremu's monitor. For e1000 and rtl8139.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd as ld
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
[ -r /usr/share/seabios/bios-256k.bin ] || skip "SeaBIOS is not installed"
as --32 -o "$T/lg.o" "$BAREMU_TOP/tests/nics/linkguest.S" || fail "cannot assemble the boot sector"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$T/lg.bin" "$T/lg.o" || fail "cannot link the boot sector"
dd if=/dev/zero of="$T/disk.img" bs=512 count=2048 status=none
dd if="$T/lg.bin" of="$T/disk.img" conv=notrunc status=none
python3 - "$b" "$T" <<'PY' || fail "set_link was not seen by the guest (see above)"
import os, subprocess, sys, time
b, t = sys.argv[1:]
def run(model):
    log = os.path.join(t, "dc-%s.log" % model)
    p = subprocess.Popen([b, "-m", "32", "-display", "none", "-serial", "null",
                          "-hda", os.path.join(t, "disk.img"), "-snapshot",
                          "-debugcon", "file:" + log, "-monitor", "stdio",
                          "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                          "-netdev", "user,id=n0", "-device", "%s,netdev=n0,id=nic0" % model],
                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    def wait(marks, timeout=60):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                s = open(log, errors="replace").read()
            except FileNotFoundError:
                s = ""
            if "".join(l for l in s.splitlines() if l.startswith("<")).startswith(marks):
                return s
            if p.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("%s: expected marks %s, debug console tail: %r" % (model, marks, s[-400:]))
    try:
        wait("<U>")
        p.stdin.write("set_link nic0 off\n"); p.stdin.flush()
        wait("<U><D><I>")
        p.stdin.write("set_link nic0 on\n"); p.stdin.flush()
        wait("<U><D><I><U>")
        rc = p.wait(30)
        assert rc == (0x21 << 1) | 1, "%s: exit status %s" % (model, rc)
        print("%s: guest saw link up, down (cause latched), up" % model)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
for m in ("e1000", "rtl8139"):
    run(m)
PY
echo "set_link ok"
