/* The human monitor (QEMU's HMP subset): a registry of commands, a line
 * interpreter, and the network commands (info network, set_link). The
 * transport (stdio, TCP) is the platform's: it feeds lines to
 * monitor_execute and writes what the output callback gets. Other areas add
 * commands with monitor_register (hostfwd_add, system_reset, info registers). */
#ifndef BAREMU_CONFIG_MONITOR_H
#define BAREMU_CONFIG_MONITOR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct monitor {
    void (*write)(void *ctx, const char *text, size_t len);
    void *ctx;
    bool quit;                   /* set by "quit" */
};

void mon_printf(struct monitor *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A command gets its words (argv[0] is the command; for "info X" argv[0] is
 * "info" and argv[1] "X"). Returns 0, or -1 after printing an error. */
typedef int (*monitor_cmd_fn)(struct monitor *m, int argc, char **argv);

/* name: "set_link" or, for an info subcommand, "info network". */
int monitor_register(const char *name, const char *args, const char *help, monitor_cmd_fn fn);

/* Runs one line. Returns 0, -1 when the command failed or is unknown. */
int monitor_execute(struct monitor *m, const char *line);

/* Registers the built-in commands (help, quit, info network, set_link). */
void monitor_register_builtin(void);

/* What "quit" calls (the platform stops its loop). */
extern void (*monitor_quit_hook)(void);

#endif
