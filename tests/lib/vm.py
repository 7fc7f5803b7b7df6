"""Drives a virtual machine's serial console for tests (Python 3 standard library only).

A VM is any process (qemu-system-i386 now, baremu later) whose guest serial
console is reachable as the process's stdin/stdout ("stdio", e.g. QEMU
`-nographic` or `-serial stdio`), a Unix socket ("unix:PATH", e.g. QEMU
`-serial unix:PATH,server=on,wait=off`), a TCP port on loopback
("tcp:127.0.0.1:PORT") or a pseudo-terminal ("pty:/dev/pts/N", or "pty" to
take the path the process prints, as QEMU `-serial pty` does: "char device
redirected to /dev/pts/N"; needs log=). The whole console is logged raw to a
file, together with the process's own stdout/stderr messages.

    from vm import VM
    with VM(["qemu-system-i386", "-nographic", ...], log="boot.log") as vm:
        vm.wait_shell(timeout=120)
        status, out = vm.run("uname -r", timeout=10)
        vm.poweroff(timeout=30)          # returns the process exit status

expect() matches against the console text with carriage returns and terminal
escape sequences removed; on timeout it raises VMTimeout whose message shows
the tail of the console. run() brackets the command with unique markers built
so that the terminal's echo of the command line never matches them.
"""

import os
import re
import select
import signal
import socket
import subprocess
import time
import tty

# CSI sequences (ESC [ ... final byte), other two-byte ESC sequences, and
# carriage returns: the shell's line editor and the kernel emit them.
_ESC_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r")
# A trailing, possibly incomplete escape sequence that must wait for more input.
_ESC_TAIL_RE = re.compile(r"\x1b(\[[0-9;?]*[ -/]*)?$")

DEFAULT_PROMPT = r"baremu-guest# "


class VMError(Exception):
    """The console did not do what a test expected (timeout, exit, bad status)."""


class VMTimeout(VMError):
    pass


class VMExited(VMError):
    pass


