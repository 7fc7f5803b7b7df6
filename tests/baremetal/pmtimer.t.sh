# timeout: 150
# Without an HPET (-machine pc,hpet=off) the TSC is calibrated against the ACPI
# PM timer from the FADT, and the boot still completes with the same checks of
# the idle path (APIC timer calibrated from that TSC).
. "$(dirname "$0")/lib.sh"
bm_require
bm_boot pmtimer pc,hpet=off "-exit-after-boot"
bm_expect_rc "$BM_RC_OK"
bm_expect 'acpi: .*HPET no, PM timer yes' "no HPET but a PM timer in the ACPI report"
bm_expect 'timer: TSC [0-9]+\.[0-9]{3} MHz \(calibrated against the ACPI PM timer\)' "TSC calibrated against the PM timer"
mhz=$(bm_field 'TSC [0-9]+' | grep -Eo '[0-9]+$')
[ "$mhz" -ge 100 ] && [ "$mhz" -le 10000 ] || bm_fail "TSC frequency $mhz MHz is implausible"
bm_expect 'loop: deadline met: [1-9][0-9]* timer interrupt\(s\), [1-9][0-9]* sleep\(s\) in HLT' "a deadline met by the APIC timer"
echo "ok: $(bm_field 'TSC [0-9.]+ MHz \(calibrated against the ACPI PM timer\)')"
