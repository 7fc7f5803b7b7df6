/* A small read-only file interface for network services that serve files
 * (the user-mode network's TFTP server). The hosted build implements it in
 * boot/posix/file.c; the bare-metal kernel may back it with the boot medium. */
#ifndef BAREMU_PLAT_FILE_H
#define BAREMU_PLAT_FILE_H

#include <stddef.h>
#include <stdint.h>

struct plat_file;

/* Opens root/rel for reading. rel must be relative and free of ".."
 * components (callers check too); regular files only. NULL when missing or
 * refused, with a short reason in *why. */
struct plat_file *plat_file_open_ro(const char *root, const char *rel, const char **why);
/* The file's size in bytes. */
uint64_t plat_file_size(struct plat_file *f);
/* Reads up to len bytes at offset; returns the count (0 at the end) or -1. */
long plat_file_pread(struct plat_file *f, void *buf, size_t len, uint64_t offset);
void plat_file_close(struct plat_file *f);

#endif
