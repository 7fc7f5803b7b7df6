# timeout: 60
# The console driver itself (tests/lib/vm.py), without a VM: a local shell
# stands in for the guest. run() returns output and status intact despite
# escape sequences and carriage returns; expect() times out with an error
# that names the pattern and shows the console's tail; a process that exits
# while awaited raises VMExited with its status; the log holds the raw console.
set -u
. "$BAREMU_TOP/tests/lib/common.sh"
python3 - "$T" <<'PY' || fail "vm.py self-test failed (see above)"
import sys
from vm import VM, VMTimeout, VMExited
t = sys.argv[1]
with VM(["sh", "-c", "printf 'boot\\r\\n\\033[6nready> '; exec sh"], log=t + "/a.log", name="fake") as vm:
    vm.expect(r"ready> ", 10)
    st, out = vm.run("printf 'a\\r\\nb\\033[1mc\\n'; (exit 3)", 10)
    assert (st, out) == (3, "a\nbc"), "run(): %r" % ((st, out),)
    st, out = vm.run("echo \"it's\" | tr a-z A-Z # comment", 10)
    assert (st, out) == (0, "IT'S"), "quoting: %r" % ((st, out),)
    st, out = vm.run("seq 1 20000 | tail -n 1", 10)
    assert (st, out) == (0, "20000"), "long output: %r" % ((st, out),)
    vm.sendline("echo tail-line-for-the-error")
    try:
        vm.expect(r"never-printed", 1, what="a pattern that never comes")
        raise AssertionError("expect() did not time out")
    except VMTimeout as e:
        msg = str(e)
        assert "never-printed" in msg and "tail-line-for-the-error" in msg, "timeout message: " + msg
    vm.sendline("exit 5")
    try:
        vm.expect(r"never-printed", 10)
        raise AssertionError("expect() did not notice the exit")
    except VMExited as e:
        assert "status 5" in str(e), "exit message: %s" % e
    assert vm.returncode == 5, "returncode %r" % vm.returncode
log = open(t + "/a.log", "rb").read()
assert b"\x1b[6n" in log and b"IT'S" in log, "the log is not the raw console"
# A process that never exits is killed on close.
with VM(["sleep", "600"], name="sleeper") as vm:
    assert vm.wait_exit(0.5, check=False) is None
assert vm.proc.poll() is not None, "close() left the process running"
print("vm.py ok")
PY
echo "vm-py ok"
