/*
 * What a benchmark's embedding program sets up before its layer: the
 * rules from files, a registry with the benchmark clients as containers
 * "bench-1", "bench-2"... (agent "bench"), an events hub and the private
 * ranges, wired into one oc_services. Public API only, as an embedder
 * would write it. Failures print what failed and exit.
 */
#ifndef OC_BENCH_SERVICES_H
#define OC_BENCH_SERVICES_H

#include <stddef.h>
#include <outcall/outcall.h>

struct bench_services {
	oc_services svc;
	oc_live *live;
	oc_registry *reg;
	oc_events *events;
	oc_addr_policy *priv;
};

/* ranges NULL: the default private ranges. */
void bench_services_init(struct bench_services *b, const char *prog, const char *const *rules,
	size_t nrules, const char *const *clients, size_t nclients, const char *ranges);
void bench_services_fini(struct bench_services *b);

/* Prints "prog: what: <last error>" and exits 1. */
_Noreturn void bench_die(const char *prog, const char *what);

/* Stops the loop on SIGINT and SIGTERM. */
void bench_stop_on_signals(const char *prog, oc_loop *loop);

#endif
