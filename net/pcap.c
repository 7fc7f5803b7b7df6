/* The classic pcap file and record headers; see pcap.h. Fields are stored
 * in the host's byte order, as libpcap writers do. */
#include "net/pcap.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

void pcap_file_header(uint8_t out[PCAP_FILE_HEADER_LEN], uint32_t snaplen)
{
    put32(out, 0xa1b2c3d4u);     /* microsecond timestamps */
    put16(out + 4, 2);           /* version 2.4 */
    put16(out + 6, 4);
    put32(out + 8, 0);           /* thiszone: GMT */
    put32(out + 12, 0);          /* sigfigs */
    put32(out + 16, snaplen);
    put32(out + 20, PCAP_LINKTYPE_ETHERNET);
}

void pcap_record_header(uint8_t out[PCAP_RECORD_HEADER_LEN], uint64_t time_ns, uint32_t caplen,
                        uint32_t len)
{
    put32(out, (uint32_t)(time_ns / 1000000000ull));
    put32(out + 4, (uint32_t)(time_ns % 1000000000ull / 1000));
    put32(out + 8, caplen);
    put32(out + 12, len);
}
