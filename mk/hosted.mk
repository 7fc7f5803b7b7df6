# The hosted build: the same emu/, net/ and config/ code with glibc, as an
# ordinary Linux program. Three flavours share one recipe:
#   build/hosted       optimised: baremu and the tools (cpu-sst ...)
#   build/hosted-asan  ASan+UBSan: what make check runs (unit tests, baremu)
#   build/fuzz         clang libFuzzer harnesses over the same code

comma := ,
HOSTED_CFLAGS := $(C_STD) -D_GNU_SOURCE -DBAREMU_HOSTED -DBAREMU_VERSION='"$(VERSION)"' \
                 -g -MMD -MP $(INCLUDES) $(LWIP_INC)
HOSTED_LDLIBS := -lm -lz
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# $(1) flavour dir, $(2) compiler, $(3) extra cflags, $(4) extra ldflags
define hosted_flavour
$(1)_OBJ_COMMON := $$(patsubst $(TOP)/%.c,$(B)/$(1)/obj/%.o,$$(abspath $$(COMMON_SRC) $$(HOSTED_SRC)))
$(1)_OBJ_LWIP   := $$(patsubst $(LWIP)/%.c,$(B)/$(1)/lwip/%.o,$$(LWIP_SRC))
$(B)/$(1)/obj/%.o: $(TOP)/%.c | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	$(2) $$(HOSTED_CFLAGS) $(WARN) $(3) -c $$< -o $$@
$(B)/$(1)/lwip/%.o: $(LWIP)/%.c | $(DEPS_STAMP)
	@mkdir -p $$(@D)
	$(2) $$(HOSTED_CFLAGS) -w $(3) -c $$< -o $$@
$(B)/$(1)/libbaremu.a: $$($(1)_OBJ_COMMON) $$($(1)_OBJ_LWIP)
	@rm -f $$@
	ar rcs $$@ $$^
$(B)/$(1)/baremu: $(B)/$(1)/obj/boot/posix/main.o $(B)/$(1)/libbaremu.a
	$(2) $(4) -o $$@ $$^ $(HOSTED_LDLIBS)
endef

# One program from one main source: $(1) flavour, $(2) compiler, $(3) ldflags, $(4) source, $(5) output
define hosted_program
$(5): $(B)/$(1)/obj/$(basename $(4)).o $(B)/$(1)/libbaremu.a
	@mkdir -p $$(@D)
	$(2) $(3) -o $$@ $$^ $(HOSTED_LDLIBS)
endef

$(eval $(call hosted_flavour,hosted,$(CC),-O2,))
$(eval $(call hosted_flavour,hosted-asan,$(CC),-O1 $(SAN_FLAGS),$(SAN_FLAGS)))
$(eval $(call hosted_flavour,fuzz,clang,-O1 -fsanitize=fuzzer-no-link$(comma)address$(comma)undefined -DBAREMU_FUZZ,-fsanitize=fuzzer$(comma)address$(comma)undefined))

$(foreach s,$(HOSTED_TOOLS),$(eval $(call hosted_program,hosted,$(CC),,$(s),$(B)/hosted/$(notdir $(basename $(s))))))
$(foreach s,$(HOSTED_TOOLS),$(eval $(call hosted_program,hosted-asan,$(CC),$(SAN_FLAGS),$(s),$(B)/hosted-asan/$(notdir $(basename $(s))))))
$(foreach s,$(UNIT_TESTS),$(eval $(call hosted_program,hosted-asan,$(CC),$(SAN_FLAGS),$(s),$(B)/hosted-asan/unit/$(notdir $(basename $(s))))))
$(foreach s,$(FUZZERS),$(eval $(call hosted_program,fuzz,clang,-fsanitize=fuzzer$(comma)address$(comma)undefined,$(s),$(B)/fuzz/$(notdir $(basename $(s))))))

HOSTED_PROGRAMS := $(B)/hosted/baremu $(foreach s,$(HOSTED_TOOLS),$(B)/hosted/$(notdir $(basename $(s))))
ASAN_PROGRAMS   := $(B)/hosted-asan/baremu $(foreach s,$(HOSTED_TOOLS),$(B)/hosted-asan/$(notdir $(basename $(s)))) \
                   $(foreach s,$(UNIT_TESTS),$(B)/hosted-asan/unit/$(notdir $(basename $(s))))
FUZZ_PROGRAMS   := $(foreach s,$(FUZZERS),$(B)/fuzz/$(notdir $(basename $(s))))

hosted: $(HOSTED_PROGRAMS)
hosted-asan: $(ASAN_PROGRAMS)
fuzz-build: $(FUZZ_PROGRAMS)
.PHONY: hosted-asan fuzz-build
