/* Versioned public structs (outcall.h): initialisation, refusal of
 * unknown versions, and the daemon's copy of its config. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <outcall/outcall.h>

#include "daemon/internal.h"

#define REFUSED(call, type) do { \
	cr_assert_eq((call), OC_EINVAL, #call); \
	cr_assert(strstr(oc_error_last()->message, type), "%s", oc_error_last()->message); \
} while (0)

Test(versions, init_functions_fill_what_the_macros_hold)
{
	oc_dns_config dns, dns_m = OC_DNS_CONFIG_INIT;
	cr_assert_eq(oc_dns_config_init(&dns, OC_DNS_CONFIG_VERSION), 0);
	cr_assert_eq(dns.version, OC_DNS_CONFIG_VERSION);
	cr_assert_eq(dns.cache_entries, dns_m.cache_entries);
	cr_assert_str_eq(dns.resolv_conf, "/etc/resolv.conf");
	oc_proxy_config px;
	cr_assert_eq(oc_proxy_config_init(&px, OC_PROXY_CONFIG_VERSION), 0);
	cr_assert_eq(px.head_ms, 10000);
	oc_agents_config ag;
	cr_assert_eq(oc_agents_config_init(&ag, OC_AGENTS_CONFIG_VERSION), 0);
	cr_assert_eq(ag.max_wait_s, 300);
	oc_kernel_config k;
	cr_assert_eq(oc_kernel_config_init(&k, OC_KERNEL_CONFIG_VERSION), 0);
	cr_assert_str_eq(k.subnet_pool, "10.200.0.0/16");
	cr_assert_null(k.blocked_prefixes, "NULL: the default list");
	oc_daemon_config d;
	cr_assert_eq(oc_daemon_config_init(&d, OC_DAEMON_CONFIG_VERSION), 0);
	cr_assert_eq(d.kernel.version, OC_KERNEL_CONFIG_VERSION);
	cr_assert_eq(d.agents.version, OC_AGENTS_CONFIG_VERSION);
	cr_assert_str_eq(d.docker_shim, OC_DEFAULT_SHIM_PATH);
	cr_assert(d.watch_rules);
	oc_events_stats es;
	cr_assert_eq(oc_events_stats_init(&es, OC_EVENTS_STATS_VERSION), 0);
	cr_assert_eq(es.version, OC_EVENTS_STATS_VERSION);
}

Test(versions, an_unknown_version_is_refused_by_name)
{
	oc_dns_config dns;
	REFUSED(oc_dns_config_init(&dns, 0), "oc_dns_config");
	REFUSED(oc_dns_config_init(&dns, OC_DNS_CONFIG_VERSION + 1), "OC_DNS_CONFIG_INIT");
	oc_daemon_config d;
	REFUSED(oc_daemon_config_init(&d, 7), "oc_daemon_config");
	oc_dns_stats st;
	REFUSED(oc_dns_stats_init(&st, 0), "oc_dns_stats");
}

Test(versions, a_zeroed_config_is_refused_before_anything_happens)
{
	oc_kernel_config k;
	memset(&k, 0, sizeof(k));
	oc_firewall *fw = NULL;
	REFUSED(oc_firewall_open(&k, &fw), "oc_kernel_config");
	cr_assert_null(fw);
	oc_daemon_config d = OC_DAEMON_CONFIG_INIT;
	d.version = 0;
	REFUSED(oc_daemon_check_state(&d), "oc_daemon_config");
	oc_daemon *dm = NULL;
	REFUSED(oc_daemon_new(&d, &dm), "oc_daemon_config");
	d.version = OC_DAEMON_CONFIG_VERSION;
	d.proxy.version = 0;
	REFUSED(oc_daemon_new(&d, &dm), "oc_proxy_config");
	cr_assert_null(dm);
}

Test(versions, stats_are_filled_only_for_a_known_version)
{
	oc_events *hub;
	cr_assert_eq(oc_events_new(8, &hub), 0);
	oc_event ev;
	oc_event_init(&ev, OC_EVENT_DECISION, OC_EVENT_LAYER_DNS);
	oc_events_emit(hub, &ev);
	oc_events_stats st;
	memset(&st, 0, sizeof(st));
	REFUSED(oc_events_get_stats(hub, &st), "oc_events_stats");
	cr_assert_eq(st.emitted, 0, "nothing written into a struct of unknown size");
	oc_events_stats ok = OC_EVENTS_STATS_INIT;
	cr_assert_eq(oc_events_get_stats(hub, &ok), 0);
	cr_assert_eq(ok.emitted, 1);
	cr_assert_eq(ok.version, OC_EVENTS_STATS_VERSION);
	oc_events_free(hub);
}

Test(versions, the_daemon_copies_every_string_and_array_of_its_config)
{
	char text[6][32] = { "/r/rules", "/r/state", "hosts", "10.9.0.0/16", "9.9.9.9", "169.254.0.0/16" };
	uint16_t ports[2] = { 7000, 7001 };
	const char *blocked[1] = { text[5] };
	oc_daemon_config in = OC_DAEMON_CONFIG_INIT;
	in.rules_dir = text[0];
	in.state_dir = text[1];
	in.operator_group = text[2];
	in.kernel.subnet_pool = text[3];
	in.dns.upstreams = text[4];
	in.kernel.service_ports = ports;
	in.kernel.nservice_ports = 2;
	in.kernel.blocked_prefixes = blocked;
	oc_daemon_config out;
	void *storage;
	cr_assert_eq(oc_daemon_config_copy(&in, &out, &storage), 0);
	memset(text, 'x', sizeof(text));
	ports[0] = ports[1] = 1;
	blocked[0] = "x";
	cr_assert_str_eq(out.rules_dir, "/r/rules");
	cr_assert_str_eq(out.state_dir, "/r/state");
	cr_assert_str_eq(out.operator_group, "hosts");
	cr_assert_str_eq(out.kernel.subnet_pool, "10.9.0.0/16");
	cr_assert_str_eq(out.dns.upstreams, "9.9.9.9");
	cr_assert_str_eq(out.run_dir, "/run/outcall", "defaults are copied too");
	cr_assert_null(out.decision_log);
	cr_assert_eq(out.kernel.nservice_ports, 2);
	cr_assert_eq(out.kernel.service_ports[0], 7000);
	cr_assert_eq(out.kernel.service_ports[1], 7001);
	cr_assert_str_eq(out.kernel.blocked_prefixes[0], "169.254.0.0/16");
	free(storage);
}

/* A program built when oc_daemon_config was version 1 has a struct that
 * ends before run_bind_dirs: init writes no further, and the copy reads
 * no further and takes the default. */
