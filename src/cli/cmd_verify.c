/*
 * cmd_verify.c: `pgward verify`: checks a live database against the policy and
 * prints GO or NO-GO with the evidence of every gate (verify.h), as text, JSON or
 * markdown (the checklists of the staging audit trail, ready to append to an audit
 * log). The policy is loaded, and the env file read, before anything connects.
 * Exit: 0 GO, 1 NO-GO, 2 usage or input error (an invalid policy: file:line:col;
 * a malformed --db),
 * 3 cannot connect, or a database error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "policy/policy.h"
#include "base/text.h"
#include "base/util.h"
#include "report/report.h"
#include "verify/verify.h"

static const cli_usage verify_usage = {
    .cmd = "verify",
    .text = "usage: pgward verify [--db CONNINFO | --env-file FILE] [--policy FILE]\n"
            "                     [--format text|json|markdown]\n"
            "\n"
            "Check a live database against the policy, read-only, and print GO or NO-GO with\n"
            "the evidence of every gate: schemas, extensions, row_security, row-level security\n"
            "on sensitive tables, roles, privileges, credential lifetimes, views, the catalog\n"
            "assumptions of the static gate (isolated families, no shadowed built-in), and the\n"
            "audit trail with the local journal.\n"
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

/* "privileges, lifetime": the ids of the failed gates. */
static char *failed_ids(const verify_report *r)
{
    strbuf sb = {0};
    for (size_t i = 0; i < r->ngates; i++)
        if (!r->gates[i].pass)
            sb_addf(&sb, "%s%s", sb.len ? ", " : "", r->gates[i].id);
    return sb_detach(&sb, NULL);
}

