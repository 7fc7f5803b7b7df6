/* QEMU-syntax command-line and config-file parsing; see options.h. The table
 * lists every option baremu knows, with QEMU's names (qemu-options.hx). */
#include "config/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct option_def option_table[] = {
    /* machine */
    {"machine", true, "TYPE[,...]", "machine type: pc (default) or none (network only)"},
    {"M", true, "TYPE", "same as -machine"},
    {"m", true, "SIZE", "guest RAM (default 128M)"},
    {"cpu", true, "MODEL", "CPU model (accepted for compatibility)"},
    {"smp", true, "[cpus=]1[,sockets=1,cores=1,threads=1,maxcpus=1]", "guest CPUs (one: more are refused)"},
    {"bios", true, "FILE", "guest firmware image (default SeaBIOS)"},
    {"kernel", true, "FILE", "Linux kernel for direct boot"},
    {"initrd", true, "FILE", "initial ramdisk for direct boot"},
    {"append", true, "CMDLINE", "kernel command line for direct boot"},
    {"hda", true, "FILE", "IDE primary master disk image"},
    {"hdb", true, "FILE", "IDE primary slave disk image"},
    {"hdc", true, "FILE", "IDE secondary master disk image"},
    {"hdd", true, "FILE", "IDE secondary slave disk image"},
    {"cdrom", true, "FILE", "ISO image on the IDE secondary master CD-ROM"},
    {"drive", true, "file=FILE[,format=raw][,if=ide][,media=disk|cdrom][,index=N][,readonly=on]", "a drive"},
    {"snapshot", false, NULL, "write disk changes to memory, never to the images"},
    {"boot", true, "[order=]DRIVES", "boot order: a, c (disk), d (CD), n (network)"},
    {"rtc", true, "base=utc|localtime|DATE", "guest clock start"},
    {"accel", true, "tcg[,thread=single]", "accelerator: tcg (baremu interprets; kvm is not available)"},
    {"enable-kvm", false, NULL, "refused: KVM is not available"},
    {"icount", true, "shift=N", "deterministic time: guest time follows executed instructions"},
    {"device", true, "DRIVER[,...]", "add a device (NICs, isa-debug-exit ...)"},
    {"global", true, "DRIVER.PROP=VALUE", "set a device property"},
    {"no-reboot", false, NULL, "exit instead of rebooting the guest"},
    {"no-shutdown", false, NULL, "stop instead of exiting on guest power-off"},
    {"S", false, NULL, "do not start the CPU at startup"},
    /* display and character devices */
    {"nographic", false, NULL, "no display; serial and monitor on stdio"},
    {"display", true, "none", "display backend"},
    {"vga", true, "std|none", "VGA card"},
    {"serial", true, "stdio|mon:stdio|file:PATH|null|none", "first (next) serial port backend"},
    {"chardev", true, "BACKEND,id=ID[,...]", "a character device"},
    {"monitor", true, "stdio|tcp:HOST:PORT,server[,nowait]|none", "monitor"},
    {"debugcon", true, "stdio|file:PATH|null", "the 0x402/0xe9 debug console"},
    /* network */
    {"netdev", true, "TYPE,id=ID[,...]", "network backend: user, socket, stream, dgram, hubport, tap, bridge"},
    {"net", true, "nic|user|socket|...[,vlan=N]", "legacy network option (hub 0 unless vlan=)"},
    {"nic", true, "[TYPE][,model=M][,mac=MAC][,...]", "NIC with its backend in one option"},
    {"object", true, "filter-dump,id=ID,netdev=ID,file=PATH[,maxlen=N]", "an object (filter-dump)"},
    /* appliance and test helpers */
    {"fault", true, "none|ud|gp|pf|de", "bare-metal self test: raise this exception after boot"},
    {"exit-after-boot", false, NULL, "bare-metal self test: exit through isa-debug-exit when up"},
    {"exit-with-guest", false, NULL, "bare metal: when the guest stops, exit through isa-debug-exit with its status"},
    {"uplink", true, "ethN|MAC|none[,ip=A.B.C.D/LEN][,gw=A.B.C.D][,dns=A.B.C.D]",
     "bare metal: the real NIC that carries the appliance's own address (default eth0, DHCP)"},
    {"uplink-echo", false, NULL, "bare metal: TCP echo service (RFC 862) on port 7 of the uplink"},
    {"uplink-ping", true, "A.B.C.D", "bare metal: ping this address 3 times once the uplink has its address"},
    {"uplink-resolve", true, "NAME", "bare metal: look NAME up with the uplink's DNS resolver once it has its address (up to 4)"},
    {"nic-stats", true, "SECONDS", "bare metal: log every real NIC's counters this often"},
    {"nic-poll", false, NULL, "bare metal: poll the real NICs instead of taking their interrupts"},
    {"d", true, "ITEMS", "debug log items (accepted; see --help)"},
    {"D", true, "FILE", "log to FILE"},
    {"name", true, "NAME", "guest name"},
    {"daemonize", false, NULL, "not supported: run in the foreground"},
    {NULL, false, NULL, NULL},
};

static const struct option_def *lookup(const char *name)
{
    for (const struct option_def *d = option_table; d->name; d++)
        if (strcmp(d->name, name) == 0)
            return d;
    return NULL;
}

void options_init(struct options *o)
{
    memset(o, 0, sizeof(*o));
}

void options_free(struct options *o)
{
    for (int i = 0; i < o->owned_count; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->items);
    memset(o, 0, sizeof(*o));
}

static int push(struct options *o, const struct option_def *d, const char *arg, const char *origin)
{
    if (o->count == o->cap) {
        int ncap = o->cap ? o->cap * 2 : 32;
        struct option_item *n = realloc(o->items, (size_t)ncap * sizeof(*n));
        if (!n)
            return -1;
        o->items = n;
        o->cap = ncap;
    }
    o->items[o->count++] = (struct option_item){d, arg, origin, false};
    return 0;
}

