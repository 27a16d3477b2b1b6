/* Tokens of the rule expression language. */
#ifndef OC_EXPR_LEX_H
#define OC_EXPR_LEX_H

#include <stdint.h>
#include "expr/compiler.h"

typedef enum oc_tok {
	OC_TK_EOF,
	OC_TK_INT,      /* value in `u` (unsigned: the parser applies unary minus) */
	OC_TK_STRING,   /* decoded bytes in the lexer's `str` */
	OC_TK_IDENT,
	OC_TK_DEF,      /* $name; the name without '$' is text[off+1 .. off+len) */
	OC_TK_TRUE,
	OC_TK_FALSE,
	OC_TK_IN,
	OC_TK_LPAREN,
	OC_TK_RPAREN,
	OC_TK_LBRACKET,
	OC_TK_RBRACKET,
	OC_TK_COMMA,
	OC_TK_DOT,
	OC_TK_QUESTION,
	OC_TK_COLON,
	OC_TK_NOT,
	OC_TK_MINUS,
	OC_TK_EQ,
	OC_TK_NE,
	OC_TK_LT,
	OC_TK_LE,
	OC_TK_GT,
	OC_TK_GE,
	OC_TK_AND,
	OC_TK_OR,
} oc_tok;

typedef struct oc_token {
	oc_tok kind;
	uint32_t off, len;  /* bytes of the source */
	uint64_t u;
} oc_token;

typedef struct oc_lexer {
	oc_expr_compiler *c;
	uint32_t src;
	const char *text;
	size_t len, pos;
	oc_token tok;  /* the current token */
	uint32_t prev_end; /* where the token before it ended */
	oc_buf str;    /* decoded text of the current string token */
} oc_lexer;

void oc_lex_init(oc_lexer *lx, oc_expr_compiler *c, uint32_t src);
void oc_lex_free(oc_lexer *lx);
/* Moves to the next token; returns false after reporting a lexical error. */
bool oc_lex_next(oc_lexer *lx);
/* How a token kind reads in an error message ("'&&'", "end of input"). */
const char *oc_tok_describe(oc_tok kind);

#endif
