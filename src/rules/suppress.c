/*
 * suppress.c: `-- pgward-ignore` and `-- pgward-ignore-file` comments; see suppress.h.
 *
 * A suppression is a line of its own whose content, after optional whitespace, is
 *
 *   -- pgward-ignore RULE[, RULE...]: reason        the next statement
 *   -- pgward-ignore-file RULE[, RULE...]: reason   every finding of this file
 *
 * ("--" may be followed by spaces). A statement suppression on a line between
 * statements covers the next statement that starts after it in the same file; on a
 * line inside a statement (a comment between its lines) it covers that statement.
 * It covers the findings whose offset lies in the statement's range. A file
 * suppression covers every finding of the file it is written in (not the files it
 * includes).
 *
 * The reason is required: without one the suppression does not apply and is itself
 * reported (suppression-without-reason). A rule id pgward does not know is reported
 * (unknown-rule) and suppresses nothing, so a typo never silences anything; each
 * id of an applying suppression that removed no finding is reported
 * (unused-suppression). Findings of input-error and of these three rules cannot be
 * suppressed by a comment.
 */
#define _GNU_SOURCE
#include "rules/suppress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Suppressions speak after every check (finding.group). */
#define SUPPRESS_GROUP 100


typedef struct sup_id {
    rule_id rule;
    size_t offset, length; /* where the id is written */
    size_t used;           /* findings it removed */
} sup_id;

typedef struct suppression {
    const source *src;
    bool whole_file;
    bool has_reason;
    const statement *stmt; /* a statement suppression: what it covers (NULL: nothing) */
    sup_id *ids;
    size_t nids, capids;
} suppression;

typedef struct sup_list {
    suppression *items;
    size_t count, cap;
} sup_list;

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Rules a comment may not suppress. */
static bool unsuppressible(rule_id rule)
{
    return rule == RULE_INPUT_ERROR || rule_defs[rule].group == RULE_GROUP_META;
}

static void report(const lint_config *cfg, script *s, const source *src, rule_id rule,
                   size_t offset, size_t length, const char *fmt, ...) PRINTF_LIKE(7, 8);

static void report(const lint_config *cfg, script *s, const source *src, rule_id rule,
                   size_t offset, size_t length, const char *fmt, ...)
{
    severity sev;
    if (!rules_severity(cfg, rule, &sev))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    finding_add(&s->findings, sev, rule, src, src->name, offset, length, "%s", msg);
    s->findings.items[s->findings.count - 1].group = SUPPRESS_GROUP;
    free(msg);
}

/* The statement a suppression on the line starting at line_off covers, or NULL. */
static const statement *covered_statement(const script *s, const source *src, size_t line_off)
{
    const statement *next = NULL;
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        if (st->src != src)
            continue;
        if (st->offset < line_off && line_off < st->offset + st->length)
            return st; /* a comment line inside this statement */
        if (st->offset >= line_off && (!next || st->offset < next->offset))
            next = st;
    }
    return next;
}

/* Whether the line at off lies in the inline data of a COPY ... FROM STDIN. */
static bool in_copy_data(const script *s, const source *src, size_t off)
{
    for (size_t i = 0; i < s->nstmts; i++) {
        const statement *st = &s->stmts[i];
        if (st->src != src || !st->copy_data)
            continue;
        size_t start = (size_t)(st->copy_data - src->text);
        if (off >= start && off < start + st->copy_data_len)
            return true;
    }
    return false;
}

/*
 * Parses the comment line [p, end) of src at offset line_off; adds a suppression
 * and reports what is wrong with it. Lines that are not suppressions are ignored.
 */
static void parse_line(const lint_config *cfg, script *s, const source *src, size_t line_off,
                       const char *end, sup_list *sups)
{
    const char *text = src->text;
    const char *p = text + line_off;
    while (p < end && is_space(*p))
        p++;
    const char *dash = p;
    if (end - p < 2 || p[0] != '-' || p[1] != '-')
        return;
    p += 2;
    while (p < end && is_space(*p))
        p++;
    static const char kw[] = "pgward-ignore";
    size_t kwlen = sizeof(kw) - 1;
    if ((size_t)(end - p) < kwlen || memcmp(p, kw, kwlen) != 0)
        return;
    p += kwlen;
    bool whole_file = false;
    if ((size_t)(end - p) >= 5 && memcmp(p, "-file", 5) == 0) {
        whole_file = true;
        p += 5;
    }
    if (p < end && !is_space(*p) && *p != ':')
        return; /* pgward-ignored, pgward-ignore-files, ...: not ours */
    const char *kwname = whole_file ? "pgward-ignore-file" : "pgward-ignore";

    /* trim the line end */
    while (end > p && is_space(end[-1]))
        end--;
    const char *colon = memchr(p, ':', (size_t)(end - p));
    const char *ids_end = colon ? colon : end;

    GROW(sups->items, sups->cap, sups->count + 1);
    suppression *sup = &sups->items[sups->count++];
    memset(sup, 0, sizeof(*sup));
    sup->src = src;
    sup->whole_file = whole_file;

    /* the ids: comma-separated; without a colon the list ends at the first blank
       after an id ("RULE because ..." is a missing colon, not an id) */
    const char *q = p;
    bool stop = false;
    while (q < ids_end && !stop) {
        while (q < ids_end && is_space(*q))
            q++;
        const char *id = q;
        while (q < ids_end && *q != ',' && !(!colon && is_space(*q)))
            q++;
        const char *id_end = q;
        while (id_end > id && is_space(id_end[-1]))
            id_end--;
        if (q < ids_end && *q == ',')
            q++;
        else if (!colon)
            stop = true;
        if (id_end == id)
            continue;
        char *name = xstrndup(id, (size_t)(id_end - id));
        const rule_def *r = rules_find(name);
        size_t id_off = (size_t)(id - text), id_len = (size_t)(id_end - id);
        if (!r) {
            report(cfg, s, src, RULE_UNKNOWN_RULE, id_off, id_len,
                   "unknown rule '%s' in %s: it suppresses nothing (see 'pgward rules')", name,
                   kwname);
        } else {
            GROW(sup->ids, sup->capids, sup->nids + 1);
            sup->ids[sup->nids++] = (sup_id){.rule = (rule_id)(r - rule_defs), .offset = id_off, .length = id_len};
        }
        free(name);
    }
    bool named_any = false;
    for (const char *c = p; c < ids_end; c++)
        if (!is_space(*c) && *c != ',')
            named_any = true;
    if (!named_any)
        report(cfg, s, src, RULE_UNKNOWN_RULE, (size_t)(dash - text), (size_t)(end - dash),
               "%s names no rule: write '-- %s RULE: reason'", kwname, kwname);

    const char *reason = colon ? colon + 1 : end;
    while (reason < end && is_space(*reason))
        reason++;
    sup->has_reason = reason < end;
    if (!sup->has_reason)
        report(cfg, s, src, RULE_SUPPRESSION_WITHOUT_REASON, (size_t)(dash - text),
               (size_t)(end - dash),
               "%s without a reason does not apply: write '-- %s RULE: why it is safe'",
               kwname, kwname);
    if (!whole_file)
        sup->stmt = covered_statement(s, src, line_off);
}

