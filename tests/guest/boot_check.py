"""Boots a test guest under a given command line, checks the shell answers
(`uname -r` is a 6.1 kernel; output and exit status come back through
tests/lib/vm.py intact), powers it off and checks the process exits 0.
Usage: boot_check.py [--console MODE] NAME LOG BANNER_REGEX -- COMMAND...
(MODE as for vm.VM: stdio (default), unix:PATH, pty...; prints boot times)
BOOT_SHELL_TIMEOUT (seconds, default 180) bounds the wait for the shell: an
interpreter on a loaded 2-core box needs more than QEMU does.
BOOT_CHECK_STORAGE=PATH (the host's copy of the guest's vmlinuz): also check
that the IDE disk and CD run with DMA and give that file back intact
(tests/guest/storage_check.py); BOOT_CHECK_PIO=1 adds a PIO read for a
DMA/PIO speed figure."""
import os
import sys
import time

from vm import VM


def main():
    args = sys.argv[1:]
    console = "stdio"
    if args[0] == "--console":
        console, args = args[1], args[2:]
    name, log, banner = args[0:3]
    assert args[3] == "--", __doc__
    argv = args[4:]
    t0 = time.monotonic()
    with VM(argv, log=log, name=name, console=console) as vm:
        if banner:
            vm.expect(banner, 60, what="the boot loader banner")
        vm.wait_shell(timeout=float(os.environ.get("BOOT_SHELL_TIMEOUT", "180")))
        t_shell = time.monotonic() - t0
        st, kver = vm.run("uname -r", 20)
        assert st == 0 and kver.startswith("6.1."), "uname -r gave status %d, %r" % (st, kver)
        st, out = vm.run("echo one; echo two >&2; false", 20)
        assert (st, out) == (1, "one\ntwo"), "run() returned %r" % ((st, out),)
        st, out = vm.run("echo 'it''s' \"$((6 * 7))\" # a comment", 20)
        assert (st, out) == (0, "its 42"), "quoting through run(): %r" % ((st, out),)
        st, _ = vm.run("(exit 7)", 20)
        assert st == 7, "exit status 7 came back as %d" % st
        storage = os.environ.get("BOOT_CHECK_STORAGE")
        if storage:
            import storage_check
            modes, speeds = storage_check.check(vm, storage, pio=os.environ.get("BOOT_CHECK_PIO") == "1")
            print("%s: %s" % (name, "; ".join(m.split("] ", 1)[-1] for m in modes)))
            for k, v in sorted(speeds.items()):
                print("%s: dd 24 MiB from /dev/sda with %s: %s" % (name, k.upper(), v))
        rc = vm.poweroff(60)
        assert rc == 0, "the VM exited with status %s after poweroff" % rc
        print("%s: kernel %s, shell after %.1fs, off after %.1fs"
              % (name, kver, t_shell, time.monotonic() - t0))


if __name__ == "__main__":
    main()
