/* The public face of user-mode networking (QEMU's -netdev user, libslirp's
 * role): create a backend from its option string, reach its port, add and
 * remove host forwards (the monitor's hostfwd_add/hostfwd_remove), and run its
 * timers. Everything else is internal to net/user/. */
#ifndef BAREMU_NET_USERNET_H
#define BAREMU_NET_USERNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_port;
struct qopts;
struct unet;

/* Creates the backend from parsed -netdev options (type=user already
 * consumed by the caller; id NULL: read id= here, or make one up). Every other key is read; unknown
 * keys are left unused for the caller's qopts_check_unused(). Returns NULL
 * with a QEMU-like message in err on a bad option or combination. */
struct unet *unet_create(struct qopts *o, const char *id, char *err, size_t errlen);
/* Convenience for tests and tools: "user,id=u0,net=..." in one string. */
struct unet *unet_create_str(const char *opts, char *err, size_t errlen);
void unet_destroy(struct unet *u);

struct net_port *unet_port(struct unet *u);

/* "tcp:[hostaddr]:hostport-[guestaddr]:guestport" (udp: too). -1 + err. */
int unet_hostfwd_add(struct unet *u, const char *spec, char *err, size_t errlen);
/* "[tcp|udp]:[hostaddr]:hostport"; -1 + err when no such forward. */
int unet_hostfwd_remove(struct unet *u, const char *spec, char *err, size_t errlen);

/* Runs due lwIP and user-net timers. The backend keeps a net_timer armed
 * for them (net/timer.h), so an event loop running net timers needs nothing
 * else; tests without a loop may call this directly. */
void unet_poll_timers(void);
uint32_t unet_timer_interval_ms(void);

/* Registers the "user" backend type (net_backend_register) and the monitor
 * commands hostfwd_add / hostfwd_remove. */
void unet_register(void);
/* Diagnostics: lwIP's connected TCP pcbs (all user networks), and how
 * many of them are in TIME_WAIT (*time_wait, may be NULL). */
int unet_tcp_pcb_count(int *time_wait);
/* The user networks, newest first (monitor lookups). */
struct unet *unet_first(void);

#endif
