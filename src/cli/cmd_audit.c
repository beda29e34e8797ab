/*
 * cmd_audit.c: `pgward audit sync` and `pgward audit show`.
 *
 * sync: reads the local journal, settles every run the audit tables do not fully
 * know yet (audit.h), and marks it audited in the journal; running it twice changes
 * nothing the second time. Exit: 0 the journal and the audit trail agree, 1 a run
 * is left in doubt (its session still runs), 2 usage error or a malformed journal,
 * 3 the database cannot be reached or written.
 * show: prints the recent runs, or one run's statements (--run), as text or JSON.
 * Exit: 0, 2 usage, 3 database error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "audit/journal.h"
#include "base/util.h"

static const cli_usage audit_usage = {
    .cmd = "audit",
    .text = "usage: pgward audit sync [options]\n"
            "       pgward audit show [--run ID] [--format text|json] [--limit N] [options]\n"
            "\n"
            "sync: record in the audit trail whatever the local journal holds and the database\n"
            "does not (runs cut short by a crash, a lost connection or a kill), asking the\n"
            "database whether an unanswered COMMIT took effect. Idempotent.\n"
            "show: print the recent runs, or every statement of one run.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 ok, 1 sync left a run in doubt, 2 usage or input error,\n"
              "3 database error\n",
};

static int opt_limit(const char *cmd, const char *arg, void *limit)
{
    char *end;
    long n = strtol(arg, &end, 10);
    if (!*arg || *end || n < 1 || n > 100000)
        return usage_error(cmd, "invalid --limit '%s': expected 1 to 100000", arg);
    *(int *)limit = (int)n;
    return -1;
}

static int do_sync(cli_conn_opts *co)
{
    journal_runs runs;
    char *err = NULL;
    if (journal_read(co->journal, &runs, &err) < 0) {
        error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < runs.nwarnings; i++)
        fprintf(stderr, "pgward: %s\n", runs.warnings[i]);
    size_t unsettled = 0;
    for (size_t i = 0; i < runs.count; i++)
        unsettled += !runs.items[i].audited;
    if (unsettled == 0) {
        printf("%s: nothing to sync: %zu run%s, all in the audit trail\n", co->journal,
               runs.count, runs.count == 1 ? "" : "s");
        journal_runs_free(&runs);
        return EXIT_CLEAN;
    }
    PGconn *c = conn_open(&co->params, co->db, "pgward audit sync", &err);
    journal *j = c ? journal_open(co->journal, &err) : NULL;
    int rc;
    if (!c || !j) {
        error("%s", err);
        rc = EXIT_FAILED;
    } else {
        int left = audit_sync(c, j, &runs, stdout, &err);
        if (left < 0) {
            error("%s", err);
            rc = EXIT_FAILED;
        } else {
            rc = left ? EXIT_FINDINGS : EXIT_CLEAN;
        }
    }
    free(err);
    if (j)
        journal_close(j);
    if (c)
        PQfinish(c);
    journal_runs_free(&runs);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    cli_conn_opts co = {0};
    const char *run = NULL;
    cli_format format = CLI_FORMAT_TEXT;
    int limit = 0; /* 0: not given (20) */
    const cli_option options[] = {
        CLI_CONN_OPTIONS(&co),
        CLI_OPT_STRING(0, "run", "ID", &run, "show: the run to print in full"),
        CLI_OPT_CALLBACK(0, "format", "FORMAT", &format, cli_opt_format,
                         "show: text (default) or json"),
        CLI_OPT_CALLBACK(0, "limit", "N", &limit, opt_limit,
                         "show: how many recent runs (default 20)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&audit_usage, options, argc, argv, &argi);
    bool json = format == CLI_FORMAT_JSON;
    const char *action = argi < argc ? argv[argi] : NULL;
    if (rc < 0 && (!action || (strcmp(action, "sync") != 0 && strcmp(action, "show") != 0)))
        rc = usage_error("audit", action ? "unknown action '%s': expected sync or show"
                                         : "no action given: expected sync or show",
                         action);
    if (rc < 0 && argi + 1 < argc)
        rc = usage_error("audit", "unexpected argument '%s'", argv[argi + 1]);
    if (rc < 0 && strcmp(action, "sync") == 0 && (run || json || limit))
        rc = usage_error("audit", "--run, --format and --limit are for 'audit show'");
    if (!limit)
        limit = 20;
    if (rc < 0)
        rc = cli_conn_open_params("audit", &co);
    if (rc >= 0) {
        cli_conn_opts_free(&co);
        return rc;
    }
    if (strcmp(action, "sync") == 0) {
        rc = do_sync(&co);
    } else {
        char *err = NULL;
        PGconn *c = conn_open(&co.params, co.db, "pgward audit show", &err);
        if (!c || audit_show(c, run, json, limit, stdout, &err) < 0) {
            error("%s", err);
            rc = EXIT_FAILED;
        } else {
            rc = EXIT_CLEAN;
        }
        free(err);
        if (c)
            PQfinish(c);
    }
    cli_conn_opts_free(&co);
    return rc;
}
