/* QEMU-style "key=value,..." option strings; see qopts.h and QEMU's
 * docs/devel/qapi-code-gen and util/qemu-option.c behaviour (",," escapes). */
#include "config/qopts.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Copies one ',' separated field starting at *p, turning ",," into ','. */
static char *take_field(const char **p)
{
    const char *s = *p;
    size_t cap = strlen(s) + 1, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    while (*s) {
        if (*s == ',') {
            if (s[1] == ',') {
                out[n++] = ',';
                s += 2;
                continue;
            }
            break;
        }
        out[n++] = *s++;
    }
    out[n] = 0;
    *p = (*s == ',') ? s + 1 : s;
    return out;
}

int qopts_parse(struct qopts *o, const char *option, const char *str,
                const char *implied_key, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->option = option;
    const char *p = str;
    bool first = true;
    if (!*p) {
        snprintf(err, errlen, "-%s: empty argument", option);
        return -1;
    }
    while (*p || first) {
        char *field = take_field(&p);
        if (!field)
            goto oom;
        if (!*field) {
            free(field);
            if (!*p)
                break;
            first = false;
            continue;
        }
        if (o->count == QOPTS_MAX) {
            free(field);
            snprintf(err, errlen, "-%s: too many parameters", option);
            qopts_free(o);
            return -1;
        }
        struct qopt *it = &o->items[o->count];
        char *eq = strchr(field, '=');
        if (eq) {
            *eq = 0;
            it->key = field;
            it->value = strdup(eq + 1);
            if (!it->value) {
                free(field);
                goto oom;
            }
        } else if (first && implied_key) {
            it->key = strdup(implied_key);
            it->value = field;
            if (!it->key) {
                free(field);
                goto oom;
            }
        } else {
            it->key = field;
            it->value = NULL;
        }
        if (!*it->key) {
            snprintf(err, errlen, "-%s: parameter with an empty name", option);
            o->count++;
            qopts_free(o);
            return -1;
        }
        o->count++;
        first = false;
    }
    return 0;
oom:
    snprintf(err, errlen, "-%s: out of memory", option);
    qopts_free(o);
    return -1;
}

void qopts_free(struct qopts *o)
{
    for (int i = 0; i < o->count; i++) {
        free(o->items[i].key);
        free(o->items[i].value);
    }
    o->count = 0;
}

const char *qopts_get(struct qopts *o, const char *key)
{
    const char *v = NULL;
    for (int i = 0; i < o->count; i++) {
        if (strcmp(o->items[i].key, key) == 0) {
            o->items[i].used = true;
            v = o->items[i].value ? o->items[i].value : "on";
        }
    }
    return v;
}

const char *qopts_next(struct qopts *o, const char *key, int *cursor)
{
    for (int i = *cursor; i < o->count; i++) {
        if (strcmp(o->items[i].key, key) == 0) {
            o->items[i].used = true;
            *cursor = i + 1;
            return o->items[i].value ? o->items[i].value : "on";
        }
    }
    *cursor = o->count;
    return NULL;
}

bool qopts_has(struct qopts *o, const char *key)
{
    for (int i = 0; i < o->count; i++)
        if (strcmp(o->items[i].key, key) == 0)
            return true;
    return false;
}

int qopts_get_bool(struct qopts *o, const char *key, bool def, bool *out, char *err, size_t errlen)
{
    const char *v = qopts_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true")) {
        *out = true;
        return 0;
    }
    if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false")) {
        *out = false;
        return 0;
    }
    snprintf(err, errlen, "-%s: parameter '%s' expects 'on' or 'off', not '%s'", o->option, key, v);
    return -1;
}

int parse_size(const char *s, uint64_t default_unit, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s)
        return -1;
    uint64_t unit = default_unit;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': unit = 1; break;
        case 'K': unit = 1ull << 10; break;
        case 'M': unit = 1ull << 20; break;
        case 'G': unit = 1ull << 30; break;
        case 'T': unit = 1ull << 40; break;
        default: return -1;
        }
        end++;
        if (*end == 'B' || *end == 'b' || (*end == 'i' && (end[1] == 'B' || end[1] == 'b')))
            end += (*end == 'i') ? 2 : 1;
        if (*end)
            return -1;
    }
    if (unit && v > UINT64_MAX / unit)
        return -1;
    *out = v * unit;
    return 0;
}

int qopts_get_u64(struct qopts *o, const char *key, uint64_t def, bool allow_suffix,
                  uint64_t *out, char *err, size_t errlen)
{
    const char *v = qopts_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (allow_suffix) {
        if (parse_size(v, 1, out) == 0)
            return 0;
    } else {
        errno = 0;
        char *end;
        unsigned long long n = strtoull(v, &end, 0);
        if (!errno && end != v && !*end && *v != '-') {
            *out = n;
            return 0;
        }
    }
    snprintf(err, errlen, "-%s: parameter '%s' expects a number, not '%s'", o->option, key, v);
    return -1;
}

int qopts_check_unused(struct qopts *o, char *err, size_t errlen)
{
    for (int i = 0; i < o->count; i++) {
        if (!o->items[i].used) {
            snprintf(err, errlen, "-%s: invalid parameter '%s'", o->option, o->items[i].key);
            return -1;
        }
    }
    return 0;
}
