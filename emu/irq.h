/* An interrupt line from a device to an interrupt controller (8259 PIC,
 * IOAPIC): the device sets its level; edge-triggered inputs see the
 * transition. Wiring is done by the machine (emu/machine.c). */
#ifndef BAREMU_EMU_IRQ_H
#define BAREMU_EMU_IRQ_H

struct irq_line {
    void (*set)(void *controller, int pin, int level);
    void *controller;
    int pin;
};

static inline void irq_set(const struct irq_line *l, int level)
{
    if (l && l->set)
        l->set(l->controller, l->pin, level);
}

static inline void irq_pulse(const struct irq_line *l)
{
    irq_set(l, 1);
    irq_set(l, 0);
}

#endif
