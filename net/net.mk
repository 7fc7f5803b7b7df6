# net/: the network layer, platform-independent (ports, hub, links, user-mode net).
NET_SRC += $(shell find net -name '*.c' 2>/dev/null | sort)
HOSTED_TOOLS += tests/net/net-blast.c
