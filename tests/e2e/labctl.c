/*
 * labctl: drives the kernel layer of liboutcall for the e2e tests until
 * outcalld exists. Every run opens the state the tables hold, does one
 * thing and exits (the tables stay, as they do for the daemon).
 *
 *   labctl [options] apply                 networks "default" (+ --network), tables
 *   labctl [options] hold                  apply, print "ready", wait to be killed
 *   labctl [options] attach --name N (--netns PATH | --pid PID) [--network NET]
 *   labctl [options] detach --name N
 *   labctl [options] grant --rule R --container IP --dest IP --port P [--timeout-ms T] [--note S]
 *   labctl [options] grants | render | generation | remove
 * options: --direct ID[:REV] (repeatable; the direct_ip rules for apply and
 * hold), --network NAME (repeatable, for apply), --grant-cap N,
 * --service-port P (repeatable).
 * Exit status: 0 ok, 1 the library refused (message on stderr), 2 usage.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <outcall/outcall.h>

#define MAX_LIST 16

struct args {
	oc_kernel_config cfg;
	oc_direct_rule direct[MAX_LIST];
	char *direct_text[MAX_LIST];
	size_t ndirect;
	const char *networks[MAX_LIST];
	size_t nnetworks;
	uint16_t services[MAX_LIST];
	const char *name, *netns, *network, *rule, *container, *dest, *note;
	pid_t pid;
	long port, timeout_ms;
};

static int usage(void)
{
	fprintf(stderr, "usage: labctl [--direct ID[:REV]]... [--network NAME]... [--grant-cap N] "
		"[--service-port P]...\n  apply | hold | attach --name N (--netns PATH | --pid PID) "
		"[--network NET] | detach --name N\n  | grant --rule R --container IP --dest IP --port P "
		"[--timeout-ms T] [--note S] | grants | render | generation | remove\n");
	return 2;
}

static int fail(const char *what)
{
	fprintf(stderr, "labctl: %s: %s\n", what, oc_error_last()->message);
	return 1;
}

static int parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "direct", required_argument, NULL, 'd' }, { "network", required_argument, NULL, 'w' },
		{ "grant-cap", required_argument, NULL, 'c' },
		{ "service-port", required_argument, NULL, 's' }, { "name", required_argument, NULL, 'n' },
		{ "netns", required_argument, NULL, 'N' }, { "pid", required_argument, NULL, 'p' },
		{ "rule", required_argument, NULL, 'r' }, { "container", required_argument, NULL, 'C' },
		{ "dest", required_argument, NULL, 'D' }, { "port", required_argument, NULL, 'P' },
		{ "timeout-ms", required_argument, NULL, 't' }, { "note", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	oc_kernel_config_init(&a->cfg, OC_KERNEL_CONFIG_VERSION);
	a->timeout_ms = 60000;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': {
			if (a->ndirect == MAX_LIST)
				return usage();
			char *t = a->direct_text[a->ndirect] = strdup(optarg);
			char *colon = strchr(t, ':');
			if (colon)
				*colon = '\0';
			a->direct[a->ndirect++] = (oc_direct_rule){ t, colon ? colon + 1 : NULL };
			break;
		}
		case 'w':
			if (a->nnetworks == MAX_LIST)
				return usage();
			a->networks[a->nnetworks++] = optarg;
			a->network = optarg;
			break;
		case 'c': a->cfg.grant_cap = (uint32_t)atol(optarg); break;
		case 's':
			if (a->cfg.nservice_ports == MAX_LIST)
				return usage();
			a->services[a->cfg.nservice_ports++] = (uint16_t)atoi(optarg);
			a->cfg.service_ports = a->services;
			break;
		case 'n': a->name = optarg; break;
		case 'N': a->netns = optarg; break;
		case 'p': a->pid = (pid_t)atoi(optarg); break;
		case 'r': a->rule = optarg; break;
		case 'C': a->container = optarg; break;
		case 'D': a->dest = optarg; break;
		case 'P': a->port = atol(optarg); break;
		case 't': a->timeout_ms = atol(optarg); break;
		case 'o': a->note = optarg; break;
		default: return usage();
		}
	}
	return optind < argc ? 0 : usage();
}

static int apply(oc_networks *n, struct args *a)
{
	if (oc_network_create(n, "default", NULL))
		return fail("creating network default");
	for (size_t i = 0; i < a->nnetworks; i++)
		if (oc_network_create(n, a->networks[i], NULL))
			return fail("creating a network");
	return oc_firewall_apply(oc_networks_firewall(n), a->direct, a->ndirect) ? fail("apply") : 0;
}

static int attach(oc_networks *n, struct args *a)
{
	oc_attach_options o = { .name = a->name, .network = a->network, .netns_path = a->netns,
		.pid = a->pid };
	oc_container *c;
	if (!a->name || (!a->netns && !a->pid))
		return usage();
	if (oc_network_attach(n, &o, &c))
		return fail("attach");
	char ip[INET_ADDRSTRLEN];
	struct in_addr addr = oc_container_ip(c);
	const uint8_t *m = oc_container_mac(c);
	printf("%s %02x:%02x:%02x:%02x:%02x:%02x %s\n", inet_ntop(AF_INET, &addr, ip, sizeof(ip)),
		m[0], m[1], m[2], m[3], m[4], m[5], oc_container_veth(c));
	oc_container_unref(c);
	return 0;
}

static int grant(oc_networks *n, struct args *a)
{
	oc_grant g = { .rule_id = a->rule, .port = (uint16_t)a->port,
		.timeout_ms = (uint32_t)a->timeout_ms, .note = a->note };
	if (!a->rule || !a->container || !a->dest ||
	    inet_pton(AF_INET, a->container, &g.container) != 1 ||
	    inet_pton(AF_INET, a->dest, &g.dest) != 1)
		return usage();
	return oc_firewall_grant(oc_networks_firewall(n), &g, 1) ? fail("grant") : 0;
}

static int grants(oc_networks *n)
{
	oc_grant_list *l;
	if (oc_firewall_grants(oc_networks_firewall(n), &l))
		return fail("listing grants");
	for (size_t i = 0; i < oc_grant_list_count(l); i++) {
		const oc_grant_info *g = oc_grant_list_get(l, i);
		char c[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
		printf("%s %s %s %u %llu\n", g->rule_id, inet_ntop(AF_INET, &g->container, c, sizeof(c)),
			inet_ntop(AF_INET, &g->dest, d, sizeof(d)), g->port,
			(unsigned long long)g->remaining_ms);
	}
	oc_grant_list_free(l);
	return 0;
}

static int run(oc_networks *n, const char *cmd, struct args *a)
{
	oc_firewall *fw = oc_networks_firewall(n);
	if (strcmp(cmd, "apply") == 0)
		return apply(n, a);
	if (strcmp(cmd, "hold") == 0) {
		int rc = apply(n, a);
		if (rc)
			return rc;
		printf("ready\n");
		fflush(stdout);
		/* the test ends us (SIGKILL in the fail-closed test); never by
		 * ourselves after 10 minutes, so no run is left behind */
		alarm(600);
		for (;;)
			pause();
	}
	if (strcmp(cmd, "attach") == 0)
		return attach(n, a);
	if (strcmp(cmd, "detach") == 0)
		return !a->name ? usage() : oc_network_detach(n, a->name) ? fail("detach") : 0;
	if (strcmp(cmd, "grant") == 0)
		return grant(n, a);
	if (strcmp(cmd, "grants") == 0)
		return grants(n);
	if (strcmp(cmd, "render") == 0) {
		char *text;
		if (oc_firewall_render(fw, &text))
			return fail("render");
		fputs(text, stdout);
		free(text);
		return 0;
	}
	if (strcmp(cmd, "generation") == 0) {
		uint32_t g;
		if (oc_firewall_generation(fw, &g))
			return fail("generation");
		printf("%u\n", g);
		return 0;
	}
	if (strcmp(cmd, "remove") == 0)
		return oc_firewall_remove(fw) ? fail("remove") : 0;
	return usage();
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	int rc = parse(argc, argv, &a);
	if (rc)
		return rc;
	oc_networks *n;
	if (oc_networks_open(&a.cfg, &n))
		return fail("opening the Outcall state");
	rc = run(n, argv[optind], &a);
	oc_networks_free(n);
	for (size_t i = 0; i < a.ndirect; i++)
		free(a.direct_text[i]);
	return rc;
}
