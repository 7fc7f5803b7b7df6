# tests/: unit tests (tests/unit/*.c, built with ASan+UBSan), script tests
# (tests/*/NAME.t.sh, one result each), fuzzers (tests/fuzz/*.c) and the runner.
UNIT_TESTS += $(wildcard tests/unit/test_*.c)
FUZZERS    += $(wildcard tests/fuzz/fuzz_*.c)

check: hosted hosted-asan efi guest fuzz-build
	bash tests/run.sh
check-long: hosted hosted-asan efi guest fuzz-build
	BAREMU_LONG=1 bash tests/run.sh
bench: hosted efi
	bash tools/bench.sh
HOSTED_TOOLS += tests/usernet/tcp_churn.c
