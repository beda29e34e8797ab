/*
 * cmd_lint.c: `pgward lint PATH...` (or `--changed [--since REF]`): read every
 * script and run every check on it (lint.h: front end, policy gate, transaction,
 * migration-safety and security rules, then the pgward-ignore suppressions).
 *
 * Text output is gcc-style with the source line, a caret and a help line, then a
 * summary line; JSON output is {"findings":[...],"summary":{...}}; sarif, github,
 * gitlab and junit are printed at the end (report_formats.h). Exit: 0 when no
 * finding is at error level, 1 when one is (or a warning, with
 * --error-on-warnings), 2 for usage errors and input errors (a file unreadable or
 * not SQL text, a PATH that holds no SQL; --changed with nothing changed is 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/batch.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "rules/lint.h"
#include "rules/txn_rules.h"
#include "policy/policy.h"
#include "report/report.h"
#include "report/report_formats.h"

static const cli_usage lint_usage = {
    .cmd = "lint",
    .text = "usage: pgward lint [options] PATH...\n"
            "       pgward lint [options] --changed [--since REF]\n"
            "\n"
            "Check scripts (files, directories of *.sql, or - for stdin) and report\n"
            "findings: statements the PostgreSQL parser rejects, script problems\n"
            "(unsupported meta-commands, bad includes, unbalanced \\if), transaction,\n"
            "migration-safety and security rules and, with a policy, every statement the\n"
            "role that will run it may not run. Silence one finding with a comment line\n"
            "'-- pgward-ignore RULE: reason' before the statement, or a whole file with\n"
            "'-- pgward-ignore-file RULE: reason'.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 no error-level finding, 1 error-level findings (or warnings\n"
              "with --error-on-warnings), 2 usage or input error (a file unreadable or not\n"
              "SQL text, a PATH without SQL)\n",
};

typedef struct lint_run {
    lint_config cfg;
    const policy_role *role;
    cli_format format;
    bool color;
    char *const *paths;
    const script_options *script;
    cJSON *jfind;               /* json */
    cJSON *jext;                /* json: the files read as extension scripts */
    report_collector *collect;  /* sarif, github, gitlab, junit */
    size_t nstmts;
    finding_tally tally;
} lint_run;

/* Says that a file is read as an extension script, and why (text: a note line). */
static void print_profile(const lint_run *run, const char *name, const script *s)
{
    if (s->extension == SCRIPT_EXT_NO)
        return;
    if (run->format == CLI_FORMAT_TEXT) {
        printf("%s: note: read as an extension script (%s); @extschema@ is \"%s\"",
               strcmp(name, "-") == 0 ? "<stdin>" : name, script_ext_why_text(s->extension),
               s->extschema);
        if (s->ext_lines)
            printf("; %zu \\echo line%s left out as CREATE EXTENSION does", s->ext_lines,
                   s->ext_lines == 1 ? "" : "s");
        printf("\n");
    } else if (run->jext) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", strcmp(name, "-") == 0 ? "<stdin>" : name);
        cJSON_AddStringToObject(o, "profile", "extension");
        cJSON_AddStringToObject(o, "reason", script_ext_why_key(s->extension));
        cJSON_AddStringToObject(o, "extschema", s->extschema);
        cJSON_AddNumberToObject(o, "echo_lines_left_out", (double)s->ext_lines);
        cJSON_AddNumberToObject(o, "placeholders_bound", (double)s->ext_bound);
        cJSON_AddItemToArray(run->jext, o);
    }
}

/* Reads and checks file i, statement by statement (on a worker thread). */
static void *lint_one(void *ctx, size_t i)
{
    const lint_run *run = ctx;
    return lint_file(&run->cfg, run->role, run->paths[i], run->script);
}

/* Prints one script's findings as soon as it is its turn (batch.h keeps order). */
static void lint_print(void *ctx, size_t index, void *result)
{
    lint_run *run = ctx;
    script *s = result;
    run->nstmts += s->nread;
    print_profile(run, run->paths[index], s);
    if (run->collect) {
        report_findings(&s->findings, NULL, NULL, false, false, &run->tally);
        report_collect(run->collect, run->paths[index], &s->findings);
        if (s->extension != SCRIPT_EXT_NO)
            report_collect_profile(run->collect, "extension", script_ext_why_key(s->extension));
    } else {
        report_findings(&s->findings, run->format == CLI_FORMAT_JSON ? run->jfind : NULL,
                        stdout, run->color, true, &run->tally);
    }
    script_free(s);
}

/* --runner NAME: the runner model the transaction rules assume (txn_rules.h). */
static int opt_runner(const char *cmd, const char *arg, void *dest)
{
    const runner_model *m = runner_model_find(arg);
    if (!m)
        return usage_error(cmd, "unknown runner '%s': expected pgward, psql, sqitch, dbmate, "
                                "goose, golang-migrate, flyway, graphile-migrate or "
                                "postgres-migrations",
                           arg);
    *(const runner_model **)dest = m;
    return -1;
}

/* --profile extension|migration: what the files are read as (script.h). */
static int opt_profile(const char *cmd, const char *arg, void *dest)
{
    if (strcmp(arg, "extension") == 0)
        *(script_profile *)dest = SCRIPT_PROFILE_EXTENSION;
    else if (strcmp(arg, "migration") == 0)
        *(script_profile *)dest = SCRIPT_PROFILE_MIGRATION;
    else
        return usage_error(cmd, "unknown profile '%s': expected extension or migration", arg);
    return -1;
}

