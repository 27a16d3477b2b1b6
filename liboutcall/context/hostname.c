/* The normal form of host names (context.h, oc_hostname_normalize). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <outcall/context.h>

#include "context/escape.h"
#include "context/punycode.h"
#include "core/error.h"

enum {
	NAME_MAX_LEN = 253,
	LABEL_MAX_LEN = 63,
	/* No valid name is longer in UTF-8: every A-label byte comes from at
	 * most four input bytes. Longer input is refused before any work. */
	INPUT_MAX_LEN = 4 * NAME_MAX_LEN + 1,
};

static const char ace_prefix[] = "xn--";

static int fail(const char *in, size_t len, const char *fmt, ...) OC_PRINTF(3, 4);

static int fail(const char *in, size_t len, const char *fmt, ...)
{
	char shown[96], what[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return oc_error_set(OC_EINVAL, "host name \"%s\": %s", oc_escape(shown, sizeof(shown), in, len), what);
}

static bool ascii_allowed(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Decodes one UTF-8 sequence at s[*i]; rejects overlong forms, surrogates
 * and values above U+10FFFF. */
static bool utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *out)
{
	static const uint32_t min_for_len[] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned char c = s[*i];
	size_t n;
	uint32_t cp;
	if (c < 0x80) {
		n = 1;
		cp = c;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return false;
	}
	if (n > len - *i)
		return false;
	for (size_t k = 1; k < n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return false;
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if (cp < min_for_len[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	*i += n;
	*out = cp;
	return true;
}

/* Checks one ASCII character of a label and lower-cases it. */
static int ascii_char(const char *in, size_t len, size_t at, unsigned char *c)
{
	*c = lower(*c);
	if (ascii_allowed(*c))
		return 0;
	return fail(in, len, "byte 0x%02x at offset %zu is not allowed in a host name "
		"(letters, digits, '-', '_' and '.' only)", (unsigned char)in[at], at);
}

/* A label with non-ASCII characters becomes "xn--" + Punycode. */
static int idn_label(const char *in, size_t len, size_t start, size_t end, char *out, size_t *o)
{
	/* Each code point yields at least one output byte, so more than this
	 * many can never fit in a label. */
	uint32_t cp[LABEL_MAX_LEN + 1 - (sizeof(ace_prefix) - 1)];
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)in;
	for (size_t i = start; i < end;) {
		size_t at = i;
		uint32_t c;
		if (!utf8_next(s, end, &i, &c))
			return fail(in, len, "invalid UTF-8 at offset %zu", at);
		if (c < 0x80) {
			unsigned char a = (unsigned char)c;
			int rc = ascii_char(in, len, at, &a);
			if (rc)
				return rc;
			c = a;
		} else if (c < 0xa0) {
			return fail(in, len, "control character U+%04X at offset %zu", (unsigned)c, at);
		}
		if (n == sizeof(cp) / sizeof(cp[0]))
			return fail(in, len, "label at offset %zu is longer than %d bytes as an A-label",
				start, LABEL_MAX_LEN);
		cp[n++] = c;
	}
	memcpy(out + *o, ace_prefix, sizeof(ace_prefix) - 1);
	int w = oc_punycode_encode(cp, n, out + *o + sizeof(ace_prefix) - 1,
		LABEL_MAX_LEN - (sizeof(ace_prefix) - 1) + 1);
	if (w < 0)
		return fail(in, len, "label at offset %zu is longer than %d bytes as an A-label",
			start, LABEL_MAX_LEN);
	*o += sizeof(ace_prefix) - 1 + (size_t)w;
	return 0;
}

static int ascii_label(const char *in, size_t len, size_t start, size_t end, char *out, size_t *o)
{
	if (end - start > LABEL_MAX_LEN)
		return fail(in, len, "label at offset %zu is longer than %d bytes", start, LABEL_MAX_LEN);
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)in[i];
		int rc = ascii_char(in, len, i, &c);
		if (rc)
			return rc;
		out[(*o)++] = (char)c;
	}
	return 0;
}

static int deliver(const char *in, size_t len, const char *text, size_t n, char *out, size_t outsz)
{
	if (n + 1 > outsz) {
		char shown[96];
		return oc_error_set(OC_ELIMIT, "host name \"%s\" needs %zu bytes, the buffer has %zu",
			oc_escape(shown, sizeof(shown), in, len), n + 1, outsz);
	}
	memcpy(out, text, n);
	out[n] = '\0';
	return (int)n;
}

/* An IPv6 literal, bracketed or not: valid if inet_pton takes it. */
static int ipv6_literal(const char *in, size_t len, char *out, size_t outsz)
{
	const char *p = in;
	size_t n = len;
	if (p[0] == '[' || p[n - 1] == ']') {
		if (n < 2 || p[0] != '[' || p[n - 1] != ']')
			return fail(in, len, "unbalanced brackets around an IPv6 address");
		p++;
		n -= 2;
	}
	char text[INET6_ADDRSTRLEN];
	struct in6_addr addr;
	if (n >= sizeof(text))
		return fail(in, len, "is not a valid IPv6 address (too long)");
	for (size_t i = 0; i < n; i++)
		text[i] = (char)lower((unsigned char)p[i]);
	text[n] = '\0';
	if (inet_pton(AF_INET6, text, &addr) != 1)
		return fail(in, len, "is not a valid IPv6 address (':' appears only in IPv6 "
			"literals: strip any port first)");
	return deliver(in, len, text, n, out, outsz);
}

int oc_hostname_normalize(const char *in, char *out, size_t outsz)
{
	if (!in || (!out && outsz))
		return oc_error_set(OC_EINVAL, "oc_hostname_normalize: NULL argument");
	size_t len = strnlen(in, INPUT_MAX_LEN + 1);
	if (len > INPUT_MAX_LEN)
		return fail(in, 64, "is longer than %d bytes", NAME_MAX_LEN);
	if (memchr(in, ':', len))
		return ipv6_literal(in, len, out, outsz);

	size_t end = len;
	if (end > 0 && in[end - 1] == '.')
		end--;
	if (end == 0)
		return fail(in, len, "is empty");

	/* Room for one label past the limit, so the length check can come
	 * after a label is written. */
	char text[NAME_MAX_LEN + 1 + LABEL_MAX_LEN + 1];
	size_t o = 0;
	for (size_t start = 0; start <= end;) {
		const char *dot = memchr(in + start, '.', end - start);
		size_t stop = dot ? (size_t)(dot - in) : end;
		if (stop == start)
			return fail(in, len, "empty label at offset %zu", start);
		bool ascii = true;
		for (size_t i = start; i < stop; i++)
			ascii = ascii && (unsigned char)in[i] < 0x80;
		if (o > 0)
			text[o++] = '.';
		int rc = ascii ? ascii_label(in, len, start, stop, text, &o)
			       : idn_label(in, len, start, stop, text, &o);
		if (rc)
			return rc;
		if (o > NAME_MAX_LEN)
			return fail(in, len, "is longer than %d bytes", NAME_MAX_LEN);
		start = stop + 1;
	}
	return deliver(in, len, text, o, out, outsz);
}
