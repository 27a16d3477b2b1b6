#include "dns/name.h"

/* Host-name bytes mapped to their lower-case form; 0 for bytes a host name
 * cannot hold. */
static const uint8_t host_char[256] = {
	['-'] = '-', ['_'] = '_',
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4',
	['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9',
	['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
	['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l',
	['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r',
	['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
	['y'] = 'y', ['z'] = 'z',
	['A'] = 'a', ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
	['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l',
	['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r',
	['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
	['Y'] = 'y', ['Z'] = 'z',
};

oc_dns_name_status oc_dns_name_to_host(const uint8_t *wire, size_t len, size_t *wire_len,
	char *text, size_t *text_len)
{
	size_t off = 0, t = 0;
	bool host = true;
	for (;;) {
		if (off >= len)
			return OC_DNS_NAME_MALFORMED;
		uint8_t n = wire[off++];
		if (n == 0)
			break;
		if (n & 0xc0 || n > len - off || off + n >= OC_DNS_NAME_WIRE_MAX)
			return OC_DNS_NAME_MALFORMED;
		if (t)
			text[t++] = '.';
		/* The wire limit of 255 bytes keeps t below 254: each label of
		 * n bytes costs n + 1 on the wire and at most n + 1 in text. */
		for (uint8_t i = 0; i < n; i++) {
			uint8_t c = host_char[wire[off + i]];
			host = host && c;
			text[t++] = (char)c;
		}
		off += n;
	}
	*wire_len = off;
	*text_len = t;
	text[t] = '\0';
	return host ? OC_DNS_NAME_OK : OC_DNS_NAME_NOT_HOST;
}
