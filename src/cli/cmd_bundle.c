/*
 * cmd_bundle.c: `pgward bundle PATH... -o OUT [--sign KEY]` and
 * `pgward bundle verify BUNDLE [--pubkey KEY]`.
 *
 * bundle: lints the scripts with the policy for the role (as `pgward lint
 * --policy --role` does) and refuses (exit 1) while any error-level finding
 * remains; otherwise writes the bundle (bundle.h): every script and every file it
 * includes, the policy's canonical text, and a hash-chained manifest, signed with
 * an Ed25519 key when --sign is given. verify: reads the bundle once (regular files
 * only, nothing unlisted) and checks hashes, chain, policy digest, the statement
 * count, the signature's form and, with --pubkey, the signature (then unsigned
 * bundles are refused).
 * Exit: 0 ok, 1 refused or does not verify, 2 usage or input error (a file
 * unreadable or not SQL text, a PATH without SQL, not a bundle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/batch.h"
#include "base/text.h"
#include "bundle/approval.h"
#include "bundle/bundle.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "rules/lint.h"
#include "report/report.h"

static const cli_usage bundle_usage = {
    .cmd = "bundle",
    .text = "usage: pgward bundle [options] -o OUT PATH...\n"
            "       pgward bundle verify BUNDLE [--pubkey KEY]\n"
            "\n"
            "Check scripts against the policy for the role that will run them and, when no\n"
            "error-level finding remains, write a bundle: the scripts and everything they\n"
            "include, the policy, and a hash-chained manifest (signed with --sign).\n"
            "\n",
    .footer = "\n"
              "exit status: 0 written or verified, 1 refused or does not verify, 2 usage or\n"
              "input error (a file unreadable or not SQL text, a PATH without SQL, not a\n"
              "bundle)\n",
};

static const cli_usage bundle_verify_usage = {
    .cmd = "bundle verify",
    .text = "usage: pgward bundle verify BUNDLE [--pubkey KEY]\n"
            "\n"
            "Check a bundle: the hash of every file, the manifest's hash chain, the policy's\n"
            "digest, the statement count, that it holds only the regular files its manifest\n"
            "lists, and, with --pubkey, the signature (then an unsigned bundle is refused).\n"
            "Without --pubkey a manifest.sig must still be in its one canonical form, but\n"
            "nothing says who signed: that protects against accidents, not attackers.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 verified, 1 does not verify, 2 usage or input error (not a\n"
              "bundle)\n",
};

/* --pubkey: bundle verify takes it; bundle lists it for bundle verify and refuses it. */
#define BUNDLE_PUBKEY_HELP "verify: the signature must verify with this key"

static int opt_pubkey_for_verify(const char *cmd, const char *arg, void *dest)
{
    (void)arg;
    (void)dest;
    return usage_error(cmd, "--pubkey is for 'bundle verify'");
}

/*
 * Lists the bundle's approvals, judged with the policy it carries (its approvers and
 * their keys), and what its role needs. An approval that does not count (tampered,
 * for another bundle, another key) makes the bundle not verify: exit 1.
 */
static int list_approvals(const char *dir, const bundle_info *info)
{
    char *err = NULL, *pname = xasprintf("%s/policy", dir);
    policy *pol = policy_parse_bundled(pname, info->policy_text, info->policy_len, &err);
    free(pname);
    if (!pol) {
        fprintf(stderr, "pgward: the bundle's policy does not load: %s\n", err);
        free(err);
        return EXIT_FINDINGS;
    }
    approval_verdict *v =
        approvals_judge(info->approvals, info->napprovals, info->manifest_sha256, pol);
    int rc = EXIT_CLEAN;
    for (size_t i = 0; i < info->napprovals; i++) {
        if (v[i].counts) {
            /* the note is the approver's text: escaped like a script's */
            strbuf sb = {0};
            text_escape(&sb, v[i].a.note, strlen(v[i].a.note), false, 200);
            char *note = sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
            printf("approved by %s%s at %s%s%s%s\n", v[i].a.approver,
                   v[i].human ? " (human)" : "", v[i].a.time, *note ? ": \"" : "", note,
                   *note ? "\"" : "");
            free(note);
        } else {
            fprintf(stderr, "pgward: %s: does not count: %s\n", dir, v[i].problem);
            rc = EXIT_FINDINGS;
        }
    }
    const policy_role *role = info->role ? policy_find_role(pol, info->role) : NULL;
    char *missing = NULL;
    if (role && role->approvals > 0) {
        if (approvals_enough(role, v, info->napprovals, &missing) < 0)
            printf("approvals: not enough to apply: %s\n", missing);
        else
            printf("approvals: enough to apply for role %s\n", role->name);
    }
    free(missing);
    approval_verdicts_free(v, info->napprovals);
    policy_free(pol);
    return rc;
}

