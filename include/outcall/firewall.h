/*
 * Kernel enforcement: the nftables tables `inet <table>`
 * and `bridge <table>` ("outcall" by default), built with libnftnl and
 * committed over netlink as single transactions; never by running nft.
 *
 * What the tables do, in short (render them for the full, commented text):
 * containers on Outcall bridges reach the host only on the DNS filter and
 * proxy ports of their own gateway; DNS to any resolver and tcp/80, tcp/443
 * to anywhere are redirected to the DNS filter and the transparent proxy;
 * forwarding is dropped except flows granted in a direct_ip set (one set
 * per direct_ip rule, elements `container IP . destination IP . port` with
 * timeouts), which are masqueraded; a frame from a container port must carry
 * the MAC and IP the container was given; containers never reach each
 * other; IPv6 from containers is dropped; a container in set `locked`
 * (under lockdown: outcalld keeps it) reaches only the DNS filter and the
 * proxy, granted or not, and nothing is forwarded from or to it.
 *
 * Fail closed: the tables belong to no process. Freeing an oc_firewall, or
 * the process dying in any way, leaves them in the kernel; a new process
 * opens them again (oc_firewall_open reads back networks, containers and
 * grants) and oc_firewall_apply replaces them in one transaction.
 *
 * Thread-safety: every oc_firewall call locks the object, so the DNS filter
 * may grant from its thread while the daemon applies from another.
 */
#ifndef OUTCALL_FIREWALL_H
#define OUTCALL_FIREWALL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <outcall/common.h>
#include <outcall/kernel.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Outcall's nftables tables in the caller's network namespace. */
typedef struct oc_firewall oc_firewall;

/*
 * Opens netlink sockets in the calling thread's network namespace and
 * reads back what the tables hold (networks, containers, direct_ip rules
 * and their grants), changing nothing. cfg may be NULL for the defaults.
 */
OC_API int oc_firewall_open(const oc_kernel_config *cfg, oc_firewall **out);
/* Frees the object; the tables stay in the kernel (fail closed). */
OC_API void oc_firewall_free(oc_firewall *fw);

/* A direct_ip rule as the firewall needs it: its id names its set
 * ("dip-<id>"); `rev` (may be NULL or "", up to 32 of [A-Za-z0-9._-])
 * identifies the rule's content, so a changed rule loses its grants. */
typedef struct oc_direct_rule {
	const char *id;
	const char *rev;
} oc_direct_rule;

/*
 * Replaces both tables in one transaction with the policy for the current
 * networks and containers and these direct_ip rules (which replace the
 * previous list). Grants of a rule with the same id and rev are kept with
 * their remaining timeouts; the others are dropped with their sets. The
 * kernel's ruleset generation advances by exactly one. The named counters
 * keep their values.
 */
OC_API int oc_firewall_apply(oc_firewall *fw, const oc_direct_rule *rules, size_t n);

/* True (1) when the tables are present in the kernel, 0 when not. */
OC_API int oc_firewall_installed(oc_firewall *fw);

/* The tables as nft text, exactly what oc_firewall_apply would commit now
 * (generated from the same description). Free *text with free(). */
OC_API int oc_firewall_render(oc_firewall *fw, char **text);

/* Deletes both tables (uninstalling Outcall). Containers lose their
 * isolation: only for teardown. */
OC_API int oc_firewall_remove(oc_firewall *fw);

/* The kernel's nftables ruleset generation id (it advances by one per
 * committed transaction, by anyone). */
OC_API int oc_firewall_generation(oc_firewall *fw, uint32_t *genid);

/* One direct_ip grant request. */
typedef struct oc_grant {
	const char *rule_id;       /* a direct_ip rule of the last apply */
	struct in_addr container;  /* an attached container */
	struct in_addr dest;
	uint16_t port;
	uint32_t timeout_ms;       /* 1 .. grant_timeout_max_ms */
	const char *note;          /* optional, e.g. the host name; shown by nft */
} oc_grant;

/*
 * Adds (or refreshes the timeout of) n grants in one transaction and
 * returns once the kernel has acknowledged it: a caller may let traffic
 * through (send its DNS answer) as soon as this returns 0. All or nothing:
 * OC_ENOTFOUND for an unknown rule or container, OC_ELIMIT when a container
 * would hold more than grant_cap live grants of one rule (the message
 * names container, rule and cap), OC_EINVAL for a bad timeout or port.
 */
OC_API int oc_firewall_grant(oc_firewall *fw, const oc_grant *grants, size_t n);

/* A grant read back from the kernel. */
typedef struct oc_grant_info {
	const char *rule_id;
	struct in_addr container;
	struct in_addr dest;
	uint16_t port;
	uint64_t timeout_ms;
	uint64_t remaining_ms;
	const char *note;          /* "" when none */
} oc_grant_info;

typedef struct oc_grant_list oc_grant_list; /* owned by the caller */

/* Reads every live grant from the kernel (not from memory), ordered by
 * rule, container, destination and port. */
OC_API int oc_firewall_grants(oc_firewall *fw, oc_grant_list **out);
OC_API size_t oc_grant_list_count(const oc_grant_list *l);
/* Valid until oc_grant_list_free. */
OC_API const oc_grant_info *oc_grant_list_get(const oc_grant_list *l, size_t i);
OC_API void oc_grant_list_free(oc_grant_list *l);

#ifdef __cplusplus
}
#endif
#endif
