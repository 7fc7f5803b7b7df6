# emu/cpu/: the x86 interpreter; sources are picked up by emu/emu.mk's wildcard.
# Its conformance tools are hosted programs.
HOSTED_TOOLS += tests/cpu/cpu-sst.c
HOSTED_TOOLS += tests/cpu/cpu-guest.c

# Guest test programs: flat binaries assembled by nasm into build/cpu-guest/.
CPU_GUEST_ASM := $(wildcard tests/cpu/guest/*.asm)
CPU_GUEST_BIN := $(patsubst tests/cpu/guest/%.asm,$(B)/cpu-guest/%.bin,$(CPU_GUEST_ASM))
$(B)/cpu-guest/%.bin: tests/cpu/guest/%.asm $(wildcard tests/cpu/guest/*.inc)
	@mkdir -p $(@D)
	nasm -f bin -I tests/cpu/guest/ -o $@ $<
cpu-guest-bins: $(CPU_GUEST_BIN)
hosted: cpu-guest-bins
hosted-asan: cpu-guest-bins
.PHONY: cpu-guest-bins
