/*
 * bench-proxy: Outcall's proxy as an embedder runs it, for
 * bench/proxy/run.sh. One oc_proxy on one loop (one thread), the rule
 * files given on the command line, and a registry holding the benchmark
 * clients' addresses as containers "bench-1", "bench-2"... (agent
 * "bench"). Runs until SIGINT or SIGTERM, then prints the proxy's counters
 * to stderr.
 *
 *   bench-proxy --listen IP:PORT --upstream DNS-IP[:PORT] --client IP...
 *               --private-ranges CIDRS RULES...
 *
 * --client may be repeated: a client that cannot choose its source
 * address (wrk) reaches a proxy on lo from the proxy's own address.
 *
 * The caps are raised out of the way (the benchmark holds 10,000 tunnels
 * from one client) and so is the descriptor limit. Records go to the
 * events hub's ring only.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <outcall/outcall.h>

#include "services.h"

#define PROG "bench-proxy"

static void report(oc_proxy *p)
{
	oc_proxy_stats s = OC_PROXY_STATS_INIT;
	oc_proxy_get_stats(p, &s);
	fprintf(stderr, PROG ": connections %llu (refused %llu); requests allowed %llu, "
		"blocked %llu, refused %llu, invalid %llu; tunnels %llu; upstream errors %llu; "
		"timeouts %llu; bytes up %llu, down %llu\n",
		(unsigned long long)s.conns_total, (unsigned long long)s.conns_refused,
		(unsigned long long)s.requests_allowed, (unsigned long long)s.requests_blocked,
		(unsigned long long)s.requests_refused, (unsigned long long)s.requests_invalid,
		(unsigned long long)s.tunnels_total, (unsigned long long)s.upstream_errors,
		(unsigned long long)s.timeouts, (unsigned long long)s.bytes_up,
		(unsigned long long)s.bytes_down);
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *upstream = NULL, *ranges = NULL;
	const char *clients[8];
	size_t nclients = 0;
	static const struct option opts[] = { { "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' }, { "client", required_argument, NULL, 'c' },
		{ "private-ranges", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'u')
			upstream = optarg;
		else if (c == 'c' && nclients < 8)
			clients[nclients++] = optarg;
		else if (c == 'r')
			ranges = optarg;
		else
			return 2;
	}
	if (!listen || !upstream || !nclients || !ranges || optind == argc) {
		fprintf(stderr, "usage: " PROG " --listen IP:PORT --upstream DNS-IP[:PORT] "
			"--client IP... --private-ranges CIDRS RULES...\n");
		return 2;
	}
	struct rlimit nofile;
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	struct bench_services b;
	bench_services_init(&b, PROG, (const char *const *)argv + optind, (size_t)(argc - optind),
		clients, nclients, ranges);

	oc_proxy_config cfg;
	oc_proxy_config_init(&cfg, OC_PROXY_CONFIG_VERSION);
	cfg.upstreams = upstream;
	cfg.max_conns = 200000;
	cfg.max_conns_per_container = 200000;
	oc_loop *loop = NULL;
	oc_proxy *proxy;
	if (oc_loop_new(&loop) < 0 || oc_proxy_new(loop, &cfg, &b.svc, &proxy) < 0)
		bench_die(PROG, "proxy");
	if (oc_proxy_listen(proxy, OC_PROXY_EXPLICIT, listen) < 0)
		bench_die(PROG, "listen");
	bench_stop_on_signals(PROG, loop);
	int rc = oc_loop_run(loop);
	report(proxy);
	oc_proxy_free(proxy);
	oc_loop_free(loop);
	bench_services_fini(&b);
	return rc < 0 ? 1 : 0;
}
