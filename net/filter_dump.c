/* filter-dump objects: a tap on a port writing pcap records; see filter_dump.h.
 * The record buffer is per filter, so dumping allocates nothing per frame. */
#include "net/filter_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "config/qopts.h"
#include "net/net_host.h"
#include "net/pcap.h"
#include "net/port.h"

struct filter_dump {
    struct net_tap tap;          /* first: a net_tap * is a filter_dump * */
    struct net_port *port;
    struct hfile *file;
    uint32_t maxlen;
    bool failed;
    uint64_t wall0_ns, mono0_ns; /* wall clock = wall0 + (mono - mono0) */
    char id[64];
    struct filter_dump *next;
};

static struct filter_dump *dumps;

static void dump_frame(struct net_tap *t, struct net_port *p, const uint8_t *frame, size_t len,
                       bool outgoing)
{
    struct filter_dump *d = (struct filter_dump *)t;
    if (d->failed)
        return;
    uint32_t cap = len > d->maxlen ? d->maxlen : (uint32_t)len;
    uint8_t hdr[PCAP_RECORD_HEADER_LEN];
    pcap_record_header(hdr, d->wall0_ns + (plat_now_ns() - d->mono0_ns), cap, (uint32_t)len);
    if (hfile_write(d->file, hdr, sizeof(hdr)) < 0 || hfile_write(d->file, frame, cap) < 0 ||
        hfile_flush(d->file) < 0) {
        LOGE("filter-dump", "%s: write failed; no more frames are recorded", d->id);
        d->failed = true;
    }
}

int net_filter_dump_option(const char *arg, char *err, size_t errlen)
{
    struct qopts o;
    char msg[300];
    if (qopts_parse(&o, "object", arg, "qom-type", msg, sizeof(msg)) < 0)
        return 1;   /* not ours to judge */
    const char *type = qopts_get(&o, "qom-type");
    if (!type || strcmp(type, "filter-dump")) {
        qopts_free(&o);
        return 1;
    }
    int rc = -1;
    const char *id = qopts_get(&o, "id");
    const char *nd = qopts_get(&o, "netdev");
    const char *file = qopts_get(&o, "file");
    uint64_t maxlen;
    struct net_port *p = NULL;
    /* QEMU accepts queue= and status= on every netfilter; we record both
     * directions always and only when on. */
    const char *queue = qopts_get(&o, "queue");
    bool on = true;
    if (!id || !nd || !file) {
        snprintf(err, errlen, "-object %.200s: parameter '%s' is missing", arg,
                 !id ? "id" : !nd ? "netdev" : "file");
        goto out;
    }
    if (qopts_get_u64(&o, "maxlen", 65536, false, &maxlen, msg, sizeof(msg)) < 0 ||
        qopts_get_bool(&o, "status", true, &on, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-object %.200s: %s", arg, msg);
        goto out;
    }
    if (maxlen == 0 || maxlen > 0xffffffffu) {
        snprintf(err, errlen, "-object %.200s: invalid maxlen", arg);
        goto out;
    }
    if (queue && strcmp(queue, "all")) {
        snprintf(err, errlen, "-object %.200s: only queue=all is supported", arg);
        goto out;
    }
    if (qopts_check_unused(&o, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-object %.200s: %s", arg, msg);
        goto out;
    }
    p = net_port_find(nd);
    if (!p) {
        snprintf(err, errlen, "-object %.200s: netdev '%s' not found", arg, nd);
        goto out;
    }
    for (struct filter_dump *d = dumps; d; d = d->next)
        if (!strcmp(d->id, id)) {
            snprintf(err, errlen, "-object %.200s: duplicate ID '%s'", arg, id);
            goto out;
        }
    struct filter_dump *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    d->file = hfile_create(file);
    if (!d->file) {
        snprintf(err, errlen, "-object %.200s: cannot create '%s'", arg, file);
        free(d);
        goto out;
    }
    uint8_t hdr[PCAP_FILE_HEADER_LEN];
    pcap_file_header(hdr, (uint32_t)maxlen);
    if (hfile_write(d->file, hdr, sizeof(hdr)) < 0 || hfile_flush(d->file) < 0) {
        snprintf(err, errlen, "-object %.200s: cannot write '%s'", arg, file);
        hfile_close(d->file);
        free(d);
        goto out;
    }
    snprintf(d->id, sizeof(d->id), "%s", id);
    d->maxlen = (uint32_t)maxlen;
    d->port = p;
    d->mono0_ns = plat_now_ns();
    d->wall0_ns = (uint64_t)plat_wall_time_s() * 1000000000ull;
    d->tap.frame = dump_frame;
    if (on)
        net_port_add_tap(p, &d->tap);
    d->next = dumps;
    dumps = d;
    rc = 0;
out:
    qopts_free(&o);
    return rc;
}

void net_filter_dumps_close(void)
{
    while (dumps) {
        struct filter_dump *d = dumps;
        dumps = d->next;
        net_port_remove_tap(d->port, &d->tap);
        hfile_close(d->file);
        free(d);
    }
}
