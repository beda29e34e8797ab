/*
 * checklist.c: the go/no-go checklist of pgward verify, one table of items.
 *
 * Every item is evaluated once, after the gates, into the report's items: its id,
 * the checklist line, pass, evidence and problems. GO is exactly the conjunction
 * of the items (verify_failed), and text, JSON, markdown and the exit status only
 * render them, so they cannot disagree. A row names either a gate (the item is
 * that gate) or a function computing an item of its own; verify.h says how to add
 * one.
 */
#include "verify/gate.h"

typedef struct item_source {
    const char *id;
    verify_section section;
    const char *text;
    const char *gate;    /* the gate it is, or NULL */
    verify_item_fn fn;   /* else what computes it */
    bool on_request;     /* a gate run only when asked (--probe): no item when it did not */
} item_source;

static void item_server(vctx *v, verify_gate *item);
static void item_database(vctx *v, verify_gate *item);
static void item_automation_connect(vctx *v, verify_gate *item);
static void item_automation_permissions(vctx *v, verify_gate *item);

/* The checklist, in the order every output shows it. Every gate is here once. */
static const item_source checklist[] = {
    {"server-healthy", VERIFY_STAGING, "server healthy", NULL, item_server, false},
    {"database-accessible", VERIFY_STAGING, "database accessible", NULL, item_database, false},
    {"schemas", VERIFY_STAGING, "schemas created", "schemas", NULL, false},
    {"extensions", VERIFY_STAGING, "extensions installed", "extensions", NULL, false},
    {"row-security", VERIFY_STAGING, "RLS enabled by default", "row-security", NULL, false},
    {"automation-connect", VERIFY_STAGING, "the automation role can connect", NULL,
     item_automation_connect, false},
    {"automation-permissions", VERIFY_STAGING, "its permissions verified", NULL,
     item_automation_permissions, false},
    {"roles", VERIFY_QUALITY, "roles hold no attribute beyond the policy", "roles", NULL, false},
    {"privileges", VERIFY_QUALITY, "each role's privileges are within its grants",
     "privileges", NULL, false},
    {"lifetime", VERIFY_QUALITY, "time-boxed credentials expire within their lifetime",
     "lifetime", NULL, false},
    {"runs-completed", VERIFY_GO_NO_GO, "all staging scripts completed successfully", NULL,
     item_runs_completed, false},
    {"runs-no-errors", VERIFY_GO_NO_GO, "zero errors in staging execution", NULL,
     item_runs_no_errors, false},
    {"audit-trail", VERIFY_GO_NO_GO, "audit trail complete", "audit-trail", NULL, false},
    {"views", VERIFY_GO_NO_GO, "views compile without errors", "views", NULL, false},
    {"sensitive-rls", VERIFY_GO_NO_GO, "RLS policies active on sensitive tables",
     "sensitive-rls", NULL, false},
    {"catalog-assumptions", VERIFY_GO_NO_GO, "cross-boundary isolation verified",
     "catalog-assumptions", NULL, false},
    {"probes", VERIFY_GO_NO_GO,
     "RLS policies tested and isolation proven live: each restricted role's writes, DDL, "
     "sensitive reads and role changes refused as the policy says",
     "probes", NULL, true},
    {"budget", VERIFY_GO_NO_GO, "the latest run of each bundle is within the policy's budgets",
     "budget", NULL, true},
};

/* ------------------------------------------------------------------ items of their own */

static void item_server(vctx *v, verify_gate *item)
{
    /* a server that did not answer is exit 3, never a report */
    gate_evidence(item, "%s; up since %s", v->r->server_version, v->r->server_started);
}

static void item_database(vctx *v, verify_gate *item)
{
    gate_evidence(item, "connected to %s as %s (%s)", v->r->database, v->r->user, v->r->target);
}

