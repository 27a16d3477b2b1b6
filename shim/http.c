#include "http.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "http/client.h"

/* Agent socket answers are small JSON documents; anything larger is not
 * the daemon. */
#define MAX_REPLY (4u << 20)

int shim_http(const char *path, const char *method, const char *target, const char *body,
	unsigned timeout_s, shim_reply *out, char *err, size_t errsz)
{
	memset(out, 0, sizeof(*out));
	oc_http_call c = { .socket = path, .method = method, .target = target, .host = "outcall",
		.body = body, .timeout_s = timeout_s, .max_body = MAX_REPLY };
	if (oc_http_call_fetch(&c, &out->status, &out->body, &out->body_len) == 0)
		return 0;
	snprintf(err, errsz, "%s", oc_error_last()->message);
	return -1;
}
