/* The command line (and the appliance's config file, which holds the same
 * options) in QEMU's syntax: a table of known options, parsing into an ordered
 * list, and a check that every option given was taken by some subsystem. */
#ifndef BAREMU_OPTIONS_H
#define BAREMU_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

struct option_def {
    const char *name;     /* without the dash: "netdev" */
    bool has_arg;
    const char *arg_help; /* e.g. "TYPE,id=ID[,...]" */
    const char *help;
};

struct option_item {
    const struct option_def *def;
    const char *arg;      /* NULL when the option takes none */
    const char *origin;   /* "command line" or "FILE:LINE" for error messages */
    bool used;
};

struct options {
    int count, cap;
    struct option_item *items;
    char **owned;         /* strings this list owns (from config files) */
    int owned_count, owned_cap;
};

extern const struct option_def option_table[];

void options_init(struct options *o);
void options_free(struct options *o);

/* Appends argv[first..argc). Accepts -opt and --opt. Returns -1 and a message
 * naming the option when it is unknown or lacks its argument. */
int options_parse_argv(struct options *o, int argc, char **argv, int first,
                       char *err, size_t errlen);

/* Appends the options in a config file's text: QEMU-syntax options, one or
 * more per line, '#' starts a comment, double or single quotes group words
 * (the other kind is literal inside). Errors name origin (the file name)
 * and the line. */
int options_parse_text(struct options *o, const char *text, const char *origin,
                       char *err, size_t errlen);

/* Iterates over the options named name, marking each one used. */
const struct option_item *options_next(struct options *o, const char *name, int *cursor);
/* The last occurrence (marked used) or NULL. */
const char *options_last(struct options *o, const char *name);
bool options_flag(struct options *o, const char *name);

/* -1 naming the first option no subsystem took ("not supported by this build"). */
int options_check_used(struct options *o, char *err, size_t errlen);

/* Writes the help text for every option to buf (for --help). */
void options_print_help(void (*out)(const char *line, void *ctx), void *ctx);

#endif
