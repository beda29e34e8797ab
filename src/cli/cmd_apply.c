/*
 * cmd_apply.c: `pgward apply BUNDLE [options]`: run an approved bundle (apply.h).
 *
 * Exit: 0 applied (or dry run done), 1 refused before anything was sent, 2 usage
 * or input error (not a bundle, a malformed --db, a journal that cannot be
 * opened), 3 cannot connect, or a statement, the server or the network failed
 * (rolled back),
 * 130/143 cancelled by SIGINT/SIGTERM (rolled back; a second signal exits at once, and
 * when the server did not answer the run is left for `pgward audit sync`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const cli_usage apply_usage = {
    .cmd = "apply",
    .text = "usage: pgward apply [options] BUNDLE\n"
            "\n"
            "Run an approved bundle against PostgreSQL: verify it, lint it again with its\n"
            "policy, check the role, then run every statement as analysed, in one\n"
            "transaction (or one per file), recording each outcome in the audit trail.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 applied, 1 refused (nothing sent), 2 usage or input error (not\n"
              "a bundle, a malformed --db, a journal that cannot be opened), 3 cannot\n"
              "connect, or failed (rolled back), 130/143 cancelled by SIGINT/SIGTERM (rolled\n"
              "back)\n",
};

static int parse_count(const char *cmd, const char *opt, const char *v, int max, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0 || n > max)
        return usage_error(cmd, "invalid %s '%s': expected a number from 0 to %d", opt, v, max);
    *out = (int)n;
    return -1;
}

static int opt_txn(const char *cmd, const char *arg, void *per_file)
{
    if (strcmp(arg, "file") != 0 && strcmp(arg, "bundle") != 0)
        return usage_error(cmd, "invalid --txn '%s': expected bundle or file", arg);
    *(bool *)per_file = strcmp(arg, "file") == 0;
    return -1;
}

static int opt_retry(const char *cmd, const char *arg, void *retries)
{
    return parse_count(cmd, "--retry", arg, 100, retries);
}

static int opt_lock_wait(const char *cmd, const char *arg, void *seconds)
{
    return parse_count(cmd, "--lock-wait", arg, 86400, seconds);
}

int cmd_apply(int argc, char **argv)
{
    apply_opts o = apply_opts_default();
    cli_conn_opts co = {0};
    bool quiet = false;
    const cli_option options[] = {
        CLI_CONN_OPTIONS(&co),
        CLI_OPT_STRING(0, "role", "ROLE", &o.role,
                       "the role the bundle must run as (checked against it)"),
        CLI_OPT_BOOL(0, "set-role", &o.set_role,
                     "SET ROLE to the bundle's role when connected as another"),
        CLI_OPT_STRING(0, "pubkey", "KEY", &o.pubkey,
                       "the bundle's signature must verify with this Ed25519\n"
                       "public key (default: $PGWARD_PUBKEY); unsigned bundles\n"
                       "are then refused"),
        CLI_OPT_CALLBACK(0, "txn", "MODE", &o.txn_per_file, opt_txn,
                         "bundle (default: one transaction for everything) or\n"
                         "file (one per file)"),
        CLI_OPT_BOOL(0, "dry-run", &o.dry_run,
                     "run everything, report rows per statement, roll back"),
        CLI_OPT_STRING(0, "lock-timeout", "T", &o.lock_timeout,
                       "lock_timeout for every statement (default: the policy's)"),
        CLI_OPT_STRING(0, "statement-timeout", "T", &o.statement_timeout,
                       "statement_timeout (default: the policy's)"),
        CLI_OPT_CALLBACK(0, "retry", "N", &o.retries, opt_retry,
                         "retry a transaction up to N times after a lock timeout\n"
                         "(SQLSTATE 55P03), with backoff (default 0)"),
        CLI_OPT_CALLBACK(0, "lock-wait", "SECONDS", &o.lock_wait_seconds, opt_lock_wait,
                         "wait this long for another apply on the same database\n"
                         "(default 10)"),
        CLI_OPT_BOOL(0, "verbose", &o.verbose, "a line per statement"),
        CLI_OPT_BOOL(0, "quiet", &quiet,
                     "no progress line on stderr (shown only on a terminal)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&apply_usage, options, argc, argv, &argi);
    if (rc < 0 && argi != argc - 1)
        rc = usage_error("apply", argi >= argc ? "no BUNDLE given" : "apply takes one BUNDLE");
    if (rc < 0)
        rc = cli_conn_open_params("apply", &co);
    if (rc >= 0) {
        cli_conn_opts_free(&co);
        return rc;
    }
    o.bundle = argv[argi];
    o.db = co.db;
    o.params = &co.params;
    o.journal = co.journal;
    /* progress only for a person watching: never into a file, a pipe or a CI log */
    if (!quiet && isatty(fileno(stderr)))
        o.progress = stderr;
    if (!o.pubkey && getenv("PGWARD_PUBKEY") && *getenv("PGWARD_PUBKEY"))
        o.pubkey = getenv("PGWARD_PUBKEY");
    apply_result r;
    apply_run(&o, &r);
    switch (r.status) {
    case APPLY_DONE:
        rc = EXIT_CLEAN;
        break;
    case APPLY_REFUSED:
        rc = EXIT_FINDINGS;
        break;
    case APPLY_INPUT:
        rc = EXIT_USAGE;
        break;
    case APPLY_FAILED:
        rc = EXIT_FAILED;
        break;
    case APPLY_CANCELLED:
        rc = 128 + (r.signal ? r.signal : 2);
        break;
    }
    cli_conn_opts_free(&co);
    return rc;
}
