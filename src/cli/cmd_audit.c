/*
 * cmd_audit.c: `pgward audit sync`, `pgward audit show` and `pgward audit settle`.
 *
 * sync: reads the local journal, settles every run the audit tables do not fully
 * know yet (audit.h), and marks it audited in the journal; running it twice changes
 * nothing the second time. Exit: 0 the journal and the audit trail agree, 1 a run
 * is left in doubt (its session still runs), 2 usage error, a malformed --db or a
 * journal that is malformed or cannot be opened, 3 the database cannot be reached
 * or written.
 * show: prints the recent runs, or one run (--run) as a timeline (audit/timeline.h:
 * who, what, when, how long, each statement's outcome; --format markdown: the
 * evidence section of a go/no-go report), or either as JSON.
 * Exit: 0, 2 usage, 3 database error.
 * settle: records what became known of a statement recorded in doubt (it ran
 * outside a transaction and its answer was lost), so a resumed apply may go on.
 * Exit: 0, 1 the statement is not in doubt (or settled already), 2 usage, 3 database.
 * verify: recomputes the audit trail's hash chain from its rows (audit/chain.h) and
 * cross-checks the local journal when it exists. Exit: 0 GO, 1 NO-GO (a deleted,
 * edited or forged row, named), 2 usage or a malformed journal, 3 database error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit/chain.h"
#include "audit/timeline.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "audit/journal.h"
#include "base/util.h"

static const cli_usage audit_usage = {
    .cmd = "audit",
    .text = "usage: pgward audit sync [options]\n"
            "       pgward audit show [--run ID] [--format text|json|markdown] [--limit N]\n"
            "                         [options]\n"
            "       pgward audit settle RUN SEQ ran|did-not-run --note TEXT [options]\n"
            "       pgward audit verify [options]\n"
            "\n"
            "sync: record in the audit trail whatever the local journal holds and the database\n"
            "does not (runs cut short by a crash, a lost connection or a kill), asking the\n"
            "database whether an unanswered COMMIT took effect. Idempotent.\n"
            "show: print the recent runs, or one run as a timeline: who, what, when, how long\n"
            "and every statement's outcome (markdown: the evidence of a go/no-go report).\n"
            "settle: say whether statement SEQ of run RUN, recorded in doubt, ran; a resumed\n"
            "apply refuses to send an in-doubt statement again until it is settled.\n"
            "verify: recompute the audit trail's hash chain from its rows and cross-check\n"
            "the local journal: GO, or NO-GO naming each deleted, edited or forged row.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 ok, 1 sync left a run in doubt (settle: the statement is not\n"
              "in doubt; verify: NO-GO), 2 usage or input error (a malformed --db or\n"
              "journal), 3 cannot connect or database error\n",
};

/* audit show's --format: text, json, or markdown (one run only). */
typedef enum show_format { SHOW_TEXT, SHOW_JSON, SHOW_MARKDOWN } show_format;

