# boot/posix/: main() of the hosted build and its platform implementation
# (clock, log, host sockets, files), plus the hosted stand-ins for real NICs.
# main.c is linked only into baremu; the rest goes into libbaremu.a.
HOSTED_SRC += $(filter-out boot/posix/main.c,$(wildcard boot/posix/*.c)) $(wildcard drivers/hosted/*.c)
