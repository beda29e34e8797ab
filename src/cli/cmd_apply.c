/*
 * cmd_apply.c: `pgward apply BUNDLE [options]`: run an approved bundle (apply.h).
 *
 * Exit: 0 applied (or dry run done), 1 refused before anything was sent, 2 usage
 * or input error, 3 a statement, the server or the network failed (rolled back),
 * 130/143 cancelled by SIGINT/SIGTERM (rolled back).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char apply_usage[] =
    "usage: pgward apply [options] BUNDLE\n"
    "\n"
    "Run an approved bundle against PostgreSQL: verify it, lint it again with its\n"
    "policy, check the role, then run every statement as analysed, in one\n"
    "transaction (or one per file), recording each outcome in the audit trail.\n"
    "\n"
    "options:\n" CLI_CONN_OPTIONS_HELP
    "      --role ROLE            the role the bundle must run as (checked against it)\n"
    "      --set-role             SET ROLE to the bundle's role when connected as another\n"
    "      --pubkey KEY           the bundle's signature must verify with this Ed25519\n"
    "                             public key (default: $PGWARD_PUBKEY); unsigned bundles\n"
    "                             are then refused\n"
    "      --txn MODE             bundle (default: one transaction for everything) or\n"
    "                             file (one per file)\n"
    "      --dry-run              run everything, report rows per statement, roll back\n"
    "      --lock-timeout T       lock_timeout for every statement (default: the policy's)\n"
    "      --statement-timeout T  statement_timeout (default: the policy's)\n"
    "      --retry N              retry a transaction up to N times after a lock timeout\n"
    "                             (SQLSTATE 55P03), with backoff (default 0)\n"
    "      --lock-wait SECONDS    wait this long for another apply on the same database\n"
    "                             (default 10)\n"
    "      --verbose              a line per statement\n"
    "  -h, --help                 show this help\n"
    "\n"
    "exit status: 0 applied, 1 refused (nothing sent), 2 usage or input error,\n"
    "3 failed (rolled back), 130/143 cancelled by SIGINT/SIGTERM (rolled back)\n";

enum {
    OPT_ROLE = 256,
    OPT_SET_ROLE,
    OPT_PUBKEY,
    OPT_TXN,
    OPT_DRY_RUN,
    OPT_LOCK_TIMEOUT,
    OPT_STATEMENT_TIMEOUT,
    OPT_RETRY,
    OPT_LOCK_WAIT,
    OPT_VERBOSE,
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

int cmd_apply(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_CONN_LONGOPTS,
        {"role", required_argument, NULL, OPT_ROLE},
        {"set-role", no_argument, NULL, OPT_SET_ROLE},
        {"pubkey", required_argument, NULL, OPT_PUBKEY},
        {"txn", required_argument, NULL, OPT_TXN},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"lock-timeout", required_argument, NULL, OPT_LOCK_TIMEOUT},
        {"statement-timeout", required_argument, NULL, OPT_STATEMENT_TIMEOUT},
        {"retry", required_argument, NULL, OPT_RETRY},
        {"lock-wait", required_argument, NULL, OPT_LOCK_WAIT},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    apply_opts o = apply_opts_default();
    cli_conn_opts co = {0};
    int opt, rc = -1;
    opterr = 0;
    optind = 1;
    while (rc < 0 && (opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            fputs(apply_usage, stdout);
            rc = EXIT_CLEAN;
            break;
        case OPT_ROLE:
            o.role = optarg;
            break;
        case OPT_SET_ROLE:
            o.set_role = true;
            break;
        case OPT_PUBKEY:
            o.pubkey = optarg;
            break;
        case OPT_TXN:
            if (strcmp(optarg, "file") == 0)
                o.txn_per_file = true;
            else if (strcmp(optarg, "bundle") != 0)
                rc = usage_error("apply", "invalid --txn '%s': expected bundle or file", optarg);
            break;
        case OPT_DRY_RUN:
            o.dry_run = true;
            break;
        case OPT_LOCK_TIMEOUT:
            o.lock_timeout = optarg;
            break;
        case OPT_STATEMENT_TIMEOUT:
            o.statement_timeout = optarg;
            break;
        case OPT_RETRY:
            rc = parse_count("apply", "--retry", optarg, 100, &o.retries);
            break;
        case OPT_LOCK_WAIT:
            rc = parse_count("apply", "--lock-wait", optarg, 86400, &o.lock_wait_seconds);
            break;
        case OPT_VERBOSE:
            o.verbose = true;
            break;
        case ':':
            rc = usage_error("apply", "option '%s' needs a value", argv[optind - 1]);
            break;
        default:
            if (cli_conn_option(&co, opt, optarg))
                break;
            rc = usage_error("apply", "unknown option '%s'", argv[optind - 1]);
            break;
        }
    }
    if (rc < 0 && optind != argc - 1)
        rc = usage_error("apply", optind >= argc ? "no BUNDLE given" : "apply takes one BUNDLE");
    if (rc < 0)
        rc = cli_conn_open_params("apply", &co);
    if (rc >= 0) {
        cli_conn_opts_free(&co);
        return rc;
    }
    o.bundle = argv[optind];
    o.db = co.db;
    o.params = &co.params;
    o.journal = co.journal;
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
