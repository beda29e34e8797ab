/*
 * gate.c: the policy gate: prove each statement allowed for the role that runs it.
 *
 * The gate (gate_checker, run by lint.c) reads each statement's facts (with what
 * the policy allows the role: policy/query.h) and reports
 * everything the policy does not allow:
 *   role-allowlist        the role lacks a grant for what the statement does; for a
 *                         restricted role also server files and programs and LOAD;
 *                         writes to schemas only pgward may write
 *   unproven              whatever the model does not cover: gate_coverage.c
 *   no-identity-change    a restricted role changes who it is or what it may do
 *   cross-boundary-write  a statement writes one isolated family while reading another
 *   rls-required, security-definer-search-path, grant-to-public: gate_security.c
 * Severities come from the policy (`rule ID error|warning|info|off`). Unrestricted
 * roles are not held to their grants; isolation and protected schemas still apply.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/query.h"
#include "rules/checks.h"

/* A relation as the gate sees it: every reference to it in the statement merged. */
typedef struct gate_rel {
    const char *schema, *name;
    unsigned access, classes;
    long location;          /* of the first reference */
    bool ambiguous;
    bool carried;           /* every reference is a carried read (facts.h) */
} gate_rel;

typedef struct gate_rels {
    gate_rel *items;
    size_t n, cap;
} gate_rels;

static gate_rels merge_rels(const stmt_facts *f)
{
    gate_rels m = {0};
    for (size_t i = 0; i < f->nrels; i++) {
        const rel_ref *r = &f->rels[i];
        gate_rel *g = NULL;
        for (size_t k = 0; k < m.n && !g; k++)
            if (strcmp(m.items[k].schema, r->schema) == 0 &&
                ((!m.items[k].name && !r->name) ||
                 (m.items[k].name && r->name && strcmp(m.items[k].name, r->name) == 0)))
                g = &m.items[k];
        if (!g) {
            GROW(m.items, m.cap, m.n + 1);
            g = &m.items[m.n++];
            *g = (gate_rel){r->schema, r->name, 0, 0, r->location, false, true};
        }
        g->access |= r->access;
        g->classes |= r->classes;
        g->ambiguous |= r->ambiguous;
        g->carried &= r->carried;
    }
    return m;
}

static void class_words(strbuf *sb, unsigned bits)
{
    bool first = true;
    for (size_t k = 0; k < stmt_nclasses; k++) {
        if (!(bits & stmt_class_bits[k]))
            continue;
        sb_adds(sb, first ? "" : ", ");
        sb_adds(sb, stmt_class_names[k]);
        first = false;
    }
    if (first)
        sb_adds(sb, "none");
}

static void rel_name(strbuf *sb, const gate_rel *r)
{
    sb_adds(sb, r->schema);
    if (r->name) {
        sb_addc(sb, '.');
        sb_adds(sb, r->name);
    }
}

static void check_grants(lint_ctx *c, const gate_rels *rels)
{
    const policy *p = c->cfg->policy;
    const policy_role *role = c->role;
    for (size_t i = 0; i < rels->n; i++) {
        const gate_rel *r = &rels->items[i];
        strbuf name = {0};
        rel_name(&name, r);
        bool writes = r->access & (ACC_WRITE | ACC_DEFINE);
        bool protected_write = writes && policy_is_protected(p, r->schema);
        if (protected_write)
            lint_report(c, RULE_ROLE_ALLOWLIST, r->location,
                        "writes %s: schema '%s' is written only by pgward", name.buf, r->schema);
        if (r->carried) {
            /* only its family counts here: its grants were checked where it was read */
        } else if (role->restricted && r->ambiguous) {
            lint_report(c, RULE_ROLE_ALLOWLIST, r->location,
                        "unqualified '%s' may resolve to any schema of search_path; a "
                        "restricted role must qualify it or set a search_path of one schema",
                        r->name);
        } else if (role->restricted && !writes && r->classes == CLASS_SELECT &&
                   (strcmp(r->schema, "pg_catalog") == 0 ||
                    strcmp(r->schema, "information_schema") == 0)) {
            /* reading the catalog: what PostgreSQL shows any role (gate_coverage.c
               refuses the catalog relations that hold rows' values) */
        } else if (role->restricted) {
            unsigned have = r->name ? policy_table_classes(p, role, r->schema, r->name)
                                    : policy_schema_classes(p, role, r->schema);
            unsigned missing = r->classes & ~have;
            if (missing) {
                strbuf need = {0}, got = {0};
                class_words(&need, missing);
                class_words(&got, have);
                lint_report(c, RULE_ROLE_ALLOWLIST, r->location,
                            "role '%s' lacks %s on %s (its grants there: %s)", role->name,
                            need.buf, name.buf, got.buf);
                sb_free(&need);
                sb_free(&got);
            }
        }
        sb_free(&name);
    }
}

