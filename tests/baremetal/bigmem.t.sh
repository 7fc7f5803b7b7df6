# timeout: 180
# 6 GiB on q35 (RAM split below 2 GiB and above 4 GiB): the kernel's identity
# map must cover RAM above 4 GiB, the heap (largest free run) lands there, and
# dma_alloc still returns memory below 4 GiB.
. "$(dirname "$0")/lib.sh"
bm_require
bm_boot bigmem q35 "-exit-after-boot" --mem 6G
bm_expect_rc "$BM_RC_OK"
total=$(bm_field '[0-9]+ MiB total RAM' | grep -Eo '^[0-9]+')
[ "$total" -ge 6100 ] && [ "$total" -le 6144 ] || bm_fail "total RAM $total MiB, expected about 6144"
bm_expect 'mem: self-test: malloc\(4 MiB\) at 0x1[0-9a-f]{8} ok, dma_alloc\(12 KiB\) at 0x[0-9a-f]{1,8} ok' "a heap above 4 GiB and DMA memory below it"
echo "ok: $(bm_field 'self-test: .*')"
