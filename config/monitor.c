/* The monitor's command registry and interpreter, with QEMU's HMP names
 * (hmp-commands.hx, hmp-commands-info.hx): help, quit, info network,
 * set_link NAME on|off. Platform-independent; see monitor.h. */
#include "config/monitor.h"

#include <stdio.h>
#include <string.h>

#include "net/hub.h"
#include "net/port.h"

#define MAX_CMDS 48
#define MAX_WORDS 16

struct mon_cmd {
    char name[40];
    const char *args, *help;
    monitor_cmd_fn fn;
};

static struct mon_cmd cmds[MAX_CMDS];
static int ncmds;

void (*monitor_quit_hook)(void);

void mon_printf(struct monitor *m, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf))
        n = sizeof(buf) - 1;
    m->write(m->ctx, buf, (size_t)n);
}

int monitor_register(const char *name, const char *args, const char *help, monitor_cmd_fn fn)
{
    for (int i = 0; i < ncmds; i++)
        if (!strcmp(cmds[i].name, name)) {
            cmds[i].fn = fn;
            cmds[i].args = args;
            cmds[i].help = help;
            return 0;
        }
    if (ncmds == MAX_CMDS || strlen(name) >= sizeof(cmds[0].name))
        return -1;
    snprintf(cmds[ncmds].name, sizeof(cmds[0].name), "%s", name);
    cmds[ncmds].args = args ? args : "";
    cmds[ncmds].help = help ? help : "";
    cmds[ncmds].fn = fn;
    ncmds++;
    return 0;
}

static const struct mon_cmd *find(const char *name)
{
    for (int i = 0; i < ncmds; i++)
        if (!strcmp(cmds[i].name, name))
            return &cmds[i];
    return NULL;
}

int monitor_execute(struct monitor *m, const char *line)
{
    char buf[512];
    char *argv[MAX_WORDS];
    int argc = 0;
    snprintf(buf, sizeof(buf), "%s", line);
    for (char *p = buf; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            *p++ = 0;
        if (!*p)
            break;
        if (argc == MAX_WORDS) {
            mon_printf(m, "too many arguments\n");
            return -1;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            p++;
    }
    if (argc == 0)
        return 0;
    char name[96];
    const struct mon_cmd *c;
    if (!strcmp(argv[0], "info")) {
        if (argc < 2) {
            mon_printf(m, "info: which information? (help info)\n");
            return -1;
        }
        snprintf(name, sizeof(name), "info %s", argv[1]);
        c = find(name);
    } else {
        snprintf(name, sizeof(name), "%s", argv[0]);
        c = find(name);
    }
    if (!c) {
        mon_printf(m, "unknown command: '%s'\n", name);
        return -1;
    }
    return c->fn(m, argc, argv);
}

static int cmd_help(struct monitor *m, int argc, char **argv)
{
    bool only_info = argc > 1 && !strcmp(argv[1], "info");
    for (int i = 0; i < ncmds; i++) {
        bool is_info = !strncmp(cmds[i].name, "info ", 5);
        if (only_info && !is_info)
            continue;
        mon_printf(m, "%s%s%s -- %s\n", cmds[i].name, *cmds[i].args ? " " : "", cmds[i].args,
                   cmds[i].help);
    }
    return 0;
}

static int cmd_quit(struct monitor *m, int argc, char **argv)
{
    m->quit = true;
    if (monitor_quit_hook)
        monitor_quit_hook();
    return 0;
}

static void print_port(struct monitor *m, const char *indent, struct net_port *p)
{
    char desc[512] = "";
    if (p->ops->describe)
        p->ops->describe(p, desc, sizeof(desc));
    mon_printf(m, "%s%s: type=%s%s%s%s rx=%llu/%lluB tx=%llu/%lluB dropped=%llu queued=%u "
               "queued_max=%llu\n", indent, p->id, p->kind, *desc ? " " : "", desc,
               p->link_down ? " (link down)" : "",
               (unsigned long long)p->stats.rx_frames, (unsigned long long)p->stats.rx_bytes,
               (unsigned long long)p->stats.tx_frames, (unsigned long long)p->stats.tx_bytes,
               (unsigned long long)p->stats.dropped, net_port_queued(p),
               (unsigned long long)p->stats.queued_max);
}

static int cmd_info_network(struct monitor *m, int argc, char **argv)
{
    /* As QEMU: hubs with their ports and each port's peer, then the other
     * ports with their peers. */
    for (int h = net_hub_next(-1); h >= 0; h = net_hub_next(h)) {
        mon_printf(m, "hub %d\n", h);
        for (struct net_port *p = net_hub_next_port(h, NULL); p; p = net_hub_next_port(h, p)) {
            print_port(m, " \\ ", p);
            if (p->peer)
                print_port(m, "    \\ ", p->peer);
        }
    }
    for (struct net_port *p = net_port_first(); p; p = p->next_all) {
        if (net_hub_id_of(p) >= 0 || (p->peer && net_hub_id_of(p->peer) >= 0))
            continue;
        print_port(m, "", p);
        if (p->peer)
            print_port(m, " \\ ", p->peer);
    }
    return 0;
}

static int cmd_set_link(struct monitor *m, int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
        mon_printf(m, "usage: set_link NAME on|off\n");
        return -1;
    }
    struct net_port *p = net_port_find(argv[1]);
    if (!p) {
        mon_printf(m, "Device '%s' not found\n", argv[1]);
        return -1;
    }
    net_port_set_link(p, !strcmp(argv[2], "on"));
    return 0;
}

void monitor_register_builtin(void)
{
    monitor_register("help", "[info]", "list the commands", cmd_help);
    monitor_register("quit", "", "quit the emulator", cmd_quit);
    monitor_register("info network", "", "show the hubs, ports, peers and counters",
                     cmd_info_network);
    monitor_register("set_link", "NAME on|off", "change the link state of a port", cmd_set_link);
}
