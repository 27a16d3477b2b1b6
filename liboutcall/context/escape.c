#include "context/escape.h"

#include <stdio.h>
#include <string.h>

const char *oc_escape(char *out, size_t outsz, const char *s, size_t len)
{
	static const char ellipsis[] = "...";
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char piece[5];
		size_t n;
		if (c == '"' || c == '\\') {
			piece[0] = '\\';
			piece[1] = (char)c;
			n = 2;
		} else if (c >= 0x20 && c < 0x7f) {
			piece[0] = (char)c;
			n = 1;
		} else {
			snprintf(piece, sizeof(piece), "\\x%02x", c);
			n = 4;
		}
		/* Keep room for the ellipsis unless this is the last byte. */
		size_t reserve = i + 1 < len ? sizeof(ellipsis) - 1 : 0;
		if (o + n + reserve + 1 > outsz) {
			memcpy(out + o, ellipsis, sizeof(ellipsis));
			return out;
		}
		memcpy(out + o, piece, n);
		o += n;
	}
	out[o] = '\0';
	return out;
}
