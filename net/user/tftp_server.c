/* The read-only TFTP server at the host address, rooted at tftp=: RFC 1350
 * read requests in octet mode, option negotiation (RFC 2347) with blksize
 * (RFC 2348), timeout and tsize (RFC 2349). Each transfer has its own port
 * (its own pcb) and a retransmission timer; writes, absolute paths and ".."
 * are refused with TFTP errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/plat_file.h"
#include "baremu/platform.h"
#include "lwip/sys.h"
#include "lwip/ip.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "net/user/user.h"

#define TFTP_PORT      69
#define TFTP_MAX_XFERS 64
#define TFTP_BLK_DEF   512
#define TFTP_BLK_MAX   1468   /* a DATA packet in one 1500-byte frame */
#define TFTP_RETRIES   5

enum { RRQ = 1, WRQ = 2, DATA = 3, ACKOP = 4, ERROR = 5, OACK = 6 };

struct tftp_xfer {
    struct unet *u;
    struct udp_pcb *pcb;
    struct plat_file *file;
    uint64_t size;
    uint32_t block;          /* the block last sent (0 = the OACK) */
    uint16_t blksize;
    uint32_t timeout_ms;
    int retries;
    bool last_sent;          /* the short final block is out */
    uint16_t pkt_len;
    uint8_t *pkt;            /* the packet last sent, for retransmission */
    struct tftp_xfer *next;
};

static void send_error(struct unet *u, struct udp_pcb *pcb, const ip_addr_t *to, u16_t port,
                       int code, const char *msg)
{
    size_t n = strlen(msg);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)(5 + n), PBUF_RAM);
    if (!p)
        return;
    uint8_t *b = p->payload;
    b[0] = 0;
    b[1] = ERROR;
    b[2] = 0;
    b[3] = (uint8_t)code;
    memcpy(b + 4, msg, n + 1);
    udp_sendto_if(pcb, p, to, port, &u->netif);
    pbuf_free(p);
}

static void xfer_timeout(void *arg);

static void xfer_free(struct tftp_xfer *x)
{
    struct unet *u = x->u;
    for (struct tftp_xfer **pp = &u->tftp_xfers; *pp; pp = &(*pp)->next)
        if (*pp == x) {
            *pp = x->next;
            break;
        }
    u->tftp_count--;
    sys_untimeout(xfer_timeout, x);
    udp_remove(x->pcb);
    plat_file_close(x->file);
    free(x->pkt);
    free(x);
}

static void xfer_transmit(struct tftp_xfer *x)
{
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, x->pkt_len, PBUF_RAM);
    if (p) {
        pbuf_take(p, x->pkt, x->pkt_len);
        udp_send(x->pcb, p);
        pbuf_free(p);
    }
    sys_untimeout(xfer_timeout, x);
    sys_timeout(x->timeout_ms, xfer_timeout, x);
}

static void xfer_timeout(void *arg)
{
    struct tftp_xfer *x = arg;
    if (++x->retries > TFTP_RETRIES) {
        LOGD("usernet", "TFTP: transfer timed out at block %u", (unsigned)x->block);
        xfer_free(x);
        return;
    }
    xfer_transmit(x);
}

/* Builds and sends DATA block x->block + 1. */
static void send_next(struct tftp_xfer *x)
{
    uint64_t off = (uint64_t)x->block * x->blksize;
    long n = 0;
    if (off < x->size) {
        n = plat_file_pread(x->file, x->pkt + 4, x->blksize, off);
        if (n < 0) {
            send_error(x->u, x->pcb, &x->pcb->remote_ip, x->pcb->remote_port, 0, "Read error");
            xfer_free(x);
            return;
        }
    }
    x->block++;
    x->pkt[0] = 0;
    x->pkt[1] = DATA;
    x->pkt[2] = (uint8_t)(x->block >> 8);
    x->pkt[3] = (uint8_t)x->block;
    x->pkt_len = (uint16_t)(4 + n);
    x->last_sent = n < x->blksize;
    x->retries = 0;
    xfer_transmit(x);
}

static void xfer_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct tftp_xfer *x = arg;
    uint8_t b[4];
    u16_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
    pbuf_free(p);
    if (n < 4)
        return;
    if (b[1] == ERROR && b[0] == 0) {
        xfer_free(x);
        return;
    }
    if (b[0] != 0 || b[1] != ACKOP)
        return;
    uint16_t blk = (uint16_t)(b[2] << 8 | b[3]);
    if (blk != (uint16_t)x->block)
        return;   /* a duplicate ACK: the timer retransmits, never twice (Sorcerer's Apprentice) */
    if (x->last_sent) {
        xfer_free(x);
        return;
    }
    send_next(x);
}

/* Reads the next NUL-terminated string of a request. */
static const char *next_str(const char **p, const char *end)
{
    const char *s = *p;
    const char *z = memchr(s, 0, (size_t)(end - s));
    if (!z)
        return NULL;
    *p = z + 1;
    return s;
}

