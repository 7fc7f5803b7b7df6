/* What usernet-flowbench's modes share: frames into the stack under test
 * (baremu's net/user or libslirp), the poll loop, the uplink peer's port,
 * and the bulk-throughput mode (flowbench_bulk.c). */
#ifndef BAREMU_TESTS_USERNET_FLOWBENCH_H
#define BAREMU_TESTS_USERNET_FLOWBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool use_slirp;        /* libslirp under test, else baremu's net/user */
extern int base_port;         /* the crafted guest's first source port */
extern uint16_t peer_port;    /* the uplink peer's port on 127.0.0.1 */

uint64_t now_ns(void);
/* One guest frame into the stack (its answers come back through bulk_rx). */
void to_stack(const uint8_t *f, size_t len);
/* One round of the stack's event loop: uplink sockets and timers. */
void pump(int timeout_ms);

/* Bulk mode: the peer's side (child process, never returns) and the guest's
 * side; bulk_rx gets every IPv4 TCP frame the stack sends to the guest. */
void bulk_peer(int listen_fd, int report_fd, bool in, uint64_t bytes);
int bulk_run(const char *stack, bool in, uint64_t bytes, int report_fd);
void bulk_rx(const uint8_t *f, size_t len);

#endif
