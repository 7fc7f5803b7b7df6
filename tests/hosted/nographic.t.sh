# timeout: 120
# -nographic as in QEMU: the serial port and the monitor share standard
# input/output (mon:stdio). On a terminal (a pty here) baremu puts it in raw
# mode with signals kept, typed bytes reach the guest (a tiny firmware,
# tests/appliance/serial-echo.S, echoes COM1), Ctrl-A c switches to the
# monitor and back, Ctrl-A h prints the keys, Ctrl-A x quits with status 0,
# and the terminal's modes are restored at exit. Also: the same keys from a
# pipe, "quit" typed into the muxed monitor, and -monitor stdio refused
# beside a serial port on stdio.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
need_cmd as
need_cmd objcopy
B="$BAREMU_TOP/build/hosted-asan/baremu"
as --32 -o "$T/fw.o" "$BAREMU_TOP/tests/appliance/serial-echo.S" || fail "cannot assemble serial-echo.S"
objcopy -O binary -j .text "$T/fw.o" "$T/fw.bin" || fail "objcopy failed"
cd "$T" || fail "no temp dir"

python3 - "$B" <<'PY' || fail "the -nographic terminal session did not behave as QEMU's (see above)"
import os, pty, select, sys, termios, time
B = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(B, [B, "-bios", "fw.bin", "-m", "16", "-vga", "none", "-nographic"])
buf = b""
def expect(pat, what, t=30):
    global buf
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                d = b""
            if not d:
                break
            buf += d
        if pat in buf:
            buf = buf[buf.index(pat) + len(pat):]
            return
    print("FAIL: no %s (waiting for %r); last output: %r" % (what, pat, buf[-300:]))
    os.kill(pid, 9)
    sys.exit(1)
expect(b"echo-ready", "firmware banner")
a = termios.tcgetattr(fd)
if a[3] & (termios.ICANON | termios.ECHO) or not a[3] & termios.ISIG or a[0] & termios.ICRNL:
    print("FAIL: terminal not in raw mode with signals kept: lflag %#x iflag %#x" % (a[3], a[0]))
    sys.exit(1)
os.write(fd, b"Hi-1\r")
expect(b"Hi-1", "echo of typed bytes by the guest")
os.write(fd, b"\x01c")
expect(b"(qemu) ", "monitor prompt after Ctrl-A c")
os.write(fd, b"help\r")
expect(b"quit", "the monitor's help")
os.write(fd, b"\x01c")
os.write(fd, b"\x01\x01zz")   # Ctrl-A Ctrl-A: a literal Ctrl-A for the guest
expect(b"\x01zz", "a literal Ctrl-A and text echoed by the guest after switching back")
os.write(fd, b"\x01h")
expect(b"switch between", "the Ctrl-A h help")
os.write(fd, b"\x01x")
expect(b"Terminated", "the Ctrl-A x message")
_, st = os.waitpid(pid, 0)
rc = os.waitstatus_to_exitcode(st)
if rc != 0:
    print("FAIL: exit status %d after Ctrl-A x, expected 0" % rc)
    sys.exit(1)
a = termios.tcgetattr(fd)
if not (a[3] & termios.ICANON and a[3] & termios.ECHO):
    print("FAIL: terminal modes not restored at exit (lflag %#x)" % a[3])
    sys.exit(1)
print("ok: raw terminal, echo, Ctrl-A c/h/x, modes restored")
PY

# From a pipe: no terminal, the same keys; "quit" in the muxed monitor.
out=$({ sleep 2; printf 'piped\r'; sleep 1; printf '\001cquit\n'; sleep 30; } |
      timeout -s KILL 60 "$B" -bios fw.bin -m 16 -vga none -nographic 2>&1); rc=$?
[ $rc = 0 ] || fail "piped input: exit status $rc after 'quit' in the monitor (output: $out)"
grep -q 'piped' <<<"$out" || fail "piped input did not reach the guest (output: $out)"
grep -q '(qemu)' <<<"$out" || fail "no monitor prompt after Ctrl-A c from a pipe (output: $out)"

# Standard input has one reader: -monitor stdio beside -nographic's serial port.
out=$(timeout 20 "$B" -bios fw.bin -m 16 -vga none -nographic -serial stdio -monitor stdio </dev/null 2>&1); rc=$?
[ $rc = 1 ] || fail "-serial stdio -monitor stdio: exit status $rc, expected 1"
grep -q 'cannot use stdio by multiple character devices' <<<"$out" || fail "no clear error for two stdio readers: $out"
echo "nographic ok"
