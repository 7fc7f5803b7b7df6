"""Boots a test guest under a given command line, checks the shell answers
(`uname -r` is a 6.1 kernel; output and exit status come back through
tests/lib/vm.py intact), powers it off and checks the process exits 0.
Usage: boot_check.py [--console MODE] NAME LOG BANNER_REGEX -- COMMAND...
(MODE as for vm.VM: stdio (default), unix:PATH, pty...; prints boot times)
BOOT_SHELL_TIMEOUT (seconds, default 180) bounds the wait for the shell: an
interpreter on a loaded 2-core box needs more than QEMU does."""
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
        rc = vm.poweroff(60)
        assert rc == 0, "the VM exited with status %s after poweroff" % rc
        print("%s: kernel %s, shell after %.1fs, off after %.1fs"
              % (name, kver, t_shell, time.monotonic() - t0))


if __name__ == "__main__":
    main()
