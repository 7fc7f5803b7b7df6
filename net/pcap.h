/* The classic libpcap file format (pcap-savefile(5); IETF draft
 * "PCAP Capture File Format", section 4): a 24-byte file header then one
 * 16-byte record header per frame, written in the host's byte order (the
 * magic 0xa1b2c3d4 tells readers which), link type 1 = Ethernet. */
#ifndef BAREMU_NET_PCAP_H
#define BAREMU_NET_PCAP_H

#include <stdint.h>

#define PCAP_FILE_HEADER_LEN   24
#define PCAP_RECORD_HEADER_LEN 16
#define PCAP_LINKTYPE_ETHERNET 1

void pcap_file_header(uint8_t out[PCAP_FILE_HEADER_LEN], uint32_t snaplen);
/* time_ns: wall-clock time in ns since 1970; caplen <= len. */
void pcap_record_header(uint8_t out[PCAP_RECORD_HEADER_LEN], uint64_t time_ns, uint32_t caplen,
                        uint32_t len);

#endif