static int opt_show_format(const char *cmd, const char *arg, void *format)
{
    if (strcmp(arg, "text") == 0)
        *(show_format *)format = SHOW_TEXT;
    else if (strcmp(arg, "json") == 0)
        *(show_format *)format = SHOW_JSON;
    else if (strcmp(arg, "markdown") == 0)
        *(show_format *)format = SHOW_MARKDOWN;
    else
        return usage_error(cmd, "unknown format '%s': expected text, json or markdown", arg);
    return -1;
}

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
    /* the journal first: one that cannot be opened is an input error (2), as for
       apply, and nothing connects */
    journal *j = journal_open(co->journal, &err);
    PGconn *c = j ? conn_open(&co->params, co->db, "pgward audit sync", &err) : NULL;
    int rc;
    if (!j) {
        error("%s", err);
        rc = EXIT_USAGE;
    } else if (!c) {
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

static int do_settle(cli_conn_opts *co, char **args, const char *note)
{
    char *end;
    long seq = strtol(args[1], &end, 10);
    if (!*args[1] || *end || seq < 1 || seq > 2147483647L)
        return usage_error("audit", "invalid SEQ '%s': expected a statement number", args[1]);
    if (strcmp(args[2], "ran") != 0 && strcmp(args[2], "did-not-run") != 0)
        return usage_error("audit", "invalid outcome '%s': expected ran or did-not-run",
                           args[2]);
    char *err = NULL, *where = NULL;
    PGconn *c = conn_open(&co->params, co->db, "pgward audit settle", &err);
    int rc;
    if (!c) {
        error("%s", err);
        rc = EXIT_FAILED;
    } else if (audit_settle(c, args[0], (int)seq, args[2], note, &where, &err) < 0) {
        error("%s", err);
        /* the database refused it (not in doubt, settled, no such statement) */
        rc = PQstatus(c) == CONNECTION_OK && !strstr(err, "does not exist") ? EXIT_FINDINGS
                                                                             : EXIT_FAILED;
    } else {
        printf("run %s statement %ld (%s): settled as %s\n", args[0], seq, where, args[2]);
        rc = EXIT_CLEAN;
    }
    free(where);
    free(err);
    if (c)
        PQfinish(c);
    return rc;
}

static int do_verify(cli_conn_opts *co)
{
    char *err = NULL;
    journal_runs runs;
    bool have_journal = access(co->journal, F_OK) == 0;
    if (have_journal && journal_read(co->journal, &runs, &err) < 0) {
        error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    PGconn *c = conn_open(&co->params, co->db, "pgward audit verify", &err);
    chain_trail t;
    if (!c || chain_load(c, &t, &err) < 0) {
        error("%s", err);
        free(err);
        if (c)
            PQfinish(c);
        if (have_journal)
            journal_runs_free(&runs);
        return EXIT_FAILED;
    }
    PQfinish(c);
    chain_report rep = {0};
    chain_check(&t, have_journal ? &runs : NULL, co->journal, &rep);
    for (size_t i = 0; i < rep.nevidence; i++)
        printf("%s\n", rep.evidence[i]);
    if (!have_journal)
        printf("journal %s: none (nothing to cross-check)\n", co->journal);
    for (size_t i = 0; i < rep.nproblems; i++)
        printf("problem: %s\n", rep.problems[i]);
    if (rep.nproblems)
        printf("NO-GO: %zu problem%s in the audit trail\n", rep.nproblems,
               rep.nproblems == 1 ? "" : "s");
    else
        printf("GO: the audit trail's hash chain holds\n");
    int rc = rep.nproblems ? EXIT_FINDINGS : EXIT_CLEAN;
    chain_report_free(&rep);
    chain_trail_free(&t);
    if (have_journal)
        journal_runs_free(&runs);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    cli_conn_opts co = {0};
    const char *run = NULL, *note = NULL;
    show_format format = SHOW_TEXT;
    int limit = 0; /* 0: not given (20) */
    const cli_option options[] = {
        CLI_CONN_OPTIONS(&co),
        CLI_OPT_STRING(0, "run", "ID", &run, "show: the run to print in full"),
        CLI_OPT_CALLBACK(0, "format", "FORMAT", &format, opt_show_format,
                         "show: text (default), json, or markdown (with --run:\n"
                         "the evidence section of a go/no-go report)"),
        CLI_OPT_CALLBACK(0, "limit", "N", &limit, opt_limit,
                         "show: how many recent runs (default 20)"),
        CLI_OPT_STRING(0, "note", "TEXT", &note,
                       "settle: how the outcome is known (required)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&audit_usage, options, argc, argv, &argi);
    bool json = format == SHOW_JSON;
    const char *action = argi < argc ? argv[argi] : NULL;
    bool settle = action && strcmp(action, "settle") == 0;
    if (rc < 0 && (!action || (strcmp(action, "sync") != 0 && strcmp(action, "show") != 0 &&
                               strcmp(action, "verify") != 0 && !settle)))
        rc = usage_error("audit",
                         action ? "unknown action '%s': expected sync, show, settle or verify"
                                : "no action given: expected sync, show, settle or verify",
                         action);
    if (rc < 0 && settle && argi + 4 != argc)
        rc = usage_error("audit", "settle takes RUN SEQ and ran or did-not-run");
    if (rc < 0 && settle && (!note || !*note))
        rc = usage_error("audit", "settle needs --note saying how the outcome is known");
    if (rc < 0 && !settle && note)
        rc = usage_error("audit", "--note is for 'audit settle'");
    if (rc < 0 && !settle && argi + 1 < argc)
        rc = usage_error("audit", "unexpected argument '%s'", argv[argi + 1]);
    if (rc < 0 && strcmp(action, "show") != 0 && (run || format != SHOW_TEXT || limit))
        rc = usage_error("audit", "--run, --format and --limit are for 'audit show'");
    if (rc < 0 && format == SHOW_MARKDOWN && !run)
        rc = usage_error("audit", "--format markdown shows one run: give --run ID");
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
    } else if (settle) {
        rc = do_settle(&co, argv + argi + 1, note);
    } else if (strcmp(action, "verify") == 0) {
        rc = do_verify(&co);
    } else {
        char *err = NULL;
        PGconn *c = conn_open(&co.params, co.db, "pgward audit show", &err);
        if (!c || (run && !json ? audit_timeline(c, run, format == SHOW_MARKDOWN, stdout, &err)
                                : audit_show(c, run, json, limit, stdout, &err)) < 0) {
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