/* Finds every suppression comment in src. */
static void scan_source(const lint_config *cfg, script *s, const source *src, sup_list *sups)
{
    for (size_t ln = 0; ln < src->nlines; ln++) {
        size_t start = src->line_starts[ln];
        size_t stop = ln + 1 < src->nlines ? src->line_starts[ln + 1] : src->len;
        if (start >= src->len)
            break;
        const char *end = src->text + stop;
        if (end > src->text + start && end[-1] == '\n')
            end--;
        /* cheap test first: most lines are not suppressions */
        if (!memmem(src->text + start, (size_t)(end - (src->text + start)), "pgward-ignore", 13))
            continue;
        if (in_copy_data(s, src, start))
            continue;
        parse_line(cfg, s, src, start, end, sups);
    }
}

static bool covers(const suppression *sup, const finding *f)
{
    if (!sup->has_reason || f->src != sup->src)
        return false;
    if (sup->whole_file)
        return true;
    const statement *st = sup->stmt;
    if (!st)
        return false;
    size_t stop = st->offset + (st->length ? st->length : 1);
    return f->offset >= st->offset && f->offset < stop;
}

static void finding_free_fields(finding *f)
{
    free(f->message);
    free(f->file);
    free(f->statement);
}

void suppress_apply(const lint_config *cfg, script *s)
{
    sup_list sups = {0};
    size_t nbefore = s->findings.count;
    for (size_t i = 0; i < s->nsources; i++) {
        bool seen = false;
        for (size_t k = 0; k < i; k++)
            seen = seen || s->sources[k] == s->sources[i];
        if (!seen)
            scan_source(cfg, s, s->sources[i], &sups);
    }
    if (sups.count == 0)
        return;

    /* remove what the suppressions cover (the findings they added stay) */
    finding_list *fl = &s->findings;
    size_t out = 0;
    for (size_t i = 0; i < fl->count; i++) {
        finding *f = &fl->items[i];
        bool drop = false;
        if (i < nbefore && !unsuppressible(f->rule)) {
            for (size_t k = 0; k < sups.count; k++) {
                suppression *sup = &sups.items[k];
                if (!covers(sup, f))
                    continue;
                for (size_t j = 0; j < sup->nids; j++) {
                    if (sup->ids[j].rule == f->rule) {
                        sup->ids[j].used++;
                        drop = true;
                    }
                }
            }
        }
        if (drop)
            finding_free_fields(f);
        else
            fl->items[out++] = *f;
    }
    fl->count = out;

    for (size_t k = 0; k < sups.count; k++) {
        suppression *sup = &sups.items[k];
        const char *kwname = sup->whole_file ? "pgward-ignore-file" : "pgward-ignore";
        for (size_t j = 0; sup->has_reason && j < sup->nids; j++) {
            const sup_id *id = &sup->ids[j];
            if (id->used)
                continue;
            if (unsuppressible(id->rule))
                report(cfg, s, sup->src, RULE_UNUSED_SUPPRESSION, id->offset, id->length,
                       "'%s' cannot be suppressed by a comment; configure it in the policy",
                       rule_name(id->rule));
            else if (!sup->whole_file && !sup->stmt)
                report(cfg, s, sup->src, RULE_UNUSED_SUPPRESSION, id->offset, id->length,
                       "%s %s suppresses nothing: no statement follows it", kwname,
                       rule_name(id->rule));
            else
                report(cfg, s, sup->src, RULE_UNUSED_SUPPRESSION, id->offset, id->length,
                       "%s %s suppresses nothing: '%s' is not reported %s; remove it",
                       kwname, rule_name(id->rule), rule_name(id->rule),
                       sup->whole_file ? "in this file" : "on the next statement");
        }
        free(sup->ids);
    }
    free(sups.items);
}
