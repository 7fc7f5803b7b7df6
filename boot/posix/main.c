/* main() of the hosted build: parse QEMU-syntax options, build the network
 * and the machine from them, and run the event loop (boot/posix/loop.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "baremu/platform.h"
#include "config/options.h"
#include "emu/machine.h"

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
    /* Subsystems take their options here as they are built (net, machine). */
    struct machine *m = machine_create(&opts, err, sizeof(err));
    if (!m && err[0]) {
        fprintf(stderr, "baremu: %s\n", err);
        options_free(&opts);
        return 1;
    }
    if (options_check_used(&opts, err, sizeof(err)) < 0) {
        fprintf(stderr, "baremu: %s\n", err);
        machine_destroy(m);
        options_free(&opts);
        return 1;
    }
    options_free(&opts);
    if (!m) {
        fprintf(stderr, "baremu: nothing to run (no machine or network configured)\n");
        return 1;
    }
    /* The event loop until the network helper's loop.c takes over: run the
     * guest in 10 ms rounds, sleeping while it idles in HLT. */
    for (;;) {
        uint64_t now = plat_now_ns();
        enum machine_status st = machine_run(m, now + 10000000u);
        if (st == MACHINE_EXIT)
            break;
        if (st == MACHINE_IDLE) {
            uint64_t until = machine_next_deadline_ns(m);
            now = plat_now_ns();
            if (until > now + 10000000u)
                until = now + 10000000u;
            if (until > now) {
                struct timespec ts = {0, (long)(until - now)};
                nanosleep(&ts, NULL);
            }
        }
    }
    int status = machine_exit_status(m);
    machine_destroy(m);
    return status;
}
