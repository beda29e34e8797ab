/*
 * directives.c: runners' no-transaction directives and up/down sections, from one
 * table; see directives.h.
 */
#include "script/directives.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Where a runner looks for its directive. */
typedef enum where {
    ANY_LINE,       /* a line of its own, anywhere */
    FIRST_LINE,     /* the file's first line */
    UP_MARKER,      /* the up marker's line (pattern), with option among its words,
                       before any statement */
    CONF_FILE,      /* a line of <script>.conf */
} where;

typedef struct directive_rule {
    txn_directive d;
    where where;
    const char *pattern; /* the line (a space: one space or tab) */
    const char *option;  /* UP_MARKER: the word that turns the transaction off */
} directive_rule;

static const directive_rule rules[] = {
    {{"pgward", "-- pgward:no-transaction", "marked '-- pgward:no-transaction'", false},
     ANY_LINE, "-- pgward:no-transaction", NULL},
    {{"dbmate", "-- migrate:up transaction:false",
      "marked '-- migrate:up transaction:false' (dbmate transaction:false)", false},
     UP_MARKER, "-- migrate:up", "transaction:false"},
    {{"goose", "-- +goose NO TRANSACTION", "marked '-- +goose NO TRANSACTION' (goose)", false},
     ANY_LINE, "-- +goose NO TRANSACTION", NULL},
    {{"graphile-migrate", "--! no-transaction",
      "marked '--! no-transaction' (graphile-migrate)", false},
     FIRST_LINE, "--! no-transaction", NULL},
    {{"postgres-migrations", "-- postgres-migrations disable-transaction",
      "marked '-- postgres-migrations disable-transaction' (postgres-migrations)", false},
     ANY_LINE, "-- postgres-migrations disable-transaction", NULL},
    {{"flyway", "executeInTransaction=false",
      "with 'executeInTransaction=false' in its .conf file (Flyway)", true},
     CONF_FILE, "executeInTransaction=false", NULL},
};

/* Up and down markers of the runners that keep both in one file. */
static const struct {
    const char *up, *down;
} sections[] = {
    {"-- migrate:up", "-- migrate:down"},
    {"-- +goose Up", "-- +goose Down"},
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The line [p, eol) without the blanks around it. */
static void trim(const char **p, const char **eol)
{
    while (*p < *eol && is_blank(**p))
        (*p)++;
    while (*eol > *p && is_blank((*eol)[-1]))
        (*eol)--;
}

/* How many bytes of [p, eol) pattern matches (a space: one space or tab), or 0. */
static size_t match_prefix(const char *p, const char *eol, const char *pattern)
{
    size_t i = 0;
    for (; pattern[i]; i++) {
        if (p + i >= eol)
            return 0;
        if (pattern[i] == ' ' ? p[i] != ' ' && p[i] != '\t' : p[i] != pattern[i])
            return 0;
    }
    return i;
}

/* Whether the trimmed line is exactly pattern. */
static bool line_is(const char *p, const char *eol, const char *pattern)
{
    size_t n = match_prefix(p, eol, pattern);
    return n && p + n == eol;
}

/* Whether the trimmed line starts with pattern followed by nothing or a blank. */
static bool line_starts(const char *p, const char *eol, const char *pattern)
{
    size_t n = match_prefix(p, eol, pattern);
    return n && (p + n == eol || is_blank(p[n]));
}

/* Whether word is one of the blank-separated words of [p, eol). */
static bool has_word(const char *p, const char *eol, const char *word)
{
    size_t wl = strlen(word);
    while (p < eol) {
        while (p < eol && is_blank(*p))
            p++;
        const char *w = p;
        while (p < eol && !is_blank(*p))
            p++;
        if ((size_t)(p - w) == wl && memcmp(w, word, wl) == 0)
            return true;
    }
    return false;
}

typedef struct line_iter {
    const char *p, *end;
} line_iter;

/* The next line, trimmed, in [*b, *e); false at the end. */
static bool next_line(line_iter *it, const char **b, const char **e)
{
    if (it->p >= it->end)
        return false;
    const char *eol = memchr(it->p, '\n', (size_t)(it->end - it->p));
    if (!eol)
        eol = it->end;
    *b = it->p;
    *e = eol;
    it->p = eol + 1;
    trim(b, e);
    return true;
}

static bool in_text(const directive_rule *r, const char *text, size_t len)
{
    line_iter it = {text, text + len};
    const char *b, *e;
    while (next_line(&it, &b, &e)) {
        switch (r->where) {
        case ANY_LINE:
        case CONF_FILE:
            if (line_is(b, e, r->pattern))
                return true;
            break;
        case FIRST_LINE:
            return line_is(b, e, r->pattern);
        case UP_MARKER:
            if (line_starts(b, e, r->pattern))
                return has_word(b + strlen(r->pattern), e, r->option);
            /* anything but blank and comment lines above it: not a dbmate header */
            if (b < e && !(e - b >= 2 && b[0] == '-' && b[1] == '-'))
                return false;
            break;
        }
    }
    return false;
}

/* Flyway's per-script configuration: <script>.conf, key=value lines. */
static bool conf_says(const source *src, const directive_rule *r)
{
    if (!src->real_path)
        return false;
    char *path = xasprintf("%s.conf", src->real_path);
    char *data = NULL, *err = NULL;
    size_t len = 0;
    bool hit = false;
    if (read_whole_file(path, 1 << 20, &data, &len, &err) == 0) {
        /* blanks around '=' are Java properties' */
        strbuf sb = {0};
        for (size_t i = 0; i < len; i++)
            if (data[i] != ' ' && data[i] != '\t')
                sb_addc(&sb, data[i]);
        hit = sb.buf && in_text(r, sb.buf, sb.len);
        sb_free(&sb);
    }
    free(data);
    free(err);
    free(path);
    return hit;
}

const txn_directive *source_txn_directive(const source *src)
{
    if (!src || !src->text)
        return NULL;
    size_t up_end = source_up_end(src); /* a directive in the down part does not count */
    for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
        const directive_rule *r = &rules[i];
        if (r->where == CONF_FILE ? conf_says(src, r) : in_text(r, src->text, up_end))
            return &r->d;
    }
    return NULL;
}

size_t source_up_end(const source *src)
{
    if (!src || !src->text)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
        line_iter it = {src->text, src->text + src->len};
        const char *b, *e;
        bool up = false;
        while (next_line(&it, &b, &e)) {
            if (!up && line_starts(b, e, sections[i].up))
                up = true;
            else if (up && line_starts(b, e, sections[i].down)) {
                /* the start of the down marker's line */
                const char *l = b;
                while (l > src->text && l[-1] != '\n')
                    l--;
                return (size_t)(l - src->text);
            }
        }
    }
    return src->len;
}
