#!/usr/bin/env bash
# timeout: 900
# The translator (emu/cpu/jit_x64.c) against the interpreter, on a real
# guest: with -icount shift=0 guest time follows executed instructions, so a
# boot is deterministic and the kernel's log (its timestamps included)
# depends on every instruction's result, every fault and every interrupt's
# place. The test guest's disk (SeaBIOS -> SYSLINUX -> Debian's 686 kernel
# -> busybox) boots to the shell once interpreted (-accel tcg,jit=off) and
# once with every run translated after its first execution
# (jit-threshold=1); the two serial logs up to the prompt must be the same
# bytes, and the monitor's "info jit" must show that translation happened.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
b="$BAREMU_TOP/build/hosted/baremu"
[ -x "$b" ] || fail "build/hosted/baremu is missing (make hosted)"
need_guest
python3 - "$b" "$GUEST/disk.img" "$T" <<'PY' || exit 1
import socket, subprocess, sys, time
b, disk, tmp = sys.argv[1:4]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def boot(accel):
    port = free_port()
    cmd = [b, "-m", "256", "-hda", disk, "-snapshot", "-display", "none", "-serial", "stdio",
           "-no-reboot", "-icount", "shift=0", "-rtc", "base=2024-01-01T00:00:00",
           "-accel", accel, "-monitor", "tcp:127.0.0.1:%d,server,nowait" % port]
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    buf, t0 = b"", time.time()
    prompt = b"baremu-guest# "
    try:
        while prompt not in buf:
            d = p.stdout.read1(65536)
            if not d:
                sys.exit("FAIL: baremu -accel %s ended before the shell prompt: %s\n%s" %
                         (accel, p.stderr.read().decode(errors="replace")[-500:],
                          buf[-1500:].decode(errors="replace")))
            buf += d
            if time.time() - t0 > 400:
                sys.exit("FAIL: -accel %s: no shell prompt after 400 s:\n%s" % (accel, buf[-1500:].decode(errors="replace")))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"info jit\n")
            out, end = b"", time.time() + 10
            while b"Code cache" not in out and b"Translation: off" not in out and time.time() < end:
                out += s.recv(4096)
    finally:
        p.kill()
        p.wait()
    log = buf[:buf.index(prompt) + len(prompt)]
    open("%s/%s.log" % (tmp, accel.replace(",", "_")), "wb").write(log)
    print("-accel %s: %d bytes of log in %.0f s" % (accel, len(log), time.time() - t0))
    return log, out.decode(errors="replace")

ref, info_off = boot("tcg,jit=off")
if "Translation: off" not in info_off:
    sys.exit("FAIL: info jit with jit=off: %r" % info_off)
got, info_on = boot("tcg,jit-threshold=1")
print(info_on.strip().replace("(qemu) ", ""))
n = [int(l.split(":")[1]) for l in info_on.splitlines() if l.startswith("Translated blocks:")]
if not n or n[0] < 1000:
    sys.exit("FAIL: the translator did not run (info jit: %r)" % info_on)
if got != ref:
    i = next((k for k in range(min(len(got), len(ref))) if got[k] != ref[k]), min(len(got), len(ref)))
    line = ref[:i].count(b"\n") + 1
    sys.exit("FAIL: translated and interpreted boots differ at byte %d (log line %d):\n"
             "interpreted: %r\ntranslated:  %r" % (i, line, ref[max(0, i - 200):i + 200],
                                                   got[max(0, i - 200):i + 200]))
print("jit_boot ok: the same %d bytes of kernel log" % len(ref))
PY
