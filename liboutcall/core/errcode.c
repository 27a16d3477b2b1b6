#include "core/errcode.h"

#include <outcall/error.h>

#define E(code) (1u << -(code))

static const oc_errcode rows[] = {
	{ "invalid", 400, E(OC_EINVAL),
		"a value in the request or command is not valid; the message names it" },
	{ "parse_error", 400, E(OC_EPARSE),
		"a rule file, config file, expression or body is malformed; file, "
		"line and column are named" },
	{ "bad_json", 400, 0,
		"the request body is not a JSON object" },
	{ "bad_request", 400, 0,
		"the HTTP request itself is malformed" },
	{ "forbidden", 403, E(OC_EPERM),
		"the caller may not do this (socket permissions, peer identity, an "
		"insecure file)" },
	{ "not_attached", 403, 0,
		"the agent socket belongs to another container than the caller" },
	{ "locked_down", 403, 0,
		"the container is locked down (outcall lockdown)" },
	{ "not_found", 404, E(OC_ENOTFOUND),
		"no such rule, request, container, network or endpoint" },
	{ "method_not_allowed", 405, 0,
		"the endpoint exists, but not for this method" },
	{ "conflict", 409, E(OC_EEXIST) | E(OC_ESTATE),
		"the thing exists already, or is not in a state that allows this" },
	{ "length_required", 411, 0,
		"a request body without Content-Length" },
	{ "too_large", 413, 0,
		"the request head or body is over its cap" },
	{ "limit", 429, E(OC_ELIMIT),
		"a configured limit (a count, size or queue) was reached" },
	{ "rate_limited", 429, 0,
		"too many calls from this container; retry after Retry-After" },
	{ "reload_failed", 422, 0,
		"the new rules have an error; the previous rules stay live" },
	{ "internal", 500, E(OC_ERROR) | E(OC_ENOMEM) | E(OC_EOS),
		"the daemon failed (out of memory, a system call); its log says more" },
	{ "kernel", 500, E(OC_EKERNEL),
		"the kernel refused a netlink request (nftables, links, conntrack)" },
	{ "corrupt", 500, E(OC_ECORRUPT),
		"persisted state could not be read back" },
	{ "unreachable", 503, E(OC_EUNREACHABLE),
		"a peer could not be reached: outcalld from the CLI or the shim, "
		"Docker or an upstream from outcalld" },
	{ "busy", 503, 0,
		"the daemon cannot take this now; retry" },
	{ "timeout", 504, E(OC_ETIMEOUT),
		"a bounded wait ran out" },
	{ "usage", 0, 0,
		"the command line is wrong (exit status 2); nothing was sent" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const oc_errcode *oc_errcodes(size_t *count)
{
	*count = NROWS;
	return rows;
}

static const oc_errcode *find(int err)
{
	for (size_t i = 0; err < 0 && err > -32 && i < NROWS; i++)
		if (rows[i].errs & E(err))
			return &rows[i];
	return NULL;
}

const oc_errcode *oc_errcode_of(int err)
{
	const oc_errcode *c = find(err);
	return c ? c : find(OC_ERROR);
}
