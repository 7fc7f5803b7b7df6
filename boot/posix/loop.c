/* The hosted event loop (see loop.h): wait in poll() until the earliest
 * client deadline, then run every client whose deadline has come. SIGINT and
 * SIGTERM end the loop cleanly so pcap files are flushed. */
#include "boot/posix/loop.h"

#include <signal.h>
#include <stddef.h>

#include "baremu/platform.h"

static struct loop_client *clients;
static volatile sig_atomic_t quit_requested;
static int quit_code;

void loop_add_client(struct loop_client *c)
{
    c->next = clients;
    clients = c;
}

void loop_remove_client(struct loop_client *c)
{
    for (struct loop_client **pp = &clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            return;
        }
}

void loop_quit(int code)
{
    quit_code = code;
    quit_requested = 1;
}

bool loop_quitting(void)
{
    return quit_requested != 0;
}

static void on_signal(int sig)
{
    (void)sig;
    quit_requested = 1;
}

int loop_run(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!quit_requested) {
        uint64_t now = plat_now_ns();
        uint64_t first = UINT64_MAX;
        for (struct loop_client *c = clients; c; c = c->next) {
            uint64_t d = c->next_deadline ? c->next_deadline(c->opaque) : UINT64_MAX;
            if (d < first)
                first = d;
        }
        uint64_t wait = first == UINT64_MAX ? UINT64_MAX : first > now ? first - now : 0;
        /* Wake at least once a second so a signal's quit flag is seen even
         * when poll() restarts. */
        if (wait > 1000000000ull)
            wait = 1000000000ull;
        if (net_host_poll(wait) < 0) {
            LOGE("loop", "poll failed");
            return 1;
        }
        now = plat_now_ns();
        for (struct loop_client *c = clients, *next; c; c = next) {
            next = c->next;   /* run may remove its own client */
            uint64_t d = c->next_deadline ? c->next_deadline(c->opaque) : UINT64_MAX;
            if (d <= now && c->run)
                c->run(c->opaque, now);
        }
    }
    return quit_code;
}
