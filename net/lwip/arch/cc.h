/* lwIP's compiler/platform glue for baremu: diagnostics go to the platform
 * log, an lwIP assertion is an internal bug, randomness from lwip_glue.c. */
#ifndef BAREMU_LWIP_CC_H
#define BAREMU_LWIP_CC_H

#include <stdint.h>
#include <stdlib.h>
#include "baremu/platform.h"

#define LWIP_PLATFORM_DIAG(x) do { if (plat_log_level >= LOG_DEBUG) lwip_glue_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) plat_panic("lwIP assertion: %s (%s:%d)", x, __FILE__, __LINE__)
#define LWIP_RAND() ((u32_t)lwip_glue_rand())
#define LWIP_NO_UNISTD_H 1
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif
/* Byte swaps as single instructions: lwIP's own are out-of-line functions
 * (def.c), called several times per segment on the frame path. */
#define lwip_htons(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define lwip_htonl(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))

void lwip_glue_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint32_t lwip_glue_rand(void);

#endif
