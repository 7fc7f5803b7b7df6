# timeout: 200
# Nested: the appliance's driver for -device rtl8139,netdev=n0 on -machine q35 gets a DHCP lease
# from the outer QEMU, pings 10.0.2.2 and echoes TCP through hostfwd
# (tests/drivers/uplink-lib.sh).
. "$(dirname "$0")/../baremetal/lib.sh"
. "$(dirname "$0")/uplink-lib.sh"
uplink_test rtl8139-q35 q35 'polling' -device rtl8139,netdev=n0
