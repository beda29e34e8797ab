/*
 * gate.c: policy rules over statement facts; see gate.h.
 */
#include "rules/gate.h"

#include "rules/rules.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "pg_catalog_functions.h"
#include "rules/gate_security.h"

/* Built-ins that reach outside the database or change the server: never provable. */
static const char *const dangerous_functions[] = {
    "dblink", "dblink_exec", "dblink_connect", "dblink_open", "dblink_send_query",
    "lo_export", "lo_import", "pg_cancel_backend", "pg_file_write", "pg_file_rename",
    "pg_file_unlink", "pg_logdir_ls", "pg_ls_dir", "pg_promote", "pg_read_binary_file",
    "pg_read_file", "pg_reload_conf", "pg_rotate_logfile", "pg_stat_file",
    "pg_terminate_backend", "set_config",
};

typedef struct gate {
    const policy *p;
    const policy_role *role;
    script *s;
    const statement *st;
} gate;

void gate_report(const policy *p, script *s, const statement *st, rule_id rule,
                 long text_loc, const char *fmt, ...)
{
    severity sev;
    lint_config cfg = {.policy = p};
    if (!rules_severity(&cfg, rule, &sev))
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    size_t at = text_loc >= 0 ? statement_source_offset(st, (size_t)text_loc) : st->offset;
    finding_add(&s->findings, sev, rule, st->src, NULL, at, 0, "%s", msg);
    finding_set_statement(&s->findings, st->text);
    free(msg);
}

#define report(g, rule, loc, ...) gate_report((g)->p, (g)->s, (g)->st, rule, loc, __VA_ARGS__)

static bool is_isolated(const policy *p, const char *family)
{
    for (size_t i = 0; i < p->nisolated; i++)
        if (strcmp(p->isolated[i], family) == 0)
            return true;
    return false;
}

static bool bridge_reads(const policy *p, const char *schema, const char *family)
{
    for (size_t i = 0; i < p->nbridges; i++) {
        if (strcmp(p->bridges[i].schema, schema) != 0)
            continue;
        for (size_t k = 0; k < p->bridges[i].nfamilies; k++)
            if (strcmp(p->bridges[i].families[k], family) == 0)
                return true;
    }
    return false;
}

/* The classes role may run on schema.table (table may be NULL: the schema). */
static unsigned allowed_classes(const policy *p, const policy_role *r, const char *schema,
                                const char *table)
{
    const policy_family *fam = policy_family_of(p, schema);
    unsigned bits = 0;
    for (size_t i = 0; i < r->ngrants; i++) {
        const policy_grant *g = &r->grants[i];
        switch (g->target_kind) {
        case TARGET_FAMILY:
            if (fam && strcmp(fam->name, g->target) == 0)
                bits |= g->classes;
            break;
        case TARGET_SCHEMA:
            if (strcmp(g->target, schema) == 0)
                bits |= g->classes;
            break;
        case TARGET_TABLE:
            if (table) {
                size_t ls = strlen(schema);
                if (strncmp(g->target, schema, ls) == 0 && g->target[ls] == '.' &&
                    strcmp(g->target + ls + 1, table) == 0)
                    bits |= g->classes;
            }
            break;
        }
    }
    return bits;
}

static void class_words(strbuf *sb, unsigned bits)
{
    bool first = true;
    for (size_t k = 0; k < policy_nclasses; k++) {
        if (!(bits & policy_class_bits[k]))
            continue;
        sb_adds(sb, first ? "" : ", ");
        sb_adds(sb, policy_class_names[k]);
        first = false;
    }
    if (first)
        sb_adds(sb, "none");
}

static void rel_name(strbuf *sb, const rel_ref *r)
{
    sb_adds(sb, r->schema);
    if (r->name) {
        sb_addc(sb, '.');
        sb_adds(sb, r->name);
    }
}