static void tftp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
    struct unet *u = arg;
    char req[1024];
    u16_t n = pbuf_copy_partial(p, req, sizeof(req), 0);
    pbuf_free(p);
    if (n < 4 || req[0] != 0)
        return;
    if (req[1] == WRQ) {
        send_error(u, pcb, addr, port, 2, "Access violation");
        return;
    }
    if (req[1] != RRQ)
        return;
    const char *cur = req + 2, *end = req + n;
    const char *name = next_str(&cur, end), *mode = next_str(&cur, end);
    if (!name || !mode) {
        send_error(u, pcb, addr, port, 4, "Illegal TFTP operation");
        return;
    }
    if (strcasecmp(mode, "octet")) {
        send_error(u, pcb, addr, port, 4, "Unsupported transfer mode");
        return;
    }
    if (!u->cfg.tftp_root[0]) {
        send_error(u, pcb, addr, port, 2, "Access violation");
        return;
    }
    if (u->tftp_count >= TFTP_MAX_XFERS) {
        send_error(u, pcb, addr, port, 0, "Too many transfers");
        return;
    }
    bool want_oack = false, want_tsize = false, want_blk = false;
    uint32_t blksize = TFTP_BLK_DEF, timeout_s = 0;
    const char *k, *v;
    while (cur < end && (k = next_str(&cur, end)) && (v = next_str(&cur, end))) {
        if (!strcasecmp(k, "blksize")) {
            long b = atol(v);
            if (b >= 8) {
                blksize = b > TFTP_BLK_MAX ? TFTP_BLK_MAX : (uint32_t)b;
                want_blk = want_oack = true;
            }
        } else if (!strcasecmp(k, "tsize")) {
            want_tsize = want_oack = true;
        } else if (!strcasecmp(k, "timeout")) {
            long t = atol(v);
            if (t >= 1 && t <= 255) {
                timeout_s = (uint32_t)t;
                want_oack = true;
            }
        }
    }
    const char *why = "File not found";
    struct plat_file *f = plat_file_open_ro(u->cfg.tftp_root, name, &why);
    if (!f) {
        bool denied = strcmp(why, "file not found") != 0;
        send_error(u, pcb, addr, port, denied ? 2 : 1, denied ? "Access violation" : "File not found");
        return;
    }
    struct tftp_xfer *x = calloc(1, sizeof(*x));
    uint8_t *pkt = malloc(4 + TFTP_BLK_MAX > 512 ? 4 + TFTP_BLK_MAX : 512);
    struct udp_pcb *xp = udp_new();
    if (!x || !pkt || !xp) {
        free(x);
        free(pkt);
        if (xp)
            udp_remove(xp);
        plat_file_close(f);
        send_error(u, pcb, addr, port, 0, "Out of memory");
        return;
    }
    udp_bind_netif(xp, &u->netif);
    if (udp_bind(xp, IP_ANY_TYPE, 0) != ERR_OK || udp_connect(xp, addr, port) != ERR_OK) {
        udp_remove(xp);
        free(x);
        free(pkt);
        plat_file_close(f);
        return;
    }
    x->u = u;
    x->pcb = xp;
    x->file = f;
    x->size = plat_file_size(f);
    x->blksize = (uint16_t)blksize;
    x->timeout_ms = timeout_s ? timeout_s * 1000u : 2000u;
    x->pkt = pkt;
    x->next = u->tftp_xfers;
    u->tftp_xfers = x;
    u->tftp_count++;
    udp_recv(xp, xfer_recv, x);
    /* A file with more than 65535 blocks needs the block number to wrap,
     * which most clients accept; it is allowed here as in libslirp. */
    if (!want_oack) {
        send_next(x);
        return;
    }
    /* OACK: the options we accept, with our values. */
    size_t o = 2;
    pkt[0] = 0;
    pkt[1] = OACK;
    if (want_blk) {
        o += (size_t)sprintf((char *)pkt + o, "blksize") + 1;
        o += (size_t)sprintf((char *)pkt + o, "%u", (unsigned)blksize) + 1;
    }
    if (timeout_s) {
        o += (size_t)sprintf((char *)pkt + o, "timeout") + 1;
        o += (size_t)sprintf((char *)pkt + o, "%u", (unsigned)timeout_s) + 1;
    }
    if (want_tsize) {
        o += (size_t)sprintf((char *)pkt + o, "tsize") + 1;
        o += (size_t)sprintf((char *)pkt + o, "%llu", (unsigned long long)x->size) + 1;
    }
    x->pkt_len = (uint16_t)o;
    x->block = 0;
    xfer_transmit(x);
}

int unet_tftp_start(struct unet *u)
{
    u->tftp_pcb = udp_new();
    if (!u->tftp_pcb)
        return -1;
    ip_set_option(u->tftp_pcb, SOF_REUSEADDR);
    udp_bind_netif(u->tftp_pcb, &u->netif);
    if (udp_bind(u->tftp_pcb, IP_ANY_TYPE, TFTP_PORT) != ERR_OK) {
        udp_remove(u->tftp_pcb);
        u->tftp_pcb = NULL;
        return -1;
    }
    udp_recv(u->tftp_pcb, tftp_recv, u);
    return 0;
}

void unet_tftp_stop(struct unet *u)
{
    while (u->tftp_xfers)
        xfer_free(u->tftp_xfers);
    if (u->tftp_pcb)
        udp_remove(u->tftp_pcb);
    u->tftp_pcb = NULL;
}
