# config/: QEMU-syntax option parsing, shared by both builds.
CONFIG_SRC += $(wildcard config/*.c)
