#include "core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* Decodes one UTF-8 character at s (n > 0 bytes left): its code point and
 * length, or -1 for a byte that does not start a well-formed character. */
static int32_t decode(const unsigned char *s, size_t n, size_t *len)
{
	*len = 1;
	if (s[0] < 0x80)
		return s[0];
	size_t need;
	int32_t cp, min;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n < need)
		return -1;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = need;
	return cp;
}

static bool unsafe(int32_t cp, bool lines)
{
	if (cp == '\n' || cp == '\t')
		return !lines;
	static const int32_t ranges[][2] = {
		{ 0x00, 0x1f }, { 0x7f, 0x9f }, { 0xad, 0xad }, { 0x61c, 0x61c },
		{ 0x115f, 0x1160 }, { 0x180e, 0x180e }, { 0x200b, 0x200f }, { 0x2028, 0x202e },
		{ 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
		{ 0xfff9, 0xfffb }, { 0xe0000, 0xe007f }, { 0xe0100, 0xe01ef },
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return true;
	return false;
}

size_t oc_text_unsafe_at(const char *s, size_t len, bool lines)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0, n; i < len; i += n) {
		int32_t cp = decode(u + i, len - i, &n);
		if (cp < 0 || unsafe(cp, lines))
			return i;
	}
	return len;
}

int oc_text_check(const char *what, const char *s, bool lines)
{
	size_t len = strlen(s), at = oc_text_unsafe_at(s, len, lines);
	if (at == len)
		return 0;
	size_t n;
	int32_t cp = decode((const unsigned char *)s + at, len - at, &n);
	char shown[16];
	if (cp < 0)
		snprintf(shown, sizeof(shown), "byte 0x%02x", (unsigned char)s[at]);
	else
		snprintf(shown, sizeof(shown), "U+%04X", (unsigned)cp);
	return oc_error_set(OC_EINVAL, "%s holds %s at byte %zu: control characters, invisible "
		"and bidirectional formatting characters%s are refused (write plain text)", what,
		shown, at, lines ? "" : " and line breaks");
}

int oc_text_escape(oc_buf *b, const char *s, size_t len, bool lines)
{
	const unsigned char *u = (const unsigned char *)s;
	/* room for the common case, and a terminated buffer even for "" */
	int rc = oc_buf_reserve(b, len);
	if (!rc)
		rc = oc_buf_append(b, "", 0);
	for (size_t i = 0, n; !rc && i < len; i += n) {
		size_t safe = oc_text_unsafe_at(s + i, len - i, lines);
		if (safe) {
			rc = oc_buf_append(b, s + i, safe);
			n = safe;
			continue;
		}
		int32_t cp = decode(u + i, len - i, &n);
		if (cp < 0)
			rc = oc_buf_printf(b, "\\x%02x", u[i]);
		else if (cp < 0x80)
			rc = oc_buf_printf(b, "\\x%02x", (unsigned)cp);
		else
			rc = oc_buf_printf(b, "\\u{%04x}", (unsigned)cp);
	}
	return rc;
}

size_t oc_text_prefix(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n <= max)
		return n;
	/* Back off over continuation bytes to the start of the cut character. */
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
