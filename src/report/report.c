/*
 * report.c: text and JSON rendering of findings; see report.h.
 */
#include "report/report.h"

#include <stdlib.h>

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
    if (r)
        fprintf(out, "      %s= help:%s %s; see 'pgward rules %s'\n", color ? "\033[1;34m" : "",
                color ? "\033[0m" : "", r->summary, r->id);
}

void report_finding_text(FILE *out, const finding *f, bool color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    if (f->line > 0)
        fprintf(out, "%s%s:%d:%d:%s ", bold, f->file, f->line, f->column, reset);
    else
        fprintf(out, "%s%s:%s ", bold, f->file, reset);
    fprintf(out, "%s%s:%s %s [%s]\n", color ? sev_color(f->severity) : "",
            severity_name(f->severity), reset, f->message, rule_name(f->rule));
    if (!f->src || f->line <= 0)
        return;
    size_t len;
    const char *line = source_line(f->src, f->offset, &len);
    fprintf(out, "%5d | %.*s\n      | ", f->line, (int)len, line);
    /* the caret goes under the column; keep tabs so it lines up */
    int col = 1;
    for (size_t i = 0; i < len && col < f->column; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c & 0xC0) == 0x80)
            continue;
        fputc(c == '\t' ? '\t' : ' ', out);
        col++;
    }
    fprintf(out, "%s^%s\n", color ? sev_color(f->severity) : "", reset);
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
    char *s = cJSON_PrintUnformatted(doc);
    fputs(s ? s : "null", out);
    fputc('\n', out);
    free(s);
    cJSON_Delete(doc);
}

bool report_want_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !(nc && *nc);
}
