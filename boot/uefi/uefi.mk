# boot/uefi/ and kernel/: the bare-metal appliance (efi_main, the kernel, the
# real-NIC drivers). Linked with the shared code into build/efi/BOOTX64.EFI.
EFI_SRC += $(wildcard boot/uefi/*.c) $(shell find kernel drivers/net -name '*.c' 2>/dev/null | sort)
EFI_ASM += $(shell find boot/uefi kernel -name '*.S' 2>/dev/null | sort)

# make run: boots BOOTX64.EFI under QEMU + OVMF with the serial console on the
# terminal (-serial stdio; Ctrl-C quits QEMU).
# RUN_MACHINE=q35, RUN_CFG=FILE (copied as \baremu\baremu.cfg), RUN_ARGS=extra
# run-qemu-efi options, e.g. RUN_ARGS="--display gtk".
RUN_MACHINE ?= pc
RUN_CFG ?=
RUN_ARGS ?=
run: efi
	tools/run-qemu-efi.sh --machine $(RUN_MACHINE) $(if $(RUN_CFG),--cfg $(RUN_CFG)) $(RUN_ARGS) \
	  || { rc=$$?; [ $$rc = 3 ] && echo "(isa-debug-exit: success)" || exit $$rc; }
