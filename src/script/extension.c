/*
 * extension.c: reading an extension script as CREATE EXTENSION does (script.h:
 * script_profile): whether a file is one (its name, its guard, its placeholders,
 * --profile), the \echo lines the server leaves out, and @extschema@,
 * @extschema:NAME@ and @extowner@ bound in each statement's text with the map back
 * to the source kept.
 *
 * PostgreSQL's execute_extension_script() comments out every line that starts
 * with \echo (so the guard's \quit never runs there) and replaces the placeholders
 * in the whole text with quoted names. pgward blanks those lines (same length, so
 * every offset stays) and binds the placeholders per statement: a placeholder is
 * one token of the source, so the boundaries psql finds are the server's too.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "script/interp.h"

bool script_extension_name(const char *name)
{
    if (!name)
        return false;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    if (n < 5 || strcmp(base + n - 4, ".sql") != 0)
        return false;
    const char *dashes = strstr(base, "--");
    return dashes && dashes > base && dashes + 2 < base + n - 4;
}

const char *script_ext_why_text(script_ext_why why)
{
    switch (why) {
    case SCRIPT_EXT_NAME:
        return "its name is an extension script's";
    case SCRIPT_EXT_GUARD:
        return "it starts with CREATE EXTENSION's \\echo ... \\quit guard";
    case SCRIPT_EXT_PLACEHOLDER:
        return "it holds @extschema@ or @extowner@";
    case SCRIPT_EXT_PROFILE:
        return "--profile extension";
    case SCRIPT_EXT_NO:
        break;
    }
    return "not an extension script";
}

const char *script_ext_why_key(script_ext_why why)
{
    static const char *const keys[] = {
        [SCRIPT_EXT_NO] = "none",           [SCRIPT_EXT_NAME] = "name",
        [SCRIPT_EXT_GUARD] = "guard",       [SCRIPT_EXT_PLACEHOLDER] = "placeholder",
        [SCRIPT_EXT_PROFILE] = "profile",
    };
    return keys[why];
}

/* Whether the line at p (up to end) starts with \echo (the server's ^\\echo). */
static bool echo_line(const char *p, const char *end)
{
    return end - p >= 5 && memcmp(p, "\\echo", 5) == 0;
}

static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Whether the line [p, e) holds a \q or \quit meta-command after its \echo. */
static bool holds_quit(const char *p, const char *e)
{
    for (const char *q = p + 5; q + 2 <= e; q++) {
        if (q[0] != '\\' || q[1] != 'q')
            continue;
        const char *w = q + 2;
        if (e - w >= 3 && memcmp(w, "uit", 3) == 0)
            w += 3;
        if (w == e || *w == ' ' || *w == '\t' || *w == '\r' || *w == '\\')
            return true;
    }
    return false;
}

/*
 * The guard's line, when the first thing in the file that is not blank or a
 * comment is a line that starts with \echo and has \q or \quit on it (as
 * PostgreSQL's contrib scripts begin); NULL otherwise. Only there: a guard further
 * down would let a file choose the mode after statements psql runs.
 */
static const char *guard_line(const char *text, size_t len)
{
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\f'))
            p++;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            p = line_end(p, end);
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            /* block comments nest in PostgreSQL */
            int depth = 0;
            while (p < end) {
                if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
                    depth++;
                    p += 2;
                } else if (end - p >= 2 && p[0] == '*' && p[1] == '/') {
                    p += 2;
                    if (--depth == 0)
                        break;
                } else {
                    p++;
                }
            }
            if (depth)
                return NULL;
        } else {
            break;
        }
    }
    bool line_start = p == text || p[-1] == '\n' || (p == text + 3 && len >= 3 &&
                                                     memcmp(text, "\xEF\xBB\xBF", 3) == 0);
    if (p >= end || !line_start || !echo_line(p, end))
        return NULL;
    return holds_quit(p, line_end(p, end)) ? p : NULL;
}

/* The length of the placeholder at p (n bytes on), or 0: @extschema@, @extowner@,
   @extschema:NAME@ (PostgreSQL 16: a required extension's schema). */