static void check_grants(gate *g, const stmt_facts *f)
{
    const policy *p = g->p;
    const policy_role *role = g->role;
    for (size_t i = 0; i < f->nrels; i++) {
        const rel_ref *r = &f->rels[i];
        strbuf name = {0};
        rel_name(&name, r);
        bool writes = r->access & (ACC_WRITE | ACC_DEFINE);
        for (size_t k = 0; writes && k < p->nprotected; k++) {
            if (strcmp(p->protected_schemas[k], r->schema) == 0)
                report(g, RULE_ROLE_ALLOWLIST, r->location,
                       "writes %s: schema '%s' is written only by pgward", name.buf, r->schema);
        }
        if (role->restricted && r->ambiguous) {
            report(g, RULE_ROLE_ALLOWLIST, r->location,
                   "unqualified '%s' may resolve to any schema of search_path; a restricted "
                   "role must qualify it or set a search_path of one schema",
                   r->name);
        } else if (role->restricted) {
            unsigned have = allowed_classes(p, role, r->schema, r->name);
            unsigned missing = r->classes & ~have;
            if (missing) {
                strbuf need = {0}, got = {0};
                class_words(&need, missing);
                class_words(&got, have);
                report(g, RULE_ROLE_ALLOWLIST, r->location,
                       "role '%s' lacks %s on %s (its grants there: %s)", role->name, need.buf,
                       name.buf, got.buf);
                sb_free(&need);
                sb_free(&got);
            }
        }
        sb_free(&name);
    }
}

