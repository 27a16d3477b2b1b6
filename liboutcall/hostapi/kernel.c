/* Host API: the kernel tables as nft text, and the live direct_ip grants. */
#include "hostapi/hostapi.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

void oc_hostapi_nft(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	char *text = NULL;
	if (oc_firewall_render(oc_networks_firewall(d->nets), &text) != 0) {
		oc_hostapi_fail(r);
		return;
	}
	oc_api_respond(r->conn, 200, "text/plain; charset=utf-8", text, strlen(text), NULL);
	free(text);
}

void oc_hostapi_grants(oc_daemon *d, oc_api_request *r, const char *name)
{
	(void)name;
	oc_grant_list *l = NULL;
	if (oc_firewall_grants(oc_networks_firewall(d->nets), &l) != 0) {
		oc_hostapi_fail(r);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < oc_grant_list_count(l); i++) {
		const oc_grant_info *g = oc_grant_list_get(l, i);
		char c[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &g->container, c, sizeof(c));
		inet_ntop(AF_INET, &g->dest, dst, sizeof(dst));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:I, s:s}",
			"rule", g->rule_id, "container_ip", c, "destination", dst, "port", g->port,
			"remaining_ms", (json_int_t)g->remaining_ms, "note", g->note));
	}
	oc_grant_list_free(l);
	oc_api_respond_json(r->conn, 200, json_pack("{s:o}", "grants", arr));
}
