# emu/cpu/: the x86 interpreter; sources are picked up by emu/emu.mk's wildcard.
# Its conformance tools are hosted programs.
HOSTED_TOOLS += tests/cpu/cpu-sst.c
