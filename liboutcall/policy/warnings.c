#include "policy/warnings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct oc_warnings {
	oc_warning *items;
	size_t count;
};

oc_warnings *oc_warnings_new(void)
{
	oc_warnings *w = calloc(1, sizeof(*w));
	if (!w)
		oc_error_nomem();
	return w;
}

int oc_warnings_add(oc_warnings *w, const char *file, int line, const char *rule_id,
	const char *fmt, ...)
{
	oc_buf msg = OC_BUF_INIT;
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	int rc = line > 0 ? oc_buf_printf(&msg, "%s:%d: ", file, line) : oc_buf_printf(&msg, "%s: ", file);
	if (!rc && rule_id)
		rc = oc_buf_printf(&msg, "rule '%s': ", rule_id);
	if (!rc)
		rc = oc_buf_puts(&msg, text);
	oc_warning *grown = rc ? NULL : realloc(w->items, (w->count + 1) * sizeof(*grown));
	char *f = strdup(file);
	char *id = rule_id ? strdup(rule_id) : NULL;
	if (!grown || !f || (rule_id && !id)) {
		if (grown)
			w->items = grown;
		oc_buf_free(&msg);
		free(f);
		free(id);
		return oc_error_nomem();
	}
	w->items = grown;
	w->items[w->count++] = (oc_warning){ .file = f, .line = line, .rule_id = id,
		.message = oc_buf_steal(&msg) };
	return 0;
}

size_t oc_warnings_count(const oc_warnings *w)
{
	return w ? w->count : 0;
}

const oc_warning *oc_warnings_get(const oc_warnings *w, size_t i)
{
	return w && i < w->count ? &w->items[i] : NULL;
}

void oc_warnings_free(oc_warnings *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->count; i++) {
		free((char *)w->items[i].file);
		free((char *)w->items[i].rule_id);
		free((char *)w->items[i].message);
	}
	free(w->items);
	free(w);
}
