/* The monitor's hosted transports: -monitor stdio and
 * -monitor tcp:HOST:PORT,server[,nowait] (QEMU's chardev syntax, a subset),
 * line-buffered over net_host sockets; config/monitor.c runs the commands. */
#include "boot/posix/monitor_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baremu/platform.h"
#include "boot/posix/loop.h"
#include "config/monitor.h"
#include "net/sockets.h"

#define MAX_CONNS 8

struct mon_conn {
    struct hsock *s;
    bool is_stdio;
    char line[512];
    size_t len;
    bool overflow;
    struct monitor m;
};

static struct mon_conn conns[MAX_CONNS];
static struct hsock *listener;

static void conn_write(void *ctx, const char *text, size_t len)
{
    struct mon_conn *c = ctx;
    if (c->is_stdio) {
        while (len) {
            ssize_t n = write(1, text, len);
            if (n <= 0)
                return;
            text += n;
            len -= (size_t)n;
        }
        return;
    }
    /* Best effort: a monitor client that does not read loses output. */
    if (c->s)
        hsock_send(c->s, text, len);
}

static void prompt(struct mon_conn *c)
{
    mon_printf(&c->m, "(qemu) ");
}

static void conn_close(struct mon_conn *c)
{
    hsock_close(c->s);
    c->s = NULL;
}

static void conn_cb(struct hsock *s, int ev, void *ctx)
{
    struct mon_conn *c = ctx;
    char buf[512];
    ssize_t n = hsock_recv(s, buf, sizeof(buf));
    if (n == HSOCK_AGAIN)
        return;
    if (n <= 0) {
        conn_close(c);
        return;
    }
    for (ssize_t i = 0; i < n && c->s; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            c->line[c->len] = 0;
            if (c->overflow)
                mon_printf(&c->m, "line too long\n");
            else
                monitor_execute(&c->m, c->line);
            c->len = 0;
            c->overflow = false;
            if (c->m.quit)
                return;
            prompt(c);
        } else if (c->len + 1 < sizeof(c->line)) {
            c->line[c->len++] = ch;
        } else {
            c->overflow = true;
        }
    }
}

static struct mon_conn *conn_new(bool is_stdio)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (!conns[i].s) {
            struct mon_conn *c = &conns[i];
            memset(c, 0, sizeof(*c));
            c->is_stdio = is_stdio;
            c->m.write = conn_write;
            c->m.ctx = c;
            return c;
        }
    return NULL;
}

static void greet(struct mon_conn *c)
{
    mon_printf(&c->m, "baremu %s monitor - type 'help' for more information\n", BAREMU_VERSION);
    prompt(c);
}

static void listen_cb(struct hsock *s, int ev, void *ctx)
{
    struct mon_conn *c = conn_new(false);
    struct hsock *cs = hsock_accept(s, NULL, conn_cb, c);
    if (!cs)
        return;
    if (!c) {
        hsock_close(cs);
        return;
    }
    c->s = cs;
    hsock_want(cs, HSOCK_EV_READ);
    greet(c);
}

static void quit_hook(void)
{
    loop_quit(0);
}

int monitor_io_open(const char *spec, char *err, size_t errlen)
{
    monitor_quit_hook = quit_hook;
    if (!strcmp(spec, "none") || !strcmp(spec, "null"))
        return 0;
    if (!strcmp(spec, "stdio")) {
        struct mon_conn *c = conn_new(true);
        c->s = hsock_wrap_fd(0, conn_cb, c);
        if (!c->s) {
            snprintf(err, errlen, "-monitor stdio: cannot use standard input");
            return -1;
        }
        hsock_want(c->s, HSOCK_EV_READ);
        greet(c);
        return 0;
    }
    if (!strncmp(spec, "tcp:", 4)) {
        char addr[256];
        snprintf(addr, sizeof(addr), "%s", spec + 4);
        bool server = false, nowait = false;
        char *comma = strchr(addr, ',');
        if (comma) {
            *comma = 0;
            for (char *tok = strtok(comma + 1, ","); tok; tok = strtok(NULL, ",")) {
                if (!strcmp(tok, "server") || !strcmp(tok, "server=on"))
                    server = true;
                else if (!strcmp(tok, "nowait") || !strcmp(tok, "wait=off"))
                    nowait = true;
                else {
                    snprintf(err, errlen, "-monitor %s: unknown flag '%s'", spec, tok);
                    return -1;
                }
            }
        }
        if (!server) {
            snprintf(err, errlen, "-monitor %s: only server mode is supported (add ,server)", spec);
            return -1;
        }
        struct hsock_addr a;
        char msg[200];
        if (net_inet_addr(addr, &a, msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "-monitor %s: %s", spec, msg);
            return -1;
        }
        listener = hsock_open(HSOCK_INET, HSOCK_STREAM, listen_cb, NULL);
        if (!listener || hsock_bind(listener, &a) < 0 || hsock_listen(listener, 4) < 0) {
            snprintf(err, errlen, "-monitor %s: cannot listen on %s", spec, addr);
            hsock_close(listener);
            listener = NULL;
            return -1;
        }
        hsock_want(listener, HSOCK_EV_READ);
        if (!nowait) {
            /* QEMU's default "wait": start only once the monitor is connected. */
            LOGI("monitor", "waiting for a connection on %s", addr);
            bool any = false;
            while (!any && !loop_quitting()) {
                net_host_poll(1000000000ull);
                for (int i = 0; i < MAX_CONNS; i++)
                    any |= conns[i].s && !conns[i].is_stdio;
            }
        }
        return 0;
    }
    snprintf(err, errlen, "-monitor %s: unsupported (use stdio, tcp:HOST:PORT,server[,nowait] "
             "or none)", spec);
    return -1;
}

void monitor_io_close(void)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].s)
            conn_close(&conns[i]);
    hsock_close(listener);
    listener = NULL;
}
