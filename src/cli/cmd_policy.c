/*
 * cmd_policy.c: `pgward policy check|show FILE`: validate a policy, or print its
 * canonical form. Both print the SHA-256 digest of the canonical text, which
 * bundles record. A policy error is "file:line:col: message" on stderr, exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "policy/policy.h"

static const cli_usage policy_usage = {
    .cmd = "policy",
    .text = "usage: pgward policy check FILE\n"
            "       pgward policy show FILE\n"
            "\n"
            "check: parse and validate a policy; print its digest.\n"
            "show:  print the policy's canonical form (sorted, comments dropped) and digest.\n"
            "The digest is the SHA-256 of the canonical form, so it changes only when what the\n"
            "policy means changes.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 valid, 2 usage error or invalid policy (file:line:col: message)\n",
};

int cmd_policy(int argc, char **argv)
{
    const cli_option options[] = {CLI_OPT_END()};
    int argi, rc = cli_parse_options(&policy_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (argi >= argc)
        return usage_error("policy", "missing action: check or show");
    const char *action = argv[argi];
    bool show = strcmp(action, "show") == 0;
    if (!show && strcmp(action, "check") != 0)
        return usage_error("policy", "unknown action '%s': expected check or show", action);
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
    if (show)
        printf("%s# sha256 %s\n", p->canonical, p->digest);
    else
        printf("%s: ok: %zu famil%s, %zu role%s; sha256 %s\n", file, p->nfamilies,
               p->nfamilies == 1 ? "y" : "ies", p->nroles, p->nroles == 1 ? "" : "s",
               p->digest);
    policy_free(p);
    return EXIT_CLEAN;
}
