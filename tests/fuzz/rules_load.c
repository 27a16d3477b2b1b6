/* Fuzz target: the rule-file loader (structural pass, libcyaml, checks,
 * condition compiler, index build) on arbitrary bytes; when a set loads,
 * one decision is made on it. Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>

#include <outcall/engine.h>
#include <outcall/policy.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	oc_ruleset *rs = NULL;
	oc_warnings *w = NULL;
	if (oc_ruleset_load_string("fuzz.yaml", (const char *)data, size, NULL, &rs, &w) == 0) {
		oc_context ctx;
		char host[OC_HOSTNAME_MAX], target[64];
		oc_context_for_url(&ctx, host, target, "http://a.example/x", "GET");
		oc_decision d;
		oc_engine_decide(rs, &ctx, &d);
		oc_ruleset_unref(rs);
	}
	oc_warnings_free(w);
	return 0;
}
