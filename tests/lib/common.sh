# Helpers for script tests (tests/AREA/NAME.t.sh), sourced with
#   . "$BAREMU_TOP/tests/lib/common.sh"
# fail/skip with the exit codes tests/run.sh understands (1, 77 with the reason
# as the last line), a temporary directory removed on exit together with any
# background process started through bg_start, free loopback TCP/UDP ports,
# and the test guests of tools/guest/build.sh.

: "${BAREMU_TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export BAREMU_TOP
export PYTHONPATH="$BAREMU_TOP/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
GUEST="$BAREMU_TOP/build/guest"
VM_PY="$BAREMU_TOP/tests/lib/vm.py"

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# A temporary directory ($T) for this test, removed on exit; background
# processes started with bg_start are ended first (their ids only).
T=$(mktemp -d "${TMPDIR:-/tmp}/baremu-test.XXXXXX")
_bg_pids=()
_common_cleanup() {
    local p
    for p in "${_bg_pids[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${_bg_pids[@]}"; do
        wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap _common_cleanup EXIT
trap 'exit 130' INT TERM

# bg_start CMD...: runs CMD in the background, remembered for cleanup; sets BG_PID.
bg_start() {
    "$@" &
    BG_PID=$!
    _bg_pids+=("$BG_PID")
}

# need_cmd NAME...: skip the test when a program is missing.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (run make deps)"
    done
}

# free_port [tcp|udp]: prints a loopback port nobody is bound to right now
# (the kernel picks it; a small race remains until the caller binds it).
free_port() {
    python3 - "${1:-tcp}" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# wait_port PORT [SECONDS]: waits until something listens on 127.0.0.1:PORT (TCP).
wait_port() {
    local port=$1 left=$(( ${2:-10} * 10 ))
    while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$port" 2>/dev/null; do
        left=$((left - 1))
        [ "$left" -gt 0 ] || return 1
        sleep 0.1
    done
}

# need_guest: builds the test guests if needed (cached, see tools/guest/build.sh)
# and fails when they cannot be built: every dependency is the project's own
# to install (make deps), so a missing guest is a failure, never a skip.
need_guest() {
    if ! bash "$BAREMU_TOP/tools/guest/build.sh" >"$T/guest-build.log" 2>&1; then
        tail -n 5 "$T/guest-build.log"
        fail "the test guests could not be built (tools/guest/build.sh failed, see above)"
    fi
}
