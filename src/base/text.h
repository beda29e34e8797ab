/*
 * text.h: a script's bytes made safe to show. A script author may be hostile: on a
 * terminal a control character, a byte that is not UTF-8, a C1 control or a
 * bidirectional override is shown escaped (\x1b, \u202e), so text from a script
 * (or from a server's message about it) cannot drive the terminal or reorder what
 * it shows; UTF-8 validity decides what JSON and XML writers replace.
 */
#ifndef PGWARD_TEXT_H
#define PGWARD_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/util.h"

/* Length (1-4) of the valid UTF-8 character at s (NUL-terminated), or 0 when the
   bytes there are not one (overlong, surrogate, past U+10FFFF, U+FFFE, U+FFFF). */
size_t text_utf8_len(const char *s);

/*
 * One display unit of s (len bytes, NUL-terminated after them) at i: a character,
 * or a byte or character shown escaped. Appended to sb unless sb is NULL; *width
 * gets the columns it takes (a character 1, an escape its length). Returns the
 * index after it.
 */
size_t text_unit(strbuf *sb, const char *s, size_t len, size_t i, bool keep_newlines,
                 int *width);

/*
 * Appends len bytes of s for a terminal: tab kept, other control characters and
 * bytes that are not UTF-8 as \xNN, C1 controls and bidirectional controls as
 * \uNNNN; newline and carriage return kept when keep_newlines. With max_cols > 0,
 * what is wider is cut, ending with "...".
 */
void text_escape(strbuf *sb, const char *s, size_t len, bool keep_newlines, int max_cols);

#endif
