/*
 * bench-nft: how fast Outcall's kernel layer builds and commits its
 * ruleset and adds direct_ip grants, next to the same policy written as
 * one linear rule per grant and loaded with `nft -f` (what a shell-script
 * firewall does). It moves itself into a private network namespace first.
 *
 *   bench-nft [GRANTS [CONTAINERS [ROUNDS]]]   defaults 10000 100 5
 *
 * Prints one line per measurement: name, median milliseconds, min, max.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <outcall/error.h>
#include <outcall/kernel.h>

#include "kernel/firewall.h"

#define NET_GW 0x0ac80001u

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double report_in(const char *unit, const char *name, double *t, int n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%-44s median %9.2f %s   min %9.2f   max %9.2f\n", name, t[n / 2], unit, t[0],
		t[n - 1]);
	return t[n / 2];
}

static double report(const char *name, double *t, int n)
{
	return report_in("ms", name, t, n);
}

static void die(const char *what)
{
	fprintf(stderr, "bench-nft: %s: %s\n", what, oc_error_last()->message);
	exit(1);
}

/* The daemon's watch (kernel/fw_watch.c), as often as it runs: per
 * check, in microseconds, over 200 checks a round. With `moved`, a
 * transaction that changes no policy (one grant) comes before each check,
 * so the tables are dumped and digested every time. */
static void watch_checks(oc_firewall *fw, bool moved, double *t, int rounds)
{
	oc_grant g = { .rule_id = "other", .port = 80, .timeout_ms = 3600000 };
	g.container.s_addr = htonl(NET_GW + 1);
	for (int r = 0; r < rounds; r++) {
		double spent = 0;
		for (int i = 0; i < 200; i++) {
			g.dest.s_addr = htonl(0xc6130000u + (uint32_t)(r * 200 + i));
			if (moved && oc_firewall_grant(fw, &g, 1))
				die("grant");
			double t0 = now_ms();
			if (oc_firewall_repair(fw) != 0)
				die("watch check");
			spent += now_ms() - t0;
		}
		t[r] = spent * 1000 / 200;
	}
}

/* Everything happens in a network namespace of our own, made here, so
 * the machine's tables are never touched and nothing is left behind. */
static void private_netns(void)
{
	if (unshare(CLONE_NEWNET) != 0) {
		perror("bench-nft: unshare(CLONE_NEWNET) (needs root)");
		exit(2);
	}
}

/* One network with `containers` attached ones (table entries only: the
 * benchmark measures nftables, not veths). */
static oc_firewall *setup(int containers, uint32_t cap)
{
	oc_kernel_config cfg;
	oc_kernel_config_init(&cfg, OC_KERNEL_CONFIG_VERSION);
	cfg.grant_cap = cap;
	oc_firewall *fw;
	if (oc_firewall_open(&cfg, &fw))
		die("open");
	struct oc_nft_net net = { "default", "outcall0", NET_GW };
	if (oc_firewall_add_net(fw, &net))
		die("network");
	for (int i = 0; i < containers; i++) {
		uint32_t ip = NET_GW + 1 + (uint32_t)i;
		struct oc_nft_member m = { .ip = ip, .mac = { 2, 0, 10, 200, (uint8_t)(ip >> 8), (uint8_t)ip } };
		snprintf(m.name, sizeof(m.name), "agent-%d", i);
		snprintf(m.port, sizeof(m.port), "oc0-%u", ip & 0xff);
		if (oc_firewall_add_member(fw, &m))
			die("container");
	}
	return fw;
}

static oc_grant *make_grants(int n, int containers, const char *rule)
{
	oc_grant *g = calloc((size_t)n, sizeof(*g));
	for (int i = 0; i < n; i++) {
		g[i].rule_id = rule;
		g[i].container.s_addr = htonl(NET_GW + 1 + (uint32_t)(i % containers));
		g[i].dest.s_addr = htonl(0xc6120000u + (uint32_t)i); /* 198.18.x.y */
		g[i].port = 443;
		g[i].timeout_ms = 3600000;
	}
	return g;
}

