/* The hosted build's net/net_host.h: non-blocking BSD sockets (POSIX.1-2017
 * sys/socket.h, RFC 3493 getaddrinfo, RFC 1112 IP multicast options) driven
 * by poll(). Sockets live on one list; a socket closed inside a callback is
 * only marked dead and freed after the poll round, so callbacks may close any
 * socket (their own included) safely. */
#include "net/net_host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/errqueue.h>
#endif

#include "boot/posix/loop.h"

struct hsock {
    int fd;
    int want;
    bool dead;
    bool is_fd;          /* a plain descriptor (stdin) wrapped by hsock_wrap_fd */
    int last_err;        /* errno of the last failed call, for hsock_error */
    enum hsock_family family;
    hsock_cb cb;
    void *ctx;
    struct hsock *next;
};

static struct hsock *socks;
static int live_count;

static int neg_errno(void)
{
    return errno ? -errno : -EIO;
}

static struct hsock *wrap(int fd, enum hsock_family family, hsock_cb cb, void *ctx)
{
    struct hsock *s = calloc(1, sizeof(*s));
    if (!s) {
        close(fd);
        return NULL;
    }
    s->fd = fd;
    s->family = family;
    s->cb = cb;
    s->ctx = ctx;
    s->next = socks;
    socks = s;
    live_count++;
    return s;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

struct hsock *hsock_open(enum hsock_family family, enum hsock_type type, hsock_cb cb, void *ctx)
{
    int dom = family == HSOCK_INET ? AF_INET : family == HSOCK_INET6 ? AF_INET6 :
              family == HSOCK_UNIX ? AF_UNIX : -1;
    if (dom < 0)
        return NULL;
    int fd = socket(dom, type == HSOCK_STREAM ? SOCK_STREAM : SOCK_DGRAM,
                    type == HSOCK_ICMP ? IPPROTO_ICMP : 0);
    if (fd < 0)
        return NULL;
    if (set_nonblock(fd) < 0) {
        close(fd);
        return NULL;
    }
    return wrap(fd, family, cb, ctx);
}

struct hsock *hsock_wrap_fd(int fd, hsock_cb cb, void *ctx)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    struct hsock *s = wrap(fd, HSOCK_UNIX, cb, ctx);
    if (s)
        s->is_fd = true;
    return s;
}

int hsock_fd(struct hsock *s)
{
    return s->fd;
}

void hsock_close(struct hsock *s)
{
    if (!s || s->dead)
        return;
    /* A wrapped descriptor such as stdin is not ours to close. */
    if (!s->is_fd)
        close(s->fd);
    else {
        int fl = fcntl(s->fd, F_GETFL);
        if (fl >= 0)
            fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    s->fd = -1;
    s->dead = true;
    s->cb = NULL;
    live_count--;
}

void hsock_want(struct hsock *s, int events)
{
    s->want = events & (HSOCK_EV_READ | HSOCK_EV_WRITE);
}

/* Fills a sockaddr from an hsock_addr; returns its length or 0 when unsupported. */
static socklen_t to_sockaddr(const struct hsock_addr *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (a->family == HSOCK_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(a->ip);
        in->sin_port = htons(a->port);
        return sizeof(*in);
    }
    if (a->family == HSOCK_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, a->ip6, 16);
        in6->sin6_port = htons(a->port);
        return sizeof(*in6);
    }
    if (a->family == HSOCK_UNIX) {
        struct sockaddr_un *un = (struct sockaddr_un *)ss;
        un->sun_family = AF_UNIX;
        size_t n = strnlen(a->path, sizeof(a->path));
        if (n >= sizeof(un->sun_path))
            return 0;
        memcpy(un->sun_path, a->path, n);
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    return 0;
}

static void from_sockaddr(const struct sockaddr_storage *ss, socklen_t len, struct hsock_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        a->family = HSOCK_INET;
        a->ip = ntohl(in->sin_addr.s_addr);
        a->port = ntohs(in->sin_port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
        a->family = HSOCK_INET6;
        memcpy(a->ip6, &in6->sin6_addr, 16);
        a->port = ntohs(in6->sin6_port);
    } else if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)ss;
        a->family = HSOCK_UNIX;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        size_t n = len > off ? len - off : 0;
        if (n > sizeof(a->path) - 1)
            n = sizeof(a->path) - 1;
        memcpy(a->path, un->sun_path, n);
        a->path[n] = 0;
    }
}

