# boot/uefi/ and kernel/: the bare-metal appliance (efi_main, the kernel, the
# real-NIC drivers). Linked with the shared code into build/efi/BOOTX64.EFI.
EFI_SRC += $(wildcard boot/uefi/*.c) $(shell find kernel drivers/net -name '*.c' 2>/dev/null | sort)
EFI_ASM += $(shell find boot/uefi kernel -name '*.S' 2>/dev/null | sort)
