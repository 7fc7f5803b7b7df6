/* The hosted build's read-only files (include/baremu/plat_file.h) on POSIX
 * open/pread, refusing anything that could leave the root: absolute paths,
 * ".." components, and non-regular files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baremu/plat_file.h"

struct plat_file {
    int fd;
    uint64_t size;
};

static int has_dotdot(const char *p)
{
    while (*p) {
        if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\\' || p[2] == 0))
            return 1;
        while (*p && *p != '/' && *p != '\\')
            p++;
        while (*p == '/' || *p == '\\')
            p++;
    }
    return 0;
}

struct plat_file *plat_file_open_ro(const char *root, const char *rel, const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    if (!root || !*root) {
        *why = "no root directory";
        return NULL;
    }
    if (!rel || !*rel || rel[0] == '/' || rel[0] == '\\' || has_dotdot(rel)) {
        *why = "path refused";
        return NULL;
    }
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", root, rel) >= (int)sizeof(path)) {
        *why = "path too long";
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *why = errno == ENOENT ? "file not found" : "access violation";
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *why = "not a regular file";
        return NULL;
    }
    struct plat_file *f = malloc(sizeof(*f));
    if (!f) {
        close(fd);
        *why = "out of memory";
        return NULL;
    }
    f->fd = fd;
    f->size = (uint64_t)st.st_size;
    return f;
}

uint64_t plat_file_size(struct plat_file *f)
{
    return f->size;
}

long plat_file_pread(struct plat_file *f, void *buf, size_t len, uint64_t offset)
{
    ssize_t n;
    do
        n = pread(f->fd, buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    return (long)n;
}

void plat_file_close(struct plat_file *f)
{
    if (f) {
        close(f->fd);
        free(f);
    }
}
