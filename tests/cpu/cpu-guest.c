/* Runs one small guest test program (tests/cpu/guest/NAME.asm, a flat binary)
 * on the real CPU with 32 MiB of RAM and a few test ports, and reports the
 * guest's "PASS name" / "FAIL name" lines.
 *   port 0xE9 (out)   a character of the report
 *   port 0xF4 (out)   end of test (the value is ignored)
 *   port 0xE0 (out)   raise INTR with this vector (acknowledged once)
 *   port 0xE1 (out)   pulse NMI
 *   port 0xE2 (out)   A20 gate: 0 masks address bit 20
 * The binary is loaded at physical 0x10000 and entered in real mode at
 * 1000:0000. Usage: cpu-guest [--expect-reset] FILE.bin
 * With --expect-reset the program must end in a triple fault after its
 * checks (counted as one more check). Ends with "N passed, N failed". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/cpu/cpu.h"
#include "emu/io.h"
#include "emu/memory.h"

#define RAM_SIZE (32u << 20)
#define LOAD_ADDR 0x10000u

static struct cpu *cpu;
static char line[256];
static size_t line_len;
static int n_pass, n_fail;
static bool done;
static int pending_vector = -1;

static void report_char(char ch)
{
    if (ch != '\n') {
        if (line_len < sizeof(line) - 1)
            line[line_len++] = ch;
        return;
    }
    line[line_len] = 0;
    line_len = 0;
    printf("%s\n", line);
    if (!strncmp(line, "PASS ", 5))
        n_pass++;
    else if (!strncmp(line, "FAIL ", 5))
        n_fail++;
}

static uint32_t port_read(void *opaque, uint16_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return 0;
}

static void port_write(void *opaque, uint16_t port, uint32_t value, unsigned size)
{
    (void)opaque; (void)size;
    switch (port) {
    case 0xe9: report_char((char)value); break;
    case 0xf4: done = true; cpu_request_stop(cpu); break;
    case 0xe0: pending_vector = (int)(value & 0xff); cpu_set_intr(cpu, 1); break;
    case 0xe1: cpu_set_nmi(cpu, 1); cpu_set_nmi(cpu, 0); break;
    case 0xe2: cpu_set_a20(cpu, value != 0); break;
    default: break;
    }
}

static int intr_ack(void *opaque)
{
    (void)opaque;
    int v = pending_vector;
    pending_vector = -1;
    cpu_set_intr(cpu, 0);
    return v;
}

static const struct io_ops test_ports = {port_read, port_write};

int main(int argc, char **argv)
{
    bool expect_reset = false;
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--expect-reset")) {
        expect_reset = true;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: cpu-guest [--expect-reset] FILE.bin\n");
        return 2;
    }
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
        fprintf(stderr, "cpu-guest: cannot open %s\n", argv[i]);
        return 2;
    }
    struct guest_memory *mem = gmem_create(RAM_SIZE, RAM_SIZE);
    struct io_bus *io = io_bus_create();
    if (!mem || !io)
        return 2;
    size_t n = fread(gmem_ram(mem) + LOAD_ADDR, 1, RAM_SIZE - LOAD_ADDR, f);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "cpu-guest: %s is empty\n", argv[i]);
        return 2;
    }
    io_register(io, 0xe0, 3, &test_ports, NULL, "test-irq");
    io_register(io, 0xe9, 1, &test_ports, NULL, "test-report");
    io_register(io, 0xf4, 1, &test_ports, NULL, "test-exit");
    cpu = cpu_create(mem, io);
    cpu_set_intr_ack(cpu, intr_ack, NULL);
    struct cpu_regs r;
    cpu_get_regs(cpu, &r);
    r.seg[CPU_CS].sel = LOAD_ADDR >> 4;
    r.seg[CPU_CS].base = LOAD_ADDR;
    r.eip = 0;
    cpu_set_regs(cpu, &r);

    bool reset = false;
    const char *why = NULL;
    for (int slice = 0; slice < 200 && !done; slice++) {
        enum cpu_stop st = cpu_run(cpu, 1000000);
        if (st == CPU_STOP_RESET) {
            reset = true;
            break;
        }
        if (st == CPU_STOP_HLT && pending_vector < 0) {
            why = "guest halted with nothing to wake it";
            break;
        }
    }
    if (!done && !reset && !why)
        why = "guest did not finish within 200M instructions";
    if (expect_reset) {
        if (reset) {
            printf("PASS triple fault reported as reset\n");
            n_pass++;
        } else {
            printf("FAIL triple fault reported as reset\n");
            n_fail++;
        }
    } else if (reset) {
        why = "unexpected triple fault (reset)";
    }
    if (why && !(expect_reset && reset)) {
        cpu_get_regs(cpu, &r);
        printf("FAIL %s (at %04x:%08x)\n", why, r.seg[CPU_CS].sel, r.eip);
        n_fail++;
    }
    printf("%d passed, %d failed\n", n_pass, n_fail);
    cpu_destroy(cpu);
    io_bus_destroy(io);
    gmem_destroy(mem);
    return (n_fail || !n_pass) ? 1 : 0;
}
