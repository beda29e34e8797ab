/*
 * newer_syntax.h: syntax of PostgreSQL majors newer than the grammar pgward was built
 * with, recognised in a statement that grammar rejects (rule unsupported-syntax).
 *
 * One table (newer_syntax.c) holds every construct: what it is, the first major
 * whose grammar has it, and a matcher. A matcher never reads the raw text: it reads
 * the tokens of PostgreSQL's own lexer (sql_scan), so a word inside a string, a
 * comment or a dollar quote is never taken for syntax. Entries whose major the
 * built-in grammar already has are skipped: with a newer libpg_query they parse.
 *
 *   size_t at;
 *   const newer_syntax *e = sql_newer_syntax(st->text, &st->parse, PGWARD_GRAMMAR_MAJOR, &at);
 *   if (e) ... "%s needs the PostgreSQL %d grammar", e->what, e->major ...
 */
#ifndef PGWARD_NEWER_SYNTAX_H
#define PGWARD_NEWER_SYNTAX_H

#include <stddef.h>

#include "parse/sqlparse.h"

typedef enum newer_how {
    /*
     * The lexer's tokens, as words separated by spaces: keywords and unquoted
     * identifiers upper-cased, every string constant 's', every quoted identifier
     * "q", comments dropped, numbers and operators as written. The pattern is tokens
     * too: a word or operator matches itself, {A|B} one of them, [X] X or nothing,
     * !X "not X next", * any one token, ... any tokens (as few as possible),
     * (...) a parenthesised group (nested groups balanced), ^ the statement's
     * start, $ its end (a ';' allowed). A match must start at or before the place
     * the parser gave up, since the parser reads from the left.
     */
    NEWER_TOKENS,
    /* A PCRE2 pattern anchored at the place the parser gave up, for constructs the
       older lexer itself rejects ("trailing junk after numeric literal"). */
    NEWER_AT_ERROR,
    /* A PCRE2 pattern on the parser's message (the older grammar names the
       construct itself: "subquery in FROM must have an alias"). */
    NEWER_MESSAGE,
} newer_how;

typedef struct newer_syntax {
    const char *what;    /* "MERGE ... WHEN NOT MATCHED BY SOURCE or BY TARGET" */
    int major;           /* the first PostgreSQL major whose grammar has it */
    newer_how how;
    const char *pattern;
    const char *example; /* a statement that uses it (the unit tests parse it) */
} newer_syntax;

extern const newer_syntax newer_syntax_table[];
extern const size_t newer_syntax_count;

/*
 * The construct of a major newer than grammar_major that text (which failed to
 * parse as p says) uses, or NULL: then it is an ordinary syntax error. *at gets the
 * byte offset in text where the construct starts (or the error's place). Never
 * looks at a statement that parsed.
 */
const newer_syntax *sql_newer_syntax(const char *text, const parsed_sql *p, int grammar_major,
                                     size_t *at);

/* Whether entry e matches text (failed as p says), whatever the grammar; for tests. */
int newer_syntax_match(const newer_syntax *e, const char *text, const parsed_sql *p,
                       size_t *at);

#endif