int hsock_bind(struct hsock *s, const struct hsock_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    if (!len) {
        errno = EINVAL;
        return -1;
    }
    if (a->family != HSOCK_UNIX) {
        int one = 1;
        setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    }
    if (bind(s->fd, (struct sockaddr *)&ss, len) < 0) {
        s->last_err = errno;
        return -1;
    }
    return 0;
}

int hsock_listen(struct hsock *s, int backlog)
{
    if (listen(s->fd, backlog) < 0) {
        s->last_err = errno;
        return -1;
    }
    return 0;
}

struct hsock *hsock_accept(struct hsock *listener, struct hsock_addr *peer, hsock_cb cb, void *ctx)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept(listener->fd, (struct sockaddr *)&ss, &len);
    if (fd < 0)
        return NULL;
    if (set_nonblock(fd) < 0) {
        close(fd);
        return NULL;
    }
    if (peer)
        from_sockaddr(&ss, len, peer);
    return wrap(fd, listener->family, cb, ctx);
}

int hsock_connect(struct hsock *s, const struct hsock_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, &ss);
    if (!len) {
        errno = EINVAL;
        return -1;
    }
    if (connect(s->fd, (struct sockaddr *)&ss, len) == 0)
        return 0;
    if (errno == EINPROGRESS || errno == EAGAIN)
        return 1;
    s->last_err = errno;
    return -1;
}

int hsock_error(struct hsock *s)
{
    int e = 0;
    socklen_t len = sizeof(e);
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
        return neg_errno();
    if (!e)
        e = s->last_err;   /* a synchronous failure leaves SO_ERROR clear */
    return -e;
}

const char *hsock_strerror(int code)
{
    return strerror(code < 0 ? -code : code);
}

static ssize_t io_result_s(struct hsock *s, ssize_t n)
{
    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return HSOCK_AGAIN;
    s->last_err = errno;
    return HSOCK_ERR;
}
#define io_result(n) io_result_s(s, (n))

ssize_t hsock_recv(struct hsock *s, void *buf, size_t len)
{
    if (s->is_fd)
        return io_result(read(s->fd, buf, len));
    return io_result(recv(s->fd, buf, len, 0));
}

ssize_t hsock_send(struct hsock *s, const void *buf, size_t len)
{
    if (s->is_fd)
        return io_result(write(s->fd, buf, len));
    /* MSG_NOSIGNAL: a peer that went away is an error return, not SIGPIPE. */
    return io_result(send(s->fd, buf, len, MSG_NOSIGNAL));
}

ssize_t hsock_recvfrom(struct hsock *s, void *buf, size_t len, struct hsock_addr *from)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    ssize_t n = recvfrom(s->fd, buf, len, 0, (struct sockaddr *)&ss, &sl);
    if (n >= 0 && from)
        from_sockaddr(&ss, sl, from);
    return io_result(n);
}

ssize_t hsock_sendto(struct hsock *s, const void *buf, size_t len, const struct hsock_addr *to)
{
    struct sockaddr_storage ss;
    socklen_t sl = to_sockaddr(to, &ss);
    if (!sl) {
        s->last_err = EINVAL;
        return HSOCK_ERR;
    }
    return io_result(sendto(s->fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&ss, sl));
}

int hsock_shutdown_write(struct hsock *s)
{
    return shutdown(s->fd, SHUT_WR) < 0 ? -1 : 0;
}

int hsock_local_addr(struct hsock *s, struct hsock_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    from_sockaddr(&ss, len, a);
    return 0;
}

int hsock_peer_addr(struct hsock *s, struct hsock_addr *a)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getpeername(s->fd, (struct sockaddr *)&ss, &len) < 0)
        return -1;
    from_sockaddr(&ss, len, a);
    return 0;
}

