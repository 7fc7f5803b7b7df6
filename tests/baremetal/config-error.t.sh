# timeout: 150
# A bad config file: the error names the file and line, and the kernel stops
# with EXIT_CONFIG instead of going on (issue 8 will show an error screen).
. "$(dirname "$0")/lib.sh"
bm_require
bm_boot config-error pc "# line 1 is a comment
-exit-after-boot
-no-such-option 1"
bm_expect_rc "$BM_RC_CONFIG"
bm_expect 'config: error: .*\\baremu\\baremu\.cfg:3.*no-such-option' "an error naming the file, line 3 and the option"
bm_boot config-error-fault pc "-exit-after-boot
-fault sideways"
bm_expect_rc "$BM_RC_CONFIG"
bm_expect 'config: error: .*baremu\.cfg:2: -fault sideways: expected none, ud, gp, pf or de' "the bad -fault value with file and line"
echo "ok: config errors name file and line"
