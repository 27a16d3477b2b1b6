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
#include <getopt.h>
#include <stdio.h>
#include <outcall/outcall.h>

#include "services.h"

#define PROG "bench-dns-server"

static void report(oc_dns_server *srv)
{
	oc_dns_stats st = OC_DNS_STATS_INIT;
	oc_dns_server_get_stats(srv, &st);
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

	struct bench_services b;
	bench_services_init(&b, PROG, (const char *const *)argv + optind, (size_t)(argc - optind),
		&client, 1, NULL);

	oc_dns_config cfg;
	oc_dns_config_init(&cfg, OC_DNS_CONFIG_VERSION);
	cfg.upstreams = upstream;
	cfg.rate_per_sec = 0;
	cfg.cache_entries = 200000;
	cfg.cache_bytes = 256u << 20;
	cfg.max_pending = 16384;
	oc_loop *loop = NULL;
	oc_dns_server *srv = NULL;
	if (oc_loop_new(&loop) < 0 || oc_dns_server_new(loop, &cfg, &b.svc, &srv) < 0)
		bench_die(PROG, "server");
	if (oc_dns_server_listen(srv, listen) < 0)
		bench_die(PROG, "listen");
	bench_stop_on_signals(PROG, loop);
	int rc = oc_loop_run(loop);
	report(srv);
	oc_dns_server_free(srv);
	oc_loop_free(loop);
	bench_services_fini(&b);
	return rc < 0 ? 1 : 0;
}
