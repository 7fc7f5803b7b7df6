# timeout: 200
# Nested: the appliance's driver for -device virtio-net-pci,netdev=n0 on -machine q35 gets a DHCP lease
# from the outer QEMU, pings 10.0.2.2 and echoes TCP through hostfwd
# (tests/drivers/uplink-lib.sh).
. "$(dirname "$0")/../baremetal/lib.sh"
. "$(dirname "$0")/uplink-lib.sh"
uplink_test virtio-q35 q35 'MSI-X' -device virtio-net-pci,netdev=n0
