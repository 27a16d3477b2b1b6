/* The table behind chars.h, spelled as the grammar rules it encodes. */
#include "http/chars.h"

#define ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define DIGIT(c) ((c) >= '0' && (c) <= '9')
#define HEXDIG(c) (DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define VCHAR(c) ((c) >= 0x21 && (c) <= 0x7e)
#define OBS_TEXT(c) ((c) >= 0x80)
#define TCHAR(c) (ALPHA(c) || DIGIT(c) || (c) == '!' || (c) == '#' || (c) == '$' || \
	(c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || \
	(c) == '.' || (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define UNRESERVED(c) (ALPHA(c) || DIGIT(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~')
#define SUB_DELIM(c) ((c) == '!' || (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || \
	(c) == ')' || (c) == '*' || (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=')
#define PCHAR(c) (UNRESERVED(c) || SUB_DELIM(c) || (c) == ':' || (c) == '@')
#define QDTEXT(c) ((c) == '\t' || (c) == ' ' || (c) == 0x21 || ((c) >= 0x23 && (c) <= 0x5b) || \
	((c) >= 0x5d && (c) <= 0x7e) || OBS_TEXT(c))

#define CT(c) (uint8_t)((TCHAR(c) ? OC_HTTP_C_TCHAR : 0) | \
	(VCHAR(c) || OBS_TEXT(c) || (c) == ' ' || (c) == '\t' ? OC_HTTP_C_FIELD : 0) | \
	(PCHAR(c) ? OC_HTTP_C_PCHAR : 0) | \
	(VCHAR(c) && (c) != '#' ? OC_HTTP_C_QUERY : 0) | \
	(HEXDIG(c) ? OC_HTTP_C_HEX : 0) | \
	(QDTEXT(c) ? OC_HTTP_C_QDTEXT : 0))
#define R4(b) CT(b), CT((b) + 1), CT((b) + 2), CT((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)

const uint8_t oc_http_ctype[256] = { R64(0), R64(64), R64(128), R64(192) };
