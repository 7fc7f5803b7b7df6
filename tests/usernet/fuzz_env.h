/* Shared set-up of the user-mode network's libFuzzer harnesses
 * (tests/fuzz/fuzz_usernet*.c): one -netdev user with a TFTP root, a DHCP
 * boot file and search list, DNS pointed at a loopback resolver that does
 * not exist, small table limits (so the refusal paths are reached), and a
 * sink port that records its output. Built with -DBAREMU_FUZZ, where the NAT
 * maps nothing outside loopback. */
#ifndef BAREMU_TESTS_USERNET_FUZZ_ENV_H
#define BAREMU_TESTS_USERNET_FUZZ_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lwip/timeouts.h"
#include "net/net_host.h"
#include "net/user/usernet.h"
#include "tests/usernet/frames.h"

static struct unet *fz_u;
static struct sink fz_sink;

static inline void fz_setup(void)
{
    if (fz_u)
        return;
    char path[] = "/tmp/fuzz-usernet-resolv-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        static const char line[] = "nameserver 127.0.0.1\n";
        if (write(fd, line, sizeof(line) - 1) < 0)
            abort();
        close(fd);
        setenv("BAREMU_RESOLV_CONF", path, 1);
    }
    mkdir("/tmp/fuzz-usernet-tftp", 0700);
    FILE *f = fopen("/tmp/fuzz-usernet-tftp/f", "w");
    if (f) {
        for (int i = 0; i < 3000; i++)
            fputc(i, f);
        fclose(f);
    }
    char err[256];
    fz_u = unet_create_str("user,id=fz,tftp=/tmp/fuzz-usernet-tftp,bootfile=f,hostname=h,"
                           "dnssearch=a.b,domainname=d.e,tftp-server-name=t",
                           err, sizeof(err));
    if (!fz_u) {
        fprintf(stderr, "fuzz: %s\n", err);
        abort();
    }
    unet_set_limits(fz_u, 8, 4, 8, 8, 4);
    net_port_register(&fz_sink.port, &sink_ops, "fuzz", "fuzzsink", &fz_sink);
    net_port_connect(&fz_sink.port, unet_port(fz_u));
}

static inline void fz_send(const uint8_t *f, size_t n)
{
    net_port_send(&fz_sink.port, f, n);
}

/* Runs the network's socket callbacks and timers once. */
static inline void fz_pump(void)
{
    net_host_poll(0);
    sys_check_timeouts();
}

#endif
