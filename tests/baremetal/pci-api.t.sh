# timeout: 300
# The driver-facing PCI API against QEMU's edu device (-device edu): BAR
# mapping and MMIO (identity and liveness registers), INTx through the IOAPIC
# (pci_enable_intx: level-triggered, acknowledged in the handler), an MSI on a vector from
# irq_alloc_vector (the device's interrupt status reaches the handler), and
# bus-master DMA both ways through a dma_alloc buffer. On pc and q35.
. "$(dirname "$0")/lib.sh"
bm_require
for machine in pc q35; do
  bm_boot "pci-api-$machine" "$machine" "-exit-after-boot" -- -device edu,dma_mask=0xffffffff
  bm_expect_rc "$BM_RC_OK"
  bm_expect '^pci: 00:0[0-9a-f]\.0 1234:11e8 class 00ff00 .*msi bar0=mem:0x[0-9a-f]+\+0x100000' "the edu device with MSI and its 1 MiB BAR"
  bm_expect 'pcitest: edu [0-9a-f:.]+: INTx \(irq [0-9]+\) vector 0x[0-9a-f]+ ok \(1 interrupt\(s\)\)' "an INTx interrupt through the IOAPIC, exactly once"
  bm_expect 'pcitest: edu [0-9a-f:.]+: id 0x[0-9a-f]+ed ok, liveness ok, MSI vector 0x[0-9a-f]+ ok \(1 interrupt\(s\), status 0xabc\), DMA 100 bytes via 0x[0-9a-f]+ ok' "BAR, MSI and DMA through the API"
done
echo "ok: $(grep -Eo 'pcitest: .*' "$BM_LOG" | tr '\n' ' ')"
