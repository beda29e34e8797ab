/*
 * report_formats.c: SARIF, GitHub, GitLab and JUnit output; see report_formats.h.
 */
#include "report/report_formats.h"

#include "report/report.h"
#include "base/text.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/digest.h"
#include "rules/rules.h"
#include "base/version.h"

typedef struct collected {
    finding f;      /* copied; src is NULL */
    size_t script;  /* index into files */
} collected;

struct report_collector {
    char **files;   /* one per script, in order */
    size_t nfiles, capfiles;
    char **profiles; /* per script: "profile reason" (NULL: the default) */
    size_t capprofiles;
    collected *items;
    size_t count, cap;
};

report_collector *report_collector_new(void)
{
    return xcalloc(1, sizeof(report_collector));
}

void report_collect(report_collector *rc, const char *name, const finding_list *list)
{
    GROW(rc->files, rc->capfiles, rc->nfiles + 1);
    rc->files[rc->nfiles] = xstrdup(strcmp(name, "-") == 0 ? "<stdin>" : name);
    GROW(rc->profiles, rc->capprofiles, rc->nfiles + 1);
    rc->profiles[rc->nfiles] = NULL;
    for (size_t i = 0; i < list->count; i++) {
        GROW(rc->items, rc->cap, rc->count + 1);
        collected *c = &rc->items[rc->count++];
        c->f = list->items[i];
        c->f.src = NULL;
        c->f.message = xstrdup(c->f.message);
        c->f.file = xstrdup(c->f.file);
        c->f.statement = c->f.statement ? xstrdup(c->f.statement) : NULL;
        c->script = rc->nfiles;
    }
    rc->nfiles++;
}

void report_collect_profile(report_collector *rc, const char *profile, const char *reason)
{
    if (!rc->nfiles)
        return;
    free(rc->profiles[rc->nfiles - 1]);
    rc->profiles[rc->nfiles - 1] = xasprintf("%s %s", profile, reason);
}

void report_collector_free(report_collector *rc)
{
    if (!rc)
        return;
    for (size_t i = 0; i < rc->nfiles; i++) {
        free(rc->files[i]);
        free(rc->profiles[i]);
    }
    free(rc->files);
    free(rc->profiles);
    for (size_t i = 0; i < rc->count; i++) {
        free(rc->items[i].f.message);
        free(rc->items[i].f.file);
        free(rc->items[i].f.statement);
    }
    free(rc->items);
    free(rc);
}

/* ------------------------------------------------------------------ escaping */

void report_xml_escape(strbuf *sb, const char *s, bool attr)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        switch (c) {
        case '&':
            sb_adds(sb, "&amp;");
            break;
        case '<':
            sb_adds(sb, "&lt;");
            break;
        case '>':
            sb_adds(sb, "&gt;");
            break;
        case '"':
            sb_adds(sb, "&quot;");
            break;
        case '\'':
            sb_adds(sb, "&apos;");
            break;
        case '\t':
            sb_adds(sb, attr ? "&#9;" : "\t");
            break;
        case '\n':
            sb_adds(sb, attr ? "&#10;" : "\n");
            break;
        case '\r':
            sb_adds(sb, "&#13;"); /* a parser would turn a raw \r into \n */
            break;
        default:
            if (c < 0x20) {
                sb_adds(sb, "\xEF\xBF\xBD");
                break;
            }
            size_t n = text_utf8_len((const char *)p);
            if (n == 0) {
                sb_adds(sb, "\xEF\xBF\xBD");
                break;
            }
            sb_add(sb, (const char *)p, n);
            p += n;
            continue;
        }
        p++;
    }
}

void report_github_escape(strbuf *sb, const char *s, bool prop)
{
    for (; *s; s++) {
        switch (*s) {
        case '%':
            sb_adds(sb, "%25");
            break;
        case '\r':
            sb_adds(sb, "%0D");
            break;
        case '\n':
            sb_adds(sb, "%0A");
            break;
        case ':':
            sb_adds(sb, prop ? "%3A" : ":");
            break;
        case ',':
            sb_adds(sb, prop ? "%2C" : ",");
            break;
        default:
            sb_addc(sb, *s);
        }
    }
}

