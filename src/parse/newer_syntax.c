/*
 * newer_syntax.c: the table of syntax newer PostgreSQL majors added, and its
 * matchers over the lexer's tokens; see newer_syntax.h.
 *
 * Grammar changes come from the release notes of PostgreSQL 16, 17 and 18. Not in
 * the table because the 15 grammar reads them as something else (so a statement
 * using them parses, and only the server can refuse it): SYSTEM_USER (a column
 * name), RETURNING old.x / new.x (a table alias), JSON_VALUE(x, 'path') and the other
 * SQL/JSON functions called with plain arguments (function calls).
 */
#include "parse/newer_syntax.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/util.h"

/* Ordered: the first entry that matches names the construct, so the specific come
   before the general. merge_action() has no entry of its own: it parses as a
   function call, and only fails in MERGE ... RETURNING, which names it. */
const newer_syntax newer_syntax_table[] = {
    /* ---- PostgreSQL 16 */
    {"the SQL/JSON constructor JSON_ARRAY(), JSON_ARRAYAGG() or JSON_OBJECTAGG()", 16,
     NEWER_TOKENS, "{JSON_ARRAY|JSON_ARRAYAGG|JSON_OBJECTAGG} (",
     "SELECT JSON_ARRAYAGG(id ORDER BY id RETURNING jsonb) FROM t"},
    {"the SQL/JSON constructor JSON_OBJECT(key VALUE value)", 16, NEWER_TOKENS,
     "JSON_OBJECT ( ... {VALUE|:|RETURNING|ABSENT|UNIQUE|KEY|FORMAT}",
     "SELECT JSON_OBJECT('a' VALUE 1 ABSENT ON NULL)"},
    {"the IS JSON predicate (IS JSON VALUE, OBJECT, ARRAY, SCALAR)", 16, NEWER_TOKENS,
     "IS [NOT] JSON", "SELECT '{}' IS JSON OBJECT"},
    {"a numeric literal with underscores (1_000_000)", 16, NEWER_AT_ERROR,
     "(?=[0-9._]*_[0-9])[0-9]*(?:_[0-9]+)*(?:\\.[0-9]*(?:_[0-9]+)*)?(?![A-Za-z_0-9])",
     "SELECT 1_000_000"},
    {"a hexadecimal, octal or binary integer literal (0x1F, 0o17, 0b101)", 16,
     NEWER_AT_ERROR,
     "0(?:[xX](?:_?[0-9A-Fa-f])+|[oO](?:_?[0-7])+|[bB](?:_?[01])+)(?![A-Za-z_0-9])",
     "SELECT 0x1F"},
    {"CREATE STATISTICS without a name", 16, NEWER_TOKENS, "^ CREATE STATISTICS {ON|(}",
     "CREATE STATISTICS ON a, b FROM t"},
    {"a subquery or VALUES in FROM without an alias", 16, NEWER_MESSAGE,
     "^(subquery|VALUES) in FROM must have an alias", "SELECT * FROM (SELECT 1)"},
    {"GRANT role ... WITH INHERIT, WITH SET or WITH ADMIN TRUE/FALSE", 16, NEWER_TOKENS,
     "^ GRANT ... TO ... WITH {INHERIT|SET|ADMIN} !OPTION",
     "GRANT reader TO app WITH INHERIT FALSE"},
    {"REVOKE INHERIT OPTION FOR or SET OPTION FOR", 16, NEWER_TOKENS,
     "^ REVOKE {INHERIT|SET} OPTION FOR", "REVOKE INHERIT OPTION FOR reader FROM app"},
    {"a column's STORAGE in CREATE TABLE", 16, NEWER_TOKENS,
     "^ CREATE ... TABLE ... STORAGE {PLAIN|EXTERNAL|EXTENDED|MAIN|DEFAULT}",
     "CREATE TABLE t (body text STORAGE EXTERNAL)"},
    {"SET STORAGE DEFAULT", 16, NEWER_TOKENS, "SET STORAGE DEFAULT",
     "ALTER TABLE t ALTER COLUMN body SET STORAGE DEFAULT"},
    {"REINDEX DATABASE or SYSTEM without a name", 16, NEWER_TOKENS,
     "^ REINDEX [(...)] {DATABASE|SYSTEM} [CONCURRENTLY] $", "REINDEX DATABASE;"},
    /* ---- PostgreSQL 17 */
    {"JSON_TABLE()", 17, NEWER_TOKENS, "JSON_TABLE (",
     "SELECT * FROM JSON_TABLE(doc, '$.items[*]' COLUMNS (id int PATH '$.id')) AS jt"},
    {"the SQL/JSON query function JSON_EXISTS(), JSON_QUERY() or JSON_VALUE()", 17,
     NEWER_TOKENS, "{JSON_EXISTS|JSON_QUERY|JSON_VALUE} (",
     "SELECT JSON_VALUE(doc, '$.a' RETURNING int) FROM t"},
    {"the SQL/JSON function JSON(), JSON_SCALAR() or JSON_SERIALIZE()", 17, NEWER_TOKENS,
     "{JSON|JSON_SCALAR|JSON_SERIALIZE} (",
     "SELECT JSON_SERIALIZE(doc RETURNING bytea) FROM t"},
    {"MERGE ... WHEN NOT MATCHED BY SOURCE or BY TARGET", 17, NEWER_TOKENS,
     "MERGE ... WHEN NOT MATCHED BY {SOURCE|TARGET}",
     "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED BY SOURCE THEN DELETE"},
    {"MERGE ... RETURNING (and merge_action())", 17, NEWER_TOKENS, "MERGE ... RETURNING",
     "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING "
     "merge_action(), t.*"},
    {"ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION AS", 17, NEWER_TOKENS,
     "SET EXPRESSION [AS] (", "ALTER TABLE t ALTER COLUMN total SET EXPRESSION AS (a + b)"},
    {"SET ACCESS METHOD DEFAULT", 17, NEWER_TOKENS, "SET ACCESS METHOD DEFAULT",
     "ALTER TABLE t SET ACCESS METHOD DEFAULT"},
    {"SET STATISTICS DEFAULT", 17, NEWER_TOKENS, "SET STATISTICS DEFAULT",
     "ALTER TABLE t ALTER COLUMN a SET STATISTICS DEFAULT"},
    {"AT LOCAL", 17, NEWER_TOKENS, "AT LOCAL", "SELECT created AT LOCAL FROM t"},
    /* ---- PostgreSQL 18 */
    {"a virtual generated column (GENERATED ALWAYS AS (...) without STORED, or VIRTUAL)",
     18, NEWER_TOKENS, "GENERATED ALWAYS AS (...) !STORED",
     "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) VIRTUAL)"},
    {"WITHOUT OVERLAPS in a key", 18, NEWER_TOKENS, "WITHOUT OVERLAPS",
     "CREATE TABLE t (id int4range, valid_at daterange, PRIMARY KEY (id, valid_at "
     "WITHOUT OVERLAPS))"},
    {"PERIOD in a foreign key", 18, NEWER_TOKENS, "{KEY|REFERENCES} ... {(|,} PERIOD *",
     "ALTER TABLE t ADD FOREIGN KEY (parent_id, PERIOD valid_at) REFERENCES p (id, "
     "PERIOD valid_at)"},
    {"a NOT ENFORCED constraint", 18, NEWER_TOKENS, "NOT ENFORCED",
     "ALTER TABLE t ADD CONSTRAINT positive CHECK (a > 0) NOT ENFORCED"},
    {"an ENFORCED constraint", 18, NEWER_TOKENS, "{CHECK|REFERENCES|CONSTRAINT} ... ENFORCED",
     "ALTER TABLE t ALTER CONSTRAINT positive ENFORCED"},
    {"RETURNING WITH (OLD AS ..., NEW AS ...)", 18, NEWER_TOKENS,
     "RETURNING WITH ( {OLD|NEW} AS",
     "UPDATE t SET a = 2 RETURNING WITH (OLD AS o, NEW AS n) o.a, n.a"},
    {"ALTER CONSTRAINT ... [NO] INHERIT", 18, NEWER_TOKENS,
     "ALTER CONSTRAINT * [NO] INHERIT", "ALTER TABLE t ALTER CONSTRAINT positive NO INHERIT"},
    {"NOT NULL as a table constraint (CONSTRAINT name NOT NULL column)", 18, NEWER_TOKENS,
     "^ {CREATE|ALTER} ... {,|(|ADD} [CONSTRAINT *] NOT NULL *",
     "ALTER TABLE t ADD CONSTRAINT a_not_null NOT NULL a"},
    {"ALTER DEFAULT PRIVILEGES ... ON LARGE OBJECTS", 18, NEWER_TOKENS,
     "^ ALTER DEFAULT PRIVILEGES ... ON LARGE OBJECTS",
     "ALTER DEFAULT PRIVILEGES GRANT SELECT ON LARGE OBJECTS TO reader"},
    {"VACUUM ONLY or ANALYZE ONLY", 18, NEWER_TOKENS,
     "^ {VACUUM|ANALYZE|ANALYSE} ... ONLY *", "VACUUM ONLY parent"},
};
const size_t newer_syntax_count = ARRAY_SIZE(newer_syntax_table);

