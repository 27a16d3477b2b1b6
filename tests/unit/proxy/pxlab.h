/*
 * The proxy integration tests' world, inside the test worker's own network
 * namespace (nstest_enter: nothing touches the machine's namespace and
 * everything vanishes with the worker):
 *
 *   lo: 10.200.0.1   the proxy (explicit :8080; transparent 127.0.0.1:8081
 *                    and :8443, reached through nftables redirects)
 *       10.200.0.2   the agent "agent-1" (client sockets bind here)
 *       10.200.0.3   a peer that is not a container
 *       198.18.1.80  web: HTTP :80, echo (TLS stand-in) :443 and :8443
 *       10.9.9.9     a private web server :80
 *       127.0.0.53   DNS (fakedns): web.test, api.test -> 198.18.1.80,
 *                    private.test -> 10.9.9.9, meta.test -> 169.254.169.254
 *
 * The proxy, the servers and DNS run on one loop in a second thread; the
 * test thread is the client, with blocking sockets under 5 s timeouts.
 * Private ranges: 10/8, 127/8, 169.254/16 (198.18/15 is "public" here).
 */
#ifndef OC_TEST_PXLAB_H
#define OC_TEST_PXLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <outcall/outcall.h>

#include "servers.h"

struct pxlab {
	oc_loop *loop;
	oc_proxy *proxy;
	oc_live *live;
	oc_registry *reg;
	oc_events *events;
	oc_addr_policy *priv;
	struct fakedns *dns;
	struct srv *web, *tls, *tls8443, *priv_web;
};

extern struct pxlab lab;

#define AGENT_IP "10.200.0.2"
#define STRANGER_IP "10.200.0.3"
#define PROXY "10.200.0.1:8080"

/* Builds the world with these rules and starts the loop thread; `tune`
 * (may be NULL) adjusts the proxy's configuration first. */
void pxlab_start(const char *rules_yaml, void (*tune)(oc_proxy_config *cfg));
void pxlab_stop(void);
/* Publishes another rule set while running. */
void pxlab_rules(const char *rules_yaml);

/* A blocking TCP connection from `from` to `to` ("ip:port"). */
int pxlab_connect(const char *from, const char *to);
void pxlab_send(int fd, const char *data, size_t len);
void pxlab_sendf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads exactly n bytes (asserts). */
void pxlab_recv_exact(int fd, void *buf, size_t n);
/* True if the peer closed (read returns 0 or a reset) within 5 s, after
 * discarding up to `skip` bytes. */
bool pxlab_closed(int fd, size_t skip);

struct resp {
	int status;
	char head[8192];
	char *body;
	size_t len;
	bool closed;  /* the body ended with the connection */
};
/* Reads one response (Content-Length, chunked, or until close). */
void pxlab_response(int fd, struct resp *r, bool head_request);
/* The value of a response header, or "" (static buffer). */
const char *resp_header(const struct resp *r, const char *name);
void resp_free(struct resp *r);

/* One request on a fresh explicit-proxy connection from the agent. */
void pxlab_get(const char *url, struct resp *r);

/* A decision or security record, copied from the hub. */
struct rec {
	char verdict[16], rule[132], host[256], path[256], reason[256], agent[64];
	int status, port;
	long long bytes_up, bytes_down;
	unsigned long long id;
	int kind;
};
/* Events emitted so far; then the first event of `kind` after that many
 * (waits up to 2 s, since records are emitted as requests end). */
uint64_t pxlab_events(void);
bool pxlab_event_after(uint64_t count, int kind, struct rec *out);

/* A ClientHello in one record (sni NULL: none; ech: with an
 * encrypted_client_hello extension, sni being the outer name). */
size_t pxlab_hello(char *out, size_t size, const char *sni, bool ech);

/* Polls the proxy's stats until pred-like field reaches want (2 s). */
#define PXLAB_WAIT_STAT(field, want) pxlab_wait_stat(offsetof(oc_proxy_stats, field), (want))
bool pxlab_wait_stat(size_t offset, uint64_t want);

#endif