/* A path as a relative URI reference (or file:// for an absolute path). */
static char *path_uri(const char *path)
{
    strbuf sb = {0};
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (path[0] == '/')
        sb_adds(&sb, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("-._~/", c))
            sb_addc(&sb, (char)c);
        else
            sb_addf(&sb, "%%%02X", c);
    }
    return sb_detach(&sb, NULL);
}

/* ------------------------------------------------------------------ SARIF */

static const char *sarif_level(severity sev)
{
    return sev == SEV_ERROR ? "error" : sev == SEV_WARNING ? "warning" : "note";
}

/* The first paragraph of the "## Why" section of a rule's doc (malloc'd), or NULL. */
static char *doc_why(const rule_def *r)
{
    const char *doc = r->doc;
    const char *why = doc ? strstr(doc, "\n## Why\n") : NULL;
    if (!why)
        return NULL;
    why += strlen("\n## Why\n");
    while (*why == '\n')
        why++;
    const char *end = strstr(why, "\n\n");
    if (!end)
        end = why + strlen(why);
    strbuf sb = {0};
    for (const char *p = why; p < end; p++)
        sb_addc(&sb, *p == '\n' ? ' ' : *p);
    return sb_detach(&sb, NULL);
}

static cJSON *sarif_rule(const rule_def *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON *sd = cJSON_AddObjectToObject(o, "shortDescription");
    cJSON_AddStringToObject(sd, "text", r->summary);
    char *why = doc_why(r);
    if (why) {
        cJSON *fd = cJSON_AddObjectToObject(o, "fullDescription");
        cJSON_AddStringToObject(fd, "text", why);
    }
    free(why);
    cJSON *help = cJSON_AddObjectToObject(o, "help");
    char *text = xasprintf("%s; see 'pgward rules %s' for why, examples and how to fix",
                           r->summary, r->id);
    cJSON_AddStringToObject(help, "text", text);
    free(text);
    cJSON *cfg = cJSON_AddObjectToObject(o, "defaultConfiguration");
    cJSON_AddStringToObject(cfg, "level", sarif_level(r->sev));
    if (r->opt_in)
        cJSON_AddBoolToObject(cfg, "enabled", false);
    cJSON *props = cJSON_AddObjectToObject(o, "properties");
    cJSON *tags = cJSON_AddArrayToObject(props, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString(rules_group_name(r->group)));
    return o;
}

