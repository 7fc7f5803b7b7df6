"""Test peers for baremu's network links: QEMU's stream framing (4-byte
big-endian length, then the frame) and datagram links, a free-port finder,
process helpers and a monitor client. Traffic only on loopback."""
import os
import select
import socket
import struct
import subprocess
import sys
import time


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def frame(src, dst, payload):
    """An Ethernet frame with a test EtherType 0x88b5 (IEEE local experimental)."""
    p = bytes(dst) + bytes(src) + b"\x88\xb5" + payload
    return p + b"\0" * max(0, 60 - len(p))


def mac(n):
    return bytes([0x52, 0x54, 0x00, 0xab, 0xcd, n])


class StreamPeer:
    def __init__(self, addr, timeout=10):
        fam = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
        deadline = time.time() + timeout
        while True:
            self.s = socket.socket(fam, socket.SOCK_STREAM)
            try:
                self.s.connect(addr)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""

    def send(self, f):
        self.s.sendall(struct.pack(">I", len(f)) + f)

    def send_raw(self, b):
        self.s.sendall(b)

    def recv(self, timeout=5):
        """The next frame, or None on timeout; 'EOF' when the link closed."""
        deadline = time.time() + timeout
        while True:
            if len(self.buf) >= 4:
                n = struct.unpack(">I", self.buf[:4])[0]
                if len(self.buf) >= 4 + n:
                    f = self.buf[4:4 + n]
                    self.buf = self.buf[4 + n:]
                    return f
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                return "EOF"
            if not d:
                return "EOF"
            self.buf += d

    def recv_match(self, want, timeout=5):
        """Skips unrelated frames (e.g. IPv6 noise) until want arrives."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            f = self.recv(deadline - time.time())
            if f is None or f == "EOF":
                return f
            if f == want:
                return f
        return None

    def close(self):
        self.s.close()


class DgramPeer:
    def __init__(self, local, remote):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(local)
        self.remote = remote

    def send(self, f):
        self.s.sendto(f, self.remote)

    def recv(self, timeout=5):
        r, _, _ = select.select([self.s], [], [], timeout)
        if not r:
            return None
        return self.s.recv(65536)

    def recv_match(self, want, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            f = self.recv(deadline - time.time())
            if f is None:
                return None
            if f == want:
                return f
        return None


class Monitor:
    def __init__(self, port, timeout=10):
        deadline = time.time() + timeout
        while True:
            try:
                self.s = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.s.settimeout(5)
        self._until_prompt()

    def _until_prompt(self):
        out = b""
        while not out.endswith(b"(qemu) "):
            d = self.s.recv(65536)
            if not d:
                break
            out += d
        return out.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        return out[:-len("(qemu) ")] if out.endswith("(qemu) ") else out


def start(args, log):
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def stop(p, timeout=10):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    return p.returncode


def wait_port(port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False
