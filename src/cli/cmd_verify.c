/*
 * cmd_verify.c: `pgward verify`: checks a live database against the policy and
 * prints the go/no-go checklist (verify.h: one evaluation, items with evidence) as
 * text, JSON or markdown (the checklists of the staging audit trail, ready to append
 * to an audit log); every format and the exit status render the same items. The
 * policy is loaded, and the env file read, before anything connects.
 * Exit: 0 GO, 1 NO-GO, 2 usage or input error (an invalid policy: file:line:col;
 * a malformed --db),
 * 3 cannot connect, or a database error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "policy/policy.h"
#include "base/text.h"
#include "base/util.h"
#include "report/report.h"
#include "audit/audit.h"
#include "verify/probes.h"
#include "verify/verify.h"

static const cli_usage verify_usage = {
    .cmd = "verify",
    .text = "usage: pgward verify [--db CONNINFO | --env-file FILE] [--policy FILE]\n"
            "                     [--format text|json|markdown] [--probe | --no-probe]\n"
            "\n"
            "Check a live database against the policy, read-only, and print the go/no-go\n"
            "checklist with the evidence of every item: schemas, extensions, row_security,\n"
            "the automation role, roles, privileges, credential lifetimes, the final state of\n"
            "the runs in the audit trail, the audit trail with the local journal, views,\n"
            "row-level security on sensitive tables and the catalog assumptions of the static\n"
            "gate; with --probe (the default when --env-file is a stage's), each restricted\n"
            "role probed live, in transactions rolled back. GO only when every item holds.\n"
            "\n",
    .footer = "\n"
              "exit status: 0 GO, 1 NO-GO, 2 usage or input error (an invalid policy, a\n"
              "malformed --db), 3 cannot connect or database error\n",
};

typedef enum { FMT_TEXT, FMT_JSON, FMT_MARKDOWN } out_format;

static int opt_format(const char *cmd, const char *arg, void *format)
{
    static const char *const names[] = {[FMT_TEXT] = "text", [FMT_JSON] = "json",
                                        [FMT_MARKDOWN] = "markdown"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        if (strcmp(arg, names[i]) == 0) {
            *(out_format *)format = (out_format)i;
            return -1;
        }
    }
    return usage_error(cmd, "unknown format '%s': expected text, json or markdown", arg);
}

/* "GO" or "NO-GO: 2 items failed (runs-completed, runs-no-errors)". */
static char *verdict_line(const verify_report *r)
{
    size_t failed = verify_failed(r);
    if (!failed)
        return xstrdup("GO");
    char *ids = verify_failed_ids(r);
    char *s = xasprintf("NO-GO: %zu item%s failed (%s)", failed, failed == 1 ? "" : "s", ids);
    free(ids);
    return s;
}

static const char *section_name(verify_section s)
{
    switch (s) {
    case VERIFY_STAGING:
        return "staging validation";
    case VERIFY_QUALITY:
        return "quality gates";
    case VERIFY_GO_NO_GO:
        break;
    }
    return "go/no-go criteria";
}

/* ------------------------------------------------------------------ text */

/* Prints prefix, then s escaped: names and messages come from the database,
   where a restricted role may have put an escape sequence in an object's name. */
static void put_shown(FILE *out, const char *prefix, const char *s)
{
    strbuf sb = {0};
    text_escape(&sb, s, strlen(s), false, 0);
    fprintf(out, "%s%s\n", prefix, sb.buf);
    sb_free(&sb);
}

/* Every item, in the checklist's order, with its evidence and problems. */
static void render_text(const verify_report *r, FILE *out)
{
    fprintf(out, "pgward verify: %s at %s\n", r->target, r->time);
    fprintf(out, "policy %s (sha256 %s)\n", r->policy_file, r->policy_digest);
    for (size_t i = 0; i < r->nitems; i++) {
        const verify_gate *g = &r->items[i].line;
        fprintf(out, "%-6s %s: %s\n", g->pass ? "GO" : "NO-GO", g->id, g->title);
        for (size_t k = 0; k < g->nevidence; k++)
            put_shown(out, "         ", g->evidence[k]);
        for (size_t k = 0; k < g->nproblems; k++)
            put_shown(out, "         problem: ", g->problems[k]);
    }
    char *v = verdict_line(r);
    fprintf(out, "%s\n", v);
    free(v);
}

