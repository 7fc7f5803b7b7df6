/* A 93C46-class Microwire serial EEPROM (64 words of 16 bits, 6-bit
 * addresses) as NICs wire it to a register (e1000 EECD, RTL8139 9346CR):
 * the driver bit-bangs chip select, clock and data in, and reads data out.
 * Follows the 93C46 datasheet's READ timing: start bit, opcode 10, address,
 * a dummy 0, then D15..D0 (continuing into the next word while clocked).
 * Writes and erases are accepted on the wire but ignored (read-only). */
#ifndef BAREMU_EMU_HW_EEPROM93_H
#define BAREMU_EMU_HW_EEPROM93_H

#include <stdbool.h>
#include <stdint.h>

#define EEPROM93_WORDS 64

struct eeprom93 {
    uint16_t data[EEPROM93_WORDS];
    bool cs, sk;
    bool started;        /* the start bit was seen */
    int bits_in;         /* opcode and address bits after the start bit */
    uint32_t val_in;
    bool reading;
    uint32_t out_pos;    /* word * 16 + bit index (0 = D15) on DO */
};

/* Drives the pins; returns nothing, the state machine advances on SK edges. */
void eeprom93_write(struct eeprom93 *e, bool cs, bool sk, bool di);
/* The DO pin (high when idle). */
bool eeprom93_do(const struct eeprom93 *e);
void eeprom93_reset(struct eeprom93 *e);

#endif
