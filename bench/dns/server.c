/*
 * bench-dns-server: Outcall's DNS filter as an embedder runs it, for
 * bench/dns/run.sh. One oc_dns_server on one loop (one thread), the rule
 * files given on the command line, and a registry holding the benchmark
 * client's address as container "bench-1" (agent "bench"). Runs until
 * SIGINT or SIGTERM, then prints the server's counters to stderr.
 *
 *   bench-dns-server --listen IP:PORT --upstream IP[:PORT] --client IP RULES...
 *
 * No rate limit (the benchmark is one client at full speed) and no
 * decision log file: records go to the events hub's ring only.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/outcall.h>

static void die(const char *what)
{
	fprintf(stderr, "bench-dns-server: %s: %s\n", what, oc_error_last()->message);
	exit(1);
}

static void on_signal(oc_loop *loop, int signo, void *arg)
{
	oc_loop_stop(loop);
}

static void report(oc_dns_server *srv)
{
	oc_dns_stats st;
	oc_dns_server_stats(srv, &st);
	fprintf(stderr, "bench-dns-server: queries %llu: allowed %llu, blocked %llu, refused %llu, "
		"servfail %llu (overloaded %llu); cache hits %llu, misses %llu, entries %zu; "
		"upstream queries %llu, timeouts %llu, failures %llu\n",
		(unsigned long long)st.queries, (unsigned long long)st.allowed,
		(unsigned long long)st.blocked,
		(unsigned long long)(st.refused_unknown + st.rate_limited),
		(unsigned long long)st.servfail, (unsigned long long)st.overloaded,
		(unsigned long long)st.cache_hits, (unsigned long long)st.cache_misses,
		st.cache_entries, (unsigned long long)st.upstream_queries,
		(unsigned long long)st.upstream_timeouts, (unsigned long long)st.upstream_failures);
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *upstream = NULL, *client = NULL;
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' }, { "client", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 } };
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'u')
			upstream = optarg;
		else if (c == 'c')
			client = optarg;
		else
			return 2;
	}
	if (!listen || !upstream || !client || optind == argc) {
		fprintf(stderr, "usage: bench-dns-server --listen IP:PORT --upstream IP[:PORT] "
			"--client IP RULES...\n");
		return 2;
	}

	oc_ruleset *rs;
	oc_live *live = oc_live_new();
	oc_registry *reg;
	oc_addr_policy *priv;
	oc_events *events = oc_events_new(4096);
	if (oc_ruleset_load((const char *const *)argv + optind, (size_t)(argc - optind), NULL, &rs,
			NULL) < 0)
		die("rules");
	if (!live || !events || oc_registry_new(&reg) < 0 || oc_addr_policy_new(NULL, &priv) < 0)
		die("setup");
	oc_live_publish(live, rs);
	oc_ruleset_unref(rs);
	oc_container_spec spec = { .name = "bench-1", .network = "default", .veth = "bench0" };
	if (inet_pton(AF_INET, client, &spec.ip) != 1) {
		fprintf(stderr, "bench-dns-server: --client %s is not an IPv4 address\n", client);
		return 2;
	}
	oc_container *c;
	if (oc_container_new(&spec, &c) < 0 || oc_registry_put(reg, c) < 0)
		die("client container");
	oc_container_unref(c);

	oc_dns_config cfg;
	oc_dns_config_init(&cfg);
	cfg.upstreams = upstream;
	cfg.rate_per_sec = 0;
	cfg.cache_entries = 200000;
	cfg.cache_bytes = 256u << 20;
	cfg.max_pending = 16384;
	oc_services svc = { .rules = live, .registry = reg, .events = events,
		.private_ranges = priv };
	oc_loop *loop = oc_loop_new();
	oc_dns_server *srv = NULL;
	if (!loop || oc_dns_server_new(loop, &cfg, &svc, &srv) < 0)
		die("server");
	if (oc_dns_server_listen(srv, listen) < 0)
		die("listen");
	if (oc_loop_add_signal(loop, SIGINT, on_signal, NULL) < 0 ||
		oc_loop_add_signal(loop, SIGTERM, on_signal, NULL) < 0)
		die("signals");
	int rc = oc_loop_run(loop);
	report(srv);
	oc_dns_server_free(srv);
	oc_loop_free(loop);
	oc_events_free(events);
	oc_registry_free(reg);
	oc_live_free(live);
	oc_addr_policy_free(priv);
	return rc < 0 ? 1 : 0;
}
