/* Creating, configuring, listening and stopping the server. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <outcall/outcall.h>
#include "harness.h"
#include "../common/tmpfiles.h"

/* Services that are enough to create a server (nothing is served). */
struct svc {
	oc_live *live;
	oc_registry *reg;
	oc_events *events;
	oc_addr_policy *priv;
	oc_services s;
};

static void svc_init(struct svc *v)
{
	cr_assert_eq(oc_live_new(&v->live), 0);
	cr_assert_eq(oc_registry_new(&v->reg), 0);
	cr_assert_eq(oc_events_new(16, &v->events), 0);
	cr_assert_eq(oc_addr_policy_new(NULL, &v->priv), 0);
	v->s = (oc_services){ .rules = v->live, .registry = v->reg, .events = v->events,
		.private_ranges = v->priv };
}

static void svc_fini(struct svc *v)
{
	oc_live_free(v->live);
	oc_registry_free(v->reg);
	oc_events_free(v->events);
	oc_addr_policy_free(v->priv);
}

Test(lifecycle, bad_configuration_is_refused_with_the_reason)
{
	struct svc v;
	svc_init(&v);
	oc_loop *loop;
	cr_assert_eq(oc_loop_new(&loop), 0);
	oc_dns_server *s = NULL;
	oc_dns_config cfg;
	oc_dns_config_init(&cfg, OC_DNS_CONFIG_VERSION);

	cfg.upstreams = "192.0.2.1, nonsense";
	cr_assert_eq(oc_dns_server_new(loop, &cfg, &v.s, &s), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "\"nonsense\""), "%s", oc_error_last()->message);
	cr_assert_null(s);

	const char *dir = tmp_dir();
	char path[512];
	snprintf(path, sizeof(path), "%s", tmp_write(dir, "resolv.conf",
		"search example\noptions ndots:2\n"));
	cfg.upstreams = NULL;
	cfg.resolv_conf = path;
	cr_assert_eq(oc_dns_server_new(loop, &cfg, &v.s, &s), OC_ENOTFOUND);
	cr_assert(strstr(oc_error_last()->message, "--dns-upstream"), "%s", oc_error_last()->message);
	tmp_write(dir, "resolv.conf", "nameserver 192.0.2.53\n");
	cr_assert_eq(oc_dns_server_new(loop, &cfg, &v.s, &s), 0, "%s", oc_error_last()->message);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	oc_dns_server_get_stats(s, &st);
	cr_assert_eq(st.nupstreams, 1);
	oc_dns_upstream_list *ul = NULL;
	cr_assert_eq(oc_dns_server_upstreams(s, &ul), 0);
	cr_assert_eq(oc_dns_upstream_list_count(ul), 1);
	cr_assert_str_eq(oc_dns_upstream_list_get(ul, 0)->addr, "192.0.2.53:53");
	cr_assert_null(oc_dns_upstream_list_get(ul, 1));
	oc_dns_upstream_list_free(ul);
	oc_dns_server_free(s);
	s = NULL;

	cfg.upstreams = "192.0.2.1";
	cfg.rate_per_sec = 10;
	cfg.rate_burst = 0;
	cr_assert_eq(oc_dns_server_new(loop, &cfg, &v.s, &s), OC_EINVAL);
	oc_dns_config_init(&cfg, OC_DNS_CONFIG_VERSION);
	cfg.upstreams = "192.0.2.1";
	oc_services missing = v.s;
	missing.registry = NULL;
	cr_assert_eq(oc_dns_server_new(loop, &cfg, &missing, &s), OC_EINVAL);
	cr_assert(strstr(oc_error_last()->message, "registry"));
	oc_loop_free(loop);
	svc_fini(&v);
	tmp_cleanup();
}

TestSuite(listen, .fini = h_stop, .timeout = 30);

struct listen_call {
	const char *addr;
	bool unlisten;
	int rc;
};

static void do_listen(oc_dns_server *s, void *arg)
{
	struct listen_call *c = arg;
	c->rc = c->unlisten ? oc_dns_server_unlisten(s, c->addr) : oc_dns_server_listen(s, c->addr);
}

static int listen_on(const char *addr, bool unlisten)
{
	struct listen_call c = { addr, unlisten, 0 };
	h_on_loop(do_listen, &c);
	return c.rc;
}

Test(listen, gateways_come_and_go_while_the_server_runs)
{
	h_start(NULL);
	cr_assert_eq(listen_on(GW ":53", false), OC_EEXIST);
	cr_assert_eq(listen_on(GW2, true), OC_ENOTFOUND);
	cr_assert_eq(listen_on(GW2, false), 0, "a new network's gateway, port 53 by default");

	int fd = h_send_udp(AGENT, GW2, "www.allowed.test", 1);
	ldns_pkt *p = h_recv_udp(fd, 3000);
	cr_assert_not_null(p, "answered on the new gateway");
	cr_assert_eq(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	/* a query waiting upstream when its gateway goes: no answer, no harm */
	fd = h_send_udp(AGENT, GW2, "slow.allowed.test", 2);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	for (int i = 0; i < 100; i++) { /* until the server has it pending (1 s at most) */
		h_stats(&st);
		if (st.pending)
			break;
		usleep(10000);
	}
	cr_assert_eq(st.pending, 1);
	cr_assert_eq(listen_on(GW2 ":53", true), 0);
	cr_assert_null(h_recv_udp(fd, 500), "the answer is dropped with its socket");
	struct h_event ev;
	h_events_wait(2, &ev);
	cr_assert_str_eq(ev.host, "slow.allowed.test", "the query still completes and is recorded");
	fd = h_send_udp(AGENT, GW2, "www.allowed.test", 3);
	cr_assert_null(h_recv_udp(fd, 300), "nothing listens there any more");

	p = h_ask(AGENT, "slow.allowed.test", LDNS_RR_TYPE_A);
	cr_assert_eq(ldns_pkt_ancount(p), 1, "the first gateway still answers, from the cache");
	ldns_pkt_free(p);
}

Test(listen, freeing_with_queries_in_flight)
{
	h_start(NULL);
	int fd = h_send_udp(AGENT, GW, "dead.allowed.test", 4);
	int tfd = h_tcp_connect(AGENT);
	oc_dns_stats st = OC_DNS_STATS_INIT;
	for (int i = 0; i < 100; i++) {
		h_stats(&st);
		if (st.pending && st.tcp_open)
			break;
		usleep(10000);
	}
	cr_assert_eq(st.pending, 1);
	cr_assert_eq(st.tcp_open, 1);
	h_stop(); /* sanitizer builds check that nothing leaks or is used after */
	close(fd);
	close(tfd);
}