int hsock_setopt(struct hsock *s, enum hsock_opt opt, int value)
{
    int level, name;
    switch (opt) {
    case HSOCK_OPT_NODELAY:    level = IPPROTO_TCP; name = TCP_NODELAY; break;
    case HSOCK_OPT_BROADCAST:  level = SOL_SOCKET;  name = SO_BROADCAST; break;
    case HSOCK_OPT_RCVBUF:     level = SOL_SOCKET;  name = SO_RCVBUF; break;
    case HSOCK_OPT_SNDBUF:     level = SOL_SOCKET;  name = SO_SNDBUF; break;
    case HSOCK_OPT_KEEPALIVE:  level = SOL_SOCKET;  name = SO_KEEPALIVE; break;
#ifdef IP_RECVERR
    case HSOCK_OPT_RECVERR:    level = IPPROTO_IP;  name = IP_RECVERR; break;
#endif
    case HSOCK_OPT_MCAST_LOOP: {
        unsigned char v = (unsigned char)!!value;
        return setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &v, sizeof(v)) < 0 ? -1 : 0;
    }
    case HSOCK_OPT_MCAST_TTL: {
        unsigned char v = (unsigned char)value;
        return setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof(v)) < 0 ? -1 : 0;
    }
    default:
        errno = EINVAL;
        return -1;
    }
    return setsockopt(s->fd, level, name, &value, sizeof(value)) < 0 ? -1 : 0;
}

/* Linux's error queue (ip(7) IP_RECVERR): recvmsg(MSG_ERRQUEUE) gives the
 * offending datagram's destination as the address, its quoted payload as
 * the data, and a sock_extended_err with the ICMP type/code and the
 * sender of the ICMP message (SO_EE_OFFENDER). Errors of local origin
 * (e.g. EMSGSIZE) are taken off the queue and not reported. */
int hsock_recv_icmp_error(struct hsock *s, struct hsock_icmp_error *e, void *buf, size_t len,
                          size_t *qlen)
{
    *qlen = 0;
#ifdef __linux__
    for (;;) {
        struct sockaddr_storage ss;
        union {
            char b[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in))];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = buf, .iov_len = len};
        struct msghdr m = {.msg_name = &ss, .msg_namelen = sizeof(ss), .msg_iov = &iov,
                           .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b)};
        ssize_t n = recvmsg(s->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT);
        if (n < 0)
            return 0;
        const struct sock_extended_err *ee = NULL;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR)
                ee = (const struct sock_extended_err *)CMSG_DATA(c);
        if (!ee || ee->ee_origin != SO_EE_ORIGIN_ICMP || ss.ss_family != AF_INET)
            continue;
        struct hsock_addr dst;
        from_sockaddr(&ss, m.msg_namelen, &dst);
        memset(e, 0, sizeof(*e));
        e->type = ee->ee_type;
        e->code = ee->ee_code;
        e->err = -(int)ee->ee_errno;
        e->dst = dst.ip;
        e->dport = dst.port;
        const struct sockaddr *off = SO_EE_OFFENDER(ee);
        if (off->sa_family == AF_INET)
            e->from = ntohl(((const struct sockaddr_in *)(const void *)off)->sin_addr.s_addr);
        *qlen = (size_t)n;
        return 1;
    }
#else
    (void)s;
    (void)e;
    (void)buf;
    (void)len;
    return 0;
#endif
}

int hsock_join_multicast(struct hsock *s, uint32_t group, uint32_t local_ip)
{
    struct ip_mreq m;
    m.imr_multiaddr.s_addr = htonl(group);
    m.imr_interface.s_addr = htonl(local_ip);
    if (setsockopt(s->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) < 0)
        return -1;
    /* Outgoing multicast leaves through the same interface (QEMU's localaddr=). */
    if (local_ip) {
        struct in_addr ifa = {.s_addr = htonl(local_ip)};
        if (setsockopt(s->fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa, sizeof(ifa)) < 0)
            return -1;
    }
    return 0;
}

/* guestfwd's cmd: a socketpair whose far end is the command's stdin and
 * stdout. The command runs in a grandchild (the child exits at once and is
 * reaped here), so no SIGCHLD handling is needed. */
struct hsock *hsock_spawn(const char *cmd, hsock_cb cb, void *ctx)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return NULL;
    }
    if (pid == 0) {
        if (fork() != 0)
            _exit(0);
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    waitpid(pid, NULL, 0);
    if (set_nonblock(sv[0]) < 0) {
        close(sv[0]);
        return NULL;
    }
    return wrap(sv[0], HSOCK_UNIX, cb, ctx);
}

