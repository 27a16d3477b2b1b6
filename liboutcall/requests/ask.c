#include "requests/ask.h"

#include <stdlib.h>
#include <string.h>

#include <outcall/context.h>

#include "core/error.h"
#include "core/text.h"
#include "requests/duration.h"

#define HOST_CHARS "abcdefghijklmnopqrstuvwxyz0123456789.-_"
/* RFC 9110 token characters: none of them needs quoting in a CEL string. */
#define TOKEN_CHARS "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static int check_host(const char *host)
{
	char norm[OC_HOSTNAME_MAX];
	if (oc_hostname_normalize(host, norm, sizeof(norm)) < 0)
		return oc_error_set(OC_EINVAL, "host '%s' is not a valid host name: %s", host,
			oc_error_last()->message);
	/* Stored hosts are in normal form already; a differing one was not. */
	if (strcmp(norm, host) != 0 || strspn(host, HOST_CHARS) != strlen(host))
		return oc_error_set(OC_EINVAL, "host '%s': give one exact host name or IPv4 address "
			"in lower case (letters, digits, '.', '-', '_'; no wildcards)", host);
	return 0;
}

static int check_method(const char *m)
{
	size_t n = strlen(m);
	if (n == 0 || n > OC_REQ_METHOD_MAX || strspn(m, TOKEN_CHARS) != n)
		return oc_error_set(OC_EINVAL, "method '%.40s' is not an HTTP method (a token of up "
			"to %d characters, e.g. GET)", m, OC_REQ_METHOD_MAX);
	return 0;
}

static int check_path(const char *p)
{
	size_t n = strlen(p);
	bool ok = n > 0 && n <= OC_REQ_PATH_MAX && p[0] == '/';
	for (size_t i = 0; ok && i < n; i++)
		ok = p[i] > 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\';
	if (!ok)
		return oc_error_set(OC_EINVAL, "path_prefix '%.60s' must start with '/' and have at "
			"most %d visible ASCII characters without quotes or backslashes (percent-encode "
			"anything else, as it goes on the wire)", p, OC_REQ_PATH_MAX);
	return 0;
}

static int check_text(const char *field, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || strspn(s, " \t\r\n") == n)
		return oc_error_set(OC_EINVAL, "%s is empty: say why the access is needed", field);
	if (n > OC_REQ_TEXT_MAX)
		return oc_error_set(OC_EINVAL, "%s has %zu bytes, more than the %d allowed", field, n,
			OC_REQ_TEXT_MAX);
	return oc_text_check(field, s, false);
}

int oc_req_ask_check(const oc_req_ask *a)
{
	if (!a->host == !a->rule_file)
		return oc_error_set(OC_EINVAL, "ask for either a host or a rule_file");
	int rc = check_text("justification", a->justification);
	if (!rc && a->host)
		rc = check_host(a->host);
	if (!rc && (a->port < 0 || a->port > 65535))
		rc = oc_error_set(OC_EINVAL, "port %d is not a port (1-65535)", a->port);
	if (!rc && a->method)
		rc = check_method(a->method);
	if (!rc && a->path_prefix)
		rc = check_path(a->path_prefix);
	if (!rc && a->rule_file)
		rc = oc_text_check("rule_file", a->rule_file, true);
	if (!rc && a->rule_file && (a->port || a->method || a->path_prefix))
		rc = oc_error_set(OC_EINVAL, "a rule_file request takes no port, method or "
			"path_prefix: write them into the rules");
	if (!rc && (a->wanted_s < 0 || a->wanted_s > OC_DURATION_MAX))
		rc = oc_error_set(OC_EINVAL, "duration out of range");
	return rc;
}

int oc_req_take_port(json_t *v, int *out)
{
	json_int_t p = json_integer_value(v);
	if (!json_is_integer(v) || p < 1 || p > 65535)
		return oc_error_set(OC_EINVAL, "field 'port' must be an integer from 1 to 65535");
	*out = (int)p;
	return 0;
}

static int take_string(json_t *v, const char *key, char **out)
{
	if (!json_is_string(v))
		return oc_error_set(OC_EINVAL, "field '%s' must be a string", key);
	if (!(*out = strdup(json_string_value(v))))
		return oc_error_nomem();
	return 0;
}

/* Hosts are stored in normal form, so "API.Example.com." asks for the same
 * rule as "api.example.com". */
static int take_host(json_t *v, char **out)
{
	if (!json_is_string(v))
		return oc_error_set(OC_EINVAL, "field 'host' must be a string");
	char norm[OC_HOSTNAME_MAX];
	const char *h = json_string_value(v);
	if (oc_hostname_normalize(h, norm, sizeof(norm)) < 0)
		return oc_error_set(OC_EINVAL, "host '%.300s' is not a valid host name: %s", h,
			oc_error_last()->message);
	if (!(*out = strdup(norm)))
		return oc_error_nomem();
	return 0;
}

static int take_field(oc_req_ask *a, const char *key, json_t *v)
{
	if (strcmp(key, "host") == 0)
		return take_host(v, &a->host);
	if (strcmp(key, "port") == 0)
		return oc_req_take_port(v, &a->port);
	if (strcmp(key, "method") == 0)
		return take_string(v, key, &a->method);
	if (strcmp(key, "path_prefix") == 0)
		return take_string(v, key, &a->path_prefix);
	if (strcmp(key, "rule_file") == 0)
		return take_string(v, key, &a->rule_file);
	if (strcmp(key, "justification") == 0)
		return take_string(v, key, &a->justification);
	if (strcmp(key, "duration") == 0) {
		if (!json_is_string(v))
			return oc_error_set(OC_EINVAL, "field 'duration' must be a string such as "
				"\"2h\"");
		return oc_duration_parse(json_string_value(v), &a->wanted_s);
	}
	return oc_error_set(OC_EINVAL, "unknown field '%.64s' (a request has host, port, method, "
		"path_prefix, justification and duration, or rule_file, justification and duration)",
		key);
}

int oc_req_ask_parse(json_t *body, oc_req_ask *out)
{
	memset(out, 0, sizeof(*out));
	const char *key;
	json_t *v;
	int rc = 0;
	json_object_foreach(body, key, v) {
		if ((rc = take_field(out, key, v)) != 0)
			break;
	}
	if (!rc && !out->justification)
		rc = oc_error_set(OC_EINVAL, "field 'justification' is missing: say why the access "
			"is needed (the operator reads it)");
	if (!rc && !out->host && !out->rule_file)
		rc = oc_error_set(OC_EINVAL, "say what is needed: 'host' (with optional port, method "
			"and path_prefix) or 'rule_file'");
	if (!rc)
		rc = oc_req_ask_check(out);
	if (rc)
		oc_req_ask_clear(out);
	return rc;
}
