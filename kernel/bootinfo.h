/* What efi_main hands to the kernel after ExitBootServices: the memory map in
 * the kernel's own terms, the GOP framebuffer, the ACPI RSDP, the files read
 * from the boot volume and the entry timestamp (UEFI spec 2.9 sections 7.2,
 * 12.9, 13.5 and 4.6 are where these come from). */
#ifndef BAREMU_KERNEL_BOOTINFO_H
#define BAREMU_KERNEL_BOOTINFO_H

#include <stdint.h>

enum boot_mem_kind {
    BOOT_MEM_FREE,         /* conventional memory */
    BOOT_MEM_BOOT_SVC,     /* boot services code/data: free once we left UEFI's tables */
    BOOT_MEM_KERNEL,       /* loader code/data: this image, its stack, boot files */
    BOOT_MEM_ACPI_RECLAIM,
    BOOT_MEM_ACPI_NVS,
    BOOT_MEM_RUNTIME,      /* runtime services code/data */
    BOOT_MEM_MMIO,
    BOOT_MEM_RESERVED,
    BOOT_MEM_KINDS
};

struct boot_mem {
    uint64_t base, size;
    uint32_t kind;
};

struct boot_fb {
    int present;
    uint64_t base, size;
    uint32_t width, height, stride;           /* stride in pixels */
    uint32_t red_mask, green_mask, blue_mask; /* 32-bit pixels */
};

#define BOOT_MAX_FILES 32
struct boot_file {
    char name[64];    /* file name inside \baremu\ */
    void *data;
    uint64_t size;
};

struct boot_info {
    uint64_t tsc_at_entry;          /* rdtsc at the top of efi_main */
    uint64_t image_base, image_size;
    uint64_t rsdp;                  /* physical address, 0 if none */
    int rsdp_revision;              /* 2 when taken from the ACPI 2.0 GUID */
    int64_t wall_time_s;            /* UEFI GetTime at entry, -1 if unknown */
    struct boot_fb fb;
    struct boot_mem *mem;
    uint32_t mem_count;
    struct boot_file files[BOOT_MAX_FILES];
    int file_count;
    const char *boot_error;         /* a problem met before ExitBootServices */
};

/* What efi_main found, for the rest of the kernel (set by kernel_main). */
extern const struct boot_info *kernel_boot_info;

/* The kernel's entry, called on its own stack with interrupts disabled. */
_Noreturn void kernel_main(struct boot_info *bi);

/* A file read from \baremu\ on the boot volume, or NULL. */
const struct boot_file *boot_file_find(const char *name);
/* The same, also accepting "/baremu/NAME" and "\baremu\NAME". */
const struct boot_file *boot_file_by_path(const char *path);

#endif
