/*
 * Upstream servers for the proxy tests, on the proxy's own loop (so one
 * thread runs everything the test does not): a small HTTP/1.1 server and
 * a TCP echo server that stands in for TLS servers (the proxy never looks
 * past the ClientHello, so echoing is all a tunnel test needs).
 *
 * The HTTP server answers by path:
 *   /echo-head   body = the request head exactly as received
 *   /big?n=N     N bytes of the pattern i % 251 (Content-Length)
 *   /chunked     "hello world" in chunks
 *   /close       no Content-Length: the body ends when the server closes
 *   /silent      never answers
 *   anything     "web:<Host>:<method>:<target>:<body bytes>:<body sum>"
 * keeping connections alive unless told to close.
 */
#ifndef OC_TEST_PROXY_SERVERS_H
#define OC_TEST_PROXY_SERVERS_H

#include <stdatomic.h>
#include <outcall/loop.h>

struct srv;

/* Listens on addr ("198.18.1.80:80"). */
struct srv *websrv_new(oc_loop *loop, const char *addr);
struct srv *echosrv_new(oc_loop *loop, const char *addr);
void srv_free(struct srv *s);
/* Connections accepted and requests answered so far (any thread). */
unsigned srv_connections(const struct srv *s);
unsigned srv_requests(const struct srv *s);

#endif
