/*
 * cmd_stage.c: `pgward stage up|status|down|sql`: a throwaway staging PostgreSQL
 * (stage.h), set up for a policy (provision.h).
 *
 * Exit: 0 ok (status: the stage runs; down: removed, or there was none), 1 failure
 * (the port is busy, the server did not start, the folder is not a stage; status:
 * the stage exists but does not run), 2 usage error (status: there is no stage),
 * 130/143 up was interrupted by SIGINT/SIGTERM (nothing is left behind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/util.h"
#include "cli/commands.h"
#include "policy/policy.h"
#include "policy/query.h"
#include "stage/provision.h"
#include "stage/stage.h"

static const cli_usage stage_usage = {
    .cmd = "stage",
    .text =
        "usage: pgward stage up [--policy FILE] [--port PORT] [--dir DIR] [--ttl DURATION]\n"
        "                       [--quiet]\n"
        "       pgward stage status [--dir DIR]\n"
        "       pgward stage down [--dir DIR]\n"
        "       pgward stage sql [--policy FILE]\n"
        "\n"
        "A throwaway PostgreSQL 15 on 127.0.0.1 to try bundles on before they go further.\n"
        "up: start a cluster in DIR (as the postgres OS user when run as root), create the\n"
        "database staging and set it up for the policy: the audit trail, its roles,\n"
        "schemas, extensions and privileges, row-level security on its sensitive tables\n"
        "(sql/audit.sql, sql/bootstrap.sql and what the policy says); give its admin (the\n"
        "first unrestricted role) and its automation role (the default role) random\n"
        "passwords (the automation role's expires after --ttl), write DIR/.env.admin and\n"
        "DIR/.env.staging (mode 0600) and print the evidence; passwords are never\n"
        "printed. A stage that runs is reported and left as it is; a stale one (its\n"
        "server gone) is replaced.\n"
        "status: whether the stage runs, and how long codex's credentials stay valid.\n"
        "down: stop the server and remove DIR (only a folder that holds a stage).\n"
        "sql: print the script up runs to set a database up for the policy (for psql -1\n"
        "as a superuser, on a database of your own).\n"
        "\n",
    .footer =
        "\n"
        "exit status: 0 ok (status: running), 1 failure (status: not running), 2 usage\n"
        "error (status: no stage), 130/143 up interrupted (nothing left behind)\n",
};

/* What the options say; --port and --ttl remember that they were given. */
typedef struct stage_cli {
    stage_opts o;
    bool port_set, ttl_set;
    const char *policy_path;
} stage_cli;

static int opt_port(const char *cmd, const char *arg, void *dest)
{
    stage_cli *sc = dest;
    char *end;
    long n = strtol(arg, &end, 10);
    if (!*arg || *end || n < 1024 || n > 65535)
        return usage_error(cmd, "invalid --port '%s': expected 1024 to 65535", arg);
    sc->o.port = (int)n;
    sc->port_set = true;
    return -1;
}

static int opt_dir(const char *cmd, const char *arg, void *dir)
{
    if (!*arg)
        return usage_error(cmd, "--dir needs a folder");
    *(const char **)dir = arg;
    return -1;
}

static int opt_ttl(const char *cmd, const char *arg, void *dest)
{
    stage_cli *sc = dest;
    if (stage_parse_ttl(arg, &sc->o.ttl_seconds) < 0)
        return usage_error(cmd,
                           "invalid --ttl '%s': expected a duration above zero and at most 7d, "
                           "such as 30m, 8h, 2d, 3600s or 3600",
                           arg);
    sc->ttl_set = true;
    return -1;
}