static size_t placeholder_at(const char *p, size_t n)
{
    if (n >= 11 && memcmp(p, "@extschema@", 11) == 0)
        return 11;
    if (n >= 10 && memcmp(p, "@extowner@", 10) == 0)
        return 10;
    if (n >= 12 && memcmp(p, "@extschema:", 11) == 0) {
        for (size_t i = 11; i < n && i < 11 + 64; i++) {
            if (p[i] == '@')
                return i > 11 ? i + 1 : 0;
            if (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r')
                return 0;
        }
    }
    return 0;
}

static bool holds_placeholder(const char *text, size_t len)
{
    for (const char *p = memchr(text, '@', len); p; p = memchr(p + 1, '@', len - 1 - (size_t)(p - text)))
        if (placeholder_at(p, len - (size_t)(p - text)))
            return true;
    return false;
}

void ext_decide(script *s, const script_options *opt, const source *src)
{
    script_ext_why why = SCRIPT_EXT_NO;
    if (opt->profile == SCRIPT_PROFILE_EXTENSION)
        why = SCRIPT_EXT_PROFILE;
    else if (opt->profile == SCRIPT_PROFILE_MIGRATION)
        why = SCRIPT_EXT_NO;
    else if (script_extension_name(src->name))
        why = SCRIPT_EXT_NAME;
    else if (opt->extension_reading && guard_line(src->text, src->len))
        why = SCRIPT_EXT_GUARD;
    else if (opt->extension_reading && holds_placeholder(src->text, src->len))
        why = SCRIPT_EXT_PLACEHOLDER;
    s->extension = why;
    if (why != SCRIPT_EXT_NO)
        s->extschema = xstrdup(opt->extschema ? opt->extschema : SCRIPT_DEFAULT_EXTSCHEMA);
}

bool ext_reading(const file_ctx *fc)
{
    const script *s = fc->ip->out;
    return s->extension != SCRIPT_EXT_NO && fc->ip->opt->extension_reading && s->nsources &&
           fc->src == s->sources[0];
}

/* The lines after line end e (up to the end of the text) that are not blank. */
static size_t lines_after(const char *e, const char *end)
{
    size_t lines = 0;
    for (const char *p = e; p < end; p++)
        lines += *p == '\n';
    if (end > e && end[-1] != '\n')
        lines++;
    return lines ? lines - 1 : 0;
}

char *ext_blank_echo_lines(file_ctx *fc, size_t len)
{
    const char *text = fc->src->text, *end = text + len;
    const char *guard = guard_line(text, len);
    char *copy = NULL;
    for (const char *p = text; p < end;) {
        const char *e = line_end(p, end);
        const char *start = p == text && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? p + 3 : p;
        if (echo_line(start, e)) {
            size_t off = (size_t)(start - text);
            if (!copy) {
                copy = xmalloc(len + 1);
                memcpy(copy, text, len);
                copy[len] = '\0';
                /* what apply does with the file is psql's reading, not this one */
                interp_add_note(fc, off, (size_t)(e - start),
                                "an extension script is read as CREATE EXTENSION reads it: "
                                "this \\echo line is left out, where psql runs it "
                                "(pgward apply reads the file as psql does)");
            }
            memset(copy + off, ' ', (size_t)(e - start));
            fc->ip->out->ext_lines++;
            if (start != guard && holds_quit(start, e)) {
                size_t n = lines_after(e, end);
                interp_add_finding(fc, SEV_WARNING, RULE_UNREAD_AFTER_QUIT, off, 5,
                                   "a \\quit after the guard's place: psql stops here, but "
                                   "CREATE EXTENSION leaves \\echo lines out and runs the "
                                   "%zu line%s after it (pgward reads them as CREATE "
                                   "EXTENSION does)",
                                   n, n == 1 ? "" : "s");
            }
        }
        p = e < end ? e + 1 : end;
    }
    return copy;
}

/* name as a quoted identifier (quote_identifier quotes what needs it; quoting
   always names the same schema). */
static void add_quoted(strbuf *sb, const char *name, size_t n)
{
    sb_addc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '"')
            sb_addc(sb, '"');
        sb_addc(sb, name[i]);
    }
    sb_addc(sb, '"');
}

void ext_bind_placeholders(file_ctx *fc, statement *st)
{
    if (!memchr(st->text, '@', st->text_len))
        return;
    script *s = fc->ip->out;
    query_buf qb = {0};
    size_t bound = 0, first = 0;
    for (size_t i = 0; i < st->nspans; i++) {
        const text_span *sp = &st->spans[i];
        const char *t = st->text + sp->text_off;
        if (sp->substituted || sp->len != sp->src_len) {
            /* a psql variable's value: CREATE EXTENSION has no variables */
            qbuf_add(&qb, t, sp->len, sp->src_off, sp->src_len, sp->substituted);
            continue;
        }
        size_t from = 0;
        for (size_t k = 0; k < sp->len; k++) {
            size_t n = t[k] == '@' ? placeholder_at(t + k, sp->len - k) : 0;
            if (!n)
                continue;
            if (k > from)
                qbuf_add(&qb, t + from, k - from, sp->src_off + from, k - from, false);
            strbuf v = {0};
            if (n == 11)
                add_quoted(&v, s->extschema, strlen(s->extschema));
            else
                add_quoted(&v, t + k, n); /* @extowner@, @extschema:NAME@: themselves */
            qbuf_add(&qb, v.buf, v.len, sp->src_off + k, n, true);
            sb_free(&v);
            if (!bound++)
                first = sp->src_off + k;
            from = k + n;
            k += n - 1;
        }
        if (sp->len > from)
            qbuf_add(&qb, t + from, sp->len - from, sp->src_off + from, sp->len - from, false);
    }
    if (!bound) {
        qbuf_free(&qb);
        return;
    }
    if (!s->ext_bound)
        interp_add_note(fc, first, 0,
                        "an extension script's placeholders are bound by CREATE EXTENSION "
                        "to the schema and owner it is created with, which pgward cannot "
                        "know (here @extschema@ is \"%s\"); pgward apply leaves them as "
                        "they are",
                        s->extschema);
    s->ext_bound += bound;
    free(st->text);
    free(st->spans);
    st->text_len = qb.text.len;
    st->text = sb_detach(&qb.text, NULL);
    st->nspans = qb.nspans;
    st->spans = qb.spans;
    if (!st->spans)
        st->spans = xmalloc(sizeof(text_span));
}
