/* The I/O port space; see io.h. A 64 Ki-entry table of handler indices keeps
 * dispatch to one load and one indirect call. */
#include "emu/io.h"

#include <stdlib.h>
#include <string.h>

#define IO_MAX_HANDLERS 255

struct io_handler {
    const struct io_ops *ops;
    void *opaque;
    const char *name;
};

struct io_bus {
    uint8_t owner[65536];                        /* 0 = unclaimed, else handler index */
    struct io_handler handlers[IO_MAX_HANDLERS + 1];
    int count;
};

struct io_bus *io_bus_create(void)
{
    return calloc(1, sizeof(struct io_bus));
}

void io_bus_destroy(struct io_bus *b)
{
    free(b);
}

/* The handler index of (ops, opaque), or 0 if it has none. */
static int handler_of(const struct io_bus *b, const struct io_ops *ops, void *opaque)
{
    for (int i = 1; i <= b->count; i++)
        if (b->handlers[i].ops == ops && b->handlers[i].opaque == opaque)
            return i;
    return 0;
}

int io_register(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                void *opaque, const char *name)
{
    if (count == 0 || base + count > 65536u)
        return -1;
    int idx = 0;
    for (int i = 1; i <= b->count; i++) {
        if (b->handlers[i].ops == ops && b->handlers[i].opaque == opaque) {
            idx = i;
            break;
        }
    }
    if (!idx) {
        if (b->count == IO_MAX_HANDLERS)
            return -1;
        idx = ++b->count;
        b->handlers[idx] = (struct io_handler){ops, opaque, name};
    }
    memset(&b->owner[base], idx, count);
    return 0;
}

void io_unregister(struct io_bus *b, uint16_t base, uint32_t count)
{
    if (base + count > 65536u)
        count = 65536u - base;
    memset(&b->owner[base], 0, count);
}

void io_register_free(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                      void *opaque, const char *name)
{
    if (count == 0 || base + count > 65536u)
        return;
    int idx = handler_of(b, ops, opaque);
    if (!idx) {
        if (b->count == IO_MAX_HANDLERS)
            return;
        idx = ++b->count;
        b->handlers[idx] = (struct io_handler){ops, opaque, name};
    }
    for (uint32_t p = base; p < base + count; p++)
        if (!b->owner[p])
            b->owner[p] = (uint8_t)idx;
}

void io_unregister_owned(struct io_bus *b, uint16_t base, uint32_t count, const struct io_ops *ops,
                         void *opaque)
{
    int idx = handler_of(b, ops, opaque);
    if (!idx)
        return;
    if (base + count > 65536u)
        count = 65536u - base;
    for (uint32_t p = base; p < base + count; p++)
        if (b->owner[p] == idx)
            b->owner[p] = 0;
}

uint32_t io_read(struct io_bus *b, uint16_t port, unsigned size)
{
    const struct io_handler *h = &b->handlers[b->owner[port]];
    if (!h->ops || !h->ops->read)
        return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
    return h->ops->read(h->opaque, port, size);
}

void io_write(struct io_bus *b, uint16_t port, uint32_t value, unsigned size)
{
    const struct io_handler *h = &b->handlers[b->owner[port]];
    if (h->ops && h->ops->write)
        h->ops->write(h->opaque, port, value, size);
}

const char *io_owner(const struct io_bus *b, uint16_t port)
{
    return b->owner[port] ? b->handlers[b->owner[port]].name : NULL;
}