static char *verdict_line(const verify_report *r)
{
    size_t failed = verify_failed(r);
    if (!failed)
        return xstrdup("GO");
    char *ids = failed_ids(r);
    char *s = xasprintf("NO-GO: %zu gate%s failed (%s)", failed, failed == 1 ? "" : "s", ids);
    free(ids);
    return s;
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

static void render_text(const verify_report *r, FILE *out)
{
    fprintf(out, "pgward verify: %s at %s\n", r->target, r->time);
    fprintf(out, "policy %s (sha256 %s)\n", r->policy_file, r->policy_digest);
    for (size_t i = 0; i < r->ngates; i++) {
        const verify_gate *g = &r->gates[i];
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

static void render_json(const verify_report *r, FILE *out)
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
        if (!g->pass)
            cJSON_AddItemToArray(failed, cJSON_CreateString(g->id));
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
    report_print_json_doc(out, o, true);
}

/* ------------------------------------------------------------------ markdown */

static void md_item(FILE *out, bool done, const char *item, const char *evidence_text)
{
    fprintf(out, "- [%c] %s\n", done ? 'x' : ' ', item);
    put_shown(out, "  - evidence: ", evidence_text && *evidence_text ? evidence_text : "none");
}

static void md_problems(FILE *out, const verify_gate *g)
{
    for (size_t k = 0; g && k < g->nproblems; k++)
        put_shown(out, "  - problem: ", g->problems[k]);
}

/* The gate's evidence lines on one line. */
static char *gate_evidence(const verify_gate *g)
{
    if (!g)
        return xstrdup("not checked");
    strbuf sb = {0};
    for (size_t k = 0; k < g->nevidence; k++)
        sb_addf(&sb, "%s%s", k ? "; " : "", g->evidence[k]);
    return sb_detach(&sb, NULL);
}

static void md_gate(FILE *out, const verify_report *r, const char *id, const char *item)
{
    const verify_gate *g = verify_find_gate(r, id);
    char *ev = gate_evidence(g);
    char *label = xasprintf("%s (gate `%s`)", item, id);
    md_item(out, g && g->pass, label, ev);
    md_problems(out, g);
    free(label);
    free(ev);
}

/* Whether a gate's problem is about role name (it starts with the name). */
static bool about_role(const char *problem, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(problem, "role ", 5) == 0 && strncmp(problem + 5, name, n) == 0 &&
        problem[5 + n] == ' ')
        return true;
    return strncmp(problem, name, n) == 0 &&
           (problem[n] == ' ' || problem[n] == ':' || problem[n] == '(');
}

/*
 * "performance impact under 10%": never ticked, since pgward has no baseline to
 * compare with; its evidence is what the audit trail measured (the audit-trail
 * gate's "durations:" lines, durations.c) and what it does not.
 */
static void md_performance(FILE *out, const verify_report *r)
{
    const verify_gate *g = verify_find_gate(r, "audit-trail");
    strbuf sb = {0};
    for (size_t k = 0; g && k < g->nevidence; k++)
        if (strncmp(g->evidence[k], "durations: ", 11) == 0)
            sb_addf(&sb, "%s; ", g->evidence[k] + 11);
    sb_adds(&sb, "the impact against a baseline and the locks each statement took are not "
                 "measured by pgward");
    md_item(out, false, "performance impact under 10%", sb.buf);
    sb_free(&sb);
}

static void render_markdown(const verify_report *r, FILE *out)
{
    size_t failed = verify_failed(r);
    char *ids = failed_ids(r);
    fprintf(out, "## pgward verify: %s\n\n", failed ? "NO-GO" : "GO");
    fprintf(out, "- time: %s\n", r->time);
    fprintf(out, "- database: %s (%s)\n", r->database, r->target);
    fprintf(out, "- user: %s\n", r->user);
    fprintf(out, "- server: %s\n", r->server_version);
    fprintf(out, "- policy: %s (sha256 %s)\n", r->policy_file, r->policy_digest);
    fprintf(out, "- journal: %s\n", r->journal ? r->journal : "none");
    if (failed)
        fprintf(out, "- verdict: **NO-GO**: %zu of %zu gates failed (%s)\n", failed, r->ngates,
                ids);
    else
        fprintf(out, "- verdict: **GO**: all %zu gates pass\n", r->ngates);
    free(ids);

    /* staging validation */
    fprintf(out, "\n### Staging validation\n\n");
    char *ev = xasprintf("%s; up since %s", r->server_version, r->server_started);
    md_item(out, true, "server healthy", ev);
    free(ev);
    ev = xasprintf("connected to %s as %s (%s)", r->database, r->user, r->target);
    md_item(out, true, "database accessible", ev);
    free(ev);
    md_gate(out, r, "schemas", "schemas created");
    md_gate(out, r, "extensions", "extensions installed");
    md_gate(out, r, "row-security", "RLS enabled by default");
    const verify_automation *a = &r->automation;
    if (!a->role) {
        md_item(out, false, "the automation role can connect",
                "the policy names no automation role (no default role, no lifetime)");
        md_item(out, false, "its permissions verified", "no automation role");
    } else {
        char *item = xasprintf("the automation role (%s) can connect", a->role);
        bool can = a->exists && a->login && a->connect && !a->expired;
        if (!a->exists)
            ev = xasprintf("role %s does not exist", a->role);
        else
            ev = xasprintf("%s: %s, %s CONNECT on %s, %s%s%s", a->role,
                           a->login ? "LOGIN" : "NOLOGIN", a->connect ? "has" : "lacks",
                           r->database,
                           a->expired        ? "expired: VALID UNTIL "
                           : a->valid_until ? "valid until "
                                            : "no VALID UNTIL",
                           a->valid_until ? a->valid_until : "", "");
        md_item(out, can, item, ev);
        free(item);
        free(ev);
        /* its permissions: the gates that speak about roles, for this role */
        static const char *const role_gates[] = {"roles", "privileges", "lifetime"};
        bool ok = a->exists;
        strbuf sb = {0};
        for (size_t i = 0; i < ARRAY_SIZE(role_gates); i++) {
            const verify_gate *g = verify_find_gate(r, role_gates[i]);
            for (size_t k = 0; g && k < g->nevidence; k++)
                if (about_role(g->evidence[k], a->role))
                    sb_addf(&sb, "%s%s: %s", sb.len ? "; " : "", g->id, g->evidence[k]);
            for (size_t k = 0; g && k < g->nproblems; k++)
                ok = ok && !about_role(g->problems[k], a->role);
        }
        item = xasprintf("its permissions verified (gates `roles`, `privileges`, `lifetime` "
                         "for %s)",
                         a->role);
        md_item(out, ok, item, sb.buf);
        for (size_t i = 0; i < ARRAY_SIZE(role_gates); i++) {
            const verify_gate *g = verify_find_gate(r, role_gates[i]);
            for (size_t k = 0; g && k < g->nproblems; k++)
                if (about_role(g->problems[k], a->role))
                    put_shown(out, "  - problem: ", g->problems[k]);
        }
        free(item);
        sb_free(&sb);
    }

    /* quality gates: every gate */
    fprintf(out, "\n### Quality gates\n\n");
    for (size_t i = 0; i < r->ngates; i++) {
        const verify_gate *g = &r->gates[i];
        md_gate(out, r, g->id, g->title);
    }

    /* go/no-go */
    fprintf(out, "\n### Go/no-go criteria\n\n");
    const verify_runs *vr = &r->runs;
    char *counts =
        vr->readable
            ? xasprintf("audit.runs: %ld run%s: %ld committed, %ld failed, %ld cancelled, %ld "
                        "dry-run, %ld running",
                        vr->total, vr->total == 1 ? "" : "s", vr->committed, vr->failed,
                        vr->cancelled, vr->dry_run, vr->running)
            : xstrdup("audit.runs could not be read (see the gate audit-trail)");
    md_item(out,
            vr->readable && vr->committed > 0 && vr->failed == 0 && vr->cancelled == 0 &&
                vr->running == 0,
            "all staging scripts completed successfully",
            vr->readable && vr->total == 0 ? "no run recorded in audit.runs" : counts);
    if (vr->readable && vr->total > 0 && vr->failed_statements >= 0)
        ev = xasprintf("%ld of %ld runs failed; %ld failed statements in audit.statements",
                       vr->failed, vr->total, vr->failed_statements);
    else if (vr->readable && vr->total > 0)
        ev = xasprintf("%ld of %ld runs failed", vr->failed, vr->total);
    else
        ev = xstrdup(vr->readable ? "no run recorded in audit.runs" : counts);
    md_item(out,
            vr->readable && vr->total > 0 && vr->failed == 0 && vr->failed_statements <= 0,
            "zero errors in staging execution", ev);
    free(ev);
    free(counts);
    md_gate(out, r, "audit-trail", "audit trail complete");
    md_gate(out, r, "views", "views compile without errors");
    {
        const verify_gate *rs = verify_find_gate(r, "row-security");
        const verify_gate *sr = verify_find_gate(r, "sensitive-rls");
        char *e1 = gate_evidence(rs), *e2 = gate_evidence(sr);
        ev = xasprintf("%s; %s; policies are checked present, not exercised, by pgward", e1, e2);
        md_item(out, rs && rs->pass && sr && sr->pass,
                "RLS policies active and tested (gates `row-security`, `sensitive-rls`)", ev);
        md_problems(out, rs);
        md_problems(out, sr);
        free(e1);
        free(e2);
        free(ev);
    }
    md_gate(out, r, "catalog-assumptions", "cross-boundary isolation verified");
    md_performance(out, r);
}

/* ------------------------------------------------------------------ command */

int cmd_verify(int argc, char **argv)
{
    cli_conn_opts co = {0};
    const char *policy_path = NULL;
    out_format fmt = FMT_TEXT;
    const cli_option options[] = {
        CLI_CONN_OPTIONS(&co),
        CLI_OPT_STRING(0, "policy", "FILE", &policy_path,
                       "the policy (default: pgward.policy in this folder or\n"
                       "the nearest above)"),
        CLI_OPT_CALLBACK(0, "format", "FORMAT", &fmt, opt_format,
                         "text (default), json, or markdown (the audit log's\n"
                         "checklists with [x] and [ ] and their evidence)"),
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
    if (!c || verify_database(c, pol, co.journal, &rep, &err) < 0) {
        error("%s", err);
        rc = EXIT_FAILED;
    } else {
        switch (fmt) {
        case FMT_TEXT:
            render_text(&rep, stdout);
            break;
        case FMT_JSON:
            render_json(&rep, stdout);
            break;
        case FMT_MARKDOWN:
            render_markdown(&rep, stdout);
            break;
        }
        rc = verify_failed(&rep) ? EXIT_FINDINGS : EXIT_CLEAN;
        verify_report_free(&rep);
    }
    free(err);
    if (c)
        PQfinish(c);
    policy_free(pol);
    cli_conn_opts_free(&co);
    return rc;
}
