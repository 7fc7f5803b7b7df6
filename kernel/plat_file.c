/* The bare-metal kernel's read-only files (include/baremu/plat_file.h) for the
 * TFTP server: files loaded from the boot volume's \baremu\ folder, found as
 * ROOT/REL (the root is a folder name inside \baremu\, or empty). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baremu/plat_file.h"
#include "kernel/bootinfo.h"

struct plat_file {
    const struct boot_file *f;
};

struct plat_file *plat_file_open_ro(const char *root, const char *rel, const char **why)
{
    if (!rel || rel[0] == '/' || rel[0] == '\\' || strstr(rel, "..")) {
        *why = "path refused";
        return NULL;
    }
    char path[256];
    int n = root && root[0] ? snprintf(path, sizeof(path), "%s/%s", root, rel)
                            : snprintf(path, sizeof(path), "%s", rel);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        *why = "path too long";
        return NULL;
    }
    const struct boot_file *f = boot_file_by_path(path);
    if (!f) {
        *why = "file not found";
        return NULL;
    }
    struct plat_file *pf = malloc(sizeof(*pf));
    if (!pf) {
        *why = "out of memory";
        return NULL;
    }
    pf->f = f;
    return pf;
}

uint64_t plat_file_size(struct plat_file *f)
{
    return f->f->size;
}

long plat_file_pread(struct plat_file *f, void *buf, size_t len, uint64_t offset)
{
    if (offset >= f->f->size)
        return 0;
    if (len > f->f->size - offset)
        len = (size_t)(f->f->size - offset);
    memcpy(buf, (const uint8_t *)f->f->data + offset, len);
    return (long)len;
}

void plat_file_close(struct plat_file *f)
{
    free(f);
}
