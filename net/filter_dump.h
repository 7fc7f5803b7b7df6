/* -object filter-dump,id=ID,netdev=ND,file=PATH[,maxlen=N]: records every
 * frame the netdev ND sends or receives into a classic pcap file, as QEMU's
 * net/dump.c does (both directions, truncated to maxlen, default 65536). */
#ifndef BAREMU_NET_FILTER_DUMP_H
#define BAREMU_NET_FILTER_DUMP_H

#include <stddef.h>

/* Handles one -object argument: 0 when it was a filter-dump and was set up,
 * 1 when it is another object type (not ours), -1 with err on an error. */
int net_filter_dump_option(const char *arg, char *err, size_t errlen);
/* Flushes and closes every dump file. */
void net_filter_dumps_close(void);

#endif
