/* The UEFI entry point: collects what the kernel needs from the firmware (memory
 * map, GOP framebuffer, ACPI RSDP, the files of \baremu\ on the boot volume),
 * leaves boot services and jumps to kernel_main on a stack of its own.
 * Follows UEFI spec 2.9: 7.2 (GetMemoryMap, ExitBootServices and its map-key
 * retry), 9.1 (loaded image), 13.4-13.5 (simple file system, file protocol),
 * 12.9 (GOP), 4.6 (configuration table GUIDs for ACPI). */
#include <efi.h>
#include <efilib.h>

#include "kernel/bootinfo.h"
#include "kernel/cpu.h"

#define KSTACK_BYTES (512u * 1024u)
#define MAP_SLACK_DESCS 64   /* our own allocations between sizing and fetching */

static struct boot_info bi;

/* Pages of EfiLoaderData (the kernel keeps those; boot services memory is
 * recycled). NULL on failure. */
static void *alloc_pages(UINTN bytes)
{
    EFI_PHYSICAL_ADDRESS addr = 0;
    UINTN pages = (bytes + 4095) / 4096;
    if (uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, pages, &addr) != EFI_SUCCESS)
        return NULL;
    return (void *)(UINTN)addr;
}

static void ascii_name(char *dst, UINTN cap, const CHAR16 *src)
{
    UINTN i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = src[i] < 0x80 ? (char)src[i] : '?';
    dst[i] = 0;
}

/* Reads every regular file of \baremu\ on the volume this image came from. */
static void load_boot_files(EFI_HANDLE image)
{
    EFI_LOADED_IMAGE *li = NULL;
    EFI_FILE_IO_INTERFACE *fs = NULL;
    EFI_FILE_HANDLE root = NULL, dir = NULL;
    if (uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li) != EFI_SUCCESS)
        return;
    bi.image_base = (uint64_t)(UINTN)li->ImageBase;
    bi.image_size = li->ImageSize;
    if (uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle, &FileSystemProtocol, (void **)&fs) != EFI_SUCCESS)
        return;
    if (uefi_call_wrapper(fs->OpenVolume, 2, fs, &root) != EFI_SUCCESS)
        return;
    if (uefi_call_wrapper(root->Open, 5, root, &dir, L"\\baremu", EFI_FILE_MODE_READ, 0) != EFI_SUCCESS) {
        uefi_call_wrapper(root->Close, 1, root);
        return;
    }
    static UINT8 infobuf[1024] __attribute__((aligned(8)));
    for (;;) {
        UINTN sz = sizeof(infobuf);
        if (uefi_call_wrapper(dir->Read, 3, dir, &sz, infobuf) != EFI_SUCCESS || sz == 0)
            break;
        EFI_FILE_INFO *info = (EFI_FILE_INFO *)infobuf;
        if (info->Attribute & EFI_FILE_DIRECTORY)
            continue;
        if (bi.file_count == BOOT_MAX_FILES) {
            bi.boot_error = "too many files in \\baremu\\ (the rest were not loaded)";
            break;
        }
        struct boot_file *f = &bi.files[bi.file_count];
        ascii_name(f->name, sizeof(f->name), info->FileName);
        EFI_FILE_HANDLE fh = NULL;
        if (uefi_call_wrapper(dir->Open, 5, dir, &fh, info->FileName, EFI_FILE_MODE_READ, 0) != EFI_SUCCESS)
            continue;
        UINTN len = info->FileSize;
        /* One spare byte so text files can be NUL-terminated in place. */
        void *data = alloc_pages(len + 1);
        if (data && uefi_call_wrapper(fh->Read, 3, fh, &len, data) == EFI_SUCCESS) {
            ((char *)data)[len] = 0;
            f->data = data;
            f->size = len;
            bi.file_count++;
        } else if (!data) {
            bi.boot_error = "out of memory reading \\baremu\\";
        }
        uefi_call_wrapper(fh->Close, 1, fh);
    }
    uefi_call_wrapper(dir->Close, 1, dir);
    uefi_call_wrapper(root->Close, 1, root);
}

static void find_framebuffer(void)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    if (uefi_call_wrapper(BS->LocateProtocol, 3, &GraphicsOutputProtocol, NULL, (void **)&gop) != EFI_SUCCESS || !gop)
        return;
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *m = gop->Mode->Info;
    uint32_t r, g, b;
    switch (m->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor: r = 0xff; g = 0xff00; b = 0xff0000; break;
    case PixelBlueGreenRedReserved8BitPerColor: r = 0xff0000; g = 0xff00; b = 0xff; break;
    case PixelBitMask:
        r = m->PixelInformation.RedMask; g = m->PixelInformation.GreenMask; b = m->PixelInformation.BlueMask;
        break;
    default: return;   /* PixelBltOnly: no linear framebuffer to draw on */
    }
    bi.fb.present = 1;
    bi.fb.base = gop->Mode->FrameBufferBase;
    bi.fb.size = gop->Mode->FrameBufferSize;
    bi.fb.width = m->HorizontalResolution;
    bi.fb.height = m->VerticalResolution;
    bi.fb.stride = m->PixelsPerScanLine;
    bi.fb.red_mask = r; bi.fb.green_mask = g; bi.fb.blue_mask = b;
}