/* --policy, else the nearest pgward.policy, else the built-in staging policy. */
static policy *stage_policy(const char *path, int *rc)
{
    char *found = path ? xstrdup(path) : cli_find_policy();
    char *err = NULL;
    policy *p = found ? policy_load(found, &err) : provision_staging_policy(&err);
    if (!p) {
        if (found && strncmp(err, found, strlen(found)) == 0)
            fprintf(stderr, "%s\n", err);
        else
            error("%s", err);
        *rc = EXIT_USAGE;
    } else if (!policy_is_protected(p, "audit")) {
        /* the stage keeps the audit trail and its bootstrap log in schema audit,
           readable by every role: without the protection, verify's privileges gate
           would find that grant outside the policy, and the static gate would not
           know that no restricted role may write there */
        error("policy '%s' does not protect schema 'audit', where the stage keeps its audit "
              "trail: add 'protect schema audit;'",
              found ? found : "rules/staging.policy");
        policy_free(p);
        p = NULL;
        *rc = EXIT_USAGE;
    }
    free(err);
    free(found);
    return p;
}

int cmd_stage(int argc, char **argv)
{
    stage_cli sc = {.o = stage_opts_default()};
    bool quiet = false;
    const cli_option options[] = {
        CLI_OPT_STRING(0, "policy", "FILE", &sc.policy_path,
                       "up, sql: the policy to set up (default:\n"
                       "pgward.policy in this folder or the nearest above,\n"
                       "else the built-in rules/staging.policy)"),
        CLI_OPT_CALLBACK(0, "port", "PORT", &sc, opt_port,
                         "up: the TCP port on 127.0.0.1 (default 5434)"),
        CLI_OPT_CALLBACK(0, "dir", "DIR", &sc.o.dir, opt_dir,
                         "the stage folder (default: $PGWARD_STAGE_DIR, else\n"
                         ".pgward/stage in the current folder)"),
        CLI_OPT_CALLBACK(0, "ttl", "DURATION", &sc, opt_ttl,
                         "up: how long the automation role's password is valid:\n"
                         "30m, 8h, 2d, 3600s or seconds (default 8h, at most 7d)"),
        CLI_OPT_BOOL(0, "quiet", &quiet,
                     "up: no steps on stderr (shown only on a terminal)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&stage_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    stage_opts o = sc.o;
    const char *policy_path = sc.policy_path;
    const char *action = argi < argc ? argv[argi] : NULL;
    if (!action || (strcmp(action, "up") != 0 && strcmp(action, "status") != 0 &&
                    strcmp(action, "down") != 0 && strcmp(action, "sql") != 0))
        return usage_error("stage",
                           action ? "unknown action '%s': expected up, status, down or sql"
                                  : "no action given: expected up, status, down or sql",
                           action);
    if (argi + 1 < argc)
        return usage_error("stage", "unexpected argument '%s'", argv[argi + 1]);
    if (strcmp(action, "up") != 0 && (sc.port_set || sc.ttl_set))
        return usage_error("stage", "--port and --ttl are for 'stage up'");
    if (policy_path && strcmp(action, "up") != 0 && strcmp(action, "sql") != 0)
        return usage_error("stage", "--policy is for 'stage up' and 'stage sql'");
    if (strcmp(action, "sql") == 0 || strcmp(action, "up") == 0) {
        int prc = -1;
        policy *p = stage_policy(policy_path, &prc);
        if (!p)
            return prc;
        if (strcmp(action, "sql") == 0) {
            char *sql = provision_sql(p);
            fputs(sql, stdout);
            free(sql);
            policy_free(p);
            return EXIT_CLEAN;
        }
        o.policy = p;
        /* steps only for a person watching: never into a file, a pipe or a CI log */
        if (!quiet && isatty(fileno(stderr)))
            o.steps = stderr;
        stage_result r = stage_up(&o);
        policy_free(p);
        if (r == STAGE_DONE)
            return EXIT_CLEAN;
        if (r == STAGE_INTERRUPTED)
            return 128 + (stage_signal() ? stage_signal() : 2);
        return EXIT_FINDINGS;
    }

    if (strcmp(action, "status") == 0) {
        switch (stage_status(&o)) {
        case STAGE_DONE:
            return EXIT_CLEAN;
        case STAGE_ABSENT:
            return EXIT_USAGE;
        default:
            return EXIT_FINDINGS;
        }
    }
    return stage_down(&o) == STAGE_DONE ? EXIT_CLEAN : EXIT_FINDINGS;
}
