# The UEFI appliance: build/efi/BOOTX64.EFI, a PE32+ image made with gnu-efi,
# newlib (built by tools/build-newlib.sh) and lwIP, all compiled freestanding.
# Recipe verified in ../shared/BRIEF.md: -fpic, no red zone, -Bsymbolic,
# --no-undefined (an unresolved symbol would become a PLT stub that objcopy drops).

# -D_GNU_SOURCE: the shared code is written against POSIX (strdup ...), as in
# the hosted build; newlib declares those under it. lwIP's arch.h typedefs
# ssize_t as int unless SSIZE_MAX is defined, which clashes with newlib's
# (long) ssize_t: defining SSIZE_MAX and pre-including sys/types.h gives every
# file newlib's type.
NEWLIB    := $(THIRD)/newlib-install
EFI_INC   := -I/usr/include/efi -I/usr/include/efi/x86_64 -I/usr/include/efi/protocol
GCC_INC   := $(shell $(CC) -print-file-name=include)
LIBGCC    := $(shell $(CC) -print-libgcc-file-name)
EFI_CFLAGS := $(C_STD) -D_GNU_SOURCE -DBAREMU_EFI -DSSIZE_MAX=__LONG_MAX__ -DBAREMU_VERSION='"$(VERSION)"' -O2 -g0 -MMD -MP \
              -ffreestanding -fpic -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
              -fno-stack-protector -fno-strict-aliasing -fno-builtin -mgeneral-regs-only-for-kernel \
              -nostdinc -isystem $(NEWLIB)/include -isystem $(GCC_INC) $(INCLUDES) $(LWIP_INC)
# Kernel and emulator code may use SSE/x87 (the CPU's x87 unit runs on the host
# FPU), so the flag above is only a name: filter it out again.
EFI_CFLAGS := $(filter-out -mgeneral-regs-only-for-kernel,$(EFI_CFLAGS))
# C only (an assembler source cannot take a C header).
EFI_CONLY := -include sys/types.h

EFI_OBJ := $(patsubst $(TOP)/%.c,$(B)/efi/obj/%.o,$(abspath $(COMMON_SRC) $(EFI_SRC))) \
           $(patsubst $(TOP)/%.S,$(B)/efi/obj/%.o,$(abspath $(EFI_ASM))) \
           $(patsubst $(LWIP)/%.c,$(B)/efi/lwip/%.o,$(LWIP_SRC))

# The console font: a console-setup-linux PSF converted at build time into C
# (tools/psf2c.c); nothing of the font is committed.
EFI_FONT ?= /usr/share/consolefonts/Lat15-VGA16.psf.gz
EFI_OBJ  += $(B)/efi/gen/font.o
$(B)/tools/psf2c: tools/psf2c.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<
$(B)/efi/gen/font.c: $(B)/tools/psf2c $(EFI_FONT)
	@mkdir -p $(@D)
	@test -f $(EFI_FONT) || { echo "missing $(EFI_FONT): install console-setup-linux (tools/deps.sh)"; exit 1; }
	zcat $(EFI_FONT) | $(B)/tools/psf2c > $@.tmp && mv $@.tmp $@
$(B)/efi/gen/font.o: $(B)/efi/gen/font.c
	$(CC) $(EFI_CFLAGS) $(EFI_CONLY) -c $< -o $@

$(B)/efi/obj/%.o: $(TOP)/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) $(EFI_CONLY) $(EFI_INC) $(WARN) -c $< -o $@
$(B)/efi/obj/%.o: $(TOP)/%.S | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) $(EFI_INC) -c $< -o $@
$(B)/efi/lwip/%.o: $(LWIP)/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(EFI_CFLAGS) $(EFI_CONLY) -w -c $< -o $@

$(B)/efi/baremu.so: $(EFI_OBJ)
	ld -shared -Bsymbolic -nostdlib --no-undefined -T /usr/lib/elf_x86_64_efi.lds \
	   /usr/lib/crt0-efi-x86_64.o $(EFI_OBJ) -o $@ -L/usr/lib \
	   -lgnuefi -lefi $(NEWLIB)/lib/libc.a $(NEWLIB)/lib/libm.a $(LIBGCC)
$(B)/efi/BOOTX64.EFI: $(B)/efi/baremu.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
	        -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@
efi: $(B)/efi/BOOTX64.EFI