class VM:
    """One guest: a child process and its serial console."""

    def __init__(self, argv, log=None, console="stdio", name="vm", env=None,
                 connect_timeout=10.0, cwd=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self._log = open(log, "ab", buffering=0) if log else None
        self._text = ""        # cleaned console text not yet consumed by expect()
        self._pending = ""     # incomplete escape sequence held back
        self._tail = ""        # last few KiB of cleaned text, for error messages
        self._marker = 0
        self._sock = None
        self.returncode = None
        stdio = console == "stdio"
        self.proc = subprocess.Popen(
            self.argv, cwd=cwd, env=env,
            stdin=subprocess.PIPE if stdio else subprocess.DEVNULL,
            stdout=subprocess.PIPE if stdio else (self._log or subprocess.DEVNULL),
            # The process's own messages go to the log (appended, unbuffered)
            # but never into the console text that expect() reads.
            stderr=self._log,
            start_new_session=True)
        if stdio:
            self._rfd = self.proc.stdout.fileno()
            self._wfd = self.proc.stdin.fileno()
        else:
            self._sock = self._connect(console, connect_timeout)
            self._rfd = self._wfd = self._sock.fileno()
        os.set_blocking(self._rfd, False)

    # --- connection -----------------------------------------------------------
    def _connect(self, console, timeout):
        kind, _, where = console.partition(":")
        deadline = time.monotonic() + timeout
        while True:
            s = None
            try:
                if kind == "pty":
                    return self._open_pty(where)
                if kind == "unix":
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(where)
                elif kind == "tcp":
                    host, _, port = where.rpartition(":")
                    s = socket.create_connection((host, int(port)), timeout=1)
                else:
                    raise ValueError("console must be stdio, unix:PATH, tcp:HOST:PORT or pty[:PATH], not %r"
                                     % console)
                return s
            except (FileNotFoundError, ConnectionRefusedError, socket.timeout):
                if s:
                    s.close()
                if self.proc.poll() is not None:
                    raise VMExited("%s: exited with status %s before its console %s opened"
                                   % (self.name, self.proc.returncode, console))
                if time.monotonic() > deadline:
                    self.kill()
                    raise VMTimeout("%s: console %s did not open within %.0fs" % (self.name, console, timeout))
                time.sleep(0.1)

    def _open_pty(self, path):
        """Opens a pseudo-terminal's slave side raw (no echo, no newline
        translation on our side); with no path, takes the one the process
        logged. Raises FileNotFoundError while it is not known yet."""
        if not path:
            if not self._log:
                raise ValueError("console 'pty' without a path needs log= (the path is read from it)")
            with open(self._log.name, "rb") as f:
                m = re.search(rb"redirected to (/dev/pts/\d+)", f.read())
            if not m:
                raise FileNotFoundError("no pty path logged yet")
            path = m.group(1).decode()
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
        tty.setraw(fd)
        return _FdConsole(fd)

    # --- input ----------------------------------------------------------------
    def _feed(self, data):
        if self._log:
            self._log.write(data)
        s = self._pending + data.decode("utf-8", errors="replace")
        m = _ESC_TAIL_RE.search(s)
        if m:
            s, self._pending = s[:m.start()], s[m.start():]
        else:
            self._pending = ""
        s = _ESC_RE.sub("", s)
        self._text += s
        self._tail = (self._tail + s)[-8192:]

    def _read(self, timeout):
        """Reads what the console has within timeout; False at end of file."""
        r, _, _ = select.select([self._rfd], [], [], max(0.0, timeout))
        if not r:
            return True
        try:
            data = os.read(self._rfd, 65536)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:
            return False
        self._feed(data)
        return True

    def tail(self, lines=30):
        """The last lines of the console, for error messages."""
        return "\n".join(self._tail.splitlines()[-lines:])

    def _fail(self, cls, what):
        raise cls("%s: %s\n--- last console lines ---\n%s\n--- end ---" % (self.name, what, self.tail()))

    def expect(self, regex, timeout=30.0, what=None):
        """Waits for regex (str or compiled, searched in cleaned text) and returns
        the match; the text up to its end is consumed. Raises VMTimeout, VMExited."""
        rx = re.compile(regex) if isinstance(regex, str) else regex
        deadline = time.monotonic() + timeout
        eof = False
        while True:
            m = rx.search(self._text)
            if m:
                self._text = self._text[m.end():]
                return m
            if eof:
                rc = self.wait_exit(5, check=False)
                self._fail(VMExited, "exited with status %s while waiting for /%s/%s"
                           % (rc, rx.pattern, " (%s)" % what if what else ""))
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(VMTimeout, "timed out after %.0fs waiting for /%s/%s"
                           % (timeout, rx.pattern, " (%s)" % what if what else ""))
            eof = not self._read(min(left, 0.5))

    # --- output ---------------------------------------------------------------
    def send(self, text):
        data = text.encode() if isinstance(text, str) else text
        while data:
            _, w, _ = select.select([], [self._wfd], [], 10)
            if not w:
                self._fail(VMTimeout, "console input blocked for 10s")
            try:
                n = os.write(self._wfd, data)
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                self._fail(VMExited, "console closed while sending %r" % text)
            data = data[n:]

    def sendline(self, line):
        self.send(line + "\n")

    # --- shell ----------------------------------------------------------------
    def wait_shell(self, timeout=120.0, prompt=DEFAULT_PROMPT):
        """Waits for the guest shell's prompt, then checks the shell answers.
        Every 20 s without a prompt it presses Enter, in case the prompt came
        before the console was connected (a pty drops output until then)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                self.expect(prompt, min(left, 20.0), what="the guest shell prompt")
                break
            except VMTimeout:
                if left <= 20.0:
                    raise
                self.sendline("")
        self.run("true", timeout=30)

    def run(self, cmd, timeout=60.0, check=False):
        """Runs one shell command line in the guest; returns (status, output)
        with carriage returns removed. check=True raises VMError on status != 0."""
        self._marker += 1
        tok = "%dx%d" % (os.getpid(), self._marker)
        # One line, so the shell echoes all of it before running any of it; the
        # echo shows '@@B%s@@' and the token apart, only the output joins them.
        # eval keeps a trailing comment or '&' in cmd from eating the end marker.
        quoted = "'" + cmd.replace("'", "'\\''") + "'"
        self.sendline("printf '@@B%%s@@\\n' %s; eval %s; printf '\\n@@E%%s %%s@@\\n' %s $?"
                      % (tok, quoted, tok))
        self.expect(re.escape("@@B%s@@\n" % tok), timeout, what="start of: %s" % cmd)
        m = self.expect(r"(?s)(.*?)\n@@E%s (\d+)@@\n" % re.escape(tok), timeout,
                        what="end of: %s" % cmd)
        out, status = m.group(1), int(m.group(2))
        if out.endswith("\n"):
            out = out[:-1]
        if check and status != 0:
            self._fail(VMError, "%r exited with status %d; output:\n%s" % (cmd, status, out))
        return status, out

    def poweroff(self, timeout=60.0, command="poweroff"):
        """Sends the power-off command and returns the process's exit status."""
        self.sendline(command)
        return self.wait_exit(timeout)

    # --- process --------------------------------------------------------------
    def wait_exit(self, timeout=60.0, check=True):
        """Waits for the process to end, logging the console meanwhile; returns
        its exit status. On timeout raises VMTimeout (check) or returns None."""
        deadline = time.monotonic() + timeout
        eof = False
        while self.proc.poll() is None:
            left = deadline - time.monotonic()
            if left <= 0:
                if check:
                    self._fail(VMTimeout, "still running %.0fs after it should have exited" % timeout)
                return None
            if eof:
                time.sleep(min(left, 0.1))
            else:
                eof = not self._read(min(left, 0.2))
        while not eof and self._read(0):  # drain what is left
            pass
        self.returncode = self.proc.returncode
        return self.returncode

    def kill(self):
        """Ends the process (SIGTERM to its process group, then SIGKILL)."""
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    pass
        self.returncode = self.proc.poll()

    def close(self):
        self.kill()
        if self._sock:
            self._sock.close()
        for f in (self.proc.stdin, self.proc.stdout):
            if f:
                try:
                    f.close()
                except OSError:
                    pass
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _FdConsole:
    """A console on a plain file descriptor, with the socket methods VM uses."""

    def __init__(self, fd):
        self._fd = fd

    def fileno(self):
        return self._fd

    def close(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def qemu_i386(*extra, memory=256):
    """A qemu-system-i386 command line with TCG, no display and the serial
    console on stdio; -no-reboot turns a guest reboot or panic into an exit."""
    return ["qemu-system-i386", "-accel", "tcg", "-m", str(memory), "-nographic",
            "-no-reboot", "-monitor", "none"] + list(extra)
