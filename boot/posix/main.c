/* main() of the hosted build: parse QEMU-syntax options, build the network
 * (net/netdev.h) and the machine from them, open the monitor, and run the
 * event loop (boot/posix/loop.c) until quit or a signal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/platform.h"
#include "boot/posix/loop.h"
#include "boot/posix/monitor_io.h"
#include "config/monitor.h"
#include "config/options.h"
#include "config/qopts.h"
#include "drivers/hosted/hostnic.h"
#include "net/netdev.h"
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

/* -machine TYPE[,...]: returns the type ("pc" by default) in buf. */
static int machine_type(struct options *opts, char *buf, size_t len, char *err, size_t errlen)
{
    const char *m = options_last(opts, "machine");
    const char *M = options_last(opts, "M");
    const char *arg = m ? m : M;
    snprintf(buf, len, "pc");
    if (!arg)
        return 0;
    struct qopts q;
    char msg[300];
    if (qopts_parse(&q, "machine", arg, "type", msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-machine: %s", msg);
        return -1;
    }
    const char *t = qopts_get(&q, "type");
    if (t)
        snprintf(buf, len, "%s", t);
    int rc = 0;
    if (!strcmp(buf, "none") && qopts_check_unused(&q, msg, sizeof(msg)) < 0) {
        snprintf(err, errlen, "-machine %s: %s", arg, msg);
        rc = -1;
    }
    qopts_free(&q);
    return rc;
}

static int run(struct options *opts)
{
    char err[600];
    char mtype[64];
    if (machine_type(opts, mtype, sizeof(mtype), err, sizeof(err)) < 0)
        goto fail;
    bool have_machine = strcmp(mtype, "none") != 0;
    if (have_machine) {
        /* The PC machine plugs in here: build it from the options (it
         * registers its NIC models with net_nic_register_model and sets
         * net_nic_set_default_model("e1000"), its monitor commands with
         * monitor_register, and adds itself as a loop_client that runs guest
         * code until its next deadline). Until then, say so plainly. */
        snprintf(err, sizeof(err), "-machine %s: the PC machine is not built yet; use "
                 "-machine none to run baremu as a virtual switch between network links", mtype);
        goto fail;
    }

    net_register_builtin_backends();
    hostnic_register_backends();
    /* The user-mode network registers "user" here (net/user/, branch usernet). */
    monitor_register_builtin();
    if (net_configure(opts, err, sizeof(err)) < 0)
        goto fail;
    const char *mon = options_last(opts, "monitor");
    if (options_check_used(opts, err, sizeof(err)) < 0)
        goto fail;
    if (mon && monitor_io_open(mon, err, sizeof(err)) < 0)
        goto fail;
    if (!net_port_first() && !mon) {
        snprintf(err, sizeof(err), "nothing to run: -machine none needs network links "
                 "(-netdev/-net) or a monitor");
        goto fail;
    }
    loop_add_client(&net_client);
    int code = loop_run();
    loop_remove_client(&net_client);
    monitor_io_close();
    net_shutdown();
    return code;
fail:
    fprintf(stderr, "baremu: %s\n", err);
    monitor_io_close();
    net_shutdown();
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
