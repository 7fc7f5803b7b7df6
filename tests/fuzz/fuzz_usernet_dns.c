/* libFuzzer harness for the user-mode network's DNS proxy
 * (net/user/dns_proxy.c): each input is a list of length-prefixed (2 bytes)
 * DNS messages (RFC 1035 section 4) sent by the guest to 10.0.2.3:53 over
 * UDP from changing source ports; the proxy forwards to a loopback resolver
 * that does not exist, so queries also expire. */
#include "tests/usernet/fuzz_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup();
    static uint8_t frame[1600];
    uint16_t sport = 30000;
    while (size >= 2) {
        size_t len = (size_t)(data[0] << 8 | data[1]) % 1400;
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        fz_send(frame, build_udp(frame, ip4("10.0.2.15"), sport++, ip4("10.0.2.3"), 53, data, len));
        data += len;
        size -= len;
    }
    fz_sink.count = 0;
    fz_pump();
    return 0;
}
