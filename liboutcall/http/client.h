/*
 * A small blocking HTTP/1.1 client over a Unix socket, for the programs
 * that talk to outcalld: the CLI (host socket) and the shim (agent
 * socket). One request per connection, "Connection: close". The answer's
 * head is read with the library's response parser (response_parse.h) and
 * its body by the framing the head declares: Content-Length, chunked
 * (chunked.h), or until the daemon closes. Blocking on purpose: both
 * programs do one thing at a time, and the shim is a static binary that
 * links this file with the http/ parsers and core/{buf,error}.c only.
 *
 * Errors (oc_error_last() names the socket): OC_EUNREACHABLE when nothing
 * answers at the socket ("cannot reach outcalld at PATH: ..."), OC_EPERM
 * when the socket refuses the caller (its permissions), OC_EPARSE
 * for an answer that is not well-formed HTTP/1.1, OC_ELIMIT over
 * max_body, OC_ETIMEOUT, OC_EOS.
 */
#ifndef OC_HTTP_CLIENT_H
#define OC_HTTP_CLIENT_H

#include <stddef.h>

typedef struct oc_http_call {
	const char *socket;   /* path of the Unix socket */
	const char *method;
	const char *target;   /* origin form: "/v1/status" */
	const char *host;     /* the Host field */
	const char *body;     /* JSON, or NULL for none */
	unsigned timeout_s;   /* each send and receive; 0: wait as long as it takes */
	size_t max_body;      /* answer body bytes; 0: no cap */
} oc_http_call;

/* Receives the decoded body as it arrives; non-zero stops reading (the
 * call then returns 0). */
typedef int (*oc_http_body_fn)(const char *data, size_t len, void *arg);

/* Sends the request and passes the answer's body to fn. *status is the
 * answer's status once its head arrived (0 before). */
int oc_http_call_stream(const oc_http_call *c, int *status, oc_http_body_fn fn, void *arg);

/* The same, collecting the whole body: *body is NUL-terminated (free()
 * it), *len its length. */
int oc_http_call_fetch(const oc_http_call *c, int *status, char **body, size_t *len);

#endif