/* ------------------------------------------------------------------ patterns */

/* Appends a token of a pattern as a regex matching exactly that token. */
static void add_literal(strbuf *re, const char *tok, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = tok[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || (unsigned char)c >= 0x80))
            sb_addc(re, '\\');
        sb_addc(re, c);
    }
}

static void add_sequence(strbuf *re, const char *p, const char *end);

/* Appends one pattern element as a regex over " T1 T2 ... " (newer_syntax.h). */
static void add_element(strbuf *re, const char *el, size_t len)
{
    if (len == 3 && memcmp(el, "...", 3) == 0) {
        sb_adds(re, "(?: [^ ]+)*?");
    } else if (len == 5 && memcmp(el, "(...)", 5) == 0) {
        sb_adds(re, "(?&group)");
    } else if (len == 1 && el[0] == '*') {
        sb_adds(re, " [^ ]+");
    } else if (len == 1 && el[0] == '$') {
        sb_adds(re, "(?: ;)* $");
    } else if (len > 1 && el[0] == '!') {
        sb_adds(re, "(?!");
        add_element(re, el + 1, len - 1);
        sb_adds(re, ")");
    } else if (len > 2 && el[0] == '[' && el[len - 1] == ']') {
        sb_adds(re, "(?:");
        add_sequence(re, el + 1, el + len - 1);
        sb_adds(re, ")?");
    } else if (len > 2 && el[0] == '{' && el[len - 1] == '}') {
        sb_adds(re, " (?:");
        const char *p = el + 1, *end = el + len - 1;
        while (p < end) {
            const char *bar = memchr(p, '|', (size_t)(end - p));
            if (!bar)
                bar = end;
            add_literal(re, p, (size_t)(bar - p));
            if (bar < end)
                sb_addc(re, '|');
            p = bar + 1;
        }
        sb_adds(re, ")(?= )");
    } else {
        sb_addc(re, ' ');
        add_literal(re, el, len);
        sb_adds(re, "(?= )");
    }
}