static void print_sarif(const report_collector *rc, FILE *out)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(doc, "version", "2.1.0");
    cJSON *runs = cJSON_AddArrayToObject(doc, "runs");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, run);
    cJSON *tool = cJSON_AddObjectToObject(run, "tool");
    cJSON *driver = cJSON_AddObjectToObject(tool, "driver");
    cJSON_AddStringToObject(driver, "name", "pgward");
    cJSON_AddStringToObject(driver, "version", pgward_version());
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");

    /* the rules that occur, in id order; ruleIndex points into them */
    size_t nall = rules_count();
    int *index = xmalloc(nall * sizeof(int));
    for (size_t i = 0; i < nall; i++)
        index[i] = -1;
    for (size_t i = 0; i < rc->count; i++) {
        index[rc->items[i].f.rule] = 0;
    }
    int next = 0;
    for (size_t i = 0; i < nall; i++) {
        if (index[i] < 0)
            continue;
        index[i] = next++;
        cJSON_AddItemToArray(rules, sarif_rule(rules_at(i)));
    }

    cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (size_t i = 0; i < rc->count; i++) {
        const finding *f = &rc->items[i].f;
        cJSON *res = cJSON_CreateObject();
        cJSON_AddStringToObject(res, "ruleId", rule_name(f->rule));
        cJSON_AddNumberToObject(res, "ruleIndex", index[f->rule]);
        cJSON_AddStringToObject(res, "level", sarif_level(f->severity));
        cJSON *msg = cJSON_AddObjectToObject(res, "message");
        cJSON_AddStringToObject(msg, "text", f->message);
        cJSON *locs = cJSON_AddArrayToObject(res, "locations");
        cJSON *loc = cJSON_CreateObject();
        cJSON_AddItemToArray(locs, loc);
        cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
        cJSON *art = cJSON_AddObjectToObject(phys, "artifactLocation");
        char *uri = path_uri(f->file);
        cJSON_AddStringToObject(art, "uri", uri);
        free(uri);
        if (f->line > 0) {
            cJSON *region = cJSON_AddObjectToObject(phys, "region");
            cJSON_AddNumberToObject(region, "startLine", f->line);
            cJSON_AddNumberToObject(region, "startColumn", f->column);
            cJSON_AddNumberToObject(region, "endLine", f->end_line);
            cJSON_AddNumberToObject(region, "endColumn", f->end_column);
        }
        cJSON_AddItemToArray(results, res);
    }
    free(index);
    /* the files read with another profile (an extension script), so that a reader
       sees why a finding fired */
    cJSON *arts = NULL;
    for (size_t i = 0; i < rc->nfiles; i++) {
        if (!rc->profiles[i])
            continue;
        if (!arts)
            arts = cJSON_AddArrayToObject(run, "artifacts");
        cJSON *a = cJSON_CreateObject();
        cJSON *loc = cJSON_AddObjectToObject(a, "location");
        char *uri = path_uri(rc->files[i]);
        cJSON_AddStringToObject(loc, "uri", uri);
        free(uri);
        cJSON *props = cJSON_AddObjectToObject(a, "properties");
        const char *sp = strchr(rc->profiles[i], ' ');
        char *profile = xstrndup(rc->profiles[i], (size_t)(sp - rc->profiles[i]));
        cJSON_AddStringToObject(props, "pgwardProfile", profile);
        cJSON_AddStringToObject(props, "pgwardProfileReason", sp + 1);
        free(profile);
        cJSON_AddItemToArray(arts, a);
    }
    report_print_json_doc(out, doc, true);
}

/* ------------------------------------------------------------------ GitHub */

static void print_github(const report_collector *rc, FILE *out)
{
    strbuf sb = {0};
    for (size_t i = 0; i < rc->count; i++) {
        const finding *f = &rc->items[i].f;
        sb_truncate(&sb, 0);
        sb_adds(&sb, f->severity == SEV_ERROR     ? "::error file="
                     : f->severity == SEV_WARNING ? "::warning file="
                                                  : "::notice file=");
        report_github_escape(&sb, f->file, true);
        if (f->line > 0) {
            sb_addf(&sb, ",line=%d,col=%d", f->line, f->column);
            if (f->end_line > f->line || f->end_column > f->column)
                sb_addf(&sb, ",endLine=%d,endColumn=%d", f->end_line, f->end_column);
        }
        sb_adds(&sb, ",title=");
        report_github_escape(&sb, rule_name(f->rule), true);
        sb_adds(&sb, "::");
        /* the log is a terminal too: no escape sequence from a script reaches it */
        strbuf msg = {0};
        text_escape(&msg, f->message, strlen(f->message), true, REPORT_MESSAGE_WIDTH);
        report_github_escape(&sb, msg.buf ? msg.buf : "", false);
        sb_free(&msg);
        fprintf(out, "%s\n", sb.buf);
    }
    sb_free(&sb);
}

/* ------------------------------------------------------------------ GitLab */

static void print_gitlab(const report_collector *rc, FILE *out)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < rc->count; i++) {
        const finding *f = &rc->items[i].f;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "description", f->message);
        cJSON_AddStringToObject(o, "check_name", rule_name(f->rule));
        /* NUL-separated, so no two different findings can hash the same text */
        strbuf key = {0};
        sb_adds(&key, f->file);
        sb_addc(&key, '\0');
        sb_adds(&key, rule_name(f->rule));
        sb_addc(&key, '\0');
        sb_addf(&key, "%d", f->line);
        sb_addc(&key, '\0');
        sb_adds(&key, f->message);
        char hex[65];
        sha256_hex_of(key.buf, key.len, hex);
        sb_free(&key);
        cJSON_AddStringToObject(o, "fingerprint", hex);
        cJSON_AddStringToObject(o, "severity", f->severity == SEV_ERROR     ? "major"
                                               : f->severity == SEV_WARNING ? "minor"
                                                                            : "info");
        cJSON *loc = cJSON_AddObjectToObject(o, "location");
        cJSON_AddStringToObject(loc, "path", f->file);
        cJSON *lines = cJSON_AddObjectToObject(loc, "lines");
        cJSON_AddNumberToObject(lines, "begin", f->line > 0 ? f->line : 1);
        cJSON_AddItemToArray(arr, o);
    }
    report_print_json_doc(out, arr, true);
}

