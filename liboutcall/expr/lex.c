#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "context/escape.h"
#include "expr/lex.h"

void oc_lex_init(oc_lexer *lx, oc_expr_compiler *c, uint32_t src)
{
	memset(lx, 0, sizeof(*lx));
	lx->c = c;
	lx->src = src;
	lx->text = oc_expr_source_text(c, src);
	lx->len = strlen(lx->text);
}

void oc_lex_free(oc_lexer *lx)
{
	oc_buf_free(&lx->str);
}

const char *oc_tok_describe(oc_tok kind)
{
	switch (kind) {
	case OC_TK_EOF: return "end of input";
	case OC_TK_INT: return "a number";
	case OC_TK_STRING: return "a string";
	case OC_TK_IDENT: return "a name";
	case OC_TK_DEF: return "a $definition";
	case OC_TK_TRUE: return "'true'";
	case OC_TK_FALSE: return "'false'";
	case OC_TK_IN: return "'in'";
	case OC_TK_LPAREN: return "'('";
	case OC_TK_RPAREN: return "')'";
	case OC_TK_LBRACKET: return "'['";
	case OC_TK_RBRACKET: return "']'";
	case OC_TK_COMMA: return "','";
	case OC_TK_DOT: return "'.'";
	case OC_TK_QUESTION: return "'?'";
	case OC_TK_COLON: return "':'";
	case OC_TK_NOT: return "'!'";
	case OC_TK_MINUS: return "'-'";
	case OC_TK_EQ: return "'=='";
	case OC_TK_NE: return "'!='";
	case OC_TK_LT: return "'<'";
	case OC_TK_LE: return "'<='";
	case OC_TK_GT: return "'>'";
	case OC_TK_GE: return "'>='";
	case OC_TK_AND: return "'&&'";
	case OC_TK_OR: return "'||'";
	}
	return "a token";
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_name_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool is_name_char(char ch)
{
	return is_name_start(ch) || is_digit(ch);
}

static int hex_value(char ch)
{
	if (is_digit(ch))
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int put_utf8(oc_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return oc_buf_append(b, u, n);
}

static bool lex_nomem(oc_lexer *lx)
{
	oc_expr_nomem(lx->c);
	return false;
}

static bool lex_fail(oc_lexer *lx, size_t off, const char *what, const char *fmt, ...) OC_PRINTF(4, 5);

/* Reports an error about the source bytes at off (shown escaped after
 * `what`, if fmt is NULL) and returns false. */
static bool lex_fail(oc_lexer *lx, size_t off, const char *what, const char *fmt, ...)
{
	char msg[300];
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
	} else {
		char shown[16];
		snprintf(msg, sizeof(msg), "%s '%s'", what, oc_escape(shown, sizeof(shown), lx->text + off, 1));
	}
	oc_expr_fail(lx->c, lx->src, (uint32_t)off, "%s", msg);
	return false;
}

/* Reads `digits` hex digits after an escape letter at `at`. */
static bool hex_escape(oc_lexer *lx, size_t at, int digits, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < digits; i++) {
		int h = lx->pos < lx->len ? hex_value(lx->text[lx->pos]) : -1;
		if (h < 0)
			return lex_fail(lx, at, NULL, "escape '\\%c' needs %d hex digits",
				lx->text[at + 1], digits);
		v = v * 16 + (uint32_t)h;
		lx->pos++;
	}
	*out = v;
	return true;
}

static bool lex_escape(oc_lexer *lx)
{
	size_t at = lx->pos; /* the backslash */
	if (at + 1 >= lx->len)
		return lex_fail(lx, at, NULL, "unterminated string");
	char e = lx->text[at + 1];
	lx->pos += 2;
	char plain;
	switch (e) {
	case '\\': plain = '\\'; break;
	case '"': plain = '"'; break;
	case '\'': plain = '\''; break;
	case 'n': plain = '\n'; break;
	case 't': plain = '\t'; break;
	case 'r': plain = '\r'; break;
	case 'x': {
		uint32_t v;
		if (!hex_escape(lx, at, 2, &v))
			return false;
		plain = (char)v;
		break;
	}
	case 'u':
	case 'U': {
		uint32_t v;
		if (!hex_escape(lx, at, e == 'u' ? 4 : 8, &v))
			return false;
		if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
			return lex_fail(lx, at, NULL, "escape '\\%c' names U+%04X, which is not a character",
				e, (unsigned)v);
		if (put_utf8(&lx->str, v))
			return lex_nomem(lx);
		return true;
	}
	default:
		return lex_fail(lx, at + 1, "unknown escape", NULL);
	}
	if (oc_buf_append(&lx->str, &plain, 1))
		return lex_nomem(lx);
	return true;
}

static bool lex_string(oc_lexer *lx)
{
	size_t start = lx->pos;
	char quote = lx->text[lx->pos++];
	oc_buf_reset(&lx->str);
	for (;;) {
		if (lx->pos >= lx->len || lx->text[lx->pos] == '\n')
			return lex_fail(lx, start, NULL, "unterminated string (strings end on the line they start)");
		char ch = lx->text[lx->pos];
		if (ch == quote) {
			lx->pos++;
			break;
		}
		if (ch == '\\') {
			if (!lex_escape(lx))
				return false;
			continue;
		}
		size_t run = lx->pos;
		while (run < lx->len && lx->text[run] != quote && lx->text[run] != '\\' && lx->text[run] != '\n')
			run++;
		if (oc_buf_append(&lx->str, lx->text + lx->pos, run - lx->pos))
			return lex_nomem(lx);
		lx->pos = run;
	}
	lx->tok.kind = OC_TK_STRING;
	return true;
}

