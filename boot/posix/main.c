/* main() of the hosted build: parse QEMU-syntax options, build the network
 * (net/netdev.h) and the machine from them, open the monitor, and run the
 * event loop (boot/posix/loop.c) until quit or a signal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "baremu/platform.h"
#include "boot/posix/loop.h"
#include "boot/posix/monitor_io.h"
#include "config/monitor.h"
#include "config/options.h"
#include "drivers/hosted/hostnic.h"
#include "emu/machine.h"
#include "net/netdev.h"
#include "net/user/usernet.h"
#include "net/timer.h"

static void print_line(const char *line, void *ctx)
{
    fprintf((FILE *)ctx, "%s\n", line);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: baremu [options]\n"
               "A small PC emulator and virtual switch/NAT with QEMU's option syntax.\n\n"
               "  --help                                   this text\n"
               "  --version                                print the version\n");
    options_print_help(print_line, f);
}

/* The network layer's timers as a loop client. */
static uint64_t net_deadline(void *opaque)
{
    return net_timers_next();
}

static void net_run(void *opaque, uint64_t now)
{
    net_timers_run(now);
}

static struct loop_client net_client = {
    .name = "net", .next_deadline = net_deadline, .run = net_run,
};

/* The PC machine as a loop client: it runs guest code in slices of at most
 * 10 ms so sockets and timers stay serviced, and sleeps while the guest
 * idles in HLT until its next device timer (or I/O wakes the loop). */
struct machine_client {
    struct machine *m;
    bool idle;
};

static uint64_t machine_deadline(void *opaque)
{
    struct machine_client *mc = opaque;
    return mc->idle ? machine_next_deadline_ns(mc->m) : 0;
}

static void machine_slice(void *opaque, uint64_t now)
{
    struct machine_client *mc = opaque;
    enum machine_status st = machine_run(mc->m, now + 10000000u);
    mc->idle = st == MACHINE_IDLE;
    if (st == MACHINE_EXIT)
        loop_quit(machine_exit_status(mc->m));
}

/* The options named name, without marking them used (the subsystem that
 * takes them does): how many, and the argument of the last. */
static int peek_option(const struct options *o, const char *name, const char **last)
{
    int n = 0;
    *last = NULL;
    for (int i = 0; i < o->count; i++)
        if (!strcmp(o->items[i].def->name, name)) {
            n++;
            *last = o->items[i].arg;
        }
    return n;
}

static bool is_stdio(const char *spec)
{
    return spec && (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio"));
}

/* Who reads standard input. As in QEMU, -nographic without -serial or
 * -monitor puts the serial port and the monitor on it together
 * (mon:stdio, switched with Ctrl-A c); only one device may read it. */
static int stdio_owners(struct options *opts, char *err, size_t errlen)
{
    const char *mon, *serial, *arg;
    bool nographic = peek_option(opts, "nographic", &arg) > 0;
    bool monitor_given = peek_option(opts, "monitor", &mon) > 0;
    int serials = peek_option(opts, "serial", &serial);
    if (nographic && !serials && !monitor_given)
        return options_parse_text(opts, "-serial mon:stdio", "-nographic", err, errlen);
    int readers = is_stdio(mon) + (nographic && !serials);   /* -nographic's default serial port */
    for (int i = 0; i < opts->count; i++)
        if (!strcmp(opts->items[i].def->name, "serial"))
            readers += is_stdio(opts->items[i].arg);
    if (readers > 1) {
        snprintf(err, errlen, "cannot use stdio by multiple character devices "
                 "(-serial and -monitor; with -nographic alone, Ctrl-A c switches to the monitor)");
        return -1;
    }
    return 0;
}

static int run(struct options *opts)
{
    char err[600];
    err[0] = 0;
    net_register_builtin_backends();
    unet_register();   /* -netdev user and its monitor commands (net/user/) */
    hostnic_register_backends();
    monitor_register_builtin();
    if (stdio_owners(opts, err, sizeof(err)) < 0) {
        fprintf(stderr, "baremu: %s\n", err);
        return 1;
    }
    /* The machine first: it registers its NIC models, which -nic and -net nic
     * name, before the network layer builds the links. NULL without a
     * message means -machine none: baremu is then a switch between links. */
    struct machine *m = machine_create(opts, err, sizeof(err));
    if (!m && err[0])
        goto fail;
    if (m)
        machine_monitor_register(m);   /* system_reset, stop, cont, info registers ... */
    if (net_configure(opts, err, sizeof(err)) < 0)
        goto fail;
    const char *mon = options_last(opts, "monitor");
    if (options_check_used(opts, err, sizeof(err)) < 0)
        goto fail;
    if (mon && monitor_io_open(mon, err, sizeof(err)) < 0)
        goto fail;
    if (!m && !net_port_first() && !mon) {
        snprintf(err, sizeof(err), "nothing to run: -machine none needs network links "
                 "(-netdev/-net) or a monitor");
        goto fail;
    }
    struct machine_client mc = {.m = m};
    struct loop_client machine_lc = {
        .name = "machine", .next_deadline = machine_deadline, .run = machine_slice, .opaque = &mc,
    };
    loop_add_client(&net_client);
    if (m)
        loop_add_client(&machine_lc);
    int code = loop_run();
    if (m)
        loop_remove_client(&machine_lc);
    loop_remove_client(&net_client);
    monitor_io_close();
    net_shutdown();
    machine_destroy(m);
    return code;
fail:
    fprintf(stderr, "baremu: %s\n", err);
    monitor_io_close();
    net_shutdown();
    machine_destroy(m);
    return 1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-version")) {
            printf("baremu %s\n", BAREMU_VERSION);
            return 0;
        }
    }

    struct options opts;
    char err[512];
    options_init(&opts);
    if (options_parse_argv(&opts, argc, argv, 1, err, sizeof(err)) < 0) {
        fprintf(stderr, "baremu: %s\n", err);
        options_free(&opts);
        return 1;
    }
    int code = run(&opts);
    options_free(&opts);
    return code;
}
