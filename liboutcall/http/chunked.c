/* The chunked decoder (chunked.h): a byte-at-a-time state machine for the
 * framing, with chunk data consumed in bulk. */
#include "http/chunked.h"

#include <string.h>

#include "http/chars.h"

enum {
	S_SIZE_FIRST,   /* first hex digit of a chunk-size */
	S_SIZE,         /* more hex digits, or what follows them */
	S_BWS,          /* whitespace that must lead to ';' */
	S_EXT_NAME_PRE, /* after ';': BWS, then the name */
	S_EXT_NAME,
	S_EXT_AFTER_NAME, /* after name and BWS: '=' or ';' */
	S_EXT_VAL_PRE,  /* after '=': BWS, then token or quoted-string */
	S_EXT_TOKEN,
	S_EXT_QUOTED,
	S_EXT_ESCAPE,
	S_EXT_VAL_END,  /* after a value: BWS ';', or CR */
	S_SIZE_LF,
	S_DATA,
	S_DATA_CR,
	S_DATA_LF,
	S_TRAILER_START,
	S_TRAILER_NAME,
	S_TRAILER_VALUE,
	S_TRAILER_LF,
	S_FINAL_LF,
	S_DONE,
	S_FAILED,
};

void oc_http_chunked_init(oc_http_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int fail(oc_http_chunked *c, const char *why)
{
	c->state = S_FAILED;
	c->error = why;
	return oc_error_set(OC_EPARSE, "chunked request body refused: %s", why);
}

static bool ws(unsigned char b)
{
	return b == ' ' || b == '\t';
}

/* One byte of a size line (size, extensions, CR). Returns 0 or an error. */
static int size_line_byte(oc_http_chunked *c, unsigned char b)
{
	if (++c->line > OC_HTTP_CHUNK_LINE_MAX)
		return fail(c, "chunk size line too long");
	if (c->state >= S_EXT_NAME_PRE && c->state <= S_EXT_VAL_END &&
	    ++c->ext_bytes > OC_HTTP_CHUNK_EXT_MAX)
		return fail(c, "too many chunk extension bytes");
	bool tchar = oc_http_is(b, OC_HTTP_C_TCHAR);
	switch (c->state) {
	case S_SIZE_FIRST:
	case S_SIZE:
		if (oc_http_is(b, OC_HTTP_C_HEX)) {
			if (++c->digits > 16)
				return fail(c, "chunk size has more than 16 hex digits");
			c->remaining = c->remaining << 4 | (uint64_t)oc_http_hexval(b);
			c->state = S_SIZE;
			return 0;
		}
		if (c->state == S_SIZE_FIRST)
			return fail(c, "chunk size must start with a hex digit");
		if (c->remaining > INT64_MAX)
			return fail(c, "chunk size is larger than 2^63-1");
		if (b == '\r')
			c->state = S_SIZE_LF;
		else if (b == ';')
			c->state = S_EXT_NAME_PRE;
		else if (ws(b))
			c->state = S_BWS;
		else
			return fail(c, "bad byte after chunk size");
		return 0;
	case S_BWS:
		if (b == ';')
			c->state = S_EXT_NAME_PRE;
		else if (!ws(b))
			return fail(c, "whitespace in a chunk size line must lead to ';'");
		return 0;
	case S_EXT_NAME_PRE:
		if (tchar)
			c->state = S_EXT_NAME;
		else if (!ws(b))
			return fail(c, "chunk extension name must be a token");
		return 0;
	case S_EXT_NAME:
	case S_EXT_AFTER_NAME:
		if (tchar && c->state == S_EXT_NAME)
			return 0;
		if (b == '=')
			c->state = S_EXT_VAL_PRE;
		else if (b == ';')
			c->state = S_EXT_NAME_PRE;
		else if (b == '\r' && c->state == S_EXT_NAME)
			c->state = S_SIZE_LF;
		else if (ws(b))
			c->state = S_EXT_AFTER_NAME;
		else
			return fail(c, "bad byte in chunk extension");
		return 0;
	case S_EXT_VAL_PRE:
		if (tchar)
			c->state = S_EXT_TOKEN;
		else if (b == '"')
			c->state = S_EXT_QUOTED;
		else if (!ws(b))
			return fail(c, "chunk extension value must be a token or quoted-string");
		return 0;
	case S_EXT_TOKEN:
	case S_EXT_VAL_END:
		if (tchar && c->state == S_EXT_TOKEN)
			return 0;
		if (b == ';')
			c->state = S_EXT_NAME_PRE;
		else if (b == '\r')
			c->state = S_SIZE_LF;
		else if (ws(b))
			c->state = S_BWS;
		else
			return fail(c, "bad byte in chunk extension value");
		return 0;
	case S_EXT_QUOTED:
		if (b == '"')
			c->state = S_EXT_VAL_END;
		else if (b == '\\')
			c->state = S_EXT_ESCAPE;
		else if (!oc_http_is(b, OC_HTTP_C_QDTEXT))
			return fail(c, "bad byte in quoted chunk extension value");
		return 0;
	case S_EXT_ESCAPE:
		if (!oc_http_is(b, OC_HTTP_C_FIELD))
			return fail(c, "bad escaped byte in chunk extension value");
		c->state = S_EXT_QUOTED;
		return 0;
	}
	return fail(c, "internal: bad size line state");
}

/* One byte of the trailer section. */
static int trailer_byte(oc_http_chunked *c, unsigned char b)
{
	if (++c->trailer_bytes > OC_HTTP_CHUNK_TRAILER_MAX)
		return fail(c, "trailer section too large");
	switch (c->state) {
	case S_TRAILER_START:
		if (b == '\r')
			c->state = S_FINAL_LF;
		else if (oc_http_is(b, OC_HTTP_C_TCHAR))
			c->state = S_TRAILER_NAME;
		else
			return fail(c, ws(b) ? "obs-fold in trailer section" :
				"trailer field name must be a token");
		return 0;
	case S_TRAILER_NAME:
		if (b == ':')
			c->state = S_TRAILER_VALUE;
		else if (!oc_http_is(b, OC_HTTP_C_TCHAR))
			return fail(c, "trailer field name must be a token followed by ':'");
		return 0;
	case S_TRAILER_VALUE:
		if (b == '\r')
			c->state = S_TRAILER_LF;
		else if (!oc_http_is(b, OC_HTTP_C_FIELD))
			return fail(c, "control byte in trailer field");
		return 0;
	case S_TRAILER_LF:
		if (b != '\n')
			return fail(c, "bare CR in trailer section");
		c->state = S_TRAILER_START;
		return 0;
	}
	return fail(c, "internal: bad trailer state");
}

int oc_http_chunked_feed(oc_http_chunked *c, const char *data, size_t len, size_t *used,
	oc_http_chunk_data_cb on_data, void *arg)
{
	size_t i = 0;
	int rc = 0;
	*used = 0;
	if (c->state == S_DONE)
		return OC_HTTP_DONE;
	if (c->state == S_FAILED)
		return OC_EPARSE;
	while (i < len && rc == 0) {
		unsigned char b = (unsigned char)data[i];
		switch (c->state) {
		case S_DATA: {
			size_t n = len - i < c->remaining ? len - i : (size_t)c->remaining;
			if (on_data)
				on_data(arg, data + i, n);
			c->remaining -= n;
			c->body_size += n;
			i += n;
			if (!c->remaining)
				c->state = S_DATA_CR;
			continue;
		}
		case S_SIZE_LF:
			if (b != '\n') {
				rc = fail(c, "chunk size line must end with CRLF");
				break;
			}
			c->line = 0;
			c->digits = 0;
			c->state = c->remaining ? S_DATA : S_TRAILER_START;
			break;
		case S_DATA_CR:
		case S_DATA_LF:
			if (b != (c->state == S_DATA_CR ? '\r' : '\n'))
				rc = fail(c, "chunk data must be followed by CRLF");
			else
				c->state = c->state == S_DATA_CR ? S_DATA_LF : S_SIZE_FIRST;
			break;
		case S_FINAL_LF:
			if (b != '\n') {
				rc = fail(c, "chunked body must end with CRLF");
				break;
			}
			c->state = S_DONE;
			*used = i + 1;
			return OC_HTTP_DONE;
		case S_TRAILER_START:
		case S_TRAILER_NAME:
		case S_TRAILER_VALUE:
		case S_TRAILER_LF:
			rc = trailer_byte(c, b);
			break;
		default:
			rc = size_line_byte(c, b);
		}
		i++;
	}
	*used = rc ? i - 1 : i;
	return rc ? rc : OC_HTTP_MORE;
}

uint64_t oc_http_chunked_data_pending(const oc_http_chunked *c)
{
	return c->state == S_DATA ? c->remaining : 0;
}

void oc_http_chunked_skip(oc_http_chunked *c, uint64_t n)
{
	/* The next feed sees remaining 0 in S_DATA and expects the CRLF. */
	c->remaining -= n;
	c->body_size += n;
}
