/* Absolute deadlines on the monotonic clock, in milliseconds. */
#ifndef SOCKSCHAIN_DEADLINE_H
#define SOCKSCHAIN_DEADLINE_H

#include <stdint.h>

/* Milliseconds since an arbitrary fixed point; never goes backwards. */
int64_t clock_now_ms(void);

/* Microseconds, for traces that show sub-millisecond hops. */
int64_t clock_now_us(void);

/* The deadline that lies timeout_ms from now. */
int64_t deadline_after_ms(int64_t timeout_ms);

/* Milliseconds left before the deadline, as a poll() timeout: 0 when it has passed. */
int deadline_left_ms(int64_t deadline);

#endif
