/*
 * directives.c: runners' no-transaction directives and up/down sections, from one
 * table; see directives.h. Each entry matches the way its runner reads the file
 * (dbmate's and graphile-migrate's regular expressions, goose's line parser,
 * postgres-migrations' substring search), so that pgward takes a file out of the
 * transaction exactly when the runner would.
 */
#define _GNU_SOURCE /* memmem */
#include "script/directives.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Where a runner looks for its directive. */
typedef enum where {
    ANY_LINE,    /* a line, anywhere in the up part */
    WHOLE_FILE,  /* a line, anywhere, the down part too (goose reads them all) */
    BODY_FIRST,  /* the first line of the migration's body (graphile-migrate) */
    UP_MARKER,   /* the up marker's line, with option among its words, before any
                    statement (dbmate) */
    SUBSTRING,   /* the text anywhere in the up part (postgres-migrations) */
    CONF_FILE,   /* a line of <script>.conf (Flyway) */
} where;

/* What may follow a line's pattern. */
typedef enum tail {
    TAIL_END,     /* blanks only */
    TAIL_WORD,    /* a character that is not a letter, digit or '_' (regexp's \b) */
    TAIL_BLANK,   /* the end, or a blank and anything */
} tail;

/*
 * A line pattern: "-- " is two dashes and one blank; "~" is any number of blanks
 * (none too); anchored patterns start at the line's first byte, others after its
 * leading blanks.
 */
typedef struct line_pattern {
    const char *text;
    bool anchored;
    tail tail;
} line_pattern;

typedef struct directive_rule {
    txn_directive d;
    where where;
    line_pattern line;
    const char *option;  /* UP_MARKER: the word that turns the transaction off */
} directive_rule;

static const directive_rule rules[] = {
    {{"pgward", "-- pgward:no-transaction", "marked '-- pgward:no-transaction'", false},
     ANY_LINE, {"-- pgward:no-transaction", false, TAIL_END}, NULL},
    /* dbmate: (?m)^--\s*migrate:up(\s*$|\s+\S+), options "key:value" words */
    {{"dbmate", "-- migrate:up transaction:false",
      "marked '-- migrate:up transaction:false' (dbmate transaction:false)", false},
     UP_MARKER, {"--~migrate:up", true, TAIL_BLANK}, "transaction:false"},
    /* goose: a line starting "--" whose rest, trimmed, is the annotation */
    {{"goose", "-- +goose NO TRANSACTION", "marked '-- +goose NO TRANSACTION' (goose)", false},
     WHOLE_FILE, {"--~+goose NO TRANSACTION", true, TAIL_END}, NULL},
    /* graphile-migrate: ^--!\s*no-transaction\b on the body's first line */
    {{"graphile-migrate", "--! no-transaction", "marked '--! no-transaction' (graphile-migrate)",
      false},
     BODY_FIRST, {"--!~no-transaction", true, TAIL_WORD}, NULL},
    /* postgres-migrations: sql.includes("-- postgres-migrations disable-transaction") */
    {{"postgres-migrations", "-- postgres-migrations disable-transaction",
      "marked '-- postgres-migrations disable-transaction' (postgres-migrations)", false},
     SUBSTRING, {"-- postgres-migrations disable-transaction", false, TAIL_END}, NULL},
    {{"flyway", "executeInTransaction=false",
      "with 'executeInTransaction=false' in its .conf file (Flyway)", true},
     CONF_FILE, {"executeInTransaction~=~false", false, TAIL_END}, NULL},
};

/* Up and down markers of the runners that keep both in one file: what follows the
   first down marker after the first up marker is the runner's rollback. */
