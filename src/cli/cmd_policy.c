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

static const char policy_usage[] =
    "usage: pgward policy check FILE\n"
    "       pgward policy show FILE\n"
    "\n"
    "check: parse and validate a policy; print its digest.\n"
    "show:  print the policy's canonical form (sorted, comments dropped) and digest.\n"
    "The digest is the SHA-256 of the canonical form, so it changes only when what the\n"
    "policy means changes.\n"
    "\n"
    "options:\n"
    "  -h, --help                 show this help\n"
    "\n"
    "exit status: 0 valid, 2 usage error or invalid policy (file:line:col: message)\n";

int cmd_policy(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(policy_usage, stdout);
        return EXIT_CLEAN;
    }
    if (argc < 2)
        return usage_error("policy", "missing action: check or show");
    const char *action = argv[1];
    bool show = strcmp(action, "show") == 0;
    if (!show && strcmp(action, "check") != 0)
        return usage_error("policy", "unknown action '%s': expected check or show", action);
    if (argc != 3)
        return usage_error("policy", "'policy %s' takes exactly one FILE", action);
    if (argv[2][0] == '-')
        return usage_error("policy", "unknown option '%s'", argv[2]);

    char *err = NULL;
    policy *p = policy_load(argv[2], &err);
    if (!p) {
        /* a located error names its file first; a read error gets our prefix */
        if (strncmp(err, argv[2], strlen(argv[2])) == 0 && err[strlen(argv[2])] == ':')
            fprintf(stderr, "%s\n", err);
        else
            error("%s", err);
        free(err);
        return EXIT_USAGE;
    }
    if (show)
        printf("%s# sha256 %s\n", p->canonical, p->digest);
    else
        printf("%s: ok: %zu famil%s, %zu role%s; sha256 %s\n", argv[2], p->nfamilies,
               p->nfamilies == 1 ? "y" : "ies", p->nroles, p->nroles == 1 ? "" : "s",
               p->digest);
    policy_free(p);
    return EXIT_CLEAN;
}
