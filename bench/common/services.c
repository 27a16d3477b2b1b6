#include "services.h"

#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

_Noreturn void bench_die(const char *prog, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, oc_error_last()->message);
	exit(1);
}

void bench_services_init(struct bench_services *b, const char *prog, const char *const *rules,
	size_t nrules, const char *const *clients, size_t nclients, const char *ranges)
{
	oc_ruleset *rs;
	if (oc_ruleset_load(rules, nrules, NULL, &rs, NULL) < 0)
		bench_die(prog, "rules");
	if (oc_live_new(&b->live) < 0 || oc_events_new(4096, &b->events) < 0 ||
	    oc_registry_new(&b->reg) < 0 ||
	    oc_addr_policy_new(ranges, &b->priv) < 0)
		bench_die(prog, "setup");
	oc_live_publish(b->live, rs);
	oc_ruleset_unref(rs);
	for (size_t i = 0; i < nclients; i++) {
		char name[32];
		snprintf(name, sizeof(name), "bench-%zu", i + 1);
		oc_container_spec spec = { .name = name, .network = "default", .veth = "bench0" };
		if (inet_pton(AF_INET, clients[i], &spec.ip) != 1) {
			fprintf(stderr, "%s: --client %s is not an IPv4 address\n", prog, clients[i]);
			exit(2);
		}
		oc_container *c;
		if (oc_container_new(&spec, &c) < 0 || oc_registry_put(b->reg, c) < 0)
			bench_die(prog, "client container");
		oc_container_unref(c);
	}
	b->svc = (oc_services){ .rules = b->live, .registry = b->reg, .events = b->events,
		.private_ranges = b->priv };
}

void bench_services_fini(struct bench_services *b)
{
	oc_events_free(b->events);
	oc_registry_free(b->reg);
	oc_live_free(b->live);
	oc_addr_policy_free(b->priv);
}

static void on_signal(oc_loop *loop, int signo, void *arg)
{
	oc_loop_stop(loop);
}

void bench_stop_on_signals(const char *prog, oc_loop *loop)
{
	if (oc_loop_add_signal(loop, SIGINT, on_signal, NULL) < 0 ||
	    oc_loop_add_signal(loop, SIGTERM, on_signal, NULL) < 0)
		bench_die(prog, "signals");
}