int hsock_resolve(const char *host, uint32_t *ip)
{
    if (!host || !*host) {
        *ip = 0;   /* "" means any (QEMU: listen=:port) */
        return 0;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) == 1) {
        *ip = ntohl(a.s_addr);
        return 0;
    }
    struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return -1;
    *ip = ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
    freeaddrinfo(res);
    return 0;
}

int net_host_dns_servers(uint32_t *ips, int max)
{
    /* BAREMU_RESOLV_CONF points the user-mode network's DNS proxy at another
     * resolver list (tests run their own dnsmasq on loopback). */
    const char *path = getenv("BAREMU_RESOLV_CONF");
    FILE *f = fopen(path && *path ? path : "/etc/resolv.conf", "r");
    if (!f)
        return 0;
    char line[256];
    int n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        char addr[64];
        struct in_addr a;
        if (sscanf(line, " nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &a) == 1)
            ips[n++] = ntohl(a.s_addr);
    }
    fclose(f);
    return n;
}

/* Frees the sockets closed since the last round. */
static void reap(void)
{
    for (struct hsock **pp = &socks; *pp;) {
        struct hsock *s = *pp;
        if (s->dead) {
            *pp = s->next;
            free(s);
        } else {
            pp = &s->next;
        }
    }
}

int net_host_poll(uint64_t timeout_ns)
{
    /* The pollfd array grows with the socket count and is kept (no per-round malloc). */
    static struct pollfd *pfd;
    static struct hsock **owner;
    static int cap;
    reap();
    if (live_count > cap) {
        int ncap = live_count + 16;
        struct pollfd *np = realloc(pfd, (size_t)ncap * sizeof(*np));
        if (!np)
            return -1;
        pfd = np;
        struct hsock **no = realloc(owner, (size_t)ncap * sizeof(*no));
        if (!no)
            return -1;
        owner = no;
        cap = ncap;
    }
    int n = 0;
    for (struct hsock *s = socks; s && n < cap; s = s->next) {
        if (s->dead)
            continue;
        pfd[n].fd = s->fd;
        pfd[n].events = (short)(((s->want & HSOCK_EV_READ) ? POLLIN : 0) |
                                ((s->want & HSOCK_EV_WRITE) ? POLLOUT : 0));
        pfd[n].revents = 0;
        owner[n++] = s;
    }
    /* ppoll: the timers' deadlines to the microsecond (the user network
     * holds ACKs for 200 us), where poll() would round up to a millisecond. */
    if (timeout_ns != UINT64_MAX && timeout_ns > 3600ull * 1000000000ull)
        timeout_ns = 3600ull * 1000000000ull;
    struct timespec ts = {(time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u)};
    int r = ppoll(pfd, (nfds_t)n, timeout_ns == UINT64_MAX ? NULL : &ts, NULL);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n && r > 0; i++) {
        if (!pfd[i].revents)
            continue;
        r--;
        struct hsock *s = owner[i];
        if (s->dead || !s->cb)
            continue;
        int ev = 0;
        if (pfd[i].revents & POLLIN)
            ev |= HSOCK_EV_READ;
        if (pfd[i].revents & POLLOUT)
            ev |= HSOCK_EV_WRITE;
        if (pfd[i].revents & (POLLERR | POLLNVAL))
            ev |= HSOCK_EV_ERROR;
        /* A hang-up with nothing left to read is reported as readable (recv
         * then returns 0 = EOF), as POSIX poll() leaves it to the reader. */
        if ((pfd[i].revents & POLLHUP) && !(ev & HSOCK_EV_READ))
            ev |= (s->want & HSOCK_EV_READ) ? HSOCK_EV_READ : HSOCK_EV_ERROR;
        s->cb(s, ev, s->ctx);
    }
    reap();
    return 0;
}

struct hfile {
    FILE *f;
};

struct hfile *hfile_create(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    struct hfile *h = malloc(sizeof(*h));
    if (!h) {
        fclose(f);
        return NULL;
    }
    h->f = f;
    return h;
}

int hfile_write(struct hfile *h, const void *buf, size_t len)
{
    return fwrite(buf, 1, len, h->f) == len ? 0 : -1;
}

int hfile_flush(struct hfile *h)
{
    return fflush(h->f) == 0 ? 0 : -1;
}

void hfile_close(struct hfile *h)
{
    if (!h)
        return;
    fclose(h->f);
    free(h);
}
