/* The names records, filters and metrics use for kinds, layers and
 * verdicts: one table each, so a new value is named in one place. */
#include <outcall/events.h>

#include <string.h>

#include "core/error.h"

static const char *const kinds[] = {
	[OC_EVENT_DECISION] = "decision", [OC_EVENT_SECURITY] = "security",
	[OC_EVENT_REQUEST] = "request", [OC_EVENT_RELOAD] = "reload", [OC_EVENT_AUDIT] = "audit",
};
static const char *const layers[] = {
	[OC_EVENT_LAYER_DNS] = "dns", [OC_EVENT_LAYER_HTTP] = "http", [OC_EVENT_LAYER_TLS] = "tls",
	[OC_EVENT_LAYER_AGENT] = "agent", [OC_EVENT_LAYER_KERNEL] = "kernel",
	[OC_EVENT_LAYER_REQUESTS] = "requests", [OC_EVENT_LAYER_RULES] = "rules",
	[OC_EVENT_LAYER_INCIDENT] = "incident",
};
static const char *const verdicts[] = {
	[OC_EVENT_VERDICT_ALLOW] = "allow", [OC_EVENT_VERDICT_BLOCK] = "block",
	[OC_EVENT_VERDICT_REFUSED] = "refused", [OC_EVENT_VERDICT_ERROR] = "error",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

/* Index of name in names, or -1 with the last error naming them all. */
static int parse(const char *const *names, size_t n, const char *what, const char *name)
{
	char list[160] = "";
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		if (name && strcmp(names[i], name) == 0)
			return (int)i;
		if (list[0])
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	oc_error_set(OC_EINVAL, "unknown %s '%.40s': use one of %s", what, name ? name : "", list);
	return -1;
}

const char *oc_event_kind_name(oc_event_kind kind)
{
	return name_of(kinds, COUNT(kinds), (unsigned)kind);
}

const char *oc_event_layer_name(oc_event_layer layer)
{
	return name_of(layers, COUNT(layers), (unsigned)layer);
}

const char *oc_event_verdict_name(oc_event_verdict verdict)
{
	return name_of(verdicts, COUNT(verdicts), (unsigned)verdict);
}

int oc_event_kind_parse(const char *name, oc_event_kind *out)
{
	int i = parse(kinds, COUNT(kinds), "event kind", name);
	if (i < 0)
		return OC_EINVAL;
	*out = (oc_event_kind)i;
	return 0;
}

int oc_event_layer_parse(const char *name, oc_event_layer *out)
{
	int i = parse(layers, COUNT(layers), "layer", name);
	if (i < 0)
		return OC_EINVAL;
	*out = (oc_event_layer)i;
	return 0;
}

const char *oc_event_verdict_text(const oc_event *ev)
{
	const char *name = oc_event_verdict_name(ev->verdict);
	return name ? name : ev->outcome;
}
