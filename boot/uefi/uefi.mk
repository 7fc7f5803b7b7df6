# boot/uefi/ and kernel/: the bare-metal appliance (efi_main, the kernel, the
# real-NIC drivers). Linked with the shared code into build/efi/BOOTX64.EFI.
EFI_SRC += $(wildcard boot/uefi/*.c) $(shell find kernel drivers/net -name '*.c' 2>/dev/null | sort)
EFI_ASM += $(shell find boot/uefi kernel -name '*.S' 2>/dev/null | sort)

# make image: build/baremu.img, the GPT disk with the ESP (tools/mkimage.sh);
# the default guest comes from tools/guest/build.sh (cached in build/guest/).
image: efi
	tools/guest/build.sh
	tools/mkimage.sh build/baremu.img

# make run: boots build/baremu.img under QEMU + OVMF, headless, the
# appliance's serial console (with the guest's console) on the terminal and
# host port 2323 forwarded to the appliance (tools/run-image.sh). Quit with
# Ctrl-A x (the appliance powers off) or Ctrl-C. RUN_MACHINE=q35, RUN_ARGS=
# extra run-image.sh options.
RUN_MACHINE ?= pc
RUN_ARGS ?=
run: image
	tools/run-image.sh --machine $(RUN_MACHINE) $(RUN_ARGS)

# make run-efi: BOOTX64.EFI alone from a temporary ESP (tools/run-qemu-efi.sh),
# RUN_CFG=FILE copied as \baremu\baremu.cfg.
RUN_CFG ?=
run-efi: efi
	tools/run-qemu-efi.sh --machine $(RUN_MACHINE) $(if $(RUN_CFG),--cfg $(RUN_CFG)) \
	  || { rc=$$?; [ $$rc = 3 ] && echo "(isa-debug-exit: success)" || exit $$rc; }
.PHONY: run-efi
