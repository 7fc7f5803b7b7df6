# emu/: the PC emulator, platform-independent (CPU, devices, machine wiring).
EMU_SRC += $(shell find emu -name '*.c' 2>/dev/null | sort)
include emu/cpu/cpu.mk
