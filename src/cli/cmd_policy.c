/*
 * cmd_policy.c: `pgward policy check|show|grants FILE`: validate a policy, print
 * its canonical form, or print the GRANT and REVOKE statements that make
 * PostgreSQL hold exactly what it grants (policy/grants.h). check and show print
 * the SHA-256 digest of the canonical text, which bundles record. A policy error
 * is "file:line:col: message" on stderr, exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "policy/grants.h"
#include "policy/policy.h"

static const cli_usage policy_usage = {
    .cmd = "policy",
    .text = "usage: pgward policy check FILE\n"
            "       pgward policy show FILE\n"
            "       pgward policy grants FILE [--role NAME]\n"
            "\n"
            "check:  parse and validate a policy; print its digest.\n"
            "show:   print the policy's canonical form (sorted, comments dropped) and digest.\n"
            "grants: print the GRANT and REVOKE statements (for psql -1 as a superuser,\n"
            "        idempotent) that give each role exactly what the policy grants and\n"
            "        PUBLIC nothing more than pgward needs, so PostgreSQL enforces it too.\n"
            "The digest is the SHA-256 of the canonical form, so it changes only when what the\n"
            "policy means changes.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 valid, 2 usage error or invalid policy (file:line:col: message)\n",
};

int cmd_policy(int argc, char **argv)
{
    const char *role = NULL;
    const cli_option options[] = {
        CLI_OPT_STRING(0, "role", "NAME", &role,
                       "grants: only this role's statements (none for PUBLIC)"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&policy_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (argi >= argc)
        return usage_error("policy", "missing action: check, show or grants");
    const char *action = argv[argi];
    bool show = strcmp(action, "show") == 0, grants = strcmp(action, "grants") == 0;
    if (!show && !grants && strcmp(action, "check") != 0)
        return usage_error("policy", "unknown action '%s': expected check, show or grants",
                           action);
    if (role && !grants)
        return usage_error("policy", "--role is for 'policy grants'");
    if (argc - argi != 2)
        return usage_error("policy", "'policy %s' takes exactly one FILE", action);
    const char *file = argv[argi + 1];

    char *err = NULL;
    policy *p = policy_load(file, &err);
    if (!p) {
        /* a located error names its file first; a read error gets our prefix */
        if (strncmp(err, file, strlen(file)) == 0 && err[strlen(file)] == ':')
            fprintf(stderr, "%s\n", err);
        else
            error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    if (grants) {
        const policy_role *r = role ? policy_find_role(p, role) : NULL;
        if (role && !r) {
            error("unknown role '%s': %s declares no such role", role, file);
            policy_free(p);
            return EXIT_USAGE;
        }
        char *sql = policy_grants_sql(p, r);
        fputs(sql, stdout);
        free(sql);
    } else if (show)
        printf("%s# sha256 %s\n", p->canonical, p->digest);
    else
        printf("%s: ok: %zu famil%s, %zu role%s; sha256 %s\n", file, p->nfamilies,
               p->nfamilies == 1 ? "y" : "ies", p->nroles, p->nroles == 1 ? "" : "s",
               p->digest);
    policy_free(p);
    return EXIT_CLEAN;
}
