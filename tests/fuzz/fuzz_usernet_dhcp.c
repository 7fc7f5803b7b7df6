/* libFuzzer harness for the user-mode network's DHCP/BOOTP server
 * (net/user/dhcp_server.c, RFC 2131/2132, RFC 951): each input is one or
 * more BOOTP messages broadcast from the guest to port 67. The first byte of
 * each chooses its form: even = the bytes after a valid fixed header and
 * magic cookie (so the option parser is reached at once), odd = the whole
 * message as given. Length-prefixed (2 bytes) messages follow each other. */
#include "tests/usernet/fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup();
    static uint8_t msg[1400], frame[1600];
    while (size >= 3) {
        uint8_t form = data[0];
        size_t len = (size_t)(data[1] << 8 | data[2]) % 1160;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        size_t n;
        if (form & 1) {
            memcpy(msg, data, len);
            n = len;
        } else {
            memset(msg, 0, 240);
            msg[0] = 1;                       /* BOOTREQUEST */
            msg[1] = 1;
            msg[2] = 6;
            msg[4] = form;                    /* xid */
            memcpy(msg + 28, guest_mac, 6);
            msg[33] ^= (uint8_t)(form >> 1);  /* a few different clients */
            msg[236] = 99, msg[237] = 130, msg[238] = 83, msg[239] = 99;
            memcpy(msg + 240, data, len);
            n = 240 + len;
        }
        fz_send(frame, build_udp(frame, 0, 68, 0xffffffffu, 67, msg, n));
        data += len;
        size -= len;
    }
    fz_sink.count = 0;
    fz_pump();
    return 0;
}
