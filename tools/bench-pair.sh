#!/usr/bin/env bash
# Boots the test guest's disk image (build/guest/disk.img) with two
# emulators at the same time, one pinned to each core, the cores swapped
# every round, and prints each round's boot-to-shell times and their ratio.
# On a box whose speed moves by 10-15% from minute to minute, the two boots
# of one round see the same box, so the ratio is steadier than boots made
# one after the other (two copies of one binary: 0.98-1.02).
# Usage: tools/bench-pair.sh [ROUNDS A B]
#   A, B: a baremu binary, or "qemu" (qemu-system-i386, TCG). Without
#   arguments (make bench): 4 rounds of build/hosted/baremu against qemu.
#   BENCH_PAIR_ICOUNT=1: baremu runs with -icount shift=0 and a fixed RTC,
#   so two baremu builds do the same guest work; then CPU time is compared.
# Prints per round: A's and B's seconds (wall, or CPU with icount) and B/A.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# = 0 ]; then
  set -- 4 "$top/build/hosted/baremu" qemu
  command -v qemu-system-i386 >/dev/null || { echo "bench-pair: qemu-system-i386 not installed"; exit 0; }
fi
[ $# = 3 ] || { echo "usage: tools/bench-pair.sh [ROUNDS A B]"; exit 2; }
rounds=$1; a=$2; b=$3
[ "$(nproc)" -ge 2 ] || { echo "bench-pair: needs two cores"; exit 1; }
[ -r "$top/build/guest/disk.img" ] || { echo "bench-pair: make guest first"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
img="$T/disk.img"; cp "$top/build/guest/disk.img" "$img"
icount=${BENCH_PAIR_ICOUNT:-0}

# cmd EMULATOR SERIAL: the command line that boots the image.
cmd() {
  if [ "$1" = qemu ]; then
    echo qemu-system-i386 -accel tcg -m 256 -nic none -drive "file=$img,format=raw,if=ide,snapshot=on" \
         -display none -serial "file:$2" -monitor none -no-reboot
  else
    local extra=""
    [ "$icount" = 1 ] && extra="-icount shift=0 -rtc base=2024-01-01T00:00:00"
    echo "$1" -m 256 -hda "$img" -snapshot -display none -serial "file:$2" -monitor none -no-reboot $extra
  fi
}

# boot CORE SERIAL CMD...: prints "wall cpu" once the shell prompt is on COM1.
boot() {
  python3 - "$@" <<'EOF'
import os, signal, subprocess, sys, time
core, ser, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
open(ser, "wb").close()
hz = os.sysconf("SC_CLK_TCK")
p = subprocess.Popen(["taskset", "-c", core] + cmd, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
def cpu():
    with open("/proc/%d/stat" % p.pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / hz
t0 = time.time()
out = "FAIL"
while time.time() - t0 < 600 and p.poll() is None:
    with open(ser, "rb") as f:
        if b"baremu-guest# " in f.read():
            out = "%.2f %.2f" % (time.time() - t0, cpu())
            break
    time.sleep(0.05)
os.killpg(p.pid, signal.SIGKILL)
p.wait()
print(out)
EOF
}

col=1; [ "$icount" = 1 ] && col=2
for i in $(seq "$rounds"); do
  if [ $((i % 2)) = 1 ]; then ca=0; cb=1; else ca=1; cb=0; fi
  # shellcheck disable=SC2046  # cmd prints words on purpose
  boot $ca "$T/a.ser" $(cmd "$a" "$T/a.ser") >"$T/a.out" &
  # shellcheck disable=SC2046
  boot $cb "$T/b.ser" $(cmd "$b" "$T/b.ser") >"$T/b.out" &
  wait
  ta=$(awk -v c=$col '{print $c}' "$T/a.out"); tb=$(awk -v c=$col '{print $c}' "$T/b.out")
  if [ "$ta" = FAIL ] || [ "$tb" = FAIL ]; then
    echo "round $i: A $ta B $tb (no shell prompt)"
  else
    awk -v i="$i" -v a="$ta" -v b="$tb" 'BEGIN { printf "round %d: A %.2f s, B %.2f s, B/A %.3f\n", i, a, b, b / a }'
  fi
done
