#!/usr/bin/env bash
# Boot-to-shell time of the test guest's disk image (build/guest/disk.img:
# SeaBIOS or Bochs BIOS -> SYSLINUX -> Debian 6.1 686 kernel -> busybox
# initramfs) by baremu, qemu-system-i386 (TCG) and Bochs 2.7, one after the
# other in one run (issue 4's measure). Each emulator writes COM1 to a file;
# the time is taken when the shell prompt "baremu-guest# " appears there, in
# wall time and in the emulator's CPU time (utime+stime from /proc, all
# threads; the box is shared, so CPU time is the steadier figure), then the
# emulator is killed. Ratios are printed against baremu from the same run.
# Usage: tools/bench-machine.sh [baremu|qemu|bochs]...   (default: all three)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build/hosted"
G="$top/build/guest"
[ -x "$B/baremu" ] || { echo "bench-machine: make hosted first"; exit 1; }
[ -r "$G/disk.img" ] || { echo "bench-machine: make guest first"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
# A private copy (no emulator writes to the build's image), padded to whole
# cylinders of 16 heads x 63 sectors so Bochs' flat mode derives a geometry;
# the padding lies past the only partition.
img="$T/disk.img"
cp "$G/disk.img" "$img"
sz=$(stat -c %s "$img"); cyl=$(( (sz + 516095) / 516096 ))
truncate -s $((cyl * 516096)) "$img"

cat >"$T/bochsrc" <<EOF
megs: 256
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=disk, path=$img, mode=flat, cylinders=$cyl, heads=16, spt=63
boot: disk
clock: sync=none
display_library: rfb, options="timeout=0"
com1: enabled=1, mode=file, dev=$T/bochs.ser
log: $T/bochs.log
mouse: enabled=0
sound: driver=dummy
speaker: enabled=0
EOF
echo c >"$T/bochs.rc"   # Debian's Bochs has its debugger on: continue at once

emus=("$@"); [ ${#emus[@]} = 0 ] && emus=(baremu qemu bochs)
: >"$T/results"
for e in "${emus[@]}"; do
  ser="$T/$e.ser"; : >"$ser"
  case $e in
    baremu) cmd=("$B/baremu" -m 256 -hda "$img" -snapshot -display none -serial "file:$ser" -no-reboot) ;;
    qemu) command -v qemu-system-i386 >/dev/null || { echo "qemu: not installed"; continue; }
          cmd=(qemu-system-i386 -accel tcg -m 256 -nic none -drive "file=$img,format=raw,if=ide,snapshot=on"
               -display none -serial "file:$ser" -monitor none -no-reboot) ;;
    bochs) [ -x /usr/bin/bochs ] || { echo "bochs: not installed"; continue; }
           cmd=(bochs -q -f "$T/bochsrc" -rc "$T/bochs.rc") ;;
    *) echo "bench-machine: unknown emulator $e"; exit 2 ;;
  esac
  python3 - "$e" "$ser" "${cmd[@]}" >>"$T/results" <<'EOF'
import os, signal, subprocess, sys, time
name, ser, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
hz = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
def cpu():   # utime + stime of the emulator process, all threads (proc(5))
    try:
        with open("/proc/%d/stat" % p.pid) as f:
            st = f.read().rsplit(")", 1)[1].split()
        return (int(st[11]) + int(st[12])) / hz
    except OSError:
        return float("nan")
t0 = time.time()
wall = c = None
while time.time() - t0 < 900 and p.poll() is None:
    with open(ser, "rb") as f:
        if b"baremu-guest# " in f.read():
            wall, c = time.time() - t0, cpu()
            break
    time.sleep(0.1)
os.killpg(p.pid, signal.SIGKILL)
p.wait()
if wall is None:
    print("%s FAIL no shell prompt on COM1 (status %s)" % (name, p.returncode))
else:
    print("%s %.1f %.1f" % (name, wall, c))
EOF
  tail -n 1 "$T/results" | awk '{ if ($2 == "FAIL") print "  " $0; else printf "  %-7s boot to shell: %6.1f s wall, %6.1f s CPU\n", $1, $2, $3 }'
done
awk '$1 == "baremu" && $2 != "FAIL" { bw = $2; bc = $3 }
     { name[NR] = $1; w[NR] = $2; c[NR] = $3 }
     END { if (!bw) exit; for (i = 1; i <= NR; i++) if (name[i] != "baremu" && w[i] != "FAIL")
             printf "  %s / baremu: %.2fx wall, %.2fx CPU (above 1: baremu is faster)\n", name[i], w[i] / bw, c[i] / bc }' "$T/results"
