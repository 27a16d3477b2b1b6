#include "sockets/hostname.h"

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool oc_hostname_syntax_ok(const char *s, size_t len, bool trailing_dot)
{
	if (trailing_dot && len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (!label_char(s[i]) || ++label > 63) {
			return false;
		}
	}
	return label > 0;
}

bool oc_hostname_ends_in_number(const char *s, size_t len)
{
	if (len > 1 && s[len - 1] == '.')
		len--;
	size_t start = len;
	while (start > 0 && s[start - 1] != '.')
		start--;
	const char *l = s + start;
	size_t n = len - start;
	if (n == 0)
		return false;
	bool hex = n >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X');
	for (size_t i = hex ? 2 : 0; i < n; i++) {
		char c = l[i];
		bool digit = c >= '0' && c <= '9';
		bool hexdigit = digit || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
		if (!(hex ? hexdigit : digit))
			return false;
	}
	return true;
}
