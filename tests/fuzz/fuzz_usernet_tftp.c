/* libFuzzer harness for the user-mode network's TFTP server
 * (net/user/tftp_server.c, RFC 1350, 2347-2349): each input is a list of
 * TFTP packets (first byte: where to; then a 2-byte length). Even targets
 * go to port 69 (requests), odd ones to the port of the newest transfer the
 * server answered from (ACKs, errors, stray requests), found in the frames
 * the server sent. */
#include "tests/usernet/fuzz_env.h"

/* The source port of the newest UDP frame from 10.0.2.2 to the guest. */
static uint16_t last_server_port(void)
{
    for (int i = fz_sink.count - 1; i >= 0; i--) {
        const uint8_t *f = fz_sink.frame[i];
        if (fz_sink.len[i] >= 42 && f[12] == 8 && f[13] == 0 && f[23] == 17)
            return be16(fr_l4(f));
    }
    return 69;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_setup();
    static uint8_t frame[1600];
    fz_sink.count = 0;
    while (size >= 3) {
        uint8_t to = data[0];
        size_t len = (size_t)(data[1] << 8 | data[2]) % 1400;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        uint16_t dport = (to & 1) ? last_server_port() : 69;
        fz_send(frame, build_udp(frame, ip4("10.0.2.15"), (uint16_t)(2000 + (to >> 1 & 7)),
                                 ip4("10.0.2.2"), dport, data, len));
        data += len;
        size -= len;
        if (fz_sink.count > SINK_MAX - 16)
            fz_sink.count = 0;
    }
    fz_sink.count = 0;
    fz_pump();
    return 0;
}
