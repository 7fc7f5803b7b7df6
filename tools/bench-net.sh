#!/usr/bin/env bash
# Network benchmarks (make bench): frames/s and Gbit/s through baremu's hub
# between two stream links, against QEMU 7.2 doing the same job (a hub
# between two -netdev stream links, -machine none), with tests/net/net-blast
# as the load; and baremu's memory with 10k frames sent to a peer that does
# not read (the queue is bounded: the excess is dropped and counted).
# Loopback only. Usage: tools/bench-net.sh [FRAMES]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B="$top/build/hosted"
[ -x "$B/baremu" ] && [ -x "$B/net-blast" ] || { echo "bench-net: make hosted first"; exit 1; }
N=${1:-200000}
T=$(mktemp -d); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

switch_args() {  # $1 $2: ports
    echo "-netdev stream,id=a,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=$1" \
         "-netdev stream,id=b,server=on,addr.type=inet,addr.host=127.0.0.1,addr.port=$2" \
         "-netdev hubport,id=ha,hubid=0,netdev=a -netdev hubport,id=hb,hubid=0,netdev=b"
}

run_one() {  # $1 name, $2.. command prefix
    local name=$1; shift
    for size in 1514 64; do
        local pa pb; pa=$(port); pb=$(port)
        # shellcheck disable=SC2046
        "$@" $(switch_args "$pa" "$pb") >"$T/$name.log" 2>&1 &
        local pid=$!; pids+=("$pid")
        sleep 1
        printf '%-8s %5d-byte frames: ' "$name" "$size"
        "$B/net-blast" "127.0.0.1:$pa" "127.0.0.1:$pb" "$N" "$size" 30 || echo "(failed)"
        kill "$pid"; wait "$pid" 2>/dev/null
    done
}

echo "== hub throughput between two stream links ($N frames, loopback)"
run_one baremu "$B/baremu" -machine none
if command -v qemu-system-i386 >/dev/null; then
    run_one qemu qemu-system-i386 -machine none -nodefaults -display none -monitor none -serial none
fi

echo "== memory with 10000 frames sent towards a peer that never reads"
pa=$(port); pb=$(port); pm=$(port)
# shellcheck disable=SC2046
"$B/baremu" -machine none $(switch_args "$pa" "$pb") -monitor "tcp:127.0.0.1:$pm,server,nowait" \
    >"$T/mem.log" 2>&1 &
pid=$!; pids+=("$pid")
sleep 1
python3 - "$pa" "$pb" "$pm" "$pid" <<'PY'
import socket, struct, sys, time
pa, pb, pm, pid = map(int, sys.argv[1:])
rss = lambda: int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1])
stall = socket.create_connection(("127.0.0.1", pb))
stall.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
tx = socket.create_connection(("127.0.0.1", pa))
time.sleep(0.3)
before = rss()
f = b"\xff" * 6 + b"\x52\x54\x00\xbe\x9c\x02\x88\xb5" + b"\0" * 1500
tx.sendall((struct.pack(">I", len(f)) + f) * 10000)
time.sleep(1.5)
after = rss()
m = socket.create_connection(("127.0.0.1", pm)); m.settimeout(3)
buf = b""
m.sendall(b"info network\n")
t = time.time()
while time.time() - t < 3:
    try:
        d = m.recv(65536)
    except socket.timeout:
        break
    buf += d
    if buf.count(b"(qemu) ") >= 2:
        break
line = [l for l in buf.decode().splitlines() if l.strip().startswith("\\ b:") or l.strip().startswith("\\ b: ")]
print(f"RSS {before} KiB before, {after} KiB after 10000 x 1514-byte frames (+{after - before} KiB)")
for l in buf.decode().splitlines():
    if " b: type=stream" in l:
        import re
        q = re.search(r"dropped=(\d+) queued=(\d+) queued_max=(\d+)", l)
        if q:
            print(f"link b: dropped={q.group(1)} queued={q.group(2)} (bounded queue, max {q.group(3)})")
PY