/* ------------------------------------------------------------------ json */

static cJSON *string_array(char *const *items, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
    return a;
}

/* {id, title, pass, evidence, problems}, and the gate's parts under "assumptions". */
static cJSON *gate_json(const verify_gate *g)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", g->id);
    cJSON_AddStringToObject(j, "title", g->title);
    cJSON_AddBoolToObject(j, "pass", g->pass);
    cJSON_AddItemToObject(j, "evidence", string_array(g->evidence, g->nevidence));
    cJSON_AddItemToObject(j, "problems", string_array(g->problems, g->nproblems));
    if (g->reported_by)
        cJSON_AddStringToObject(j, "reported_by", g->reported_by);
    if (g->nparts) {
        cJSON *parts = cJSON_AddArrayToObject(j, "assumptions");
        for (size_t k = 0; k < g->nparts; k++)
            cJSON_AddItemToArray(parts, gate_json(&g->parts[k]));
    }
    return j;
}

/* [{role, kind, what, sql, expected, actual, pass}]: every probe as data, or null
   without --probe. */
static cJSON *probes_json(const probe_report *pr)
{
    if (!pr)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < pr->n; i++) {
        const probe *q = &pr->probes[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "role", q->role);
        cJSON_AddStringToObject(j, "kind", q->kind);
        cJSON_AddStringToObject(j, "what", q->what);
        cJSON_AddStringToObject(j, "sql", q->sql);
        cJSON_AddStringToObject(j, "expected", q->expected);
        cJSON_AddStringToObject(j, "actual", q->actual);
        cJSON_AddBoolToObject(j, "pass", q->pass);
        cJSON_AddItemToArray(a, j);
    }
    return a;
}

