/* Shared by the socket tests: bounded readiness waits. */
#ifndef OC_TEST_NET_HELPERS_H
#define OC_TEST_NET_HELPERS_H

#include <poll.h>
#include <stdbool.h>

/* True if fd reports `events` within ms milliseconds. */
static inline bool ready(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, ms) == 1 && (p.revents & (events | POLLERR | POLLHUP));
}

#endif
