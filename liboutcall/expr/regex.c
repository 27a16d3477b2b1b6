/*
 * PCRE2 for `matches`: patterns are compiled once at load time; matching
 * runs without the heap (see regex.h).
 *
 * Limits. PCRE2 counts its match limit per start position, so the total
 * work on a subject of n bytes is bounded by n times MATCH_LIMIT; the
 * heap limit bounds backtracking depth (about 300 levels for a pattern
 * without captures). A pattern over a limit evaluates as not matching.
 */
#include <stdalign.h>
#include <stdio.h>

#include "expr/compiler.h"
#include "expr/regex.h"

enum {
	MATCH_LIMIT = 100000,
	DEPTH_LIMIT = 1000,
	HEAP_LIMIT_KIB = 40,
	/* PCRE2 10.42 starts with 20 KiB of frames and doubles up to the
	 * heap limit without freeing the smaller block first; the arena holds
	 * both plus the general context and match data. */
	ARENA_BYTES = 20 * 1024 + HEAP_LIMIT_KIB * 1024 + 3 * 1024,
};

uint32_t oc_expr_regex_compile(oc_expr_compiler *c, const char *pattern, size_t n, uint32_t src, uint32_t at)
{
	int err;
	PCRE2_SIZE err_off;
	/* UTF so '.' is a character; MATCH_INVALID_UTF so hostile subjects
	 * that are not UTF-8 simply do not match there instead of failing. */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, n,
		PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &err, &err_off, NULL);
	if (!re) {
		if (err == PCRE2_ERROR_NOMEMORY)
			return oc_expr_nomem(c);
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(err, msg, sizeof(msg));
		return oc_expr_fail(c, src, at, "invalid regular expression: %s at pattern offset %zu",
			(const char *)msg, (size_t)err_off);
	}
	if (!c->match_ctx) {
		c->match_ctx = pcre2_match_context_create(NULL);
		if (!c->match_ctx) {
			pcre2_code_free(re);
			return oc_expr_nomem(c);
		}
		pcre2_set_match_limit(c->match_ctx, MATCH_LIMIT);
		pcre2_set_depth_limit(c->match_ctx, DEPTH_LIMIT);
		pcre2_set_heap_limit(c->match_ctx, HEAP_LIMIT_KIB);
	}
	uint32_t id = (uint32_t)(c->regex.len / sizeof(re));
	if (oc_buf_append(&c->regex, &re, sizeof(re))) {
		pcre2_code_free(re);
		return oc_expr_nomem(c);
	}
	return id;
}

typedef struct arena {
	unsigned char *base;
	size_t size, used;
} arena;

static void *arena_alloc(size_t n, void *data)
{
	arena *a = data;
	size_t at = (a->used + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	if (at > a->size || n > a->size - at)
		return NULL;
	a->used = at + n;
	return a->base + at;
}

/* The whole arena goes away when the match returns. */
static void arena_free(void *p, void *data)
{
	(void)p;
	(void)data;
}

/* Kept out of line so that the arena occupies the stack only while a
 * match runs, not in every frame of the recursive evaluator. */
__attribute__((noinline)) bool oc_expr_regex_match(const pcre2_code *re, pcre2_match_context *mctx,
	const char *s, size_t n)
{
	alignas(max_align_t) unsigned char mem[ARENA_BYTES];
	arena a = { mem, sizeof(mem), 0 };
	pcre2_general_context *g = pcre2_general_context_create(arena_alloc, arena_free, &a);
	pcre2_match_data *md = g ? pcre2_match_data_create(1, g) : NULL;
	if (!md)
		return false;
	/* 0 means "matched, ovector too small": we never want the offsets. */
	return pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, mctx) >= 0;
}
