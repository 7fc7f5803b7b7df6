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
# The user-mode network's stack benchmark (make bench) links libslirp to
# compare with it, so it is built on demand only (tools/bench-usernet.sh).
$(B)/hosted/usernet-flowbench: $(B)/hosted/obj/tests/usernet/flowbench.o \
		$(B)/hosted/obj/tests/usernet/flowbench_bulk.o $(B)/hosted/libbaremu.a
	$(CC) -o $@ $^ $(HOSTED_LDLIBS) -lslirp
# Overlapping fragments into both stacks (tests/usernet/fragdiff.t.sh), on demand for the same reason.
$(B)/hosted/usernet-fragdiff: $(B)/hosted/obj/tests/usernet/fragdiff.o $(B)/hosted/libbaremu.a
	$(CC) -o $@ $^ $(HOSTED_LDLIBS) -lslirp
