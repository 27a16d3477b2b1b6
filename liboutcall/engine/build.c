/* Context builders (engine.h): one place that decides what each layer
 * knows, so the DNS filter, the proxy, checks and tests cannot disagree. */
#include <outcall/engine.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

static int normalize(const char *what, const char *in, char *out)
{
	int n = oc_hostname_normalize(in, out, OC_HOSTNAME_MAX);
	if (n < 0)
		return oc_error_set(OC_EINVAL, "invalid %s '%s': %s", what, in,
			oc_error_last()->message);
	return 0;
}

int oc_context_for_dns(oc_context *ctx, char *buf, const char *name, const char *type)
{
	oc_context_init(ctx, OC_LAYER_DNS);
	int rc = normalize("DNS name", name, buf);
	if (rc)
		return rc;
	ctx->network_hostname = buf;
	ctx->network_protocol = "dns";
	ctx->dns_query = buf;
	ctx->dns_record_type = type ? type : "A";
	return 0;
}

/* A host that is an address literal is its own network.ip: that is the
 * one address the proxy and a check know before anything is resolved. */
static void literal_ip(oc_context *ctx, const char *host)
{
	struct in6_addr a;
	if (inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1) {
		ctx->network_ip = host;
		ctx->known |= OC_FIELD_BIT(OC_FIELD_NETWORK_IP);
	}
}

static int check_port(int port)
{
	if (port < 1 || port > 65535)
		return oc_error_set(OC_EINVAL, "invalid port %d (use 1-65535)", port);
	return 0;
}

int oc_context_for_http(oc_context *ctx, char *buf, const char *host, int port,
	const char *method, const char *target)
{
	oc_context_init(ctx, OC_LAYER_HTTP);
	int rc = check_port(port);
	if (!rc)
		rc = normalize("host", host, buf);
	if (rc)
		return rc;
	ctx->network_hostname = buf;
	literal_ip(ctx, buf);
	ctx->network_port = port;
	ctx->network_protocol = "http";
	ctx->http_host = buf;
	ctx->http_method = method ? method : "GET";
	ctx->http_path = target && *target ? target : "/";
	return 0;
}

int oc_context_for_tls(oc_context *ctx, char *buf, const char *host, int port,
	const char *sni, char *sni_buf)
{
	oc_context_init(ctx, OC_LAYER_TLS);
	int rc = check_port(port);
	if (!rc)
		rc = normalize("host", host, buf);
	if (!rc && sni)
		rc = normalize("SNI", sni, sni_buf);
	if (rc)
		return rc;
	ctx->network_hostname = buf;
	literal_ip(ctx, buf);
	ctx->network_port = port;
	ctx->network_protocol = "tls";
	ctx->http_host = buf;
	ctx->tls_sni = sni ? sni_buf : buf;
	return 0;
}

int oc_context_for_url(oc_context *ctx, char *buf, char *target_buf, const char *url,
	const char *method)
{
	bool tls;
	const char *p;
	if (strncasecmp(url, "http://", 7) == 0) {
		tls = false;
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		tls = true;
		p = url + 8;
	} else {
		return oc_error_set(OC_EINVAL, "invalid URL '%s': it must start with http:// or "
			"https://", url);
	}
	size_t alen = strcspn(p, "/?#");
	char authority[OC_HOSTNAME_MAX + 16];
	if (alen == 0 || alen >= sizeof(authority))
		return oc_error_set(OC_EINVAL, "invalid URL '%s': missing or overlong host", url);
	memcpy(authority, p, alen);
	authority[alen] = '\0';
	if (strchr(authority, '@'))
		return oc_error_set(OC_EINVAL, "invalid URL '%s': user names in URLs are not "
			"allowed", url);
	char *host = authority, *colon;
	if (host[0] == '[') {
		char *end = strchr(host, ']');
		if (!end)
			return oc_error_set(OC_EINVAL, "invalid URL '%s': unclosed '['", url);
		*end = '\0';
		host++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return oc_error_set(OC_EINVAL, "invalid URL '%s': junk after ']'", url);
	} else {
		colon = strrchr(host, ':');
	}
	int port = tls ? 443 : 80;
	if (colon) {
		*colon = '\0';
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (!colon[1] || *end || v < 1 || v > 65535)
			return oc_error_set(OC_EINVAL, "invalid URL '%s': bad port", url);
		port = (int)v;
	}
	if (tls)
		return oc_context_for_tls(ctx, buf, host, port, NULL, NULL);
	/* The target goes upstream as written, without the fragment. */
	const char *rest = p + alen;
	size_t tlen = strcspn(rest, "#");
	if (rest[0] == '?') {
		target_buf[0] = '/';
		memcpy(target_buf + 1, rest, tlen);
		target_buf[tlen + 1] = '\0';
	} else if (tlen) {
		memcpy(target_buf, rest, tlen);
		target_buf[tlen] = '\0';
	} else {
		strcpy(target_buf, "/");
	}
	return oc_context_for_http(ctx, buf, host, port, method, target_buf);
}
