# timeout: 200
# Nested: the appliance's driver for -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device virtio-net-pci,disable-legacy=on,bus=rp1,netdev=n0 on -machine q35 gets a DHCP lease
# from the outer QEMU, pings 10.0.2.2 and echoes TCP through hostfwd
# (tests/drivers/uplink-lib.sh).
. "$(dirname "$0")/../baremetal/lib.sh"
. "$(dirname "$0")/uplink-lib.sh"
uplink_test virtio-modern-q35 q35 'MSI-X' -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device virtio-net-pci,disable-legacy=on,bus=rp1,netdev=n0
