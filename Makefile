# baremu top-level build: the hosted Linux program, the UEFI appliance and the
# tests. Each area adds its sources and targets in its own fragment (*.mk), so
# most changes never touch this file.
.DEFAULT_GOAL := all
SHELL := /bin/bash

TOP    := $(CURDIR)
THIRD  := $(TOP)/third_party
B      := $(TOP)/build
VERSION := $(shell git -C $(TOP) describe --always --dirty 2>/dev/null || echo unknown)

# Packages, lwIP source and newlib: one stamp, refreshed when the script changes.
DEPS_STAMP := $(THIRD)/.deps-ok
$(DEPS_STAMP): tools/deps.sh tools/build-newlib.sh
	bash tools/deps.sh
	touch $@
deps: $(DEPS_STAMP)

# Our code is C11 with every warning an error; third-party code gets its own flags.
WARN      := -Wall -Wextra -Werror -Wno-unused-parameter
C_STD     := -std=c11
INCLUDES  := -I$(TOP)/include -I$(TOP)
LWIP      := $(THIRD)/lwip
LWIP_INC  := -I$(TOP)/net/lwip -I$(LWIP)/src/include

# lwIP: the core, IPv4 and IPv6, and Ethernet; nothing of its OS ports.
LWIP_SRC = $(wildcard $(LWIP)/src/core/*.c) $(wildcard $(LWIP)/src/core/ipv4/*.c) \
           $(wildcard $(LWIP)/src/core/ipv6/*.c) $(LWIP)/src/netif/ethernet.c \
           $(LWIP)/src/api/err.c

# Platform-independent code shared by both builds; fragments append to these.
EMU_SRC    :=
NET_SRC    :=
CONFIG_SRC :=
# Hosted-only and bare-metal-only sources.
HOSTED_SRC :=
EFI_SRC    :=
EFI_ASM    :=
# Extra hosted programs (name -> main source), unit tests, fuzzers, checks.
HOSTED_TOOLS :=
UNIT_TESTS   :=
FUZZERS      :=
CHECK_SCRIPTS :=

include config/config.mk
include emu/emu.mk
include net/net.mk
include boot/posix/posix.mk
include boot/uefi/uefi.mk
include tests/tests.mk
include tools/guest/guest.mk

COMMON_SRC := $(EMU_SRC) $(NET_SRC) $(CONFIG_SRC)

include mk/hosted.mk
include mk/efi.mk

all: hosted efi

.PHONY: all deps hosted efi check check-unit check-long bench run image clean fuzz
clean:
	rm -rf $(B)

-include $(shell find $(B) -name '*.d' -type f -not -path '$(B)/guest/*' 2>/dev/null)
