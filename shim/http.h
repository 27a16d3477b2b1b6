/* The shim's side of the library's Unix-socket HTTP client
 * (liboutcall/http/client.h): one request per connection over the agent
 * socket, the answer read by its framing. */
#ifndef SHIM_HTTP_H
#define SHIM_HTTP_H

#include <stddef.h>

typedef struct shim_reply {
	int status;          /* HTTP status */
	char *body;          /* NUL-terminated; free() it */
	size_t body_len;
} shim_reply;

/* Sends METHOD target (with a JSON body when body is not NULL) to the Unix
 * socket at `path` and reads the answer, waiting at most timeout_s
 * seconds for it. Returns 0, or -1 with a message in err when the daemon
 * could not be reached or did not answer. */
int shim_http(const char *path, const char *method, const char *target, const char *body,
	unsigned timeout_s, shim_reply *out, char *err, size_t errsz);

#endif
