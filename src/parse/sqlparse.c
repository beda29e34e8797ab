/*
 * sqlparse.c: libpg_query's JSON parse tree read with cJSON; see sqlparse.h.
 */
#include "parse/sqlparse.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

#include "pg_nodes.h"
#include "base/util.h"

/* libpg_query reports a 1-based character position; convert to a byte offset. */
static long char_pos_to_byte(const char *text, int cursorpos)
{
    if (cursorpos <= 0)
        return -1;
    long chars = 0;
    size_t i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            if (++chars == cursorpos)
                return (long)i;
        }
    }
    return (long)i;
}

/* ------------------------------------------------------------------ the arena */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
} arena_chunk;

typedef struct json_arena {
    arena_chunk *chunks;
    size_t next_size;
} json_arena;

/* The arena cJSON allocates in on this thread, while a tree is decoded; else NULL. */
static __thread json_arena *current_arena;

static void *json_malloc(size_t n)
{
    json_arena *a = current_arena;
    if (!a)
        return xmalloc(n);
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = a->next_size > n ? a->next_size : n;
        c = xmalloc(sizeof(arena_chunk) + size);
        c->size = size;
        c->used = 0;
        c->next = a->chunks;
        a->chunks = c;
        a->next_size = size * 2;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static void json_free(void *p)
{
    if (!current_arena)
        free(p); /* arena memory goes with its arena */
}

static void install_hooks(void)
{
    cJSON_Hooks hooks = {.malloc_fn = json_malloc, .free_fn = json_free};
    cJSON_InitHooks(&hooks);
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void arena_free(json_arena *a)
{
    if (!a)
        return;
    for (arena_chunk *c = a->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

/* ------------------------------------------------------------------ parsing */

/* Longest token a parser message quotes in full (bytes). */
#define ERROR_TOKEN_MAX 60

/*
 * The parser's message, with a long quoted token cut: PostgreSQL quotes the rest
 * of an unterminated string or $$ body whole ("at or near \"$$..."), which can be
 * the whole file. The cut falls on a UTF-8 character boundary.
 */
static char *error_message(const char *m)
{
    const char *open = strstr(m, "at or near \"");
    if (!open)
        return xstrdup(m);
    const char *tok = open + strlen("at or near \"");
    const char *close = strrchr(tok, '"');
    if (!close || (size_t)(close - tok) <= ERROR_TOKEN_MAX)
        return xstrdup(m);
    size_t cut = ERROR_TOKEN_MAX;
    while (cut > 0 && ((unsigned char)tok[cut] & 0xC0) == 0x80)
        cut--;
    return xasprintf("%.*s...%s", (int)(tok - m + (ptrdiff_t)cut), m, close);
}

parsed_sql sql_parse(const char *text)
{
    pthread_once(&hooks_once, install_hooks);
    parsed_sql p = {.error_offset = -1};
    PgQueryParseResult r = pg_query_parse(text);
    if (r.error) {
        if (r.error->message && strcmp(r.error->message, "out of memory") == 0)
            die_out_of_memory();
        p.error = error_message(r.error->message ? r.error->message : "syntax error");
        p.error_offset = char_pos_to_byte(text, r.error->cursorpos);
        pg_query_free_parse_result(r);
        return p;
    }
    size_t len = strlen(r.parse_tree);
    p.arena = xcalloc(1, sizeof(json_arena));
    p.arena->next_size = len * 2 > 4096 ? len * 2 : 4096;
    current_arena = p.arena;
    p.tree = cJSON_ParseWithLength(r.parse_tree, len);
    current_arena = NULL;
    pg_query_free_parse_result(r);
    if (!p.tree) {
        p.error = xstrdup("cannot decode the parser's JSON output");
        return p;
    }
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(p.tree, PGF_stmts);
    size_t n = (size_t)cJSON_GetArraySize(stmts);
    p.stmts = xcalloc(n ? n : 1, sizeof(cJSON *));
    const cJSON *raw;
    cJSON_ArrayForEach(raw, stmts) {
        cJSON *node = cJSON_GetObjectItemCaseSensitive(raw, PGF_stmt);
        if (node)
            p.stmts[p.nstmts++] = node;
    }
    return p;
}

void parsed_sql_drop_tree(parsed_sql *p)
{
    arena_free(p->arena);
    free(p->stmts);
    p->arena = NULL;
    p->tree = NULL;
    p->stmts = NULL;
}

void parsed_sql_free(parsed_sql *p)
{
    arena_free(p->arena);
    free(p->stmts);
    free(p->error);
    memset(p, 0, sizeof(*p));
    p->error_offset = -1;
}

const char *sql_node_kind(const cJSON *node)
{
    if (!cJSON_IsObject(node) || !node->child)
        return NULL;
    return node->child->string;
}

const cJSON *sql_node_fields(const cJSON *node)
{
    if (!cJSON_IsObject(node) || !node->child)
        return NULL;
    return node->child;
}

bool sql_is_copy_from_stdin(const parsed_sql *p)
{
    if (p->error || p->nstmts != 1)
        return false;
    const char *kind = sql_node_kind(p->stmts[0]);
    if (!kind || strcmp(kind, PGN_CopyStmt) != 0)
        return false;
    const cJSON *copy = sql_node_fields(p->stmts[0]);
    /* FROM STDIN: is_from set, no file name, not PROGRAM */
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(copy, PGF_is_from)) &&
           !cJSON_GetObjectItemCaseSensitive(copy, PGF_filename) &&
           !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(copy, PGF_is_program));
}

void sql_stmt_span(const parsed_sql *p, size_t text_len, size_t i, size_t *off, size_t *len)
{
    const cJSON *raws = cJSON_GetObjectItemCaseSensitive(p->tree, PGF_stmts);
    const cJSON *raw = cJSON_GetArrayItem(raws, (int)i);
    const cJSON *jloc = cJSON_GetObjectItemCaseSensitive(raw, PGF_stmt_location);
    const cJSON *jlen = cJSON_GetObjectItemCaseSensitive(raw, PGF_stmt_len);
    /* absent means 0 in libpg_query's JSON */
    size_t loc = cJSON_IsNumber(jloc) && jloc->valuedouble > 0 ? (size_t)jloc->valuedouble : 0;
    size_t n = cJSON_IsNumber(jlen) && jlen->valuedouble > 0 ? (size_t)jlen->valuedouble : 0;
    if (loc > text_len)
        loc = text_len;
    if (n == 0 || n > text_len - loc)
        n = text_len - loc;
    *off = loc;
    *len = n;
}

/* ------------------------------------------------------------------ scanning */

static sql_token_kind token_kind(const PgQuery__ScanToken *t, const char *text)
{
    switch (t->token) {
    case PG_QUERY__TOKEN__IDENT:
    case PG_QUERY__TOKEN__UIDENT: {
        const char *s = text + t->start; /* NUL-terminated: s[1] can be read */
        bool quoted = s[0] == '"' || ((s[0] == 'U' || s[0] == 'u') && s[1] == '&');
        return quoted ? SQL_TOK_QUOTED : SQL_TOK_WORD;
    }
    case PG_QUERY__TOKEN__SCONST:
    case PG_QUERY__TOKEN__USCONST:
    case PG_QUERY__TOKEN__BCONST:
    case PG_QUERY__TOKEN__XCONST:
        return SQL_TOK_STRING;
    case PG_QUERY__TOKEN__ICONST:
    case PG_QUERY__TOKEN__FCONST:
        return SQL_TOK_NUMBER;
    case PG_QUERY__TOKEN__PARAM:
        return SQL_TOK_PARAM;
    case PG_QUERY__TOKEN__SQL_COMMENT:
    case PG_QUERY__TOKEN__C_COMMENT:
        return SQL_TOK_COMMENT;
    default:
        return t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD ? SQL_TOK_WORD
                                                                     : SQL_TOK_OTHER;
    }
}

int sql_scan(const char *text, sql_token **toks, size_t *ntoks, long *err_off)
{
    *toks = NULL;
    *ntoks = 0;
    *err_off = -1;
    PgQueryScanResult r = pg_query_scan(text);
    if (r.error) {
        if (r.error->message && strcmp(r.error->message, "out of memory") == 0)
            die_out_of_memory();
        *err_off = char_pos_to_byte(text, r.error->cursorpos);
        pg_query_free_scan_result(r);
        return -1;
    }
    PgQuery__ScanResult *sr =
        pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
    pg_query_free_scan_result(r);
    if (!sr)
        die_out_of_memory(); /* the library's own message: unpacking only allocates */
    size_t len = strlen(text);
    sql_token *out = xmalloc((sr->n_tokens ? sr->n_tokens : 1) * sizeof(sql_token));
    size_t n = 0;
    for (size_t i = 0; i < sr->n_tokens; i++) {
        const PgQuery__ScanToken *t = sr->tokens[i];
        if (t->start < 0 || t->end < t->start || (size_t)t->end > len)
            continue;
        out[n].start = (size_t)t->start;
        out[n].end = (size_t)t->end;
        out[n].kind = token_kind(t, text);
        n++;
    }
    pg_query__scan_result__free_unpacked(sr, NULL);
    *toks = out;
    *ntoks = n;
    return 0;
}

char *sql_kind_string(const parsed_sql *p)
{
    if (p->error)
        return xstrdup("Error");
    if (p->nstmts == 0)
        return xstrdup("Empty");
    strbuf sb = {0};
    for (size_t i = 0; i < p->nstmts; i++) {
        const char *k = sql_node_kind(p->stmts[i]);
        if (i)
            sb_addc(&sb, '+');
        sb_adds(&sb, k ? k : "?");
    }
    return sb_detach(&sb, NULL);
}
