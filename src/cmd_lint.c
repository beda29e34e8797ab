/*
 * cmd_lint.c: `pgward lint PATH...`: read every script, parse every statement and
 * report findings (for now: syntax errors and front-end problems such as
 * unsupported meta-commands, bad includes, unbalanced \if).
 *
 * Text output is gcc-style with the source line and a caret, then a summary line;
 * JSON output is {"findings":[...],"summary":{...}}. Exit: 0 when no finding is at
 * error level, 1 when one is, 2 for usage errors and unreadable inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"
#include "gate.h"
#include "policy.h"
#include "commands.h"
#include "report.h"
#include "txn_rules.h"

static const char lint_usage[] =
    "usage: pgward lint [options] PATH...\n"
    "\n"
    "Check scripts (files, directories of *.sql, or - for stdin) and report\n"
    "findings: statements the PostgreSQL parser rejects, script problems\n"
    "(unsupported meta-commands, bad includes, unbalanced \\if) and, with a policy,\n"
    "every statement the role that will run it may not run.\n"
    "\n"
    "options:\n"
    CLI_POLICY_OPTIONS_HELP CLI_READ_OPTIONS_HELP
    "\n"
    "exit status: 0 no error-level finding, 1 error-level findings, 2 usage or\n"
    "unreadable input\n";

typedef struct lint_run {
    const policy *policy;      /* NULL: front-end checks only */
    const policy_role *role;
    bool json, color;
    cJSON *jfind;
    size_t nstmts;
    finding_tally tally;
} lint_run;

/* Prints one script's findings as soon as it is its turn (batch.h keeps order). */
static void lint_sink(size_t index, script *s, void *ctx)
{
    (void)index;
    lint_run *run = ctx;
    run->nstmts += s->nstmts;
    if (run->policy)
        gate_check_script(run->policy, run->role, s);
    txn_check_script(run->policy, s);
    report_script_findings(&s->findings, run->json ? run->jfind : NULL, stdout, run->color,
                           &run->tally);
    script_free(s);
}

int cmd_lint(int argc, char **argv)
{
    cli_read_opts ro;
    int rc = cli_parse_read_command("lint", lint_usage, CLI_WITH_POLICY, argc, argv, &ro);
    if (rc >= 0) {
        cli_read_opts_free(&ro);
        return rc;
    }
    lint_run run = {.json = ro.json};
    policy *pol = NULL;
    rc = cli_load_policy("lint", &ro, false, &pol, &run.role);
    if (rc >= 0) {
        policy_free(pol);
        cli_read_opts_free(&ro);
        return rc;
    }
    run.policy = pol;

    run.color = !ro.json && report_want_color(1);
    cJSON *doc = ro.json ? cJSON_CreateObject() : NULL;
    if (doc)
        cJSON_AddNumberToObject(doc, "version", REPORT_JSON_VERSION);
    run.jfind = ro.json ? cJSON_AddArrayToObject(doc, "findings") : NULL;
    batch_read(ro.paths.paths, ro.paths.count, &ro.script, ro.jobs, lint_sink, &run);
    size_t *counts = run.tally.counts;
    if (ro.json) {
        cJSON *sum = cJSON_AddObjectToObject(doc, "summary");
        cJSON_AddNumberToObject(sum, "files", (double)ro.paths.count);
        cJSON_AddNumberToObject(sum, "statements", (double)run.nstmts);
        cJSON_AddNumberToObject(sum, "errors", (double)counts[SEV_ERROR]);
        cJSON_AddNumberToObject(sum, "warnings", (double)counts[SEV_WARNING]);
        cJSON_AddNumberToObject(sum, "infos", (double)counts[SEV_INFO]);
        report_print_json(stdout, doc);
    } else {
        printf("%zu file%s, %zu statement%s: %zu error%s, %zu warning%s, %zu info\n",
               ro.paths.count, ro.paths.count == 1 ? "" : "s", run.nstmts, run.nstmts == 1 ? "" : "s",
               counts[SEV_ERROR], counts[SEV_ERROR] == 1 ? "" : "s", counts[SEV_WARNING],
               counts[SEV_WARNING] == 1 ? "" : "s", counts[SEV_INFO]);
    }
    cli_read_opts_free(&ro);
    policy_free(pol);
    if (run.tally.input_error)
        return EXIT_USAGE;
    return counts[SEV_ERROR] ? EXIT_FINDINGS : EXIT_CLEAN;
}