/* --extschema NAME: the schema @extschema@ stands for (a schema's name, unquoted). */
static int opt_extschema(const char *cmd, const char *arg, void *dest)
{
    if (!*arg)
        return usage_error(cmd, "--extschema: empty schema name");
    if (strlen(arg) > 63)
        return usage_error(cmd, "--extschema: schema name '%s' is longer than 63 bytes", arg);
    *(const char **)dest = arg;
    return -1;
}

static const report_format collected_formats[] = {
    [CLI_FORMAT_SARIF] = REPORT_SARIF,
    [CLI_FORMAT_GITHUB] = REPORT_GITHUB,
    [CLI_FORMAT_GITLAB] = REPORT_GITLAB,
    [CLI_FORMAT_JUNIT] = REPORT_JUNIT,
};

int cmd_lint(int argc, char **argv)
{
    cli_read_opts ro;
    cli_read_opts_init(&ro);
    const runner_model *runner = NULL;
    script_profile profile = SCRIPT_PROFILE_AUTO;
    const char *extschema = NULL;
    const cli_option options[] = {
        CLI_POLICY_OPTIONS(&ro),
        CLI_LINT_OPTIONS(&ro),
        CLI_OPT_CALLBACK(0, "runner", "NAME", &runner, opt_runner,
                         "how the scripts will be run, for the transaction\n"
                         "rules: pgward (default: one transaction per file,\n"
                         "as pgward apply), psql or sqitch (each statement\n"
                         "on its own), dbmate, goose, flyway, graphile-migrate,\n"
                         "postgres-migrations (one transaction per file, with\n"
                         "their directives), golang-migrate (each file one\n"
                         "query)"),
        CLI_OPT_CALLBACK(0, "profile", "NAME", &profile, opt_profile,
                         "what the scripts are: extension (read as CREATE\n"
                         "EXTENSION reads them) or migration (never an\n"
                         "extension script); default: by each file (its\n"
                         "name NAME--VERSION.sql, its \\echo ... \\quit guard,\n"
                         "its @extschema@ or @extowner@)"),
        CLI_OPT_CALLBACK(0, "extschema", "NAME", &extschema, opt_extschema,
                         "the schema an extension script's @extschema@\n"
                         "stands for (default: \"@extschema@\", a schema\n"
                         "of that name)"),
        CLI_READ_OPTIONS(&ro),
        CLI_OPT_END(),
    };
    int rc = cli_parse_read_command(&lint_usage, options, argc, argv, &ro);
    if (rc >= 0) {
        cli_read_opts_free(&ro);
        return rc;
    }
    lint_run run = {.format = ro.format};
    policy *pol = NULL;
    rc = cli_load_policy("lint", &ro, false, &pol, &run.role);
    if (rc >= 0) {
        policy_free(pol);
        cli_read_opts_free(&ro);
        return rc;
    }
    run.cfg = (lint_config){.policy = pol, .pg_version = ro.pg_version, .runner = runner};
    /* a runner that does not know dbmate's or goose's sections runs the down part too */
    ro.script.whole_files = runner && !runner->sections;
    ro.script.profile = profile;
    ro.script.extension_reading = true;
    ro.script.extschema = extschema;
    rc = cli_filter_paths(&ro, pol ? pol->excludes : NULL, pol ? pol->nexcludes : 0);
    if (rc >= 0) {
        policy_free(pol);
        cli_read_opts_free(&ro);
        return rc;
    }
    run.paths = ro.paths.paths;
    run.script = &ro.script;

    bool json = ro.format == CLI_FORMAT_JSON, text = ro.format == CLI_FORMAT_TEXT;
    run.color = text && report_want_color(1);
    cJSON *doc = json ? cJSON_CreateObject() : NULL;
    if (doc)
        cJSON_AddNumberToObject(doc, "version", REPORT_JSON_VERSION);
    run.jfind = json ? cJSON_AddArrayToObject(doc, "findings") : NULL;
    run.jext = json ? cJSON_CreateArray() : NULL;
    if (!json && !text)
        run.collect = report_collector_new();
    batch_run(ro.paths.count, ro.jobs, lint_one, lint_print, &run);
    size_t *counts = run.tally.counts;
    if (json) {
        cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
        cJSON_AddNumberToObject(sum, "files", (double)ro.paths.count);
        cJSON_AddNumberToObject(sum, "statements", (double)run.nstmts);
        cJSON_AddNumberToObject(sum, "errors", (double)counts[SEV_ERROR]);
        cJSON_AddNumberToObject(sum, "warnings", (double)counts[SEV_WARNING]);
        cJSON_AddNumberToObject(sum, "infos", (double)counts[SEV_INFO]);
        /* only when a file is one: the output of ordinary migrations is unchanged */
        if (cJSON_GetArraySize(run.jext) > 0)
            cJSON_AddItemToObject(doc, "extension_scripts", run.jext);
        else
            cJSON_Delete(run.jext);
        report_print_json(stdout, doc);
    } else if (text) {
        printf("%zu file%s, %zu statement%s: %zu error%s, %zu warning%s, %zu info\n",
               ro.paths.count, ro.paths.count == 1 ? "" : "s", run.nstmts, run.nstmts == 1 ? "" : "s",
               counts[SEV_ERROR], counts[SEV_ERROR] == 1 ? "" : "s", counts[SEV_WARNING],
               counts[SEV_WARNING] == 1 ? "" : "s", counts[SEV_INFO]);
    } else {
        report_collector_print(run.collect, stdout, collected_formats[ro.format]);
        report_collector_free(run.collect);
    }
    bool error_on_warnings = ro.error_on_warnings;
    cli_read_opts_free(&ro);
    policy_free(pol);
    if (run.tally.input_error)
        return EXIT_USAGE;
    if (counts[SEV_ERROR] || (error_on_warnings && counts[SEV_WARNING]))
        return EXIT_FINDINGS;
    return EXIT_CLEAN;
}
