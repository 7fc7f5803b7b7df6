/* The shared interpreter of the NIC fuzzers (fuzz_nic_*.c): the input is a
 * program of guest-driver and network actions on one freshly made NIC in
 * 1 MiB of guest RAM (tests/unit/nic_harness.h): register writes and reads
 * (offset, value and width from the input), writes of descriptor/buffer
 * bytes into the first 128 KiB of RAM where the model's rings were set up,
 * frames from the network, link changes and resets. Any crash, sanitizer
 * report or hang is a bug: guest input must only ever be dropped. */
#ifndef BAREMU_TESTS_NIC_FUZZ_H
#define BAREMU_TESTS_NIC_FUZZ_H

#define NH_RAM (1u << 20)
#include "tests/unit/nic_harness.h"

/* Provided by each fuzzer. */
static struct nic *fz_create(struct nic_harness *h);
static void fz_setup(struct nic_harness *h);   /* a driver-like starting state */
static uint32_t fz_reg_space(void);              /* register window size */
static uint32_t fz_read(struct nic_harness *h, uint32_t off, unsigned size);
static void fz_write(struct nic_harness *h, uint32_t off, uint32_t v, unsigned size);

struct fz_in {
    const uint8_t *p;
    size_t left;
};

static uint32_t fz_take(struct fz_in *in, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n && in->left; i++, in->left--)
        v |= (uint32_t)*in->p++ << (8 * i);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct nic_harness h;
    static uint8_t frame[2048];
    static bool ready;
    if (!ready) {
        /* One bench for the whole run (making guest RAM is the slow part);
         * every input starts from a power-on NIC, empty queues and zeroed
         * RAM so that it replays the same. */
        nh_init(&h);
        nh_attach(&h, fz_create(&h));
        ready = true;
    }
    struct net_port *p = &h.nic->port;
    const struct net_port_ops *ops = p->ops;
    const char *kind = p->kind;
    net_port_unregister(p);
    net_port_register(p, ops, kind, "fz", h.nic);
    net_port_connect(p, &h.peer);
    p->link_down = false;
    h.peer.link_down = false;
    memset(nh_ram(&h, 0), 0, NH_RAM);
    h.nic->reset(h.nic);
    fz_setup(&h);
    struct fz_in in = {data, size};
    for (int steps = 0; in.left && steps < 256; steps++) {
        unsigned op = fz_take(&in, 1) % 8;
        switch (op) {
        case 0: case 1: {   /* register write */
            unsigned sz = 1u << (fz_take(&in, 1) % 3);
            uint32_t off = fz_take(&in, 2) % fz_reg_space();
            off &= ~(sz - 1);
            fz_write(&h, off, fz_take(&in, sz), sz);
            break;
        }
        case 2: {           /* register read */
            unsigned sz = 1u << (fz_take(&in, 1) % 3);
            uint32_t off = fz_take(&in, 2) % fz_reg_space();
            (void)fz_read(&h, off & ~(sz - 1), sz);
            break;
        }
        case 3: case 4: {   /* guest memory: descriptors and buffers */
            uint32_t addr = fz_take(&in, 3) % 0x20000u;
            unsigned n = fz_take(&in, 1) % 33;
            for (unsigned i = 0; i < n; i++)
                nh_ram(&h, 0)[(addr + i) % 0x20000u] = (uint8_t)fz_take(&in, 1);
            break;
        }
        case 5: {           /* a frame from the network */
            unsigned len = fz_take(&in, 2) % sizeof(frame);
            unsigned kind = fz_take(&in, 1);
            memset(frame, 0, 14);
            if (kind & 1)
                memset(frame, 0xff, 6);                /* broadcast */
            else
                memcpy(frame, "\x52\x54\x00\x12\x34\x56", 6);
            for (unsigned i = 6; i < len; i++)
                frame[i] = in.left ? (uint8_t)fz_take(&in, 1) : (uint8_t)i;
            nh_inject(&h, frame, len);
            break;
        }
        case 6:             /* set_link */
            net_port_set_link(&h.peer, fz_take(&in, 1) & 1);
            break;
        default:            /* machine reset */
            if (fz_take(&in, 1) == 0x5a)
                h.nic->reset(h.nic);
            break;
        }
    }
    nh_free_frames(&h);
    return 0;
}

#endif
