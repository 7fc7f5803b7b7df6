"""A small TFTP server on the host's loopback (RFC 1350 with the blksize
option of RFC 2347/2348), for the user-mode network's fragment checks: a
guest's `tftp -p -b 4000 ... 10.0.2.2 PORT` reaches it through the UDP NAT
(not baremu's own TFTP server, which is read-only and on port 69), so with a
block size above the link MTU every DATA datagram crosses as IPv4 fragments,
guest to host for a put and host to guest for a get. It keeps what was put
(by name) and serves it back, answering from its one socket (busybox tftp
accepts that), one transfer at a time. `largest_rx`/`largest_tx` are the
largest UDP payloads it received/sent: the evidence that big datagrams went
through whole. TftpPeer(socket.AF_INET6) listens on ::1 instead (the IPv6
UDP NAT: fec0::2 in the guest)."""
import socket
import struct
import threading


class TftpPeer:
    def __init__(self, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.files = {}
        self.largest_rx = self.largest_tx = 0
        self.errors = []
        self._stop = False
        self._t = threading.Thread(target=self._serve, daemon=True)
        self._t.start()

    def close(self):
        self._stop = True
        self.sock.close()

    def _send(self, data, to):
        self.largest_tx = max(self.largest_tx, len(data))
        self.sock.sendto(data, to)

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        data, peer = self.sock.recvfrom(65536)
        self.largest_rx = max(self.largest_rx, len(data))
        return data, peer

    @staticmethod
    def _request(data):
        parts = data[2:].split(b"\0")
        name, opts = parts[0].decode(errors="replace"), {}
        for k in range(2, len(parts) - 1, 2):
            opts[parts[k].decode(errors="replace").lower()] = parts[k + 1].decode(errors="replace")
        return name, opts

    def _serve(self):
        while not self._stop:
            try:
                data, peer = self._recv(0.5)
            except (socket.timeout, OSError):
                continue
            if len(data) < 4:
                continue
            op = struct.unpack("!H", data[:2])[0]
            try:
                if op == 2:
                    self._put(data, peer)
                elif op == 1:
                    self._get(data, peer)
            except Exception as e:   # reported by the test, not lost in the thread
                self.errors.append("%s: %r" % ("put" if op == 2 else "get", e))

    @staticmethod
    def _oack(opts):
        bs = int(opts.get("blksize", "512"))
        return bs, struct.pack("!H", 6) + b"blksize\0%d\0" % bs

    def _put(self, req, peer):
        name, opts = self._request(req)
        bs, oack = self._oack(opts)
        self._send(oack if "blksize" in opts else struct.pack("!HH", 4, 0), peer)
        got, want = b"", 1
        while True:
            data, p = self._recv(10)
            if p != peer or len(data) < 4 or struct.unpack("!H", data[:2])[0] != 3:
                continue
            block = struct.unpack("!H", data[2:4])[0]
            if block == want:
                got += data[4:]
                want = (want + 1) & 0xffff
            last = block == (want - 1) & 0xffff and len(data) - 4 < bs
            if last:
                # Kept before the last ACK goes out: the guest's tftp exits on
                # that ACK and the test then reads files at once.
                self.files[name] = got
            self._send(struct.pack("!HH", 4, block), peer)   # a repeat is acknowledged again
            if last:
                break

    def _get(self, req, peer):
        name, opts = self._request(req)
        content = self.files.get(name)
        if content is None:
            self._send(struct.pack("!H", 5) + struct.pack("!H", 1) + b"not found\0", peer)
            return
        bs, oack = self._oack(opts)
        if "blksize" in opts:
            self._wait_ack(peer, 0, oack)
        block = 1
        for off in range(0, len(content) + 1, bs):
            chunk = content[off:off + bs]
            pkt = struct.pack("!HH", 3, block & 0xffff) + chunk
            self._wait_ack(peer, block & 0xffff, pkt)
            block += 1
            if len(chunk) < bs:
                break

    def _wait_ack(self, peer, block, pkt, tries=10):
        for _ in range(tries):
            if pkt is not None:
                self._send(pkt, peer)
            try:
                while True:
                    data, p = self._recv(2)
                    if p == peer and data[:2] == b"\0\4" and struct.unpack("!H", data[2:4])[0] == block:
                        return
            except socket.timeout:
                continue
        raise RuntimeError("no ACK of block %d" % block)