/* Appends the elements of [p, end), separated by spaces; [...] may hold spaces. */
static void add_sequence(strbuf *re, const char *p, const char *end)
{
    while (p < end) {
        while (p < end && *p == ' ')
            p++;
        const char *e = p;
        if (e < end && *e == '[') {
            int depth = 0;
            for (; e < end; e++) {
                depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
                if (depth == 0) {
                    e++;
                    break;
                }
            }
        } else {
            while (e < end && *e != ' ')
                e++;
        }
        if (e > p)
            add_element(re, p, (size_t)(e - p));
        p = e;
    }
}

/* A token pattern (newer_syntax.h) as a PCRE2 pattern; malloc'd. */
static char *compile_tokens(const char *pattern)
{
    strbuf re = {0};
    /* a parenthesised group: tokens other than parentheses, or a nested group */
    sb_adds(&re, "(?(DEFINE)(?<group> \\((?: [^ ()][^ ]*|(?&group))* \\)))");
    const char *p = pattern;
    if (*p == '^') {
        sb_addc(&re, '^');
        p++;
    }
    add_sequence(&re, p, p + strlen(p));
    return sb_detach(&re, NULL);
}

static pcre2_code *compiled[ARRAY_SIZE(newer_syntax_table)];
static pcre2_match_context *limits;
static pthread_once_t compile_once = PTHREAD_ONCE_INIT;

/* Bounds one match: a pattern with "..." tried at every token of a huge hostile
   statement is quadratic; past the bound the entry does not match (the statement
   stays a syntax error), a real statement is far below it. */
#define MATCH_LIMIT 1000000

static void compile_all(void)
{
    limits = pcre2_match_context_create(NULL);
    if (!limits)
        die_out_of_memory();
    pcre2_set_match_limit(limits, MATCH_LIMIT);
    for (size_t i = 0; i < newer_syntax_count; i++) {
        const newer_syntax *e = &newer_syntax_table[i];
        char *re = e->how == NEWER_TOKENS ? compile_tokens(e->pattern) : xstrdup(e->pattern);
        int err;
        PCRE2_SIZE erroff;
        compiled[i] = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                    e->how == NEWER_AT_ERROR ? PCRE2_ANCHORED : 0, &err,
                                    &erroff, NULL);
        free(re);
        if (!compiled[i]) {
            /* the table is pgward's own: the unit tests compile every entry */
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof(msg));
            error("internal error: newer-syntax pattern %zu: %s", i, (const char *)msg);
            abort();
        }
    }
}

/* ------------------------------------------------------------------ matching */

