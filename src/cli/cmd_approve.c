/*
 * cmd_approve.c: `pgward approve BUNDLE --key KEY [--as NAME] [--note TEXT]
 * [--pubkey KEY]`: signs off a bundle. Verifies it (as `bundle verify` does, with
 * --pubkey the signer's signature too), then writes
 * BUNDLE/approvals/NAME.json: an Ed25519 signature with KEY over the bundle's digest,
 * NAME, the time and the note (approval.h). The manifest, its signature and every
 * file stay as they are: approving changes nothing that runs.
 * Exit: 0 written, 1 the bundle does not verify or NAME approved it already, 2 usage
 * or input error (not a bundle, the key unreadable, the file cannot be made).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle/approval.h"
#include "bundle/bundle.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const cli_usage approve_usage = {
    .cmd = "approve",
    .text = "usage: pgward approve BUNDLE --key KEY [--as NAME] [--note TEXT] [--pubkey KEY]\n"
            "\n"
            "Sign off a bundle: write BUNDLE/approvals/NAME.json, an Ed25519 signature\n"
            "with KEY over the bundle's digest, NAME, the time and the note. What the\n"
            "bundle runs, its manifest and its signature do not change. The bundle's\n"
            "policy says whose approvals count and how many apply needs. With --pubkey\n"
            "the bundle's signature must verify with that key first.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 written, 1 the bundle does not verify or NAME approved it\n"
              "already, 2 usage or input error (not a bundle, the key unreadable, the\n"
              "approval cannot be written)\n",
};

/* NAME when --as is not given: the key file's name without its folder and extension. */
static char *default_name(const char *key)
{
    const char *base = strrchr(key, '/');
    base = base ? base + 1 : key;
    const char *dot = strchr(base, '.');
    return xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

/*
 * Says on stderr when the approval just made will not count: the bundle's own policy
 * decides, and it cannot change without changing the bundle. Written anyway: the
 * approver may sign off before the policy names them, for the record.
 */
static void warn_if_not_counted(const char *dir, const bundle_info *info, const char *name,
                                const char *json)
{
    char *err = NULL, *pname = xasprintf("%s/policy", dir);
    policy *pol = policy_parse_bundled(pname, info->policy_text, info->policy_len, &err);
    free(pname);
    if (!pol) {
        free(err);
        return;
    }
    approval_file f = {.name = xasprintf("%s.json", name), .text = (char *)json,
                       .len = strlen(json)};
    approval_verdict *v = approvals_judge(&f, 1, info->manifest_sha256, pol);
    if (!v[0].counts) {
        /* the verdict names approvals/NAME.json: what follows its ": " is the reason */
        const char *why = strstr(v[0].problem, ": ");
        fprintf(stderr, "pgward: warning: this approval will not count: %s\n",
                why ? why + 2 : v[0].problem);
    }
    approval_verdicts_free(v, 1);
    free(f.name);
    policy_free(pol);
}

/* Writes text to BUNDLE/approvals/NAME.json, never over a file or through a link. */
static int write_approval(const char *dir, const char *name, const char *text, bool *exists)
{
    char *folder = xasprintf("%s/%s", dir, APPROVALS_DIR);
    char *path = xasprintf("%s/%s.json", folder, name);
    int rc = 0;
    if (mkdir(folder, 0755) != 0 && errno != EEXIST) {
        rc = error("cannot create '%s': %s", folder, strerror(errno));
    } else {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            *exists = errno == EEXIST;
            rc = *exists ? error("refusing to approve: '%s' exists: %s approved this bundle "
                                 "already",
                                 path, name)
                         : error("cannot create '%s': %s", path, strerror(errno));
        } else {
            size_t len = strlen(text);
            bool ok = write(fd, text, len) == (ssize_t)len;
            ok = close(fd) == 0 && ok;
            if (!ok) {
                unlink(path);
                rc = error("cannot write '%s'", path);
            }
        }
    }
    if (rc == 0)
        printf("%s: approved by %s\n", path, name);
    free(folder);
    free(path);
    return rc;
}

int cmd_approve(int argc, char **argv)
{
    const char *key = NULL, *as = NULL, *note = "", *pubkey = NULL;
    const cli_option options[] = {
        CLI_OPT_STRING(0, "key", "KEY", &key, "the approver's Ed25519 private key (PEM)"),
        CLI_OPT_STRING(0, "as", "NAME", &as,
                       "the approver's name in the policy (default: KEY's base name)"),
        CLI_OPT_STRING(0, "note", "TEXT", &note, "what the approver says (signed with it)"),
        CLI_OPT_STRING(0, "pubkey", "KEY", &pubkey,
                       "the bundle's signature must verify with this key first"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&approve_usage, options, argc, argv, &argi);
    if (rc >= 0)
        return rc;
    if (argi >= argc)
        return usage_error("approve", "'approve' needs a BUNDLE");
    if (argi < argc - 1)
        return usage_error("approve", "'approve' takes one BUNDLE");
    if (!key)
        return usage_error("approve", "no key: give --key KEY");
    const char *dir = argv[argi];
    char *name = as ? xstrdup(as) : default_name(key);
    if (!approval_name_ok(name)) {
        rc = usage_error("approve", "invalid approver name '%s': use 1-64 letters, digits, "
                                    "'_', '.' or '-', not starting with '.' or '-'",
                         name);
        free(name);
        return rc;
    }
    char *err = NULL;
    if (bundle_check_present(dir, &err) < 0) {
        error("%s", err);
        free(err);
        free(name);
        return EXIT_USAGE;
    }
    bundle_info info;
    if (bundle_verify(dir, pubkey, &info, &err) < 0) {
        error("refusing to approve: %s", err);
        free(err);
        bundle_info_free(&info);
        free(name);
        return EXIT_FINDINGS;
    }
    char *json = NULL;
    if (approval_make(info.manifest_sha256, name, note, key, time(NULL), &json, &err) < 0) {
        error("%s", err);
        free(err);
        rc = EXIT_USAGE;
    } else {
        bool exists = false;
        rc = write_approval(dir, name, json, &exists) == 0 ? EXIT_CLEAN
             : exists                                    ? EXIT_FINDINGS
                                                         : EXIT_USAGE;
        if (rc == EXIT_CLEAN)
            warn_if_not_counted(dir, &info, name, json);
    }
    free(json);
    bundle_info_free(&info);
    free(name);
    return rc;
}
