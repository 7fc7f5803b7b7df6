/* QEMU's "key=value,key=value" option strings (QemuOpts): parsing with the
 * implied first key ("user,id=n0" means type=user), ",," as an escaped comma,
 * typed getters, and a check that every key given was used, so a typo is an
 * error naming the key instead of being ignored. */
#ifndef BAREMU_QOPTS_H
#define BAREMU_QOPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QOPTS_MAX 48

struct qopt {
    char *key;
    char *value;   /* NULL for a bare "flag" (QEMU reads it as "on") */
    bool used;
};

struct qopts {
    const char *option;          /* the command-line option, e.g. "netdev" */
    int count;
    struct qopt items[QOPTS_MAX];
};

/* Parses str into out. implied_key names the key of a leading value with no
 * '=' (e.g. "type" for -netdev, "model" for -nic); NULL means none is allowed.
 * Returns 0, or -1 with a message in err naming the option. */
int qopts_parse(struct qopts *out, const char *option, const char *str,
                const char *implied_key, char *err, size_t errlen);
void qopts_free(struct qopts *o);

/* Getters mark the key used. A repeated key: the last one wins (as in QEMU);
 * qopts_next() walks all values of a repeatable key such as hostfwd. */
const char *qopts_get(struct qopts *o, const char *key);
const char *qopts_next(struct qopts *o, const char *key, int *cursor);
bool qopts_has(struct qopts *o, const char *key);
/* on/off/yes/no/true/false; -1 and a message in err when malformed. */
int qopts_get_bool(struct qopts *o, const char *key, bool def, bool *out, char *err, size_t errlen);
/* Decimal or 0x hex, with optional k/M/G suffix when allow_suffix. */
int qopts_get_u64(struct qopts *o, const char *key, uint64_t def, bool allow_suffix,
                  uint64_t *out, char *err, size_t errlen);
/* -1 with "option: invalid parameter 'key'" when a key was never read. */
int qopts_check_unused(struct qopts *o, char *err, size_t errlen);

/* Parses a size like QEMU's -m: "128", "128M", "1G", "512k" (default unit
 * default_unit, e.g. 1<<20 for -m). Returns -1 on junk or overflow. */
int parse_size(const char *s, uint64_t default_unit, uint64_t *out);

#endif
