#include "core/random.h"
#include "core/error.h"

#include <errno.h>
#include <sys/random.h>

int oc_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return oc_error_os("getrandom(%zu bytes) failed; check that the kernel provides getrandom(2)", len);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