static void check_restricted(lint_ctx *c, const stmt_facts *f, const gate_rels *rels)
{
    const policy_role *role = c->role;
    if (f->unparsed)
        return; /* unproven (gate_coverage.c) */
    if (f->server_access)
        lint_report(c, RULE_ROLE_ALLOWLIST, -1, "%s is not allowed for restricted role '%s'",
                    f->server_access, role->name);
    if (f->identity_change)
        lint_report(c, RULE_NO_IDENTITY_CHANGE, -1,
                    "restricted role '%s' may not change who it is or what it may do: %s",
                    role->name, f->identity_change);
    /* what the statement does beyond the relations it names (CREATE EXTENSION,
       CHECKPOINT, VACUUM of everything, ALTER DATABASE): no grant covers it */
    unsigned covered = CLASS_SELECT | CLASS_CALL | CLASS_COPY;
    for (size_t i = 0; i < rels->n; i++)
        covered |= rels->items[i].classes;
    unsigned uncovered = f->classes & ~covered;
    if (f->identity_change)
        uncovered &= ~CLASS_DCL; /* no-identity-change says it more precisely */
    if (uncovered) {
        strbuf need = {0};
        class_words(&need, uncovered);
        lint_report(c, RULE_ROLE_ALLOWLIST, -1,
                    "restricted role '%s' may run %s only on the schemas and tables it is "
                    "granted, and this statement names none",
                    role->name, need.buf);
        sb_free(&need);
    }
}

/* A statement that writes one isolated family and reads another couples them. */
static void check_isolation(lint_ctx *c, const gate_rels *rels)
{
    const policy *p = c->cfg->policy;
    const statement *st = c->st;
    for (size_t i = 0; i < rels->n; i++) {
        const gate_rel *w = &rels->items[i];
        if (!(w->access & (ACC_WRITE | ACC_DEFINE)))
            continue;
        const policy_family *wf = policy_family_of(p, w->schema);
        for (size_t k = 0; k < rels->n; k++) {
            const gate_rel *r = &rels->items[k];
            if (k == i || !(r->access & ACC_READ))
                continue;
            const policy_family *rf = policy_family_of(p, r->schema);
            if (!rf || !policy_is_isolated(p, rf->name))
                continue;
            bool crosses = wf && wf != rf && policy_is_isolated(p, wf->name);
            if (!crosses || policy_bridge_reads(p, w->schema, rf->name))
                continue;
            strbuf wn = {0}, rn = {0};
            rel_name(&wn, w);
            rel_name(&rn, r);
            int line = 0, col = 0;
            size_t at = r->location >= 0 ? statement_source_offset(st, (size_t)r->location)
                                         : st->offset;
            source_position(st->src, at, &line, &col);
            lint_report(c, RULE_CROSS_BOUNDARY_WRITE, w->location,
                        "%s %s while reading %s (at %d:%d): families '%s' and '%s' are "
                        "isolated",
                        w->access & ACC_WRITE ? "writes" : "defines", wn.buf, rn.buf, line, col,
                        wf->name, rf->name);
            sb_free(&wn);
            sb_free(&rn);
        }
    }
}

static void gate_unit(lint_ctx *c, void *state)
{
    (void)state;
    /* what bodies do is part of the statement; read them against this unit's state */
    facts_all_bodies(c->f);
}

static void gate_statement(lint_ctx *c, void *state)
{
    (void)state;
    gate_rels rels = merge_rels(c->f);
    if (c->role->restricted)
        check_restricted(c, c->f, &rels);
    check_grants(c, &rels);
    check_isolation(c, &rels);
    free(rels.items);
}

const lint_checker gate_checker = {.unit = gate_unit, .statement = gate_statement};
