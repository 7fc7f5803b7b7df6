# timeout: 200
# Nested: the appliance's driver for -device virtio-net-pci,netdev=n0 on -machine pc gets a DHCP lease
# from the outer QEMU, pings 10.0.2.2 and echoes TCP through hostfwd
# (tests/drivers/uplink-lib.sh).
. "$(dirname "$0")/../baremetal/lib.sh"
. "$(dirname "$0")/uplink-lib.sh"
uplink_test virtio-legacy-pc pc 'MSI-X' -device virtio-net-pci,netdev=n0