/* The linear equivalent: the same base policy, then one rule per grant. */
static void write_linear(const char *path, const oc_grant *g, int n)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "table inet linear {\n\tchain forward {\n\t\ttype filter hook forward priority 0; "
		"policy drop;\n\t\tiifname != \"outcall0\" oifname != \"outcall0\" accept\n"
		"\t\tct state established,related accept\n");
	for (int i = 0; i < n; i++) {
		char c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		fprintf(f, "\t\tiifname \"outcall0\" ip saddr %s ip daddr %s tcp dport %u accept\n",
			inet_ntop(AF_INET, &g[i].container, c, sizeof(c)),
			inet_ntop(AF_INET, &g[i].dest, d, sizeof(d)), g[i].port);
	}
	fprintf(f, "\t\tdrop\n\t}\n}\n");
	fclose(f);
}

static int run_nft(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		execlp("nft", "nft", "-f", path, (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

int main(int argc, char **argv)
{
	int ngrants = argc > 1 ? atoi(argv[1]) : 10000;
	int containers = argc > 2 ? atoi(argv[2]) : 100;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	if (ngrants < 1 || containers < 1 || containers > 250 || rounds < 1 || rounds > 100) {
		fprintf(stderr, "usage: bench-nft [GRANTS [CONTAINERS (1-250) [ROUNDS (1-100)]]]\n");
		return 2;
	}
	private_netns();
	printf("bench-nft: %d grants over %d containers, %d rounds\n", ngrants, containers, rounds);
	oc_firewall *fw = setup(containers, (uint32_t)ngrants);
	const oc_direct_rule rules[] = { { "bench", "1" }, { "other", "1" } };
	double *t = calloc((size_t)rounds, sizeof(double));

	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		if (oc_firewall_apply(fw, rules, 2))
			die("apply");
		t[r] = now_ms() - t0;
	}
	double apply_ms = report("apply: build + commit the full ruleset", t, rounds);

	oc_grant *g = make_grants(ngrants, containers, "bench");
	for (int r = 0; r < rounds; r++) {
		if (oc_firewall_apply(fw, (oc_direct_rule[]){ { "bench", "2" } }, 1) ||
		    oc_firewall_apply(fw, rules, 2))
			die("reset");
		double t0 = now_ms();
		if (oc_firewall_grant(fw, g, (size_t)ngrants))
			die("grant");
		t[r] = now_ms() - t0;
	}
	double grant_ms = report("grant: all elements in one transaction", t, rounds);

	for (int r = 0; r < rounds; r++) {
		if (oc_firewall_apply(fw, (oc_direct_rule[]){ { "bench", "3" } }, 1) ||
		    oc_firewall_apply(fw, rules, 2))
			die("reset");
		double t0 = now_ms();
		for (int i = 0; i < ngrants; i += 100) {
			size_t n = (size_t)(ngrants - i < 100 ? ngrants - i : 100);
			if (oc_firewall_grant(fw, g + i, n))
				die("grant");
		}
		t[r] = now_ms() - t0;
	}
	report("grant: batches of 100 (as DNS answers come)", t, rounds);

	for (int r = 0; r < rounds; r++) {
		double t0 = now_ms();
		if (oc_firewall_apply(fw, rules, 2))
			die("apply");
		t[r] = now_ms() - t0;
	}
	double keep_ms = report("apply again, keeping every grant", t, rounds);

	watch_checks(fw, false, t, rounds);
	report_in("us", "watch check, no transaction since the last", t, rounds);
	watch_checks(fw, true, t, rounds);
	report_in("us", "watch check after a transaction (dump)", t, rounds);

	char path[] = "/tmp/bench-nft-linear-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	write_linear(path, g, ngrants);
	for (int r = 0; r < rounds; r++) {
		FILE *del = popen("nft delete table inet linear 2>/dev/null", "r");
		pclose(del);
		double t0 = now_ms();
		if (run_nft(path) != 0) {
			fprintf(stderr, "bench-nft: nft -f %s failed\n", path);
			return 1;
		}
		t[r] = now_ms() - t0;
	}
	double linear_ms = report("nft -f: the same grants as linear rules", t, rounds);
	unlink(path);

	printf("ratio nft -f linear / (apply + grant in one transaction): %.1fx\n",
		linear_ms / (apply_ms + grant_ms));
	printf("ratio nft -f linear / apply keeping the grants:           %.1fx\n", linear_ms / keep_ms);
	free(g);
	free(t);
	oc_firewall_free(fw);
	return 0;
}
