/*
 * script_scan.h: the boundary scanner (grammar/script_scan.l) behind the
 * interpreter (interp.h).
 *
 * Like psql's psqlscan.l + psqlscanslash.l, it only finds boundaries: it copies
 * SQL text into a query_buf (suppressing leading whitespace and -- comments, exactly
 * as psql does), stops at a statement-ending semicolon or at a backslash, and reads
 * meta-command names and arguments when the interpreter asks. It calls back for
 * :variables and never decides what they mean. A plain :name value is re-scanned as
 * SQL (psql does this, so a value may hold a ';'); :'name' and :"name" are quoted by
 * the callback and copied as they are.
 *
 *   scan_state *sc = scan_create(text, len, &callbacks, ctx);
 *   while ((r = scan_sql(sc, &qb)) != SCAN_EOF) {
 *       if (r == SCAN_BACKSLASH) { name = scan_slash_command(sc, ...); ... }
 *   }
 *   scan_free(sc);
 *
 * All offsets are byte offsets in the source text given to scan_create.
 */
#ifndef PGWARD_SCRIPT_SCAN_H
#define PGWARD_SCRIPT_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "script/script.h"
#include "base/util.h"

/* The text being collected for one statement, with its map back to the source. */
typedef struct query_buf {
    strbuf text;
    text_span *spans;
    size_t nspans, capspans;
} query_buf;

/* Appends text standing for src[src_off, src_off + src_len). */
void qbuf_add(query_buf *qb, const char *s, size_t len, size_t src_off, size_t src_len,
              bool substituted);
/* Drops everything from text offset len on. */
void qbuf_truncate(query_buf *qb, size_t len);
void qbuf_reset(query_buf *qb);
void qbuf_copy(query_buf *to, const query_buf *from);
void qbuf_free(query_buf *qb);

typedef enum scan_result {
    SCAN_SEMICOLON, /* a statement-ending ';' was copied into the buffer */
    SCAN_BACKSLASH, /* a '\' starts a meta-command: call scan_slash_command() */
    SCAN_EOF,       /* end of input; the buffer may hold an unterminated statement */
} scan_result;

typedef enum var_quote {
    VARQ_PLAIN,   /* :name   */
    VARQ_LITERAL, /* :'name' */
    VARQ_IDENT,   /* :"name" */
} var_quote;

typedef struct scan_callbacks {
    /*
     * Returns the malloc'd replacement for a variable reference (already quoted for
     * VARQ_LITERAL / VARQ_IDENT), or NULL to leave the reference as written
     * (undefined, or substitution is off in an inactive \if branch). ref_off/ref_len
     * locate the reference in the source.
     */
    char *(*get_variable)(void *ctx, const char *name, var_quote quote, size_t ref_off,
                          size_t ref_len);
    /* For :{?name}: is the variable defined? */
    bool (*is_defined)(void *ctx, const char *name);
    /* Reports a scanner-level problem (recursive variable, unterminated quote, ...). */
    void (*report)(void *ctx, severity sev, size_t off, size_t len, const char *message);
} scan_callbacks;

typedef enum slash_opt {
    OPT_NORMAL,     /* one argument: quotes, escapes and variables processed */
    OPT_NO_EVAL,    /* one argument, read but not evaluated (inactive branch, skipping) */
    OPT_WHOLE_LINE, /* the rest of the line */
    OPT_FILEPIPE,   /* as OPT_NORMAL, but "|command" takes the rest of the line */
} slash_opt;

typedef struct scan_state scan_state;

scan_state *scan_create(const char *text, size_t len, const scan_callbacks *cb, void *ctx);
void scan_free(scan_state *sc);

/* Scans SQL into qb until a statement end, a backslash, or the end of input. */
scan_result scan_sql(scan_state *sc, query_buf *qb);

/* Source offset of the token that ended the last scan_sql (the ';' or the '\'). */
size_t scan_stop_offset(const scan_state *sc);

/* Source offset of the next byte to scan (at the outermost source level). */
size_t scan_next_offset(const scan_state *sc);

/* After SCAN_BACKSLASH: the meta-command name (malloc'd, may be ""). */
char *scan_slash_command(scan_state *sc);

/*
 * The next argument of the current meta-command, or NULL when there is none.
 * *quote (may be NULL) gets 0, '\'', '"', ':' or '`' for how the argument began.
 * With strip_semicolons, trailing unquoted ';' are removed (psql does this for \i).
 * *off gets the argument's source offset. A problem (unterminated quote,
 * backquote) is reported through the report callback.
 */
char *scan_slash_option(scan_state *sc, slash_opt type, char *quote, bool strip_semicolons,
                        size_t *off);

/* Ends a meta-command: swallows a following "\\" separator, as psql does. */
void scan_slash_command_end(scan_state *sc);

/* Forgets parenthesis depth and similar statement state (psql_scan_reset). */
void scan_reset(scan_state *sc);

/* Statement state that \if branches save and restore. */
typedef struct scan_mark {
    int paren_depth;
    int begin_depth;
    int identifier_count;
} scan_mark;
scan_mark scan_get_mark(const scan_state *sc);
void scan_set_mark(scan_state *sc, scan_mark m);

/*
 * Continues scanning at source offset resume, after first scanning the source range
 * [first, first_end) (empty to skip it). Used after COPY FROM STDIN: the rest of the
 * COPY's line is scanned, then the inline data is skipped.
 */
void scan_jump(scan_state *sc, size_t first, size_t first_end, size_t resume);

/*
 * Follows the server's standard_conforming_strings (psql does): when off, a
 * backslash escapes the next character in '...' strings too. On by default.
 */
void scan_set_std_strings(scan_state *sc, bool on);

#endif
