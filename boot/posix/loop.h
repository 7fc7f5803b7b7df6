/* The hosted event loop: one thread that waits in poll() (net_host_poll) for
 * socket readiness or the earliest deadline of its clients, then runs them.
 * A client is anything with timed work: the network layer's timers, and the
 * PC machine (which runs guest instructions until its next_deadline and
 * returns, so sockets stay serviced). */
#ifndef BAREMU_BOOT_POSIX_LOOP_H
#define BAREMU_BOOT_POSIX_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "net/net_host.h"

struct loop_client {
    const char *name;
    /* Absolute plat_now_ns() time at which run must be called; UINT64_MAX
     * means "only when woken by I/O", 0 means "now" (a busy CPU). */
    uint64_t (*next_deadline)(void *opaque);
    /* Does the client's work up to now; must return promptly (a machine
     * returns after a time slice so sockets are polled). */
    void (*run)(void *opaque, uint64_t now_ns);
    void *opaque;
    struct loop_client *next;
};

void loop_add_client(struct loop_client *c);
void loop_remove_client(struct loop_client *c);

/* Runs until loop_quit(); returns the exit code given to it. */
int loop_run(void);
void loop_quit(int code);
bool loop_quitting(void);

/* Hosted-only extras of net_host.c for the loop's own descriptors (the
 * monitor on stdin): wraps an open descriptor as an hsock (read/write use
 * read()/write(); closing it leaves the descriptor open). */
struct hsock *hsock_wrap_fd(int fd, hsock_cb cb, void *ctx);
int hsock_fd(struct hsock *s);

#endif