/* ACPI 2.0+ RSDP (XSDT) is preferred over the 1.0 one (RSDT only). */
static void find_rsdp(void)
{
    EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
        if (!CompareGuid(&t->VendorGuid, &acpi20)) {
            bi.rsdp = (uint64_t)(UINTN)t->VendorTable;
            bi.rsdp_revision = 2;
            return;
        }
        if (!CompareGuid(&t->VendorGuid, &acpi10) && !bi.rsdp) {
            bi.rsdp = (uint64_t)(UINTN)t->VendorTable;
            bi.rsdp_revision = 0;
        }
    }
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void read_wall_clock(void)
{
    EFI_TIME t;
    bi.wall_time_s = -1;
    if (uefi_call_wrapper(RT->GetTime, 2, &t, NULL) != EFI_SUCCESS || t.Month < 1 || t.Month > 12)
        return;
    int64_t s = days_from_civil(t.Year, t.Month, t.Day) * 86400 + t.Hour * 3600 + t.Minute * 60 + t.Second;
    /* PC RTCs hold UTC or local time without saying which (OVMF reports an
     * unspecified zone); the guest's -rtc option decides later, so the value
     * is passed on as read. */
    bi.wall_time_s = s;
}

static enum boot_mem_kind kind_of(UINT32 type)
{
    switch (type) {
    case EfiConventionalMemory: return BOOT_MEM_FREE;
    case EfiBootServicesCode: case EfiBootServicesData: return BOOT_MEM_BOOT_SVC;
    case EfiLoaderCode: case EfiLoaderData: return BOOT_MEM_KERNEL;
    case EfiACPIReclaimMemory: return BOOT_MEM_ACPI_RECLAIM;
    case EfiACPIMemoryNVS: return BOOT_MEM_ACPI_NVS;
    case EfiRuntimeServicesCode: case EfiRuntimeServicesData: return BOOT_MEM_RUNTIME;
    case EfiMemoryMappedIO: case EfiMemoryMappedIOPortSpace: return BOOT_MEM_MMIO;
    default: return BOOT_MEM_RESERVED;
    }
}

/* Converts UEFI's map (after ExitBootServices: no calls, only arithmetic) into
 * boot_mem entries, merging neighbours of the same kind. */
static void convert_map(UINT8 *map, UINTN map_size, UINTN desc_size)
{
    uint32_t n = 0;
    for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
        EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(map + off);
        uint64_t base = d->PhysicalStart, size = d->NumberOfPages * 4096ull;
        enum boot_mem_kind k = kind_of(d->Type);
        if (n && bi.mem[n - 1].kind == (uint32_t)k && bi.mem[n - 1].base + bi.mem[n - 1].size == base) {
            bi.mem[n - 1].size += size;
            continue;
        }
        bi.mem[n].base = base;
        bi.mem[n].size = size;
        bi.mem[n].kind = k;
        n++;
    }
    bi.mem_count = n;
}

static void fail(const CHAR16 *what, EFI_STATUS st)
{
    Print(L"baremu: %s failed: %r\n", what, st);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    bi.tsc_at_entry = rdtsc();
    InitializeLib(image, systab);

    load_boot_files(image);
    find_framebuffer();
    find_rsdp();
    read_wall_clock();

    uint8_t *stack = alloc_pages(KSTACK_BYTES);
    if (!stack) {
        fail(L"stack allocation", EFI_OUT_OF_RESOURCES);
        return EFI_OUT_OF_RESOURCES;
    }

    /* Size the map, then allocate room for it plus slack: allocating itself
     * can split a region, and the second try after a stale key may see more. */
    UINTN map_size = 0, key = 0, desc_size = 0;
    UINT32 desc_ver = 0;
    EFI_STATUS st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_ver);
    if (st != EFI_BUFFER_TOO_SMALL || desc_size == 0) {
        fail(L"GetMemoryMap", st);
        return st;
    }
    UINTN cap = map_size + MAP_SLACK_DESCS * desc_size;
    UINT8 *map = alloc_pages(cap);
    bi.mem = alloc_pages((cap / desc_size) * sizeof(struct boot_mem));
    if (!map || !bi.mem) {
        fail(L"memory map allocation", EFI_OUT_OF_RESOURCES);
        return EFI_OUT_OF_RESOURCES;
    }

    /* ExitBootServices fails with EFI_INVALID_PARAMETER when the map changed
     * since GetMemoryMap (an event ran); fetch it again and retry. Between the
     * tries only GetMemoryMap and ExitBootServices may be called (7.4). */
    for (int tries = 0;; tries++) {
        map_size = cap;
        st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, (EFI_MEMORY_DESCRIPTOR *)map, &key, &desc_size, &desc_ver);
        if (st == EFI_SUCCESS) {
            st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
            if (st == EFI_SUCCESS)
                break;
        }
        if (tries == 8) {
            /* Boot services may already be half gone: nothing left to report with. */
            for (;;)
                __asm__ volatile("cli; hlt");
        }
    }

    /* From here on: no boot services, no gnu-efi library calls. */
    cpu_cli();
    convert_map(map, map_size, desc_size);

    uint64_t top = ((uint64_t)(uintptr_t)(stack + KSTACK_BYTES)) & ~15ull;
    void (*entry)(struct boot_info *) = kernel_main;
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "call *%1\n\t"
                     "ud2"
                     :: "r"(top), "r"(entry), "D"(&bi) : "memory");
    __builtin_unreachable();
}

const struct boot_file *boot_file_find(const char *name)
{
    for (int i = 0; i < bi.file_count; i++) {
        const char *a = bi.files[i].name, *b = name;
        /* The ESP is FAT: names compare without case. */
        while (*a && *b && (*a | 0x20) == (*b | 0x20))
            a++, b++;
        if (!*a && !*b)
            return &bi.files[i];
    }
    return NULL;
}