static int cmp_name(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

/* Whether name is one of pg_catalog's functions (from the server's postgres.bki). */
static bool catalog_function(const char *name)
{
    return bsearch(name, pg_catalog_functions, ARRAY_SIZE(pg_catalog_functions),
                   sizeof(pg_catalog_functions[0]), cmp_name) != NULL;
}

static bool function_allowlisted(const policy_role *r, const char *fn)
{
    for (size_t i = 0; i < r->nfunctions; i++) {
        if (strcmp(r->functions[i], fn) == 0)
            return true;
        /* an unqualified call matches an allowlisted function of that name */
        const char *dot = strchr(r->functions[i], '.');
        if (!strchr(fn, '.') && dot && strcmp(dot + 1, fn) == 0)
            return true;
    }
    return false;
}

static void check_restricted(gate *g, const stmt_facts *f)
{
    const policy_role *role = g->role;
    if (f->unparsed) {
        report(g, RULE_ROLE_ALLOWLIST, -1,
               "a statement that does not parse cannot be proven allowed for restricted "
               "role '%s'",
               role->name);
        return;
    }
    if (f->dynamic)
        report(g, RULE_ROLE_ALLOWLIST, -1,
               "%s cannot be proven allowed for restricted role '%s'", f->dynamic_what,
               role->name);
    if (f->server_access)
        report(g, RULE_ROLE_ALLOWLIST, -1, "%s is not allowed for restricted role '%s'",
               f->server_access, role->name);
    if (f->identity_change)
        report(g, RULE_NO_IDENTITY_CHANGE, -1,
               "restricted role '%s' may not change who it is or what it may do: %s",
               role->name, f->identity_change);
    /* what the statement does beyond the relations it names (CREATE EXTENSION,
       CHECKPOINT, VACUUM of everything, ALTER DATABASE): no grant covers it */
    unsigned covered = CLASS_SELECT | CLASS_CALL | CLASS_COPY;
    for (size_t i = 0; i < f->nrels; i++)
        covered |= f->rels[i].classes;
    unsigned uncovered = f->classes & ~covered;
    if (f->identity_change)
        uncovered &= ~CLASS_DCL; /* no-identity-change says it more precisely */
    if (uncovered) {
        strbuf need = {0};
        class_words(&need, uncovered);
        report(g, RULE_ROLE_ALLOWLIST, -1,
               "restricted role '%s' may run %s only on the schemas and tables it is granted, "
               "and this statement names none",
               role->name, need.buf);
        sb_free(&need);
    }
    for (size_t i = 0; i < f->nfunctions; i++) {
        const char *fn = f->functions[i];
        const char *base = strrchr(fn, '.') ? strrchr(fn, '.') + 1 : fn;
        /* unqualified: pg_catalog comes first, so only its own names are built-ins */
        bool catalog = strchr(fn, '.') ? strncmp(fn, "pg_catalog.", 11) == 0
                                       : catalog_function(fn);
        bool dangerous = false;
        for (size_t k = 0; k < ARRAY_SIZE(dangerous_functions) && catalog; k++)
            dangerous |= strcmp(dangerous_functions[k], base) == 0;
        if (dangerous && !function_allowlisted(role, fn))
            report(g, RULE_ROLE_ALLOWLIST, f->function_locs[i],
                   "%s() reaches outside the database or changes the server: not allowed for "
                   "restricted role '%s'",
                   fn, role->name);
        else if ((!catalog || f->function_is_procedure[i]) && !function_allowlisted(role, fn))
            report(g, RULE_ROLE_ALLOWLIST, f->function_locs[i],
                   "%s() is not on the function allowlist of restricted role '%s'", fn,
                   role->name);
    }
}

/* A statement that writes one isolated family and reads another couples them. */
static void check_isolation(gate *g, const stmt_facts *f)
{
    const policy *p = g->p;
    for (size_t i = 0; i < f->nrels; i++) {
        const rel_ref *w = &f->rels[i];
        if (!(w->access & (ACC_WRITE | ACC_DEFINE)))
            continue;
        const policy_family *wf = policy_family_of(p, w->schema);
        for (size_t k = 0; k < f->nrels; k++) {
            const rel_ref *r = &f->rels[k];
            if (k == i || !(r->access & ACC_READ))
                continue;
            const policy_family *rf = policy_family_of(p, r->schema);
            if (!rf || !is_isolated(p, rf->name))
                continue;
            bool crosses = wf && wf != rf && is_isolated(p, wf->name);
            if (!crosses || bridge_reads(p, w->schema, rf->name))
                continue;
            strbuf wn = {0}, rn = {0};
            rel_name(&wn, w);
            rel_name(&rn, r);
            int line = 0, col = 0;
            size_t at = r->location >= 0 ? statement_source_offset(g->st, (size_t)r->location)
                                         : g->st->offset;
            source_position(g->st->src, at, &line, &col);
            report(g, RULE_CROSS_BOUNDARY_WRITE, w->location,
                   "%s %s while reading %s (at %d:%d): families '%s' and '%s' are isolated",
                   w->access & ACC_WRITE ? "writes" : "defines", wn.buf, rn.buf, line, col,
                   wf->name, rf->name);
            sb_free(&wn);
            sb_free(&rn);
        }
    }
}

void gate_check_script(const policy *p, const policy_role *role, script *s)
{
    analysis_state as = analysis_state_init();
    gate g = {.p = p, .role = role, .s = s};
    /* what \gset statements read: their variables carry that data onwards; a FETCH or
       EXECUTE \gset reads what any cursor or prepared statement so far reads */
    stmt_facts gset_reads = {0}, declared_reads = {0};
    for (size_t i = 0; i < s->nstmts; i++) {
        g.st = &s->stmts[i];
        stmt_facts f;
        analyze_statement(g.st, &as, &f);
        if (g.st->uses_runtime_vars) {
            for (size_t k = 0; k < gset_reads.nrels; k++)
                stmt_facts_add_rel(&f, gset_reads.rels[k].schema, gset_reads.rels[k].name,
                                   ACC_READ, CLASS_SELECT, -1);
        }
        const char *kind = g.st->parse.nstmts ? sql_node_kind(g.st->parse.stmts[0]) : NULL;
        bool declares = kind && (strcmp(kind, "DeclareCursorStmt") == 0 ||
                                 strcmp(kind, "PrepareStmt") == 0);
        bool fetches = kind && (strcmp(kind, "FetchStmt") == 0 || strcmp(kind, "ExecuteStmt") == 0);
        for (size_t k = 0; k < f.nrels; k++) {
            if (!(f.rels[k].access & ACC_READ))
                continue;
            if (g.st->end == END_GSET)
                stmt_facts_add_rel(&gset_reads, f.rels[k].schema, f.rels[k].name, ACC_READ,
                                   CLASS_SELECT, -1);
            if (declares)
                stmt_facts_add_rel(&declared_reads, f.rels[k].schema, f.rels[k].name, ACC_READ,
                                   CLASS_SELECT, -1);
        }
        if (g.st->end == END_GSET && fetches) {
            for (size_t k = 0; k < declared_reads.nrels; k++)
                stmt_facts_add_rel(&gset_reads, declared_reads.rels[k].schema,
                                   declared_reads.rels[k].name, ACC_READ, CLASS_SELECT, -1);
        }
        if (role->restricted)
            check_restricted(&g, &f);
        check_grants(&g, &f);
        check_isolation(&g, &f);
        stmt_facts_free(&f);
    }
    stmt_facts_free(&gset_reads);
    stmt_facts_free(&declared_reads);
    analysis_state_free(&as);
    gate_ctx sg = {.p = p, .s = s};
    gate_check_security(&sg);
}