static int cmd_bundle_verify(int argc, char **argv)
{
    const char *pubkey = NULL;
    const cli_option options[] = {
        CLI_OPT_STRING(0, "pubkey", "KEY", &pubkey, BUNDLE_PUBKEY_HELP),
        CLI_OPT_END(),
    };
    /* argv[1] is "verify": its options and BUNDLE follow */
    int argi, rc = cli_parse_options(&bundle_verify_usage, options, argc - 1, argv + 1, &argi);
    if (rc >= 0)
        return rc;
    if (argi >= argc - 1)
        return usage_error(bundle_verify_usage.cmd, "'bundle verify' needs a BUNDLE");
    if (argi < argc - 2)
        return usage_error(bundle_verify_usage.cmd, "'bundle verify' takes one BUNDLE");
    const char *dir = argv[1 + argi];
    bundle_info info;
    char *err = NULL;
    if (bundle_check_present(dir, &err) < 0) {
        error("%s", err); /* not a bundle: an input error, as for apply */
        free(err);
        return EXIT_USAGE;
    }
    if (bundle_verify(dir, pubkey, &info, &err) < 0) {
        fprintf(stderr, "pgward: %s\n", err);
        free(err);
        bundle_info_free(&info);
        return EXIT_FINDINGS;
    }
    printf("%s: ok: %zu file%s, %zu statement%s, role %s, policy sha256 %s, %s\n", dir,
           info.nfiles, info.nfiles == 1 ? "" : "s", info.statements,
           info.statements == 1 ? "" : "s", info.role ? info.role : "?",
           info.policy_digest ? info.policy_digest : "?",
           pubkey ? "signature verified" : info.signed_ ? "signed (not checked: no --pubkey)"
                                                      : "unsigned");
    rc = list_approvals(dir, &info);
    bundle_info_free(&info);
    return rc;
}

typedef struct bundle_run {
    const lint_config *cfg;
    const policy_role *role;
    const cli_read_opts *ro;
    script **scripts;
    size_t errors;
    bool input_error; /* a file could not be read, or is not SQL text: exit 2 */
    bool color;
    bundle_spec *spec;
} bundle_run;

/* Reads and checks file i, as `pgward lint --policy --role` would (a worker thread). */
static void *bundle_one(void *ctx, size_t i)
{
    const bundle_run *run = ctx;
    return lint_file(run->cfg, run->role, run->ro->paths.paths[i], &run->ro->script);
}

/* Takes file i in order: its error-level findings, its files for the bundle. */
static void bundle_take(void *ctx, size_t i, void *result)
{
    bundle_run *run = ctx;
    script *s = run->scripts[i] = result;
    finding_list_sort(&s->findings);
    for (size_t k = 0; k < s->findings.count; k++) {
        const finding *f = &s->findings.items[k];
        if (f->severity == SEV_ERROR) {
            run->errors++;
            run->input_error |= f->rule == RULE_INPUT_ERROR;
            report_finding_text(stderr, f, run->color);
        }
    }
    bundle_spec *spec = run->spec;
    spec->nstatements += s->nread;
    for (size_t k = 0; k < s->nsources; k++) {
        GROW(spec->files, spec->capfiles, spec->nfiles + 1);
        spec->files[spec->nfiles++] = (bundle_file){.path = s->sources[k]->name,
                                                    .text = s->sources[k]->text,
                                                    .len = s->sources[k]->len,
                                                    .included = k > 0};
    }
}

int cmd_bundle(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "verify") == 0)
        return cmd_bundle_verify(argc, argv);
    cli_read_opts ro;
    cli_read_opts_init(&ro);
    const cli_option options[] = {
        CLI_BUNDLE_OPTIONS(&ro),
        CLI_OPT_CALLBACK(0, "pubkey", "KEY", NULL, opt_pubkey_for_verify, BUNDLE_PUBKEY_HELP),
        CLI_POLICY_OPTIONS(&ro),
        CLI_READ_OPTIONS(&ro),
        CLI_OPT_END(),
    };
    int rc = cli_parse_read_command(&bundle_usage, options, argc, argv, &ro);
    if (rc >= 0) {
        cli_read_opts_free(&ro);
        return rc;
    }
    if (!ro.output) {
        cli_read_opts_free(&ro);
        return usage_error("bundle", "no output: give -o OUT");
    }
    policy *pol = NULL;
    const policy_role *role = NULL;
    rc = cli_load_policy("bundle", &ro, true, &pol, &role);
    if (rc >= 0) {
        policy_free(pol);
        cli_read_opts_free(&ro);
        return rc;
    }
    script **scripts = xcalloc(ro.paths.count ? ro.paths.count : 1, sizeof(script *));
    bundle_spec spec = {.policy = pol,
                        .role = role->name,
                        .verdict = "pass",
                        .vars = ro.script.vars,
                        .nvars = ro.script.nvars};
    /* the same checks as `pgward lint --policy --role` (the grammar's major), -j files at once */
    const lint_config cfg = {.policy = pol, .pg_version = PGWARD_GRAMMAR_MAJOR, .bundled = true};
    bundle_run run = {.cfg = &cfg, .role = role, .ro = &ro, .scripts = scripts,
                      .color = report_want_color(2), .spec = &spec};
    batch_run(ro.paths.count, ro.jobs, bundle_one, bundle_take, &run);
    size_t errors = run.errors;
    if (errors) {
        fprintf(stderr, "pgward: refusing to bundle: %zu error-level finding%s for role '%s'\n",
                errors, errors == 1 ? "" : "s", role->name);
        rc = run.input_error ? EXIT_USAGE : EXIT_FINDINGS;
    } else {
        char *err = NULL;
        if (bundle_write(ro.output, &spec, ro.sign_key, &err) < 0) {
            fprintf(stderr, "pgward: %s\n", err);
            free(err);
            rc = EXIT_USAGE;
        } else {
            printf("%s: %zu file%s, %zu statement%s, role %s, policy sha256 %s%s\n", ro.output,
                   spec.nfiles, spec.nfiles == 1 ? "" : "s", spec.nstatements,
                   spec.nstatements == 1 ? "" : "s", role->name, pol->digest,
                   ro.sign_key ? ", signed" : "");
            rc = EXIT_CLEAN;
        }
    }
    for (size_t i = 0; i < ro.paths.count; i++)
        script_free(scripts[i]);
    free(scripts);
    free(spec.files);
    policy_free(pol);
    cli_read_opts_free(&ro);
    return rc;
}
