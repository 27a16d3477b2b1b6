#include "requests/yaml.h"

#include <stdint.h>

/* Length of the valid UTF-8 sequence at p (its code point in *cp), or 0. */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0];
	size_t len;
	uint32_t v, min;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

int oc_yaml_quote(oc_buf *b, const char *s)
{
	int rc = oc_buf_puts(b, "\"");
	const unsigned char *p = (const unsigned char *)s;
	while (!rc && *p) {
		uint32_t cp;
		size_t len;
		if (*p == '"' || *p == '\\') {
			rc = oc_buf_printf(b, "\\%c", *p);
			p++;
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			rc = oc_buf_printf(b, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
			p++;
		} else if (*p >= 0x20 && *p < 0x7f) {
			rc = oc_buf_append(b, p, 1);
			p++;
		} else if (*p >= 0x80 && (len = utf8_seq(p, &cp)) > 0) {
			rc = cp > 0xffff ? oc_buf_printf(b, "\\U%08X", (unsigned)cp)
				: oc_buf_printf(b, "\\u%04X", (unsigned)cp);
			p += len;
		} else {
			rc = oc_buf_printf(b, "\\x%02X", *p);
			p++;
		}
	}
	return rc ? rc : oc_buf_puts(b, "\"");
}
