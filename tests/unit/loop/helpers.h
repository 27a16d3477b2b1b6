/* Shared by the loop tests: run a loop until a condition holds, bounded. */
#ifndef OC_TEST_LOOP_HELPERS_H
#define OC_TEST_LOOP_HELPERS_H

#include <stdbool.h>
#include <outcall/loop.h>
#include "loop/loop.h"

/* Runs iterations until *flag is true or max_ms pass; returns *flag. */
static inline bool run_until(oc_loop *loop, const volatile bool *flag, int max_ms)
{
	uint64_t end = oc_loop_clock_ms() + (uint64_t)max_ms;
	while (!*flag) {
		uint64_t now = oc_loop_clock_ms();
		if (now >= end)
			break;
		oc_loop_run_once(loop, (int)(end - now));
	}
	return *flag;
}

#endif
