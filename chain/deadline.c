#define _GNU_SOURCE
#include "deadline.h"

#include <limits.h>
#include <time.h>

int64_t clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_now_ms(void)
{
	return clock_now_us() / 1000;
}

int64_t deadline_after_ms(int64_t timeout_ms)
{
	return clock_now_ms() + timeout_ms;
}

int deadline_left_ms(int64_t deadline)
{
	int64_t left = deadline - clock_now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}
