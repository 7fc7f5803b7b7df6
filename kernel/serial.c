/* COM1, a 16550A UART at I/O port 0x3f8: 115200 8N1 with FIFOs, polled
 * transmit and receive (National Semiconductor PC16550D datasheet, registers
 * THR/RBR, IER, FCR, LCR, MCR, LSR, and the divisor latch). */
#include "kernel/console.h"
#include "kernel/cpu.h"

#define COM1 0x3f8
enum { THR = 0, RBR = 0, DLL = 0, IER = 1, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5, SCR = 7 };
#define LSR_DR   0x01   /* receive data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

static int present;

void serial_init(void)
{
    /* No UART answers with 0xff on every register; the scratch register tells. */
    outb(COM1 + SCR, 0x5a);
    if (inb(COM1 + SCR) != 0x5a)
        return;
    outb(COM1 + IER, 0);         /* polled: no UART interrupts */
    outb(COM1 + LCR, 0x80);      /* DLAB to reach the divisor */
    outb(COM1 + DLL, 1);         /* 115200 = 1843200 / 16 / 1 */
    outb(COM1 + DLM, 0);
    outb(COM1 + LCR, 0x03);      /* 8N1 */
    outb(COM1 + FCR, 0x07);      /* enable and clear both FIFOs */
    outb(COM1 + MCR, 0x03);      /* DTR, RTS */
    present = 1;
}

void serial_putc(char c)
{
    if (!present)
        return;
    /* Bounded wait: a UART whose line is stuck must not hang the kernel. */
    for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_THRE); i++)
        cpu_pause();
    outb(COM1 + THR, (uint8_t)c);
}

/* Raises IRQ 4 when received data is waiting (IER bit 0; OUT2 in the MCR
 * gates the UART's interrupt line on PCs). Reading RBR clears it. */
void serial_enable_rx_irq(void)
{
    if (!present)
        return;
    outb(COM1 + MCR, 0x0b);      /* DTR, RTS, OUT2 */
    outb(COM1 + IER, 0x01);
}

int serial_getc(void)
{
    if (!present || !(inb(COM1 + LSR) & LSR_DR))
        return -1;
    return inb(COM1 + RBR);
}
