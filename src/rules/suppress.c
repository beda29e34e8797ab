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
 * (unused-suppression). Findings of input-error, of these three rules and of the
 * policy's rules (role-allowlist, unproven, cross-boundary-write, ...: a restricted
 * role's script must not lift its own gate) cannot be suppressed by a comment.
 *
 * Read as a stream: each file is scanned up to the end of each statement as it
 * passes (suppression_statement), so the statement a comment covers is known then,
 * and nothing of it needs to be kept but where it is; the rest of each file at the
 * end. The findings are removed at the end, once every check has spoken.
 */
#define _GNU_SOURCE
#include "rules/suppress.h"

#include <stdarg.h>
#include <stdint.h>
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
    bool covers_stmt;      /* a statement suppression with a statement after it ... */
    size_t stmt_offset;    /* ... that lies here in src */
    size_t stmt_length;
    sup_id *ids;
    size_t nids, capids;
} suppression;

/* How far each file has been scanned (a line index). */
typedef struct scanned {
    const source *src;
    size_t next_line;
} scanned;

struct suppressions {
    suppression *items;
    size_t count, cap;
    scanned *files;
    size_t nfiles, capfiles;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Rules a comment may not suppress: the policy's (the script's author may be the one
   the policy is about: only the policy can change them), and the suppressions' own. */
static bool unsuppressible(rule_id rule)
{
    return rule == RULE_INPUT_ERROR || rule_defs[rule].group == RULE_GROUP_META ||
           rule_defs[rule].group == RULE_GROUP_POLICY;
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

/*
 * Parses the comment line [p, end) of src at offset line_off; adds a suppression
 * and reports what is wrong with it. Lines that are not suppressions are ignored.
 */
static void parse_line(const lint_config *cfg, script *s, const source *src, size_t line_off,
                       const char *end, suppressions *sups, const statement *next)
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
    if (!whole_file && next) {
        sup->covers_stmt = true;
        sup->stmt_offset = next->offset;
        sup->stmt_length = next->length;
    }
}

static scanned *file_of(suppressions *sups, const source *src)
{
    for (size_t i = 0; i < sups->nfiles; i++)
        if (sups->files[i].src == src)
            return &sups->files[i];
    GROW(sups->files, sups->capfiles, sups->nfiles + 1);
    sups->files[sups->nfiles] = (scanned){src, 0};
    return &sups->files[sups->nfiles++];
}

/*
 * Finds the suppression comments on the lines of src that start before stop and
 * were not scanned yet; a statement suppression among them covers next (NULL:
 * none follows).
 */
static void scan_until(const lint_config *cfg, script *s, suppressions *sups, const source *src,
                       size_t stop, const statement *next)
{
    scanned *f = file_of(sups, src);
    for (; f->next_line < src->nlines; f->next_line++) {
        size_t ln = f->next_line;
        size_t start = src->line_starts[ln];
        if (start >= src->len || start >= stop)
            break;
        size_t line_stop = ln + 1 < src->nlines ? src->line_starts[ln + 1] : src->len;
        const char *end = src->text + line_stop;
        if (end > src->text + start && end[-1] == '\n')
            end--;
        /* cheap test first: most lines are not suppressions */
        if (memmem(src->text + start, (size_t)(end - (src->text + start)), "pgward-ignore", 13))
            parse_line(cfg, s, src, start, end, sups, next);
    }
}

suppressions *suppress_begin(void)
{
    return xcalloc(1, sizeof(suppressions));
}

void suppress_statement(suppressions *sups, const lint_config *cfg, script *s,
                        const statement *st)
{
    scan_until(cfg, s, sups, st->src, st->offset + st->length, st);
    if (st->copy_data) {
        /* its inline data is not SQL: the lines up to its end are not looked at */
        scanned *f = file_of(sups, st->src);
        size_t data_end = (size_t)(st->copy_data - st->src->text) + st->copy_data_len;
        while (f->next_line < st->src->nlines && st->src->line_starts[f->next_line] < data_end)
            f->next_line++;
    }
}

static bool covers(const suppression *sup, const finding *f)
{
    if (!sup->has_reason || f->src != sup->src)
        return false;
    if (sup->whole_file)
        return true;
    if (!sup->covers_stmt)
        return false;
    size_t stop = sup->stmt_offset + (sup->stmt_length ? sup->stmt_length : 1);
    return f->offset >= sup->stmt_offset && f->offset < stop;
}

static void finding_free_fields(finding *f)
{
    free(f->message);
    free(f->file);
    free(f->statement);
}

void suppress_end(suppressions *sp, const lint_config *cfg, script *s)
{
    for (size_t i = 0; i < s->nsources; i++)
        scan_until(cfg, s, sp, s->sources[i], SIZE_MAX, NULL);
    suppressions sups = *sp;
    free(sp->files);
    free(sp);
    if (sups.count == 0)
        return;

    /* remove what the suppressions cover (the findings they added stay) */
    finding_list *fl = &s->findings;
    size_t out = 0;
    for (size_t i = 0; i < fl->count; i++) {
        finding *f = &fl->items[i];
        bool drop = false;
        if (!unsuppressible(f->rule)) {
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
            else if (!sup->whole_file && !sup->covers_stmt)
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

void suppress_apply(const lint_config *cfg, script *s)
{
    suppressions *sp = suppress_begin();
    for (size_t i = 0; i < s->nstmts; i++)
        suppress_statement(sp, cfg, s, &s->stmts[i]);
    suppress_end(sp, cfg, s);
}