static char *own(struct options *o, char *s)
{
    if (!s)
        return NULL;
    if (o->owned_count == o->owned_cap) {
        int ncap = o->owned_cap ? o->owned_cap * 2 : 32;
        char **n = realloc(o->owned, (size_t)ncap * sizeof(*n));
        if (!n) {
            free(s);
            return NULL;
        }
        o->owned = n;
        o->owned_cap = ncap;
    }
    o->owned[o->owned_count++] = s;
    return s;
}

/* Shared by argv and config files: words[i] is an option, maybe with an
 * argument. On the command line a word that is not an option is the disk
 * image of IDE disk 0, as in QEMU's "qemu-system-i386 [options]
 * [disk_image]"; in a config file it is an error (most likely a typo). */
static int parse_words(struct options *o, int n, char **words, const char *origin,
                       bool disk_image_words, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        const char *w = words[i];
        if (disk_image_words && w[0] && w[0] != '-') {
            if (push(o, lookup("hda"), w, origin) < 0) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            continue;
        }
        if (w[0] != '-' || !w[1]) {
            snprintf(err, errlen, "%s: '%s' is not an option (options start with '-')", origin, w);
            return -1;
        }
        const char *name = w + 1 + (w[1] == '-');
        const struct option_def *d = lookup(name);
        if (!d) {
            snprintf(err, errlen, "%s: -%s: invalid option", origin, name);
            return -1;
        }
        const char *arg = NULL;
        if (d->has_arg) {
            if (i + 1 >= n) {
                snprintf(err, errlen, "%s: -%s: requires an argument (%s)", origin, name, d->arg_help);
                return -1;
            }
            arg = words[++i];
        }
        if (push(o, d, arg, origin) < 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

int options_parse_argv(struct options *o, int argc, char **argv, int first, char *err, size_t errlen)
{
    return parse_words(o, argc - first, argv + first, "command line", true, err, errlen);
}

int options_parse_text(struct options *o, const char *text, const char *origin,
                       char *err, size_t errlen)
{
    int line = 1;
    const char *p = text;
    while (*p) {
        /* Split one line into words: blanks separate, "..." groups, # comments. */
        char *words[64];
        int n = 0;
        char loc[256];
        snprintf(loc, sizeof(loc), "%s:%d", origin, line);
        while (*p && *p != '\n') {
            while (*p == ' ' || *p == '\t' || *p == '\r')
                p++;
            if (!*p || *p == '\n')
                break;
            if (*p == '#') {
                while (*p && *p != '\n')
                    p++;
                break;
            }
            char buf[1024];
            size_t len = 0;
            /* Quotes as in a shell: "..." and '...' group words and are
             * removed; inside one kind the other is literal, so a kernel
             * command line can carry its own quoted value, e.g.
             * -append 'console=ttyS0 baremu.cmd="a b"'. */
            char quoted = 0;
            while (*p && *p != '\n' && (quoted || (*p != ' ' && *p != '\t' && *p != '\r'))) {
                if ((*p == '"' || *p == '\'') && (!quoted || quoted == *p)) {
                    quoted = quoted ? 0 : *p;
                    p++;
                    continue;
                }
                if (len + 1 >= sizeof(buf)) {
                    snprintf(err, errlen, "%s: word too long", loc);
                    return -1;
                }
                buf[len++] = *p++;
            }
            if (quoted) {
                snprintf(err, errlen, "%s: unterminated quote", loc);
                return -1;
            }
            buf[len] = 0;
            if (n == (int)(sizeof(words) / sizeof(words[0]))) {
                snprintf(err, errlen, "%s: too many words on one line", loc);
                return -1;
            }
            words[n] = own(o, strdup(buf));
            if (!words[n]) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            n++;
        }
        if (n) {
            char *where = own(o, strdup(loc));
            if (!where || parse_words(o, n, words, where, false, err, errlen) < 0) {
                if (!where)
                    snprintf(err, errlen, "out of memory");
                return -1;
            }
        }
        if (*p == '\n')
            p++;
        line++;
    }
    return 0;
}

const struct option_item *options_next(struct options *o, const char *name, int *cursor)
{
    for (int i = *cursor; i < o->count; i++) {
        struct option_item *it = &o->items[i];
        if (strcmp(it->def->name, name) == 0) {
            it->used = true;
            *cursor = i + 1;
            return it;
        }
    }
    *cursor = o->count;
    return NULL;
}

const char *options_last(struct options *o, const char *name)
{
    const char *v = NULL;
    int cur = 0;
    const struct option_item *it;
    while ((it = options_next(o, name, &cur)))
        v = it->arg ? it->arg : "on";
    return v;
}

bool options_flag(struct options *o, const char *name)
{
    return options_last(o, name) != NULL;
}

int options_check_used(struct options *o, char *err, size_t errlen)
{
    for (int i = 0; i < o->count; i++) {
        if (!o->items[i].used) {
            snprintf(err, errlen, "%s: -%s: not supported by this build", o->items[i].origin,
                     o->items[i].def->name);
            return -1;
        }
    }
    return 0;
}

void options_print_help(void (*out)(const char *line, void *ctx), void *ctx)
{
    char line[256];
    for (const struct option_def *d = option_table; d->name; d++) {
        char head[128];
        snprintf(head, sizeof(head), "-%s%s%s", d->name, d->has_arg ? " " : "",
                 d->has_arg ? d->arg_help : "");
        snprintf(line, sizeof(line), "  %-40s %s", head, d->help);
        out(line, ctx);
    }
}
