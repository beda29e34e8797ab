/*
 * cmd_parse.c: `pgward parse PATH...`: the statements pgward reads, for debugging
 * and tests. Each statement with its origin (file:line:col, byte offset and length),
 * its kind (the parse tree's node name), how it ended, its text after variable
 * substitution and whether it parsed. Front-end findings go to stderr (text) or
 * into the "findings" array (json). Exit: 0, 1 when a finding is an error, 2 usage or input error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/batch.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "base/text.h"
#include "report/report.h"

static const cli_usage parse_usage = {
    .cmd = "parse",
    .text = "usage: pgward parse [options] PATH...\n"
            "\n"
            "List the statements read from each script (files, directories of *.sql, or -\n"
            "for stdin) exactly as psql would send them.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 no error-level finding, 1 error-level findings (a statement\n"
              "the parser rejects), 2 usage or input error (a file unreadable or not SQL\n"
              "text, a PATH without SQL)\n",
};

static const char *stmt_end_name(stmt_end end)
{
    switch (end) {
    case END_SEMICOLON:
        return "semicolon";
    case END_G:
        return "g";
    case END_GSET:
        return "gset";
    default:
        return "eof";
    }
}

/* {"file","line","column","offset","length","kind","end","text","status",...} */
static cJSON *statement_json(const statement *st)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", st->src->name);
    cJSON_AddNumberToObject(o, "line", st->line);
    cJSON_AddNumberToObject(o, "column", st->column);
    cJSON_AddNumberToObject(o, "offset", (double)st->offset);
    cJSON_AddNumberToObject(o, "length", (double)st->length);
    cJSON_AddStringToObject(o, "kind", st->kind);
    cJSON_AddStringToObject(o, "end", stmt_end_name(st->end));
    /* cJSON strings stop at NUL: a NUL byte in a statement is shown up to there */
    cJSON_AddStringToObject(o, "text", st->text);
    cJSON_AddStringToObject(o, "status", st->parse.error ? "error" : "ok");
    if (st->parse.error)
        cJSON_AddStringToObject(o, "error", st->parse.error);
    if (st->gset_prefix)
        cJSON_AddStringToObject(o, "gset_prefix", st->gset_prefix);
    if (st->conditional)
        cJSON_AddTrueToObject(o, "conditional");
    if (st->uses_runtime_vars)
        cJSON_AddTrueToObject(o, "uses_runtime_vars");
    if (st->copy_data) {
        cJSON_AddNumberToObject(o, "copy_data_offset", (double)(st->copy_data - st->src->text));
        cJSON_AddNumberToObject(o, "copy_data_length", (double)st->copy_data_len);
    }
    return o;
}

/* One statement on one line: newlines and tabs shown as \n and \t, other control
   characters and bytes that are not UTF-8 escaped as on every terminal (text.h). */
static void print_statement_text(const statement *st)
{
    strbuf sb = {0};
    text_escape(&sb, st->src->name, strlen(st->src->name), false, 0);
    printf("%s:%d:%d: %s %s%s: ", sb.buf, st->line, st->column, st->kind,
           st->parse.error ? "error" : "ok", st->conditional ? " conditional" : "");
    sb_truncate(&sb, 0);
    int w;
    for (size_t i = 0; i < st->text_len;) {
        char c = st->text[i];
        if (c == '\n' || c == '\t' || c == '\r' || c == '\\') {
            sb_adds(&sb, c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : "\\\\");
            i++;
        } else {
            i = text_unit(&sb, st->text, st->text_len, i, false, &w);
        }
    }
    fputs(sb.buf ? sb.buf : "", stdout);
    putchar('\n');
    sb_free(&sb);
}

typedef struct parse_run {
    bool json, color;
    cJSON *jstmts, *jfind;
    finding_tally tally;
    const cli_read_opts *ro;
} parse_run;

/* Reads file i (on a worker thread). */
static void *parse_one(void *ctx, size_t i)
{
    const parse_run *run = ctx;
    return script_read_file(run->ro->paths.paths[i], &run->ro->script);
}

/* Prints file i's statements when it is its turn. */
static void parse_print(void *ctx, size_t index, void *result)
{
    (void)index;
    parse_run *run = ctx;
    script *s = result;
    for (size_t j = 0; j < s->nstmts; j++) {
        if (run->json)
            cJSON_AddItemToArray(run->jstmts, statement_json(&s->stmts[j]));
        else
            print_statement_text(&s->stmts[j]);
    }
    report_script_findings(&s->findings, run->json ? run->jfind : NULL, stderr, run->color,
                           &run->tally);
    script_free(s);
}

int cmd_parse(int argc, char **argv)
{
    cli_read_opts ro;
    cli_read_opts_init(&ro);
    const cli_option options[] = {
        CLI_FORMAT_OPTION(&ro),
        CLI_READ_OPTIONS(&ro),
        CLI_OPT_END(),
    };
    int rc = cli_parse_read_command(&parse_usage, options, argc, argv, &ro);
    if (rc >= 0) {
        cli_read_opts_free(&ro);
        return rc;
    }
    bool json = ro.format == CLI_FORMAT_JSON;
    parse_run run = {.json = json, .ro = &ro};
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    if (doc)
        cJSON_AddNumberToObject(doc, "version", REPORT_JSON_VERSION);
    run.jstmts = json ? cJSON_AddArrayToObject(doc, "statements") : NULL;
    run.jfind = json ? cJSON_AddArrayToObject(doc, "findings") : NULL;
    run.color = report_want_color(2);
    batch_run(ro.paths.count, ro.jobs, parse_one, parse_print, &run);
    if (json)
        report_print_json(stdout, doc);
    cli_read_opts_free(&ro);
    if (run.tally.input_error)
        return EXIT_USAGE;
    return run.tally.counts[SEV_ERROR] ? EXIT_FINDINGS : EXIT_CLEAN;
}
