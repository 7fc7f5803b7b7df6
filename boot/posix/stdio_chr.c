/* Standard input and output as the guest's serial line, for -serial stdio
 * and -serial mon:stdio (what -nographic implies, as in QEMU): a terminal
 * on standard input is put in raw mode while baremu runs (keys reach the
 * guest as typed; Ctrl-C still stops baremu, as QEMU's default signal=on),
 * and mon:stdio shares the line with the monitor through QEMU's
 * character-multiplexer keys (QEMU manual, "Keys in the character backend
 * multiplexer"): Ctrl-A h help, Ctrl-A x quit, Ctrl-A c switch between the
 * serial port and the monitor, Ctrl-A Ctrl-A a Ctrl-A for the guest. */
#include "boot/posix/stdio_chr.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "boot/posix/loop.h"
#include "config/monitor.h"

#define ESCAPE_KEY 0x01   /* Ctrl-A, QEMU's default escape */

struct stdio_chr {
    struct chardev chr;
    bool mux;               /* mon:stdio: the monitor shares the line */
    bool tty;               /* standard input is a terminal (raw mode, echo by us) */
    bool eof;               /* standard input ended: stop polling it */
    bool escape;            /* Ctrl-A seen, the command key comes next */
    bool monitor_focus;     /* input goes to the monitor, not the guest */
    bool greeted;
    struct monitor mon;
    char line[512];
    size_t len;
    bool overflow;
};

static struct termios saved_termios;
static bool raw_mode;

static void write_all(const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(1, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;   /* a closed pipe: the output is dropped, as on a cut line */
        p += n;
        len -= (size_t)n;
    }
}

static void say(const char *s)
{
    write_all(s, strlen(s));
}

static void terminal_restore(void)
{
    if (raw_mode) {
        tcsetattr(0, TCSANOW, &saved_termios);
        raw_mode = false;
    }
}

/* Raw input (no line editing, echo, CR translation or flow control) with
 * output processing and signals kept, as QEMU sets a stdio terminal. */
static void terminal_raw(void)
{
    static bool registered;
    struct termios t;
    if (raw_mode || tcgetattr(0, &saved_termios) < 0)
        return;
    t = saved_termios;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &t) < 0)
        return;
    raw_mode = true;
    if (!registered) {
        registered = true;
        atexit(terminal_restore);   /* also after a fatal error's exit() */
    }
}

static void mon_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    write_all(text, len);
}

static void quit_hook(void)
{
    loop_quit(0);
}

static void mux_help(void)
{
    say("\r\nbaremu console keys (Ctrl-A then):\r\n"
        "  h    this help\r\n"
        "  x    quit baremu\r\n"
        "  c    switch between the serial console and the monitor\r\n"
        "  C-a  send a Ctrl-A to the guest\r\n");
}

/* One byte typed while the monitor has the line: a small line editor,
 * echoing on a terminal (raw mode has no echo of its own). */
static void monitor_key(struct stdio_chr *s, uint8_t ch)
{
    if (ch == '\r' || ch == '\n') {
        if (s->tty)
            say("\r\n");
        s->line[s->len] = 0;
        if (s->overflow)
            mon_printf(&s->mon, "line too long\n");
        else if (s->len)
            monitor_execute(&s->mon, s->line);
        s->len = 0;
        s->overflow = false;
        if (!s->mon.quit)
            mon_printf(&s->mon, "(qemu) ");
    } else if (ch == 0x7f || ch == 0x08) {
        if (s->len) {
            s->len--;
            if (s->tty)
                say("\b \b");
        }
    } else if (ch >= 0x20 && ch < 0x7f) {
        if (s->len + 1 < sizeof(s->line)) {
            s->line[s->len++] = (char)ch;
            if (s->tty)
                write_all((const char *)&ch, 1);
        } else {
            s->overflow = true;
        }
    }
}

/* The key after Ctrl-A. Returns true when it is a byte for the guest. */
static bool escape_key(struct stdio_chr *s, uint8_t ch)
{
    switch (ch) {
    case ESCAPE_KEY:
        return !s->monitor_focus;
    case 'x':
        say("\r\nbaremu: Terminated\r\n");
        loop_quit(0);
        return false;
    case 'c':
        s->monitor_focus = !s->monitor_focus;
        if (s->monitor_focus) {
            if (!s->greeted)
                mon_printf(&s->mon, "\nbaremu %s monitor - type 'help' for more information\n", BAREMU_VERSION);
            s->greeted = true;
            mon_printf(&s->mon, "(qemu) ");
        } else {
            say("\r\n");
        }
        return false;
    case 'h':
    case '?':
        mux_help();
        return false;
    default:   /* QEMU's b (break), s (commit) and t (timestamps) are not offered */
        return false;
    }
}

static size_t stdio_write(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    write_all((const char *)buf, len);
    return len;
}

/* Called by the serial port when it can take bytes: reads what standard
 * input has (never blocking) and returns the guest's part of it. Each byte
 * read gives at most one byte for the guest, so at most len are read. */
static size_t stdio_read(void *ctx, uint8_t *buf, size_t len)
{
    struct stdio_chr *s = ctx;
    if (s->eof || !len)
        return 0;
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
        return 0;
    uint8_t in[256];
    ssize_t n = read(0, in, len < sizeof(in) ? len : sizeof(in));
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;   /* nothing after all: try again at the next poll */
    if (n <= 0) {
        s->eof = true;   /* end of input: stop polling it */
        return 0;
    }
    size_t out = 0;
    for (ssize_t i = 0; i < n; i++) {
        uint8_t ch = in[i];
        if (s->mux && s->escape) {
            s->escape = false;
            if (escape_key(s, ch))
                buf[out++] = ch;
        } else if (s->mux && ch == ESCAPE_KEY) {
            s->escape = true;
        } else if (s->monitor_focus) {
            monitor_key(s, ch);
        } else {
            buf[out++] = ch;
        }
    }
    return out;
}

static void stdio_close(void *ctx)
{
    terminal_restore();
    free(ctx);
}

static const struct chardev_ops stdio_ops = {stdio_write, stdio_read, stdio_close};

struct chardev *stdio_chr_open(bool mux, char *err, size_t errlen)
{
    struct stdio_chr *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->chr.ops = &stdio_ops;
    s->chr.ctx = s;
    s->mux = mux;
    s->tty = isatty(0) == 1;
    s->mon.write = mon_write;
    s->mon.ctx = s;
    if (mux && !monitor_quit_hook)
        monitor_quit_hook = quit_hook;
    if (s->tty)
        terminal_raw();
    return &s->chr;
}
