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
    if (r && f->rule != RULE_INPUT_ERROR)
        fprintf(out, "      %s= help:%s %s; see 'pgward rules %s'\n", color ? "\033[1;34m" : "",
                color ? "\033[0m" : "", r->summary, r->id);
}

size_t report_utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    size_t n;
    unsigned min, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        n = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        n = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

/* The code point of a valid n-byte UTF-8 character. */
static unsigned utf8_code_point(const unsigned char *p, size_t n)
{
    unsigned cp = n == 1 ? p[0] : n == 2 ? p[0] & 0x1Fu : n == 3 ? p[0] & 0x0Fu : p[0] & 0x07u;
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (p[i] & 0x3Fu);
    return cp;
}

/* Whether a terminal may act on the character instead of showing it: C1 controls,
   and the bidirectional embeddings, overrides and isolates ("Trojan Source"). */
static bool hidden_control(unsigned cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

/*
 * One display unit of s at i (a character, or a byte shown escaped): appended to sb
 * unless sb is NULL; *width gets its columns. Returns the index after it.
 */
static size_t text_unit(strbuf *sb, const char *s, size_t len, size_t i, bool keep_newlines,
                        int *width)
{
    unsigned char c = (unsigned char)s[i];
    if (c == '\t' || (keep_newlines && (c == '\n' || c == '\r'))) {
        if (sb)
            sb_addc(sb, (char)c);
        *width = 1;
        return i + 1;
    }
    size_t n = c < 0x20 || c == 0x7f ? 0 : report_utf8_len(s + i);
    if (n == 0 || n > len - i) {
        if (sb)
            sb_addf(sb, "\\x%02x", c);
        *width = 4;
        return i + 1;
    }
    unsigned cp = utf8_code_point((const unsigned char *)s + i, n);
    if (hidden_control(cp)) {
        if (sb)
            sb_addf(sb, "\\u%04x", cp);
        *width = 6;
        return i + n;
    }
    if (sb)
        sb_add(sb, s + i, n);
    *width = 1;
    return i + n;
}

void report_text_escape(strbuf *sb, const char *s, size_t len, bool keep_newlines,
                        int max_cols)
{
    int w, cols = 0;
    /* whether it all fits (stop counting once it cannot) */
    bool fits = true;
    for (size_t i = 0; max_cols > 0 && i < len && fits;) {
        i = text_unit(NULL, s, len, i, keep_newlines, &w);
        cols += w;
        fits = cols <= max_cols;
    }
    cols = 0;
    for (size_t i = 0; i < len;) {
        size_t next = text_unit(NULL, s, len, i, keep_newlines, &w);
        if (!fits && cols + w > max_cols - 3) {
            sb_adds(sb, "...");
            break;
        }
        text_unit(sb, s, len, i, keep_newlines, &w);
        cols += w;
        i = next;
    }
    if (!sb->buf)
        sb_adds(sb, "");
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
    report_text_escape(&file, f->file, strlen(f->file), false, 0);
    report_text_escape(&msg, f->message, strlen(f->message), false, REPORT_MESSAGE_WIDTH);
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
        size_t n = report_utf8_len(p);
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
