/* Per-thread last error (error.h). Messages are formatted into a fixed
 * per-thread buffer so that reporting an out-of-memory error never needs
 * memory. */
#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local oc_error_saved last = {
	.pub = { .code = OC_OK, .message = "no error" },
};

const oc_error *oc_error_last(void)
{
	return &last.pub;
}

void oc_error_clear(void)
{
	memset(&last.pub, 0, sizeof(last.pub));
	last.pub.message = "no error";
}

static void copy_field(char *dst, size_t cap, const char *src, const char **out)
{
	if (!src) {
		*out = NULL;
		return;
	}
	snprintf(dst, cap, "%s", src);
	*out = dst;
}

int oc_error_vset_at(int code, const oc_error_site *site, const char *fmt, va_list ap)
{
	char text[sizeof(last.message)];
	vsnprintf(text, sizeof(text), fmt, ap);

	/* The message repeats the location so that printing only the message
	 * (as most callers will) still names file, line, column and rule. */
	size_t n = 0;
	last.message[0] = '\0';
	if (site && site->file) {
		n += (size_t)snprintf(last.message, sizeof(last.message), "%s", site->file);
		if (site->line > 0 && n < sizeof(last.message))
			n += (size_t)snprintf(last.message + n, sizeof(last.message) - n, ":%d", site->line);
		if (site->line > 0 && site->column > 0 && n < sizeof(last.message))
			n += (size_t)snprintf(last.message + n, sizeof(last.message) - n, ":%d", site->column);
		if (n < sizeof(last.message))
			n += (size_t)snprintf(last.message + n, sizeof(last.message) - n, ": ");
	}
	if (site && site->rule_id && n < sizeof(last.message))
		n += (size_t)snprintf(last.message + n, sizeof(last.message) - n, "rule '%s': ", site->rule_id);
	if (n < sizeof(last.message))
		snprintf(last.message + n, sizeof(last.message) - n, "%s", text);

	last.pub.code = code;
	last.pub.message = last.message;
	copy_field(last.file, sizeof(last.file), site ? site->file : NULL, &last.pub.file);
	copy_field(last.rule_id, sizeof(last.rule_id), site ? site->rule_id : NULL, &last.pub.rule_id);
	last.pub.line = site ? site->line : 0;
	last.pub.column = site ? site->column : 0;
	return code;
}

int oc_error_set_at(int code, const oc_error_site *site, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oc_error_vset_at(code, site, fmt, ap);
	va_end(ap);
	return code;
}

int oc_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	oc_error_vset_at(code, NULL, fmt, ap);
	va_end(ap);
	return code;
}

int oc_error_os(const char *fmt, ...)
{
	int saved = errno;
	char what[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	oc_error_set(OC_EOS, "%s: %s", what, strerror(saved));
	errno = saved;
	return OC_EOS;
}

/* Copies e into *to, strings into to's own buffers; e may point into
 * anything, including *to. */
static void copy_error(oc_error_saved *to, const oc_error *e)
{
	oc_error_saved copy;
	snprintf(copy.message, sizeof(copy.message), "%s", e->message ? e->message : "");
	copy_field(copy.file, sizeof(copy.file), e->file, &copy.pub.file);
	copy_field(copy.rule_id, sizeof(copy.rule_id), e->rule_id, &copy.pub.rule_id);
	copy.pub.code = e->code;
	copy.pub.line = e->line;
	copy.pub.column = e->column;
	*to = copy;
	to->pub.message = to->message;
	if (to->pub.file)
		to->pub.file = to->file;
	if (to->pub.rule_id)
		to->pub.rule_id = to->rule_id;
}

void oc_error_save(oc_error_saved *out)
{
	copy_error(out, &last.pub);
}

int oc_error_restore(const oc_error *e)
{
	if (e != &last.pub)
		copy_error(&last, e);
	return e->code;
}

int oc_error_nomem(void)
{
	return oc_error_set(OC_ENOMEM, "out of memory");
}

const char *oc_strerror(int code)
{
	switch (code) {
	case OC_OK: return "success";
	case OC_ERROR: return "error";
	case OC_ENOMEM: return "out of memory";
	case OC_EINVAL: return "invalid argument";
	case OC_EPARSE: return "parse error";
	case OC_ENOTFOUND: return "not found";
	case OC_EEXIST: return "already exists";
	case OC_EOS: return "system call failed";
	case OC_ELIMIT: return "limit reached";
	case OC_EKERNEL: return "kernel refused the request";
	case OC_EPERM: return "not permitted";
	case OC_ETIMEOUT: return "timed out";
	case OC_ESTATE: return "invalid state";
	case OC_ECORRUPT: return "corrupt state";
	case OC_EUNREACHABLE: return "unreachable";
	}
	return "unknown error code";
}