static void item_automation_connect(vctx *v, verify_gate *item)
{
    const verify_automation *a = &v->r->automation;
    if (!a->role) {
        gate_evidence(item, "the policy names no automation role (no default role, no role "
                            "with a lifetime): nothing to connect");
        return;
    }
    if (!a->exists) {
        gate_problem(item, "the automation role %s does not exist", a->role);
        return;
    }
    gate_evidence(item, "%s: %s, %s CONNECT on %s, %s%s", a->role, a->login ? "LOGIN" : "NOLOGIN",
                  a->connect ? "has" : "lacks", v->r->database,
                  a->expired ? "expired: VALID UNTIL "
                  : a->valid_until ? "valid until "
                                   : "no VALID UNTIL",
                  a->valid_until ? a->valid_until : "");
    if (!a->login)
        gate_problem(item, "the automation role %s cannot log in (NOLOGIN)", a->role);
    if (!a->connect)
        gate_problem(item, "the automation role %s lacks CONNECT on %s", a->role, v->r->database);
    if (a->expired)
        gate_problem(item, "the automation role %s expired at %s", a->role,
                     a->valid_until ? a->valid_until : "?");
}

/* Whether a gate's line is about role name (it starts with the name). */
static bool about_role(const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(line, "role ", 5) == 0 && strncmp(line + 5, name, n) == 0 && line[5 + n] == ' ')
        return true;
    return strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == ':' || line[n] == '(');
}

/* The automation role's lines of the gates that speak about roles. */
static void item_automation_permissions(vctx *v, verify_gate *item)
{
    const verify_automation *a = &v->r->automation;
    if (!a->role) {
        gate_evidence(item, "no automation role: nothing to verify");
        return;
    }
    static const char *const role_gates[] = {"roles", "privileges", "lifetime"};
    for (size_t i = 0; i < ARRAY_SIZE(role_gates); i++) {
        const verify_gate *g = verify_find_gate(v->r, role_gates[i]);
        for (size_t k = 0; g && k < g->nevidence; k++)
            if (about_role(g->evidence[k], a->role))
                gate_evidence(item, "%s: %s", g->id, g->evidence[k]);
        for (size_t k = 0; g && k < g->nproblems; k++)
            if (about_role(g->problems[k], a->role))
                gate_problem(item, "%s: %s", g->id, g->problems[k]);
    }
    if (item->nevidence == 0)
        gate_evidence(item, "the gates roles, privileges and lifetime say nothing about %s",
                      a->role);
    if (!a->exists)
        gate_problem(item, "the automation role %s does not exist", a->role);
}

/* ------------------------------------------------------------------ the table */

static void copy_gate(verify_gate *item, const verify_gate *g)
{
    for (size_t k = 0; k < g->nevidence; k++)
        gate_evidence(item, "%s", g->evidence[k]);
    for (size_t k = 0; k < g->nproblems; k++)
        gate_problem(item, "%s", g->problems[k]);
}

void verify_checklist(vctx *v)
{
    verify_report *r = v->r;
    for (size_t i = 0; i < ARRAY_SIZE(checklist) && !v->err; i++) {
        const item_source *s = &checklist[i];
        if (s->on_request && !verify_find_gate(r, s->gate))
            continue;
        GROW(r->items, r->capitems, r->nitems + 1);
        verify_item *it = &r->items[r->nitems++];
        memset(it, 0, sizeof(*it));
        it->line.id = s->id;
        it->line.title = s->text;
        it->section = s->section;
        it->gate = s->gate;
        if (s->gate) {
            const verify_gate *g = verify_find_gate(r, s->gate);
            if (g)
                copy_gate(&it->line, g);
            else /* a gate that did not run proves nothing */
                gate_problem(&it->line, "the gate %s did not run", s->gate);
        } else {
            s->fn(v, &it->line);
        }
        it->line.pass = it->line.nproblems == 0;
    }
    /* a gate missing from the table would not count: it is a problem of its own */
    for (size_t g = 0; g < r->ngates && !v->err; g++) {
        bool listed = false;
        for (size_t i = 0; i < ARRAY_SIZE(checklist); i++)
            listed = listed || (checklist[i].gate && strcmp(checklist[i].gate, r->gates[g].id) == 0);
        if (!listed) {
            GROW(r->items, r->capitems, r->nitems + 1);
            verify_item *it = &r->items[r->nitems++];
            memset(it, 0, sizeof(*it));
            it->line.id = r->gates[g].id;
            it->line.title = r->gates[g].title;
            it->section = VERIFY_QUALITY;
            it->gate = r->gates[g].id;
            copy_gate(&it->line, &r->gates[g]);
            it->line.pass = it->line.nproblems == 0;
        }
    }
}
