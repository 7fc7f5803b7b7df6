# timeout: 200
# Nested: the appliance's driver for a modern-only virtio-net (1af4:1041,
# -device virtio-net-pci,disable-legacy=on) on the root bus of -machine pc
# gets a DHCP lease from the outer QEMU, pings 10.0.2.2 and echoes TCP
# through hostfwd (tests/drivers/uplink-lib.sh).
. "$(dirname "$0")/../baremetal/lib.sh"
. "$(dirname "$0")/uplink-lib.sh"
uplink_test virtio-modern-pc pc 'MSI-X' -device virtio-net-pci,disable-legacy=on,netdev=n0
