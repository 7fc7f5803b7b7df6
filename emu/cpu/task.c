/* Hardware task switches (Intel SDM vol. 3A 7.3): not implemented yet; a
 * task gate or TSS target raises #GP so the guest sees a fault, not silence. */
#include "emu/cpu/cpu_int.h"

#include "baremu/platform.h"

void task_switch(struct cpu *c, uint16_t sel, uint32_t lo, uint32_t hi, int source, bool has_err, uint32_t err)
{
    (void)lo; (void)hi; (void)has_err; (void)err;
    LOGW("cpu", "task switch to %04x (source %d) not implemented", sel, source);
    cpu_raise(c, EX_GP, sel & ~3u);
}
