# timeout: 5400
# iPXE on each emulated PCI NIC, the real client: baremu -boot n loads Debian
# ipxe-qemu's pxe-MODEL.rom into the NIC's ROM BAR, SeaBIOS runs it, iPXE's
# own driver for the card (intel, realtek, ne2k_pci) does DHCP on
# `-netdev user,tftp=build/guest/tftp,bootfile=pxelinux.0` and TFTP-loads
# pxelinux.0; PXELINUX (its banner on the serial console) loads its config,
# the kernel and the initrd through the same NIC, and Linux starts (its
# "Linux version" banner) and reaches the shell, where uname -r answers.
# rtl8139,cplus=off is the plain RTL8139C, which iPXE drives in its legacy
# (ring buffer) mode. NICS="e1000" picks NICs; PXE_SHELL=0 stops at the Linux banner. Long: the
# interpreter needs minutes per boot.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_guest
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
[ -r /usr/share/seabios/bios-256k.bin ] || skip "SeaBIOS is not installed"
for nic in ${NICS:-e1000 rtl8139 rtl8139,cplus=off ne2k_pci}; do
    rom=${nic%%,*}
    [ -r "/usr/lib/ipxe/qemu/pxe-$rom.rom" ] || skip "ipxe-qemu is not installed (no pxe-$rom.rom)"
    python3 - "$b" "$GUEST" "$T" "$nic" "${PXE_SHELL:-1}" <<'PY' ||
import sys, time
from vm import VM
b, g, t, nic, shell = sys.argv[1:]
t0 = time.monotonic()
with VM([b, "-m", "256", "-nographic", "-no-reboot", "-boot", "n",
         "-netdev", "user,id=n0,tftp=%s/tftp,bootfile=pxelinux.0" % g,
         "-device", "%s,netdev=n0" % nic],
        log="%s/console-%s.log" % (t, nic), name="pxe-" + nic) as vm:
    vm.expect(r"PXELINUX", 600, what="PXELINUX's banner (iPXE: DHCP + TFTP of pxelinux.0)")
    t_pxe = time.monotonic() - t0
    vm.expect(r"Linux version 6\.1", 1200, what="the Linux banner (kernel + initrd by TFTP)")
    t_linux = time.monotonic() - t0
    msg = "%s: PXELINUX after %.0fs, Linux banner after %.0fs" % (nic, t_pxe, t_linux)
    if shell == "1":
        vm.wait_shell(timeout=1800)
        st, kver = vm.run("uname -r", 60)
        assert st == 0 and kver.startswith("6.1."), "uname -r gave %d, %r" % (st, kver)
        rc = vm.poweroff(300)
        assert rc == 0, "baremu exited %s after poweroff" % rc
        msg += ", shell (kernel %s) and poweroff after %.0fs" % (kver, time.monotonic() - t0)
print(msg)
PY
    { tail -n 30 "$T/console-$nic.log"; fail "$nic: iPXE network boot failed (see above)"; }
done
echo "pxe ok"