static bool lex_number(oc_lexer *lx)
{
	size_t start = lx->pos;
	/* Up to 2^63, the magnitude of the smallest int; the parser refuses
	 * it without a minus sign. */
	const uint64_t max = (uint64_t)INT64_MAX + 1;
	uint64_t v = 0;
	while (lx->pos < lx->len && is_digit(lx->text[lx->pos])) {
		uint64_t d = (uint64_t)(lx->text[lx->pos] - '0');
		if (v > (max - d) / 10)
			return lex_fail(lx, start, NULL, "integer literal out of range (ints are 64-bit)");
		v = v * 10 + d;
		lx->pos++;
	}
	if (lx->pos + 1 < lx->len && lx->text[lx->pos] == '.' && is_digit(lx->text[lx->pos + 1]))
		return lex_fail(lx, start, NULL, "floating-point numbers are not supported");
	if (lx->pos < lx->len && is_name_char(lx->text[lx->pos]))
		return lex_fail(lx, start, NULL, "invalid number: only decimal integers are supported");
	lx->tok.kind = OC_TK_INT;
	lx->tok.u = v;
	return true;
}

static bool lex_name(oc_lexer *lx)
{
	size_t start = lx->pos;
	while (lx->pos < lx->len && is_name_char(lx->text[lx->pos]))
		lx->pos++;
	size_t n = lx->pos - start;
	const char *s = lx->text + start;
	lx->tok.kind = OC_TK_IDENT;
	if (n == 4 && memcmp(s, "true", 4) == 0)
		lx->tok.kind = OC_TK_TRUE;
	else if (n == 5 && memcmp(s, "false", 5) == 0)
		lx->tok.kind = OC_TK_FALSE;
	else if (n == 2 && memcmp(s, "in", 2) == 0)
		lx->tok.kind = OC_TK_IN;
	return true;
}

static bool lex_def(oc_lexer *lx)
{
	size_t start = lx->pos++;
	if (lx->pos >= lx->len || !is_name_start(lx->text[lx->pos]))
		return lex_fail(lx, start, NULL, "'$' must be followed by a definition name");
	while (lx->pos < lx->len && is_name_char(lx->text[lx->pos]))
		lx->pos++;
	lx->tok.kind = OC_TK_DEF;
	return true;
}

/* Operators of one or two characters. */
static bool lex_operator(oc_lexer *lx)
{
	static const struct {
		char text[3];
		oc_tok kind;
	} ops[] = {
		{ "==", OC_TK_EQ }, { "!=", OC_TK_NE }, { "<=", OC_TK_LE }, { ">=", OC_TK_GE },
		{ "&&", OC_TK_AND }, { "||", OC_TK_OR }, { "(", OC_TK_LPAREN }, { ")", OC_TK_RPAREN },
		{ "[", OC_TK_LBRACKET }, { "]", OC_TK_RBRACKET }, { ",", OC_TK_COMMA },
		{ ".", OC_TK_DOT }, { "?", OC_TK_QUESTION }, { ":", OC_TK_COLON }, { "!", OC_TK_NOT },
		{ "-", OC_TK_MINUS }, { "<", OC_TK_LT }, { ">", OC_TK_GT },
	};
	const char *p = lx->text + lx->pos;
	size_t left = lx->len - lx->pos;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (n <= left && memcmp(p, ops[i].text, n) == 0) {
			lx->tok.kind = ops[i].kind;
			lx->pos += n;
			return true;
		}
	}
	if (p[0] == '=')
		return lex_fail(lx, lx->pos, NULL, "'=' is not an operator: compare with '=='");
	if (p[0] == '&' || p[0] == '|')
		return lex_fail(lx, lx->pos, NULL, "'%c' is not an operator: use '%c%c'", p[0], p[0], p[0]);
	return lex_fail(lx, lx->pos, "unexpected character", NULL);
}

bool oc_lex_next(oc_lexer *lx)
{
	lx->prev_end = lx->tok.off + lx->tok.len;
	while (lx->pos < lx->len && strchr(" \t\r\n", lx->text[lx->pos]))
		lx->pos++;
	lx->tok.off = (uint32_t)lx->pos;
	lx->tok.len = 0;
	if (lx->pos >= lx->len) {
		lx->tok.kind = OC_TK_EOF;
		return true;
	}
	char ch = lx->text[lx->pos];
	bool ok;
	if (ch == '"' || ch == '\'')
		ok = lex_string(lx);
	else if (is_digit(ch))
		ok = lex_number(lx);
	else if (is_name_start(ch))
		ok = lex_name(lx);
	else if (ch == '$')
		ok = lex_def(lx);
	else
		ok = lex_operator(lx);
	lx->tok.len = (uint32_t)(lx->pos - lx->tok.off);
	return ok;
}
