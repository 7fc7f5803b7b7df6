/* The system calls newlib expects from its host (newlib's libc/include/sys
 * and "Porting newlib" in its documentation: sbrk, write, read, close, lseek,
 * fstat, isatty, kill, getpid, _exit ...): file descriptors 0-2 are the
 * consoles, higher ones are read-only views of the files efi_main read from
 * \baremu\ (so fopen/fread work on them), and the heap grows through sbrk
 * over pages claimed from the physical allocator. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/types.h>

#include "baremu/platform.h"
#include "kernel/bootinfo.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/loop.h"
#include "kernel/mm.h"

#undef errno
extern int errno;

static uint64_t heap_base, heap_brk, heap_claimed, heap_limit;

#define FIRST_FILE_FD 3
#define MAX_FDS 32
static struct { const struct boot_file *f; uint64_t pos; } fds[MAX_FDS];

static int file_fd(int fd)
{
    return fd >= FIRST_FILE_FD && fd < MAX_FDS && fds[fd].f;
}

/* The heap lives in the largest free run of RAM, claimed page by page as it
 * grows, so memory not yet used stays available to pmm_alloc (which takes
 * from the top down). */
void heap_init(void)
{
    uint64_t start, pages;
    pmm_largest_run(&start, &pages);
    heap_base = heap_brk = heap_claimed = start;
    heap_limit = start + pages * PAGE_SIZE;
}

void *sbrk(ptrdiff_t incr)
{
    uint64_t old = heap_brk;
    if (incr < 0) {
        if ((uint64_t)-incr > heap_brk - heap_base)
            goto fail;
        heap_brk -= (uint64_t)-incr;
        return (void *)(uintptr_t)old;
    }
    uint64_t want = heap_brk + (uint64_t)incr;
    if (want > heap_limit)
        goto fail;
    if (want > heap_claimed) {
        uint64_t end = (want + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        if (pmm_claim(heap_claimed, (end - heap_claimed) / PAGE_SIZE) != 0)
            goto fail;
        heap_claimed = end;
    }
    heap_brk = want;
    return (void *)(uintptr_t)old;
fail:
    errno = ENOMEM;
    return (void *)-1;
}

int write(int fd, const void *buf, size_t n)
{
    if (fd != 1 && fd != 2) {
        errno = file_fd(fd) ? EROFS : EBADF;
        return -1;
    }
    console_write(buf, n);
    return (int)n;
}

/* Blocks until at least one character arrives, idling with HLT between
 * interrupts (or polling when there are none). */
int read(int fd, void *buf, size_t n)
{
    if (file_fd(fd)) {
        const struct boot_file *f = fds[fd].f;
        uint64_t left = fds[fd].pos < f->size ? f->size - fds[fd].pos : 0;
        if (n > left)
            n = (size_t)left;
        memcpy(buf, (const char *)f->data + fds[fd].pos, n);
        fds[fd].pos += n;
        return (int)n;
    }
    if (fd != 0) {
        errno = EBADF;
        return -1;
    }
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        int c = console_getc();
        if (c < 0) {
            if (got)
                break;
            loop_wait_event();
            continue;
        }
        p[got++] = (char)c;
        if (c == '\n')
            break;
    }
    return (int)got;
}

int close(int fd)
{
    if (file_fd(fd))
        fds[fd].f = NULL;
    return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
    if (!file_fd(fd)) {
        errno = ESPIPE;
        return -1;
    }
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)fds[fd].pos
                 : whence == SEEK_END ? (int64_t)fds[fd].f->size : -1;
    if (base < 0 || base + off < 0) {
        errno = EINVAL;
        return -1;
    }
    fds[fd].pos = (uint64_t)(base + off);
    return (off_t)fds[fd].pos;
}

int isatty(int fd) { return fd >= 0 && fd <= 2; }

int fstat(int fd, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    if (file_fd(fd)) {
        st->st_mode = S_IFREG | 0444;
        st->st_size = (off_t)fds[fd].f->size;
        return 0;
    }
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

/* Boot files by name: "NAME", "/baremu/NAME", "\baremu\NAME" all work. An
 * other absolute path (a hosted config's /usr/share/seabios/bios.bin) is
 * looked up by its last component, since \baremu\ is all there is. */
const struct boot_file *boot_file_by_path(const char *path)
{
    int absolute = *path == '/' || *path == '\\';
    while (*path == '/' || *path == '\\')
        path++;
    if (!strncasecmp(path, "baremu", 6) && (path[6] == '/' || path[6] == '\\'))
        return boot_file_find(path + 7);
    if (absolute) {
        const char *base = strrchr(path, '/');
        if (base)
            path = base + 1;
    }
    return boot_file_find(path);
}

int open(const char *path, int flags, ...)
{
    const struct boot_file *f = boot_file_by_path(path);
    if (!f) {
        errno = ENOENT;
        return -1;
    }
    if ((flags & O_ACCMODE) != O_RDONLY) {
        errno = EROFS;
        return -1;
    }
    for (int fd = FIRST_FILE_FD; fd < MAX_FDS; fd++)
        if (!fds[fd].f) {
            fds[fd].f = f;
            fds[fd].pos = 0;
            return fd;
        }
    errno = EMFILE;
    return -1;
}
int unlink(const char *path) { (void)path; errno = ENOENT; return -1; }
int link(const char *a, const char *b) { (void)a; (void)b; errno = EMLINK; return -1; }
int stat(const char *path, struct stat *st)
{
    const struct boot_file *f = boot_file_by_path(path);
    if (!f) {
        errno = ENOENT;
        return -1;
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG | 0444;
    st->st_size = (off_t)f->size;
    return 0;
}
int getpid(void) { return 1; }
int kill(int pid, int sig)
{
    if (pid == 1)
        plat_panic("signal %d raised (abort?)", sig);
    errno = EINVAL;
    return -1;
}
int fork(void) { errno = EAGAIN; return -1; }
int execve(const char *p, char *const a[], char *const e[]) { (void)p; (void)a; (void)e; errno = ENOMEM; return -1; }
int wait(int *status) { (void)status; errno = ECHILD; return -1; }
int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz;
    uint64_t ns = plat_now_ns();
    int64_t s = plat_wall_time_s();
    tv->tv_sec = s;
    tv->tv_usec = (suseconds_t)(ns / 1000 % 1000000);
    return 0;
}
clock_t times(struct tms *t)
{
    clock_t c = (clock_t)(plat_now_ns() / (1000000000ull / CLOCKS_PER_SEC));
    t->tms_utime = c;
    t->tms_stime = t->tms_cutime = t->tms_cstime = 0;
    return c;
}

/* exit(): nothing to return to. Tests see the status through isa-debug-exit
 * (0 is reported as EXIT_OK); a real PC halts. */
_Noreturn void _exit(int status)
{
    console_printf("baremu: exit(%d)\n", status);
    debug_exit(status == 0 ? EXIT_OK : EXIT_PANIC);
    for (;;)
        __asm__ volatile("cli; hlt");
}
