/*
 * Text that an agent, a container or Docker wrote and an operator reads.
 * A terminal acts on some characters instead of showing them: escape
 * sequences move the cursor, erase lines or hide text, a carriage return
 * or newline forges a line, bidirectional controls reorder what is shown,
 * and zero-width or tag characters say things the reader cannot see.
 * Servers refuse them (oc_text_check); printers escape them
 * (oc_text_escape) so that whatever slipped through is shown, not obeyed.
 *
 * Refused ("unsafe"): C0 controls and DEL (\n and \t allowed only where
 * `lines` is true), bytes that are not UTF-8 (overlong forms and
 * surrogates included), C1 controls U+0080-U+009F, U+00AD, U+061C,
 * U+115F-U+1160, U+180E, U+200B-U+200F, U+2028-U+202E, U+2060-U+206F,
 * U+3164, U+FEFF, U+FFA0, U+FFF9-U+FFFB, tags U+E0000-U+E007F and the
 * variation selectors U+E0100-U+E01EF. Every other printable character
 * of any script stays, so a justification may be written in any language.
 */
#ifndef OC_CORE_TEXT_H
#define OC_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* The byte offset of the first unsafe character in s[0..len), or len. */
size_t oc_text_unsafe_at(const char *s, size_t len, bool lines);
/* 0, or OC_EINVAL naming `what`, the character and its byte offset. */
int oc_text_check(const char *what, const char *s, bool lines);
/* Appends s[0..len) with each unsafe character written as \xHH (a byte)
 * or \u{HHHH} (a code point); everything else is copied. Escaping what
 * is already escaped changes nothing. */
int oc_text_escape(oc_buf *b, const char *s, size_t len, bool lines);
/* The longest prefix of s of at most max bytes that ends between two
 * characters (so a cut never leaves half of one). */
size_t oc_text_prefix(const char *s, size_t max);

#endif
