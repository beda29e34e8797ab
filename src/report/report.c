/*
 * report.c: text and JSON rendering of findings; see report.h.
 */
#include "report/report.h"

#include <stdlib.h>

#include "base/text.h"
#include "rules/rules.h"
#include <string.h>
#include <unistd.h>

static const char *sev_color(severity s)
{
    return s == SEV_ERROR ? "\033[1;31m" : s == SEV_WARNING ? "\033[1;35m" : "\033[1;36m";
}

void report_finding_text_help(FILE *out, const finding *f, bool color)
{
    report_finding_text(out, f, color);
    const rule_def *r = rules_at(f->rule);
    if (r && f->rule != RULE_INPUT_ERROR)
        fprintf(out, "      %s= help:%s %s; see 'pgward rules %s'\n", color ? "\033[1;34m" : "",
                color ? "\033[0m" : "", r->summary, r->id);
}

/*
 * Prints the source line of f with a caret under its column. A line wider than
 * REPORT_SNIPPET_WIDTH columns (a minified file, an unterminated $$ body) is cut
 * around the caret, with "..." where text was left out; columns count characters,
 * and an escaped byte as the columns its escape takes, so the caret stays right.
 */
static void print_snippet(FILE *out, const finding *f, bool color, const char *reset)
{
    size_t len;
    const char *line = source_line(f->src, f->offset, &len);
    size_t caret = f->offset - (size_t)(line - f->src->text);
    if (caret > len)
        caret = len;
    const int width = REPORT_SNIPPET_WIDTH;
    /* columns before the caret, and whether the whole line fits (stop once it cannot) */
    int before = 0, total = 0, w;
    for (size_t i = 0; i < len && (i < caret || total <= width);) {
        size_t next = text_unit(NULL, line, len, i, false, &w);
        if (i < caret)
            before += w;
        total += w;
        i = next;
    }
    size_t start = 0;
    int skipped = 0; /* columns left out on the left */
    if (total > width && before > width / 2) {
        while (start < caret) {
            size_t next = text_unit(NULL, line, len, start, false, &w);
            if (skipped + w > before - width / 2)
                break;
            skipped += w;
            start = next;
        }
    }
    strbuf sb = {0};
    sb_addf(&sb, "%5d | %s", f->line, start > 0 ? "..." : "");
    int shown = start > 0 ? 3 : 0;
    size_t i = start;
    while (i < len) {
        size_t next = text_unit(NULL, line, len, i, false, &w);
        if (total > width && shown + w > width - 3)
            break;
        text_unit(&sb, line, len, i, false, &w);
        shown += w;
        i = next;
    }
    if (i < len)
        sb_adds(&sb, "...");
    sb_adds(&sb, "\n      | ");
    if (start > 0)
        sb_adds(&sb, "   ");
    /* the caret goes under the column; keep tabs so it lines up */
    for (size_t k = start; k < caret && k < i;) {
        size_t next = text_unit(NULL, line, len, k, false, &w);
        if (line[k] == '\t')
            sb_addc(&sb, '\t');
        else
            sb_addf(&sb, "%*s", w, "");
        k = next;
    }
    fprintf(out, "%s%s^%s\n", sb.buf, color ? sev_color(f->severity) : "", reset);
    sb_free(&sb);
}

void report_finding_text(FILE *out, const finding *f, bool color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    strbuf file = {0}, msg = {0};
    text_escape(&file, f->file, strlen(f->file), false, 0);
    text_escape(&msg, f->message, strlen(f->message), false, REPORT_MESSAGE_WIDTH);
    if (f->line > 0)
        fprintf(out, "%s%s:%d:%d:%s ", bold, file.buf, f->line, f->column, reset);
    else
        fprintf(out, "%s%s:%s ", bold, file.buf, reset);
    fprintf(out, "%s%s:%s %s [%s]\n", color ? sev_color(f->severity) : "",
            severity_name(f->severity), reset, msg.buf, rule_name(f->rule));
    sb_free(&file);
    sb_free(&msg);
    /* a file that is not text has no line worth showing: the location says where */
    if (!f->src || f->line <= 0 || f->rule == RULE_INPUT_ERROR)
        return;
    print_snippet(out, f, color, reset);
}

cJSON *report_finding_json(const finding *f)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", f->file);
    cJSON_AddNumberToObject(o, "line", f->line);
    cJSON_AddNumberToObject(o, "column", f->column);
    cJSON_AddNumberToObject(o, "end_line", f->end_line);
    cJSON_AddNumberToObject(o, "end_column", f->end_column);
    cJSON_AddNumberToObject(o, "offset", (double)f->offset);
    cJSON_AddStringToObject(o, "rule", rule_name(f->rule));
    cJSON_AddStringToObject(o, "severity", severity_name(f->severity));
    cJSON_AddStringToObject(o, "message", f->message);
    if (f->statement)
        cJSON_AddStringToObject(o, "statement", f->statement);
    else
        cJSON_AddNullToObject(o, "statement");
    return o;
}

void report_script_findings(finding_list *list, cJSON *jarr, FILE *out, bool color,
                            finding_tally *tally)
{
    report_findings(list, jarr, out, color, false, tally);
}

void report_findings(finding_list *list, cJSON *jarr, FILE *out, bool color, bool help,
                     finding_tally *tally)
{
    finding_list_sort(list);
    for (size_t i = 0; i < list->count; i++) {
        const finding *f = &list->items[i];
        tally->counts[f->severity]++;
        if (f->rule == RULE_INPUT_ERROR)
            tally->input_error = true;
        if (jarr)
            cJSON_AddItemToArray(jarr, report_finding_json(f));
        else if (out && help)
            report_finding_text_help(out, f, color);
        else if (out)
            report_finding_text(out, f, color);
    }
}

void report_print_json(FILE *out, cJSON *doc)
{
    report_print_json_doc(out, doc, false);
}

void report_print_json_doc(FILE *out, cJSON *doc, bool pretty)
{
    char *s = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
    /* cJSON copies a string's bytes as they are; JSON must be UTF-8. Its own
       syntax is ASCII, so replacing bad bytes in the text replaces them in strings. */
    for (const char *p = s ? s : "null"; *p;) {
        size_t n = text_utf8_len(p);
        if (n == 0) {
            fputs("\xEF\xBF\xBD", out);
            p++;
        } else {
            fwrite(p, 1, n, out);
            p += n;
        }
    }
    fputc('\n', out);
    free(s);
    cJSON_Delete(doc);
}

bool report_want_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !(nc && *nc);
}