/* The statement's tokens as a matcher reads them, and where each token starts. */
typedef struct token_text {
    strbuf s;          /* " T1 T2 ... Tn " */
    size_t *stream_off; /* where token i's leading space is in s */
    size_t *text_off;   /* where token i starts in the statement text */
    size_t n;
    bool ok;            /* the lexer read the whole text */
} token_text;

static void render(token_text *tt, const char *text)
{
    sql_token *toks;
    size_t n;
    long err;
    memset(tt, 0, sizeof(*tt));
    if (strlen(text) > SQL_SCAN_MAX || sql_scan(text, &toks, &n, &err) < 0)
        return;
    tt->ok = true;
    tt->stream_off = xmalloc((n ? n : 1) * sizeof(size_t));
    tt->text_off = xmalloc((n ? n : 1) * sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        const sql_token *t = &toks[i];
        if (t->kind == SQL_TOK_COMMENT)
            continue;
        tt->stream_off[tt->n] = tt->s.len;
        tt->text_off[tt->n] = t->start;
        tt->n++;
        sb_addc(&tt->s, ' ');
        if (t->kind == SQL_TOK_STRING) {
            sb_adds(&tt->s, "'s'");
        } else if (t->kind == SQL_TOK_QUOTED) {
            sb_adds(&tt->s, "\"q\"");
        } else {
            for (size_t k = t->start; k < t->end; k++) {
                char c = text[k];
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
                    continue; /* never inside a token but strings, which are 's' */
                sb_addc(&tt->s, t->kind == SQL_TOK_WORD && c >= 'a' && c <= 'z'
                                    ? (char)(c - 'a' + 'A')
                                    : c);
            }
        }
    }
    sb_addc(&tt->s, ' ');
    free(toks);
}

static void token_text_free(token_text *tt)
{
    sb_free(&tt->s);
    free(tt->stream_off);
    free(tt->text_off);
}

/* Matches compiled pattern i; *at gets the match's start. */
static bool run(size_t i, const char *subject, size_t len, size_t start, size_t *at)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(compiled[i], NULL);
    if (!md)
        die_out_of_memory();
    int rc = pcre2_match(compiled[i], (PCRE2_SPTR)subject, len, start, 0, md, limits);
    if (rc == PCRE2_ERROR_NOMEMORY)
        die_out_of_memory();
    if (rc > 0)
        *at = pcre2_get_ovector_pointer(md)[0];
    pcre2_match_data_free(md);
    return rc > 0;
}

static bool match_entry(size_t i, const char *text, const parsed_sql *p, token_text *tt,
                        size_t *at)
{
    const newer_syntax *e = &newer_syntax_table[i];
    size_t m;
    switch (e->how) {
    case NEWER_AT_ERROR:
        if (p->error_offset < 0 || (size_t)p->error_offset > strlen(text) ||
            !run(i, text, strlen(text), (size_t)p->error_offset, &m))
            return false;
        *at = m;
        return true;
    case NEWER_MESSAGE:
        if (!run(i, p->error, strlen(p->error), 0, &m))
            return false;
        *at = p->error_offset >= 0 ? (size_t)p->error_offset : 0;
        return true;
    case NEWER_TOKENS:
        if (!tt->ok || !run(i, tt->s.buf, tt->s.len, 0, &m))
            return false;
        /* the token the match starts with: its leading space is at m */
        for (size_t k = 0; k < tt->n; k++) {
            if (tt->stream_off[k] >= m) {
                /* the parser reads from the left: a construct after the place it gave
                   up did not make it give up */
                if (p->error_offset >= 0 && tt->text_off[k] > (size_t)p->error_offset)
                    return false;
                *at = tt->text_off[k];
                return true;
            }
        }
        return false;
    }
    return false;
}

int newer_syntax_match(const newer_syntax *e, const char *text, const parsed_sql *p,
                       size_t *at)
{
    pthread_once(&compile_once, compile_all);
    if (!p->error)
        return 0;
    token_text tt;
    render(&tt, text);
    bool ok = match_entry((size_t)(e - newer_syntax_table), text, p, &tt, at);
    token_text_free(&tt);
    return ok;
}

const newer_syntax *sql_newer_syntax(const char *text, const parsed_sql *p, int grammar_major,
                                     size_t *at)
{
    if (!p->error)
        return NULL; /* a statement that parses is never touched */
    pthread_once(&compile_once, compile_all);
    token_text tt;
    render(&tt, text);
    const newer_syntax *found = NULL;
    for (size_t i = 0; i < newer_syntax_count && !found; i++)
        if (newer_syntax_table[i].major > grammar_major && match_entry(i, text, p, &tt, at))
            found = &newer_syntax_table[i];
    token_text_free(&tt);
    return found;
}