static void render_json(const verify_report *r, const probe_report *probes, FILE *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddStringToObject(o, "verdict", verify_failed(r) ? "NO-GO" : "GO");
    cJSON_AddStringToObject(o, "time", r->time);
    cJSON_AddStringToObject(o, "target", r->target);
    cJSON_AddStringToObject(o, "database", r->database);
    cJSON_AddStringToObject(o, "user", r->user);
    cJSON_AddStringToObject(o, "server_version", r->server_version);
    cJSON *pol = cJSON_AddObjectToObject(o, "policy");
    cJSON_AddStringToObject(pol, "file", r->policy_file);
    cJSON_AddStringToObject(pol, "sha256", r->policy_digest);
    if (r->journal)
        cJSON_AddStringToObject(o, "journal", r->journal);
    else
        cJSON_AddNullToObject(o, "journal");
    cJSON *gates = cJSON_AddArrayToObject(o, "gates");
    cJSON *failed = cJSON_CreateArray();
    for (size_t i = 0; i < r->ngates; i++) {
        const verify_gate *g = &r->gates[i];
        cJSON_AddItemToArray(gates, gate_json(g));
    }
    cJSON *items = cJSON_AddArrayToObject(o, "items");
    for (size_t i = 0; i < r->nitems; i++) {
        const verify_item *it = &r->items[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", it->line.id);
        cJSON_AddStringToObject(j, "section", section_name(it->section));
        cJSON_AddStringToObject(j, "text", it->line.title);
        if (it->gate)
            cJSON_AddStringToObject(j, "gate", it->gate);
        else
            cJSON_AddNullToObject(j, "gate");
        cJSON_AddBoolToObject(j, "pass", it->line.pass);
        cJSON_AddItemToObject(j, "evidence", string_array(it->line.evidence, it->line.nevidence));
        cJSON_AddItemToObject(j, "problems", string_array(it->line.problems, it->line.nproblems));
        cJSON_AddItemToArray(items, j);
        if (!it->line.pass)
            cJSON_AddItemToArray(failed, cJSON_CreateString(it->line.id));
    }
    cJSON_AddItemToObject(o, "failed", failed);
    if (r->runs.readable) {
        cJSON *runs = cJSON_AddObjectToObject(o, "runs");
        cJSON_AddNumberToObject(runs, "total", (double)r->runs.total);
        cJSON_AddNumberToObject(runs, "committed", (double)r->runs.committed);
        cJSON_AddNumberToObject(runs, "failed", (double)r->runs.failed);
        cJSON_AddNumberToObject(runs, "cancelled", (double)r->runs.cancelled);
        cJSON_AddNumberToObject(runs, "dry_run", (double)r->runs.dry_run);
        cJSON_AddNumberToObject(runs, "running", (double)r->runs.running);
        if (r->runs.failed_statements >= 0)
            cJSON_AddNumberToObject(runs, "failed_statements", (double)r->runs.failed_statements);
        else
            cJSON_AddNullToObject(runs, "failed_statements");
    } else {
        cJSON_AddNullToObject(o, "runs");
    }
    const verify_automation *a = &r->automation;
    if (a->role) {
        cJSON *j = cJSON_AddObjectToObject(o, "automation_role");
        cJSON_AddStringToObject(j, "name", a->role);
        cJSON_AddBoolToObject(j, "exists", a->exists);
        cJSON_AddBoolToObject(j, "login", a->login);
        cJSON_AddBoolToObject(j, "connect", a->connect);
        if (a->valid_until)
            cJSON_AddStringToObject(j, "valid_until", a->valid_until);
        else
            cJSON_AddNullToObject(j, "valid_until");
        cJSON_AddBoolToObject(j, "expired", a->expired);
    } else {
        cJSON_AddNullToObject(o, "automation_role");
    }
    cJSON_AddItemToObject(o, "probes", probes_json(probes));
    cJSON *so = cJSON_AddArrayToObject(o, "signoffs");
    for (size_t i = 0; i < r->nsignoffs; i++) {
        const verify_signoff *s = &r->signoffs[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "bundle", s->bundle);
        cJSON_AddStringToObject(e, "run", s->run);
        cJSON_AddStringToObject(e, "role", s->role);
        cJSON_AddStringToObject(e, "db_user", s->db_user);
        cJSON_AddStringToObject(e, "client", s->client);
        cJSON_AddStringToObject(e, "finished_at", s->finished);
        cJSON *ap = cJSON_AddArrayToObject(e, "approvals");
        for (size_t k = 0; k < s->napprovers; k++) {
            cJSON *one = cJSON_CreateObject();
            cJSON_AddStringToObject(one, "approver", s->approvers[k].approver);
            cJSON_AddBoolToObject(one, "human", s->approvers[k].human);
            cJSON_AddStringToObject(one, "approved_at", s->approvers[k].approved_at);
            cJSON_AddStringToObject(one, "note", s->approvers[k].note);
            cJSON_AddItemToArray(ap, one);
        }
        cJSON_AddItemToArray(so, e);
    }
    report_print_json_doc(out, o, true);
}

/* ------------------------------------------------------------------ markdown */

/* "- [x] text (`id`)", its evidence on one line, a line per problem. */
static void md_item(FILE *out, const verify_gate *g)
{
    fprintf(out, "- [%c] %s (`%s`)\n", g->pass ? 'x' : ' ', g->title, g->id);
    strbuf sb = {0};
    for (size_t k = 0; k < g->nevidence; k++)
        sb_addf(&sb, "%s%s", k ? "; " : "", g->evidence[k]);
    put_shown(out, "  - evidence: ", sb.len ? sb.buf : "none");
    sb_free(&sb);
    for (size_t k = 0; k < g->nproblems; k++)
        put_shown(out, "  - problem: ", g->problems[k]);
}

/*
 * "performance impact under 10%": not an item, since pgward has no baseline to
 * compare with (nothing the verdict may hide); its evidence is what the audit trail
 * measured (the audit-trail gate's "durations:" lines, durations.c) and what it
 * does not. A policy's budget is an item of its own (the gate budget).
 */
static void md_performance(FILE *out, const verify_report *r)
{
    const verify_gate *g = verify_find_gate(r, "audit-trail");
    strbuf sb = {0};
    for (size_t k = 0; g && k < g->nevidence; k++)
        if (strncmp(g->evidence[k], "durations: ", 11) == 0)
            sb_addf(&sb, "%s; ", g->evidence[k] + 11);
    sb_adds(&sb, "the impact against a baseline is not measured by pgward (a policy's "
                 "budget run, statement and lock are the gate budget)");
    fprintf(out, "\nNot part of the verdict: performance impact under 10%% (not measured by "
                 "pgward).\n  - evidence: %s\n",
            sb.buf);
    sb_free(&sb);
}

/*
 * The staging audit trail's three sign-offs, filled from the evidence (signoffs.c):
 * this report's verdict; who applied each bundle's latest committed run; the
 * approvals recorded for it, ticked when every such run has a human's. They are for
 * the people who sign and are not part of the verdict.
 */
static void md_signoffs(FILE *out, const verify_report *r, bool go)
{
    fprintf(out, "\n### Sign-offs\n\nFilled from the audit trail; not part of the verdict.\n\n");
    fprintf(out, "- [%c] the automation's staging validation\n  - evidence: pgward verify %s "
                 "at %s as %s on %s\n",
            go ? 'x' : ' ', go ? "GO" : "NO-GO", r->time, r->user, r->database);
    strbuf ev = {0}, ap = {0};
    size_t with_human = 0;
    for (size_t i = 0; i < r->nsignoffs; i++) {
        const verify_signoff *s = &r->signoffs[i];
        sb_addf(&ev, "%sbundle %.12s: run %s, role %s as %s%s%s, committed %s",
                i ? "; " : "", s->bundle, s->run, s->role, s->db_user,
                *s->client ? ", operator " : "", s->client, s->finished);
        bool human = false;
        sb_addf(&ap, "%sbundle %.12s: ", i ? "; " : "", s->bundle);
        for (size_t k = 0; k < s->napprovers; k++) {
            const struct audit_approver *a = &s->approvers[k];
            human = human || a->human;
            sb_addf(&ap, "%s%s%s at %s%s%s%s", k ? ", " : "", a->approver,
                    a->human ? " (human)" : "", a->approved_at, *a->note ? " \"" : "", a->note,
                    *a->note ? "\"" : "");
        }
        if (!s->napprovers)
            sb_adds(&ap, "no approval recorded");
        with_human += human;
    }
    fprintf(out, "- [%c] the infrastructure owner: the bundles that ran\n",
            r->nsignoffs ? 'x' : ' ');
    put_shown(out, "  - evidence: ", r->nsignoffs ? ev.buf : "no committed run in audit.runs");
    fprintf(out, "- [%c] a human operator who reviewed and approved\n",
            r->nsignoffs && with_human == r->nsignoffs ? 'x' : ' ');
    put_shown(out, "  - evidence: ", r->nsignoffs ? ap.buf : "no committed run in audit.runs");
    sb_free(&ev);
    sb_free(&ap);
}

static void render_markdown(const verify_report *r, FILE *out)
{
    size_t failed = verify_failed(r);
    fprintf(out, "## pgward verify: %s\n\n", failed ? "NO-GO" : "GO");
    fprintf(out, "- time: %s\n", r->time);
    fprintf(out, "- database: %s (%s)\n", r->database, r->target);
    fprintf(out, "- user: %s\n", r->user);
    fprintf(out, "- server: %s\n", r->server_version);
    fprintf(out, "- policy: %s (sha256 %s)\n", r->policy_file, r->policy_digest);
    fprintf(out, "- journal: %s\n", r->journal ? r->journal : "none");
    if (failed) {
        char *ids = verify_failed_ids(r);
        fprintf(out, "- verdict: **NO-GO**: %zu of %zu items failed (%s)\n", failed, r->nitems,
                ids);
        free(ids);
    } else {
        fprintf(out, "- verdict: **GO**: all %zu items pass\n", r->nitems);
    }
    static const struct {
        verify_section s;
        const char *heading;
    } sections[] = {{VERIFY_STAGING, "Staging validation"},
                    {VERIFY_QUALITY, "Quality gates"},
                    {VERIFY_GO_NO_GO, "Go/no-go criteria"}};
    for (size_t k = 0; k < ARRAY_SIZE(sections); k++) {
        fprintf(out, "\n### %s\n\n", sections[k].heading);
        for (size_t i = 0; i < r->nitems; i++)
            if (r->items[i].section == sections[k].s)
                md_item(out, &r->items[i].line);
    }
    md_performance(out, r);
    md_signoffs(out, r, failed == 0);
}

/* --probe / --no-probe: 1 / 0 into an int that stays -1 (decide later) without them. */
static int opt_probe(const char *cmd, const char *arg, void *dest)
{
    (void)cmd;
    (void)arg;
    *(int *)dest = 1;
    return -1;
}

static int opt_no_probe(const char *cmd, const char *arg, void *dest)
{
    (void)cmd;
    (void)arg;
    *(int *)dest = 0;
    return -1;
}

/* Whether an env file is a stage's (`pgward stage up` writes DIR/.env.admin beside
   the marker DIR/stage.json, src/stage/stage.h): the probes are on by default there. */
static bool env_file_of_stage(const char *env_file)
{
    if (!env_file)
        return false;
    const char *slash = strrchr(env_file, '/');
    char *marker = slash ? xasprintf("%.*s/stage.json", (int)(slash - env_file), env_file)
                         : xstrdup("stage.json");
    bool is = access(marker, F_OK) == 0;
    free(marker);
    return is;
}

/* ------------------------------------------------------------------ command */

int cmd_verify(int argc, char **argv)
{
    cli_conn_opts co = {0};
    const char *policy_path = NULL;
    out_format fmt = FMT_TEXT;
    int do_probe = -1;
    const cli_option options[] = {
        CLI_CONN_OPTIONS(&co),
        CLI_OPT_STRING(0, "policy", "FILE", &policy_path,
                       "the policy (default: pgward.policy in this folder or\n"
                       "the nearest above)"),
        CLI_OPT_CALLBACK(0, "format", "FORMAT", &fmt, opt_format,
                         "text (default), json, or markdown (the audit log's\n"
                         "checklists with [x] and [ ] and their evidence)"),
        CLI_OPT_CALLBACK(0, "probe", NULL, &do_probe, opt_probe,
                         "probe each restricted role live, in transactions\n"
                         "rolled back (default when --env-file is a stage's)"),
        CLI_OPT_CALLBACK(0, "no-probe", NULL, &do_probe, opt_no_probe,
                         "catalog gates only, no probe"),
        CLI_OPT_END(),
    };
    int argi, rc = cli_parse_options(&verify_usage, options, argc, argv, &argi);
    if (rc < 0 && argi < argc)
        rc = usage_error("verify", "unexpected argument '%s'", argv[argi]);

    /* the policy first: an invalid one is reported without connecting */
    policy *pol = NULL;
    if (rc < 0) {
        char *path = policy_path ? xstrdup(policy_path) : cli_find_policy();
        if (!path) {
            rc = usage_error("verify", "no policy: give --policy FILE or add a pgward.policy");
        } else {
            char *err = NULL;
            pol = policy_load(path, &err);
            if (!pol) {
                if (strncmp(err, path, strlen(path)) == 0 && err[strlen(path)] == ':')
                    fprintf(stderr, "%s\n", err);
                else
                    error("%s", err);
                free(err);
                rc = EXIT_USAGE;
            }
            free(path);
        }
    }
    if (rc < 0)
        rc = cli_conn_open_params("verify", &co);
    if (rc >= 0) {
        if (pol)
            policy_free(pol);
        cli_conn_opts_free(&co);
        return rc;
    }

    char *err = NULL;
    PGconn *c = conn_open(&co.params, co.db, "pgward verify", &err);
    verify_report rep;
    if (do_probe < 0)
        do_probe = env_file_of_stage(co.env_file);
    /* the probes are one more gate, judged with the others (verify/probes.h) */
    probe_report probes = {0};
    int got = c ? verify_database(c, pol, co.journal, do_probe ? &probes : NULL, &rep, &err)
                : -1;
    if (got < 0) {
        error("%s", err);
        rc = EXIT_FAILED;
    } else {
        switch (fmt) {
        case FMT_TEXT:
            render_text(&rep, stdout);
            break;
        case FMT_JSON:
            render_json(&rep, do_probe ? &probes : NULL, stdout);
            break;
        case FMT_MARKDOWN:
            render_markdown(&rep, stdout);
            break;
        }
        rc = verify_failed(&rep) ? EXIT_FINDINGS : EXIT_CLEAN;
        verify_report_free(&rep);
    }
    probe_report_free(&probes);
    free(err);
    if (c)
        PQfinish(c);
    policy_free(pol);
    cli_conn_opts_free(&co);
    return rc;
}
