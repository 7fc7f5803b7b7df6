/* The 93C46 Microwire EEPROM (see eeprom93.h; Microchip 93AA46/93C46 data
 * sheet, "READ" and the instruction set table, x16 organisation). */
#include "emu/hw/eeprom93.h"

void eeprom93_reset(struct eeprom93 *e)
{
    e->cs = e->sk = false;
    e->started = false;
    e->bits_in = 0;
    e->val_in = 0;
    e->reading = false;
    e->out_pos = 0;
}

void eeprom93_write(struct eeprom93 *e, bool cs, bool sk, bool di)
{
    bool rising = sk && !e->sk, falling = !sk && e->sk;
    e->sk = sk;
    if (!cs) {
        /* Deselecting ends any instruction. */
        e->cs = false;
        e->started = false;
        e->bits_in = 0;
        e->val_in = 0;
        e->reading = false;
        return;
    }
    e->cs = true;
    if (falling) {
        /* After the address the chip presents a dummy 0, then one data bit
         * per clock; the driver samples while SK is high. */
        if (e->reading)
            e->out_pos++;
        return;
    }
    if (!rising || e->reading)
        return;
    if (!e->started) {
        /* Leading zeros before the start bit are ignored (Linux's 8139too
         * clocks out 4 + address-length + 1 bits). */
        e->started = di;
        return;
    }
    e->val_in = e->val_in << 1 | (di ? 1 : 0);
    if (++e->bits_in == 8) {
        if (((e->val_in >> 6) & 3) == 2) {   /* opcode 10: READ */
            e->reading = true;
            /* The falling edge ending the last address bit moves to D15. */
            e->out_pos = (e->val_in & 0x3f) * 16u - 1u;
        }
    }
}

bool eeprom93_do(const struct eeprom93 *e)
{
    if (!e->cs || !e->reading)
        return true;
    uint32_t w = (e->out_pos >> 4) & (EEPROM93_WORDS - 1);
    return (e->data[w] >> (15 - (e->out_pos & 15))) & 1;
}