Test(versions, a_version_1_daemon_config_is_read_and_written_only_as_far_as_it_goes)
{
	size_t v1 = offsetof(oc_daemon_config, run_bind_dirs);
	unsigned char *mem = malloc(sizeof(oc_daemon_config));
	memset(mem, 0xab, sizeof(oc_daemon_config));
	oc_daemon_config *old = (oc_daemon_config *)(void *)mem;
	cr_assert_eq(oc_daemon_config_init(old, 1), 0);
	cr_assert_eq(old->version, 1);
	for (size_t i = v1; i < sizeof(oc_daemon_config); i++)
		cr_assert_eq(mem[i], 0xab, "byte %zu past version 1 was written", i);
	old->rules_dir = "/v1/rules";
	oc_daemon_config out;
	void *storage;
	cr_assert_eq(oc_daemon_config_copy(old, &out, &storage), 0);
	cr_assert_eq(out.version, OC_DAEMON_CONFIG_VERSION);
	cr_assert_str_eq(out.rules_dir, "/v1/rules");
	cr_assert_str_eq(out.run_bind_dirs, OC_DEFAULT_RUN_BIND_DIRS, "the default, not 0xab bytes");
	free(storage);
	free(mem);
}

Test(versions, flags_own_the_strings_they_set)
{
	oc_daemon_flags *f;
	cr_assert_eq(oc_daemon_flags_new(&f), 0);
	char value[] = "/from/a/flag";
	cr_assert_eq(oc_daemon_flags_set(f, "rules-dir", value), 0);
	memset(value, 'x', sizeof(value) - 1);
	oc_daemon_config *cfg = oc_daemon_flags_config(f);
	cr_assert_str_eq(cfg->rules_dir, "/from/a/flag");
	cr_assert_eq(cfg->version, OC_DAEMON_CONFIG_VERSION);
	cr_assert_eq(oc_daemon_flags_set(f, "no-such-option", "1"), OC_ENOTFOUND);
	cr_assert_eq(oc_daemon_flags_set(f, "docker-shim", ""), 0);
	cr_assert_null(cfg->docker_shim, "empty turns it off");
	oc_daemon_flags_free(f);
	size_t n1, n2;
	cr_assert_eq(oc_daemon_options(&n1), oc_daemon_options(&n2), "one const table");
	cr_assert_eq(n1, n2);
}
