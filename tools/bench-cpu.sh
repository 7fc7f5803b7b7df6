#!/usr/bin/env bash
# CPU benchmark (make bench): one CPU-bound guest (tools/bench-cpu.asm:
# integer, memory, page-walk and string loops, then the same with paging on)
# booted from a disk image by baremu (SeaBIOS), qemu-system-i386 -accel tcg
# (SeaBIOS) and Bochs 2.7 (its own BIOS), one after the other in one run.
# Each phase is timed between the guest's "BENCH B"/"BENCH E" lines on the
# debug console, both in wall time and in the emulator process's CPU time
# (utime+stime from /proc, all threads): the build box is shared, so CPU time
# is the figure to compare. MIPS = the phase's retired instructions (known by
# construction, printed by the guest) / CPU seconds.
# Usage: tools/bench-cpu.sh [baremu|qemu|bochs]...   (default: all three)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build/hosted"
[ -x "$B/baremu" ] || { echo "bench-cpu: make hosted first"; exit 1; }
command -v nasm >/dev/null || { echo "bench-cpu: nasm missing"; exit 1; }
bios=/usr/share/seabios/bios-256k.bin
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
img="$T/cpubench.img"
nasm -f bin -o "$img" "$top/tools/bench-cpu.asm" || exit 1
truncate -s 1032192 "$img"   # 2 cylinders of 16 heads x 63 sectors (Bochs flat geometry)

cat >"$T/bochsrc" <<EOF
megs: 32
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=disk, path=$img, mode=flat
boot: disk
clock: sync=none
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
log: $T/bochs.log
mouse: enabled=0
sound: driver=dummy
speaker: enabled=0
EOF
echo c >"$T/bochs.rc"   # Debian's Bochs has its debugger on: continue at once

emus=("$@"); [ ${#emus[@]} = 0 ] && emus=(baremu qemu bochs)
for e in "${emus[@]}"; do
  case $e in
    baremu) cmd=("$B/baremu" -bios "$bios" -m 32 -hda "$img" -snapshot -debugcon stdio
                 -display none -serial null -device isa-debug-exit,iobase=0xf4,iosize=4) ;;
    qemu) command -v qemu-system-i386 >/dev/null || { echo "qemu: not installed"; continue; }
          cmd=(qemu-system-i386 -accel tcg -bios "$bios" -m 32 -drive "file=$img,format=raw,snapshot=on"
               -debugcon stdio -display none -serial null -monitor none
               -device isa-debug-exit,iobase=0xf4,iosize=4) ;;
    bochs) [ -x /usr/bin/bochs ] || { echo "bochs: not installed"; continue; }
           cmd=(bochs -q -f "$T/bochsrc" -rc "$T/bochs.rc") ;;
    *) echo "bench-cpu: unknown emulator $e"; exit 2 ;;
  esac
  python3 - "$e" "${cmd[@]}" <<'EOF'
import os, subprocess, sys, time
name, cmd = sys.argv[1], sys.argv[2:]
hz = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)
def cpu():   # utime + stime of the emulator process, all threads (proc(5))
    try:
        with open("/proc/%d/stat" % p.pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / hz
    except OSError:
        return float("nan")
t0, c0 = time.time(), cpu()
prefix, phase, mark, rows, done = "", None, None, [], False
deadline = t0 + 900
for raw in p.stdout:
    line = raw.decode("latin-1").strip()
    i = line.find("BENCH ")
    if i < 0:
        continue
    w = line[i:].split()
    if w[1] == "paging":
        prefix = "+paging"
    elif w[1] == "B":
        phase, mark = w[2] + prefix, (time.time(), cpu())
    elif w[1] == "E" and mark:
        t, c = time.time(), cpu()
        rows.append((phase, int(w[2], 16), t - mark[0], c - mark[1]))
    elif w[1] == "done":
        done = True
    if time.time() > deadline:
        break
total_cpu, total_wall = cpu(), time.time() - t0
try:
    p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill(); p.wait()
if not done:
    print("%-7s FAILED: the guest did not finish (%d phases)" % (name, len(rows)))
    sys.exit(1)
ins = sum(r[1] for r in rows)
cs = sum(r[3] for r in rows)
for ph, n, wt, ct in rows:
    print("%-7s %-14s %6.1f M insns  wall %6.2f s  cpu %6.2f s  %7.1f MIPS"
          % (name, ph, n / 1e6, wt, ct, n / 1e6 / ct if ct > 0 else float("nan")))
print("%-7s %-14s %6.1f M insns  wall %6.2f s  cpu %6.2f s  %7.1f MIPS  (whole run: wall %.2f s, cpu %.2f s)"
      % (name, "all phases", ins / 1e6, sum(r[2] for r in rows), cs,
         ins / 1e6 / cs if cs > 0 else float("nan"), total_wall, total_cpu))
EOF
done
