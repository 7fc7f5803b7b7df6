#!/usr/bin/env python3
"""Times the test guest's boot by phase from its serial log: runs the
command given (an emulator with COM1 on stdout, -serial stdio), notes when
each kernel message below first appears, and prints the seconds since the
start and since the previous mark; it stops the emulator at the shell
prompt. Used to compare baremu and qemu-system-i386 phase by phase
(docs/PERFORMANCE.md), e.g.:
  tools/boot-phases.py build/hosted/baremu -m 256 -hda build/guest/disk.img \\
      -snapshot -display none -serial stdio -monitor none -no-reboot
"""
import os
import subprocess
import sys
import time

MARKS = [
    ("Trying to unpack rootfs", "initramfs unpack starts"),
    ("Freeing initrd memory", "initramfs unpacked"),
    ("evm: HMAC", "evm (crypto self-tests follow)"),
    ("clk: Disabling unused", "clk (self-tests, certificates done)"),
    ("Run /init", "init starts"),
    ("baremu-guest# ", "shell prompt"),
]


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: boot-phases.py EMULATOR ARGS... (with -serial stdio)")
    t0 = time.time()
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    seen, got = b"", {}
    while "shell prompt" not in got and time.time() - t0 < 600:
        data = p.stdout.read1(4096)
        if not data:
            break
        seen += data
        now = time.time() - t0
        for text, name in MARKS:
            if name not in got and text.encode() in seen:
                got[name] = now
    p.kill()
    p.wait()
    prev = 0.0
    for _, name in MARKS:
        if name in got:
            print("%-38s %6.2f s  (+%.2f)" % (name, got[name], got[name] - prev))
            prev = got[name]
    if "shell prompt" not in got:
        sys.exit("boot-phases: no shell prompt")


if __name__ == "__main__":
    main()