/* ------------------------------------------------------------------ JUnit */

static void junit_location(strbuf *sb, const finding *f)
{
    if (f->line > 0)
        sb_addf(sb, "%s:%d:%d: %s: %s [%s]", f->file, f->line, f->column,
                severity_name(f->severity), f->message, rule_name(f->rule));
    else
        sb_addf(sb, "%s: %s: %s [%s]", f->file, severity_name(f->severity), f->message, rule_name(f->rule));
}

static void print_junit(const report_collector *rc, FILE *out)
{
    size_t failed = 0;
    bool *fails = xcalloc(rc->nfiles ? rc->nfiles : 1, sizeof(bool));
    for (size_t i = 0; i < rc->count; i++) {
        const collected *c = &rc->items[i];
        if (c->f.severity != SEV_INFO && !fails[c->script]) {
            fails[c->script] = true;
            failed++;
        }
    }
    strbuf sb = {0};
    sb_adds(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    sb_addf(&sb, "<testsuites name=\"pgward\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
            rc->nfiles, failed);
    sb_addf(&sb,
            "  <testsuite name=\"pgward\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
            "skipped=\"0\">\n",
            rc->nfiles, failed);
    size_t k = 0; /* items are in script order */
    for (size_t s = 0; s < rc->nfiles; s++) {
        sb_adds(&sb, "    <testcase classname=\"pgward.lint\" name=\"");
        report_xml_escape(&sb, rc->files[s], true);
        sb_adds(&sb, "\" file=\"");
        report_xml_escape(&sb, rc->files[s], true);
        size_t first = k;
        while (k < rc->count && rc->items[k].script == s)
            k++;
        if (first == k) {
            sb_adds(&sb, "\"/>\n");
            continue;
        }
        sb_adds(&sb, "\">\n");
        strbuf infos = {0};
        for (size_t i = first; i < k; i++) {
            const finding *f = &rc->items[i].f;
            strbuf line = {0};
            junit_location(&line, f);
            if (f->severity == SEV_INFO) {
                sb_adds(&infos, line.buf);
                sb_addc(&infos, '\n');
                sb_free(&line);
                continue;
            }
            sb_adds(&sb, "      <failure type=\"");
            report_xml_escape(&sb, rule_name(f->rule), true);
            sb_adds(&sb, "\" message=\"");
            report_xml_escape(&sb, f->message, true);
            sb_adds(&sb, "\">");
            report_xml_escape(&sb, line.buf, false);
            if (f->statement) {
                sb_adds(&sb, "\n");
                report_xml_escape(&sb, f->statement, false);
            }
            sb_adds(&sb, "</failure>\n");
            sb_free(&line);
        }
        if (infos.len) {
            sb_adds(&sb, "      <system-out>");
            report_xml_escape(&sb, infos.buf, false);
            sb_adds(&sb, "</system-out>\n");
        }
        sb_free(&infos);
        sb_adds(&sb, "    </testcase>\n");
    }
    sb_adds(&sb, "  </testsuite>\n</testsuites>\n");
    fputs(sb.buf, out);
    sb_free(&sb);
    free(fails);
}

void report_collector_print(report_collector *rc, FILE *out, report_format fmt)
{
    switch (fmt) {
    case REPORT_SARIF:
        print_sarif(rc, out);
        break;
    case REPORT_GITHUB:
        print_github(rc, out);
        break;
    case REPORT_GITLAB:
        print_gitlab(rc, out);
        break;
    case REPORT_JUNIT:
        print_junit(rc, out);
        break;
    }
}
