"""Loopback helpers the test and bench scripts share: a free TCP port on
127.0.0.1, and waiting until something listens on one."""
import socket
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_listen(port, secs, host="127.0.0.1"):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            socket.create_connection((host, port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False
