/*
 * redact.c: passwords out of connection messages; see redact.h.
 *
 * The same scanner finds where a password is in a connection string (to learn the
 * secrets) and in a message (to cut them out). It is deliberately lax: it also
 * takes the forms libpq would read differently (a URI's password up to the last
 * '@', an unquoted value up to a space or an '&'), since a message may quote any of
 * them; replacing a little too much is harmless, printing a password is not.
 */
#include "conn/redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

typedef struct span {
    size_t a, b; /* [a, b) */
} span;

typedef struct spans {
    span *items;
    size_t n, cap;
} spans;

static void spans_add(spans *s, size_t a, size_t b)
{
    if (b <= a)
        return;
    GROW(s->items, s->cap, s->n + 1);
    s->items[s->n++] = (span){a, b};
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool uri_scheme_at(const char *s, size_t i)
{
    return strncmp(s + i, "postgresql://", 13) == 0 || strncmp(s + i, "postgres://", 11) == 0;
}

/*
 * The password spans of a URI whose "://" is at i. whole: the URI is the whole
 * string (a --db value), so it runs to the end; else (inside a message or a
 * conninfo value) it also ends at white space and quotes.
 */
static void uri_spans(const char *s, size_t i, bool whole, spans *out)
{
    size_t start = i + 3, n = strlen(s);
    size_t slash = start, query = start;
    while (slash < n && s[slash] != '/' &&
           (whole || (!is_space(s[slash]) && s[slash] != '"' && s[slash] != '\'')))
        slash++;
    while (query < n && s[query] != '?' &&
           (whole || (!is_space(s[query]) && s[query] != '"' && s[query] != '\'')))
        query++;
    /* libpq's userinfo ends at the first '@' before a '/'; the lax forms at the last
       '@' before the first '/', and before the query */
    size_t ends[3] = {0, 0, 0};
    for (size_t k = start; k < slash; k++)
        if (s[k] == '@') {
            if (!ends[0])
                ends[0] = k;
            ends[1] = k;
        }
    for (size_t k = start; k < query; k++)
        if (s[k] == '@')
            ends[2] = k;
    for (int e = 0; e < 3; e++) {
        if (!ends[e])
            continue;
        const char *colon = memchr(s + start, ':', ends[e] - start);
        if (colon)
            spans_add(out, (size_t)(colon - s) + 1, ends[e]);
    }
}

/* The spans of password= and sslpassword= values (conninfo or URI query). */
static void keyword_spans(const char *s, spans *out)
{
    size_t n = strlen(s);
    for (size_t i = 0; i + 8 <= n; i++) {
        if (ascii_strncasecmp(s + i, "password", 8) != 0)
            continue;
        size_t v = i + 8;
        while (v < n && is_space(s[v]))
            v++;
        if (v >= n || s[v] != '=')
            continue;
        v++;
        while (v < n && is_space(s[v]))
            v++;
        if (v < n && s[v] == '\'') {
            size_t e = v + 1;
            while (e < n && s[e] != '\'') {
                if (s[e] == '\\' && e + 1 < n)
                    e++;
                e++;
            }
            spans_add(out, v + 1, e);
            continue;
        }
        size_t ws = v, amp = v;
        while (ws < n && !is_space(s[ws]) && s[ws] != '"')
            ws++;
        while (amp < ws && s[amp] != '&' && s[amp] != '#')
            amp++;
        spans_add(out, v, ws);
        spans_add(out, v, amp);
    }
}

/* Every password span of s; whole: s is a connection string of its own. */
static void find_spans(const char *s, bool whole, spans *out)
{
    for (size_t i = 0; s[i]; i++)
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/')
            uri_spans(s, i, whole && (uri_scheme_at(s, 0) && (i == 10 || i == 8)), out);
    keyword_spans(s, out);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

typedef struct strset {
    char **items;
    size_t n, cap;
} strset;

static void set_add(strset *set, const char *p, size_t len)
{
    if (len == 0)
        return;
    for (size_t i = 0; i < set->n; i++)
        if (strlen(set->items[i]) == len && memcmp(set->items[i], p, len) == 0)
            return;
    GROW(set->items, set->cap, set->n + 1);
    set->items[set->n++] = xstrndup(p, len);
}

/* The text of a span, and its percent-decoded and backslash-unescaped forms. */
static void add_forms(strset *set, const char *p, size_t len)
{
    set_add(set, p, len);
    strbuf dec = {0}, unesc = {0};
    for (size_t i = 0; i < len; i++) {
        int h, l;
        if (p[i] == '%' && i + 2 < len && (h = hexval(p[i + 1])) >= 0 &&
            (l = hexval(p[i + 2])) >= 0) {
            sb_addc(&dec, (char)(h * 16 + l));
            i += 2;
        } else {
            sb_addc(&dec, p[i]);
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\' && i + 1 < len)
            i++;
        sb_addc(&unesc, p[i]);
    }
    /* a NUL decoded from %00 would cut the string short: keep the rest apart */
    if (dec.len)
        set_add(set, dec.buf, strnlen(dec.buf, dec.len));
    if (unesc.len)
        set_add(set, unesc.buf, unesc.len);
    sb_free(&dec);
    sb_free(&unesc);
}

static int longer_first(const void *x, const void *y)
{
    size_t a = strlen(*(char *const *)x), b = strlen(*(char *const *)y);
    return a < b ? 1 : a > b ? -1 : 0;
}

/* s with every occurrence of what replaced (left to right, never rescanning). */
static char *replace_all(char *s, const char *what)
{
    size_t wl = strlen(what);
    if (!strstr(s, what))
        return s;
    strbuf out = {0};
    for (const char *p = s;;) {
        const char *hit = strstr(p, what);
        if (!hit) {
            sb_adds(&out, p);
            break;
        }
        sb_add(&out, p, (size_t)(hit - p));
        sb_adds(&out, CONN_REDACTED);
        p = hit + wl;
    }
    free(s);
    return sb_detach(&out, NULL);
}

/* s with the union of its password spans replaced. */
static char *cut_spans(char *s)
{
    spans sp = {0};
    find_spans(s, false, &sp);
    if (sp.n == 0)
        return s;
    size_t n = strlen(s);
    bool *hide = xcalloc(n + 1, sizeof(bool));
    for (size_t i = 0; i < sp.n; i++)
        for (size_t k = sp.items[i].a; k < sp.items[i].b && k < n; k++)
            hide[k] = true;
    strbuf out = {0};
    for (size_t i = 0; i < n; i++) {
        if (!hide[i]) {
            sb_addc(&out, s[i]);
        } else if (i == 0 || !hide[i - 1]) {
            sb_adds(&out, CONN_REDACTED);
        }
    }
    free(hide);
    free(sp.items);
    free(s);
    return sb_detach(&out, NULL);
}

char *conn_redact(const char *message, const char *const *conninfos, size_t nconninfos,
                  const char *const *secrets, size_t nsecrets)
{
    strset set = {0};
    for (size_t i = 0; i < nconninfos; i++) {
        const char *c = conninfos[i];
        if (!c)
            continue;
        spans sp = {0};
        find_spans(c, true, &sp);
        for (size_t k = 0; k < sp.n; k++)
            add_forms(&set, c + sp.items[k].a, sp.items[k].b - sp.items[k].a);
        free(sp.items);
    }
    for (size_t i = 0; i < nsecrets; i++)
        if (secrets[i])
            set_add(&set, secrets[i], strlen(secrets[i]));
    if (set.n)
        qsort(set.items, set.n, sizeof(char *), longer_first);
    char *s = xstrdup(message ? message : "");
    for (size_t i = 0; i < set.n; i++) {
        s = replace_all(s, set.items[i]);
        free(set.items[i]);
    }
    free(set.items);
    return cut_spans(s);
}
