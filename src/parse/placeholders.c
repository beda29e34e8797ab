/*
 * placeholders.c: template placeholders in a statement's tokens; see placeholders.h.
 */
#include "parse/placeholders.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "parse/sqlparse.h"

/* At most this many tokens between a placeholder's delimiters (a name, maybe a
   "prefix:" part and spaces): anything longer is not a placeholder. */
#define MAX_INNER 8

static bool tok_is(const char *text, const sql_token *t, const char *s)
{
    size_t n = strlen(s);
    return t->end - t->start == n && memcmp(text + t->start, s, n) == 0;
}

static bool adjacent(const sql_token *a, const sql_token *b)
{
    return a->end == b->start;
}

static void add(sql_placeholder **out, size_t *n, size_t *cap, const char *text, size_t off,
                size_t end, const char *tool)
{
    GROW(*out, *cap, *n + 1);
    (*out)[*n] = (sql_placeholder){
        .text = xstrndup(text + off, end - off), .tool = tool, .off = off, .len = end - off};
    (*n)++;
}

/* Whether tokens (from, to) are only words and ':' on one line: a name. */
static bool name_between(const char *text, const sql_token *t, size_t from, size_t to)
{
    if (to <= from + 1 || to - from - 1 > MAX_INNER)
        return false;
    for (size_t k = from + 1; k < to; k++)
        if (t[k].kind != SQL_TOK_WORD && !tok_is(text, &t[k], ":") &&
            !tok_is(text, &t[k], "."))
            return false;
    return !memchr(text + t[from].start, '\n', t[to].end - t[from].start);
}

size_t sql_find_placeholders(const char *text, sql_placeholder **out)
{
    sql_token *t;
    size_t nt, n = 0, cap = 0;
    long err;
    *out = NULL;
    /* every placeholder holds one of these: most statements need no scan */
    if (!strpbrk(text, "${@") && !strstr(text, "MODULE_PATHNAME"))
        return 0;
    if (strlen(text) > SQL_SCAN_MAX || sql_scan(text, &t, &nt, &err) < 0)
        return 0;
    for (size_t i = 0; i < nt; i++) {
        /* ${name}: '$' then '{' ... '}' */
        if (tok_is(text, &t[i], "$") && i + 1 < nt && tok_is(text, &t[i + 1], "{") &&
            adjacent(&t[i], &t[i + 1])) {
            size_t j = i + 2;
            while (j < nt && j < i + 2 + MAX_INNER && !tok_is(text, &t[j], "}"))
                j++;
            if (j < nt && tok_is(text, &t[j], "}") && name_between(text, t, i + 1, j)) {
                add(out, &n, &cap, text, t[i].start, t[j].end, "Flyway (or Liquibase)");
                i = j;
                continue;
            }
        }
        /* {{ name }} */
        if (tok_is(text, &t[i], "{") && i + 1 < nt && tok_is(text, &t[i + 1], "{") &&
            adjacent(&t[i], &t[i + 1])) {
            size_t j = i + 2;
            while (j + 1 < nt && j < i + 2 + MAX_INNER &&
                   !(tok_is(text, &t[j], "}") && tok_is(text, &t[j + 1], "}")))
                j++;
            if (j + 1 < nt && tok_is(text, &t[j], "}") && tok_is(text, &t[j + 1], "}") &&
                adjacent(&t[j], &t[j + 1]) && name_between(text, t, i + 1, j)) {
                add(out, &n, &cap, text, t[i].start, t[j + 1].end,
                    "a template engine (Jinja, dbt, mustache)");
                i = j + 1;
                continue;
            }
        }
        /* @name@: '@', adjacent words (and ':'), then a token starting with '@' */
        if (tok_is(text, &t[i], "@")) {
            size_t j = i + 1;
            while (j < nt && j < i + 1 + MAX_INNER && adjacent(&t[j - 1], &t[j]) &&
                   text[t[j].start] != '@')
                j++;
            if (j < nt && j > i + 1 && adjacent(&t[j - 1], &t[j]) &&
                text[t[j].start] == '@' && name_between(text, t, i, j)) {
                size_t end = t[j].start + 1;
                const char *name = text + t[i].start + 1;
                bool ext = strncmp(name, "extschema@", 10) == 0 ||
                           strncmp(name, "extschema:", 10) == 0 ||
                           strncmp(name, "extowner@", 9) == 0;
                add(out, &n, &cap, text, t[i].start, end,
                    ext ? "CREATE EXTENSION" : "a build step (configure, make or CMake)");
                continue;
            }
        }
        if (t[i].kind == SQL_TOK_WORD && tok_is(text, &t[i], "MODULE_PATHNAME"))
            add(out, &n, &cap, text, t[i].start, t[i].end, "CREATE EXTENSION");
    }
    free(t);
    return n;
}

void sql_placeholders_free(sql_placeholder *ph, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ph[i].text);
    free(ph);
}
