/* oc_daemon_new's copy of the config: every string and array it points
 * to goes into one allocation the daemon owns, so the caller's storage
 * (flags, argv, a config file's lines) may go as soon as it returns. */
#include "daemon/internal.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"

#define FIELD(f) offsetof(oc_daemon_config, f)

static const size_t string_fields[] = {
	FIELD(rules_dir), FIELD(state_dir), FIELD(run_dir), FIELD(host_socket),
	FIELD(operator_group), FIELD(private_ranges), FIELD(decision_log),
	FIELD(docker_socket), FIELD(docker_shim), FIELD(docker_image),
	FIELD(kernel.table), FIELD(kernel.bridge_prefix), FIELD(kernel.subnet_pool),
	FIELD(kernel.container_ifname), FIELD(dns.upstreams), FIELD(dns.resolv_conf),
	FIELD(proxy.upstreams), FIELD(agents.run_dir), FIELD(agents.state_dir),
	FIELD(agents.rules_dir), FIELD(run_bind_dirs),
};
#define NSTRINGS (sizeof(string_fields) / sizeof(string_fields[0]))

static const char **string_at(oc_daemon_config *cfg, size_t i)
{
	return (const char **)((char *)cfg + string_fields[i]);
}

static int check_versions(const oc_daemon_config *cfg)
{
	int rc = oc_struct_version_check(cfg->version, OC_DAEMON_CONFIG_VERSION, "oc_daemon_config");
	if (!rc)
		rc = oc_struct_version_check(cfg->kernel.version, OC_KERNEL_CONFIG_VERSION,
			"oc_kernel_config");
	if (!rc)
		rc = oc_struct_version_check(cfg->dns.version, OC_DNS_CONFIG_VERSION, "oc_dns_config");
	if (!rc)
		rc = oc_struct_version_check(cfg->proxy.version, OC_PROXY_CONFIG_VERSION,
			"oc_proxy_config");
	if (!rc)
		rc = oc_struct_version_check(cfg->agents.version, OC_AGENTS_CONFIG_VERSION,
			"oc_agents_config");
	return rc;
}

int oc_daemon_config_copy(const oc_daemon_config *in, oc_daemon_config *out, void **storage)
{
	*storage = NULL;
	int rc = check_versions(in);
	if (rc)
		return rc;
	/* a version 1 caller's struct ends before the fields version 2 added */
	*out = (oc_daemon_config)OC_DAEMON_CONFIG_INIT;
	memcpy(out, in, in->version == 1 ? offsetof(oc_daemon_config, run_bind_dirs) : sizeof(*in));
	out->version = OC_DAEMON_CONFIG_VERSION;
	const oc_kernel_config *k = &in->kernel;
	size_t nblocked = k->blocked_prefixes ? k->nblocked_prefixes : 0;
	size_t need = nblocked * sizeof(char *) + k->nservice_ports * sizeof(uint16_t);
	for (size_t i = 0; i < nblocked; i++)
		need += strlen(k->blocked_prefixes[i]) + 1;
	for (size_t i = 0; i < NSTRINGS; i++)
		if (*string_at(out, i))
			need += strlen(*string_at(out, i)) + 1;
	/* pointers first, then ports, then text: each part stays aligned */
	_Static_assert(alignof(char *) >= alignof(uint16_t), "layout of the copy");
	char *p = malloc(need ? need : 1);
	if (!p)
		return oc_error_nomem();
	*storage = p;
	const char **blocked = (const char **)(void *)p;
	p += nblocked * sizeof(char *);
	if (k->nservice_ports) {
		memcpy(p, k->service_ports, k->nservice_ports * sizeof(uint16_t));
		out->kernel.service_ports = (const uint16_t *)(void *)p;
		p += k->nservice_ports * sizeof(uint16_t);
	}
	for (size_t i = 0; i < nblocked; i++) {
		size_t n = strlen(k->blocked_prefixes[i]) + 1;
		blocked[i] = memcpy(p, k->blocked_prefixes[i], n);
		p += n;
	}
	if (k->blocked_prefixes)
		out->kernel.blocked_prefixes = blocked;
	for (size_t i = 0; i < NSTRINGS; i++) {
		const char **s = string_at(out, i);
		if (!*s)
			continue;
		size_t n = strlen(*s) + 1;
		*s = memcpy(p, *s, n);
		p += n;
	}
	return 0;
}
