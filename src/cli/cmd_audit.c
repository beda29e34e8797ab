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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "audit/journal.h"
#include "base/util.h"

static const char audit_usage[] =
    "usage: pgward audit sync [options]\n"
    "       pgward audit show [--run ID] [--format text|json] [--limit N] [options]\n"
    "\n"
    "sync: record in the audit trail whatever the local journal holds and the database\n"
    "does not (runs cut short by a crash, a lost connection or a kill), asking the\n"
    "database whether an unanswered COMMIT took effect. Idempotent.\n"
    "show: print the recent runs, or every statement of one run.\n"
    "\n"
    "options:\n" CLI_CONN_OPTIONS_HELP
    "      --run ID               show: the run to print in full\n"
    "      --format FORMAT        show: text (default) or json\n"
    "      --limit N              show: how many recent runs (default 20)\n"
    "  -h, --help                 show this help\n"
    "\n"
    "exit status: 0 ok, 1 sync left a run in doubt, 2 usage or input error,\n"
    "3 database error\n";

enum { OPT_RUN = 256, OPT_FORMAT, OPT_LIMIT };

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
    static const struct option longopts[] = {
        CLI_CONN_LONGOPTS,
        {"run", required_argument, NULL, OPT_RUN},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_conn_opts co = {0};
    const char *run = NULL;
    bool json = false;
    int limit = 20, opt, rc = -1;
    opterr = 0;
    optind = 1;
    while (rc < 0 && (opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'h':
            fputs(audit_usage, stdout);
            rc = EXIT_CLEAN;
            break;
        case OPT_RUN:
            run = optarg;
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0)
                rc = usage_error("audit", "unknown format '%s': expected text or json", optarg);
            break;
        case OPT_LIMIT:
            limit = (int)strtol(optarg, &end, 10);
            if (!*optarg || *end || limit < 1 || limit > 100000)
                rc = usage_error("audit", "invalid --limit '%s': expected 1 to 100000", optarg);
            break;
        case ':':
            rc = usage_error("audit", "option '%s' needs a value", argv[optind - 1]);
            break;
        default:
            if (cli_conn_option(&co, opt, optarg))
                break;
            rc = usage_error("audit", "unknown option '%s'", argv[optind - 1]);
            break;
        }
    }
    const char *action = optind < argc ? argv[optind] : NULL;
    if (rc < 0 && (!action || (strcmp(action, "sync") != 0 && strcmp(action, "show") != 0)))
        rc = usage_error("audit", action ? "unknown action '%s': expected sync or show"
                                         : "no action given: expected sync or show",
                         action);
    if (rc < 0 && optind + 1 < argc)
        rc = usage_error("audit", "unexpected argument '%s'", argv[optind + 1]);
    if (rc < 0 && strcmp(action, "sync") == 0 && (run || json))
        rc = usage_error("audit", "--run and --format are for 'audit show'");
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
