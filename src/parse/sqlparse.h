/*
 * sqlparse.h: one statement through the real PostgreSQL parser (libpg_query).
 *
 * sql_parse() calls pg_query_parse() once and decodes its JSON with cJSON; node and
 * field names come from the generated pg_nodes.h (PGN_*, PGF_*). The result owns the
 * tree, whose nodes are allocated in one arena (cJSON's allocation hooks point to
 * it while the tree is decoded, on that thread only) and freed at once: a parse
 * tree is many small nodes made and dropped together, per statement. Thread-safe:
 * libpg_query keeps its memory contexts per thread.
 *
 *   parsed_sql p = sql_parse("SELECT 1;");
 *   if (p.error) ... p.error, p.error_offset ...
 *   else for each p.stmts[i]: sql_node_kind(p.stmts[i]) ...
 *   parsed_sql_free(&p);
 */
#ifndef PGWARD_SQLPARSE_H
#define PGWARD_SQLPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

typedef struct parsed_sql {
    cJSON *tree;        /* the ParseResult object, or NULL on error; its nodes live
                           in arena, freed at once by parsed_sql_free() */
    struct json_arena *arena;
    cJSON **stmts;      /* the "stmt" node of each RawStmt (borrowed from tree) */
    size_t nstmts;      /* 0 for a statement that is only comments or ";" */
    char *error;        /* parser message, e.g. syntax error at or near "selec" */
    long error_offset;  /* byte offset of the error in the text, or -1 */
} parsed_sql;

/* Parses text (NUL-terminated). Never fails as a call: errors land in .error. */
parsed_sql sql_parse(const char *text);

void parsed_sql_free(parsed_sql *p);

/* Frees the tree but keeps what was learned from it (nstmts, error, error_offset):
   for statements kept after their analysis (apply runs them, never walks them). */
void parsed_sql_drop_tree(parsed_sql *p);

/* The node type name of a node object ("SelectStmt"), or NULL. */
const char *sql_node_kind(const cJSON *node);

/* The fields object of a node: {"SelectStmt": {...}} -> {...}. */
const cJSON *sql_node_fields(const cJSON *node);

/* True when p is exactly one COPY ... FROM STDIN (psql then reads inline data). */
bool sql_is_copy_from_stdin(const parsed_sql *p);

/*
 * Where raw statement i of p lies in the text it was parsed from (text_len bytes:
 * more than one when psql sent several joined by \;): *off and *len, clamped to
 * the text; a length of 0 in libpg_query's JSON means "to the end".
 */
void sql_stmt_span(const parsed_sql *p, size_t text_len, size_t i, size_t *off, size_t *len);

/* What a token of PostgreSQL's own lexer is, as far as pgward's matchers care. */
typedef enum sql_token_kind {
    SQL_TOK_WORD,      /* a keyword or an unquoted identifier */
    SQL_TOK_QUOTED,    /* a quoted identifier ("x", U&"x") */
    SQL_TOK_STRING,    /* any string constant: '', E'', $$...$$, B'', X'', U&'' */
    SQL_TOK_NUMBER,    /* an integer or numeric constant */
    SQL_TOK_PARAM,     /* $1 */
    SQL_TOK_COMMENT,   /* -- or block comment */
    SQL_TOK_OTHER,     /* an operator or punctuation */
} sql_token_kind;

typedef struct sql_token {
    size_t start, end;  /* byte offsets in the text */
    sql_token_kind kind;
} sql_token;

/*
 * Splits text into the tokens of the linked PostgreSQL's lexer (pg_query_scan), so
 * that nothing inside a string, a comment or a dollar quote is taken for a word.
 * Returns 0 with *toks (malloc'd, *ntoks of them), or -1 when the lexer rejects the
 * text (an unterminated quote, trailing junk after a number): *err_off then gets
 * the byte offset it names, or -1.
 */
int sql_scan(const char *text, sql_token **toks, size_t *ntoks, long *err_off);

/* The longest text the matchers built on sql_scan look at (newer syntax, template
   placeholders, what follows \quit): the lexer's tokens take some 50 times the
   text's size, and what they look for is in statements far shorter. */
#define SQL_SCAN_MAX ((size_t)256 << 10)

/*
 * A short kind for the whole statement: the node name of a single statement,
 * "Empty" for none, or the names joined with "+" when \; combined several.
 * Returns a malloc'd string.
 */
char *sql_kind_string(const parsed_sql *p);

#endif