static const struct {
    line_pattern up, down;
} sections[] = {
    {{"--~migrate:up", true, TAIL_BLANK}, {"--~migrate:down", true, TAIL_BLANK}},
    {{"--~+goose Up", true, TAIL_END}, {"--~+goose Down", true, TAIL_END}},
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* Where pattern p matches at the start of [b, e): its end, or NULL. */
static const char *match_at(const char *b, const char *e, const char *p)
{
    for (; *p; p++) {
        if (*p == '~') {
            while (b < e && is_blank(*b))
                b++;
        } else if (*p == ' ') {
            if (b >= e || (*b != ' ' && *b != '\t'))
                return NULL;
            b++;
        } else {
            if (b >= e || *b != *p)
                return NULL;
            b++;
        }
    }
    return b;
}

/* Whether the line [b, e) (its newline excluded) matches lp; *rest: what follows. */
static bool line_matches(const char *b, const char *e, const line_pattern *lp, const char **rest)
{
    while (e > b && is_blank(e[-1]))
        e--;
    if (!lp->anchored)
        while (b < e && is_blank(*b))
            b++;
    const char *m = match_at(b, e, lp->text);
    if (!m)
        return false;
    if (rest)
        *rest = m;
    switch (lp->tail) {
    case TAIL_END:
        return m == e;
    case TAIL_WORD:
        return m == e || !is_word(*m);
    case TAIL_BLANK:
        return m == e || is_blank(*m);
    }
    return false;
}

/* Whether word is one of the blank-separated words of [p, e). */
static bool has_word(const char *p, const char *e, const char *word)
{
    size_t wl = strlen(word);
    while (p < e) {
        while (p < e && is_blank(*p))
            p++;
        const char *w = p;
        while (p < e && !is_blank(*p))
            p++;
        if ((size_t)(p - w) == wl && memcmp(w, word, wl) == 0)
            return true;
    }
    return false;
}

typedef struct line_iter {
    const char *p, *end;
} line_iter;

/* The next line in [*b, *e) (without its newline); false at the end. */
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
    return true;
}

static bool is_blank_line(const char *b, const char *e)
{
    while (b < e && is_blank(*b))
        b++;
    return b == e;
}

/* A line that is a -- comment (dbmate: ^\s*--). */
static bool is_comment_line(const char *b, const char *e)
{
    while (b < e && is_blank(*b))
        b++;
    return e - b >= 2 && b[0] == '-' && b[1] == '-';
}

/* A graphile-migrate committed migration's header line ("--! Previous: ..."). */
static bool is_header(const char *b, const char *e)
{
    static const char *const headers[] = {"--! Previous:", "--! Hash:", "--! Message:",
                                          "--! AllowInvalidHash"};
    for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
        size_t n = strlen(headers[i]);
        if ((size_t)(e - b) >= n && memcmp(b, headers[i], n) == 0)
            return true;
    }
    return false;
}

static bool in_text(const directive_rule *r, const char *text, size_t len)
{
    if (r->where == SUBSTRING) {
        size_t n = strlen(r->line.text);
        return memmem(text, len, r->line.text, n) != NULL;
    }
    line_iter it = {text, text + len};
    const char *b, *e, *rest;
    bool in_headers = true;
    while (next_line(&it, &b, &e)) {
        switch (r->where) {
        case ANY_LINE:
        case WHOLE_FILE:
        case CONF_FILE:
            if (line_matches(b, e, &r->line, NULL))
                return true;
            break;
        case BODY_FIRST:
            /* a committed migration's headers end with a blank line; then the body */
            if (in_headers && is_header(b, e))
                continue;
            if (in_headers && b != text && is_blank_line(b, e)) {
                in_headers = false;
                continue;
            }
            return line_matches(b, e, &r->line, NULL);
        case UP_MARKER:
            if (line_matches(b, e, &r->line, &rest))
                return has_word(rest, e, r->option);
            /* a statement above the marker: dbmate refuses the file */
            if (!is_blank_line(b, e) && !is_comment_line(b, e))
                return false;
            break;
        case SUBSTRING:
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
    bool hit = read_whole_file(path, 1 << 20, &data, &len, &err) == 0 && in_text(r, data, len);
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
        bool hit = r->where == CONF_FILE    ? conf_says(src, r)
                   : r->where == WHOLE_FILE ? in_text(r, src->text, src->len)
                                            : in_text(r, src->text, up_end);
        if (hit)
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
            if (!up && line_matches(b, e, &sections[i].up, NULL))
                up = true;
            else if (up && line_matches(b, e, &sections[i].down, NULL))
                return (size_t)(b - src->text); /* the down marker's line starts it */
        }
    }
    return src->len;
}
