/*
 * assumptions.c: the catalog's assumptions the static gate relies on (assumptions.h):
 * sensitive tables under row-level security, no built-in shadowed in a schema a
 * restricted role can use, and (isolation.c) isolated families that stay apart;
 * verify's gate catalog-assumptions and apply's check before a run's first statement.
 */
#include "verify/assumptions.h"

#include <cjson/cJSON.h>

#include "policy/pinned.h"
#include "verify/gate.h"

/* ------------------------------------------------------------------ sensitive-rls */

void assume_sensitive_rls(vctx *v, verify_gate *g)
{
    const policy *p = v->p;
    if (p->nsensitive_tables == 0 && p->nsensitive_columns == 0) {
        gate_evidence(g, "the policy declares no sensitive table or column pattern");
        return;
    }
    PGresult *res = catalog_query(
        v, "cannot list the tables",
        "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "coalesce((SELECT json_agg(p.polname ORDER BY p.polname) FROM pg_policy p "
        "          WHERE p.polrelid = c.oid), '[]'), "
        "coalesce((SELECT json_agg(a.attname ORDER BY a.attnum) FROM pg_attribute a "
        "          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND " USER_NSP("n") " ORDER BY 1, 2",
        0, NULL);
    if (!res)
        return;
    size_t nsens = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char *qname = xasprintf("%s.%s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
        strbuf why = {0}, pols = {0};
        if (policy_patterns_match(p->sensitive_tables, p->nsensitive_tables, qname))
            sb_adds(&why, "name");
        cJSON *cols = cJSON_Parse(PQgetvalue(res, i, 5));
        const cJSON *col;
        strbuf colnames = {0};
        size_t ncols = 0;
        cJSON_ArrayForEach(col, cols)
        {
            if (cJSON_IsString(col) &&
                policy_patterns_match(p->sensitive_columns, p->nsensitive_columns,
                                      col->valuestring)) {
                sb_addf(&colnames, "%s%s", ncols ? ", " : "", col->valuestring);
                ncols++;
            }
        }
        if (ncols)
            sb_addf(&why, "%scolumn%s %s", why.len ? "; " : "", ncols == 1 ? "" : "s",
                    colnames.buf);
        sb_free(&colnames);
        cJSON_Delete(cols);
        if (why.len) {
            nsens++;
            cJSON *pl = cJSON_Parse(PQgetvalue(res, i, 4));
            const cJSON *it;
            size_t npol = 0;
            cJSON_ArrayForEach(it, pl)
            {
                if (cJSON_IsString(it))
                    sb_addf(&pols, "%s%s", npol++ ? ", " : "", it->valuestring);
            }
            cJSON_Delete(pl);
            bool on = cell_bool(res, i, 2), forced = cell_bool(res, i, 3);
            if (on && forced && npol)
                gate_evidence(g, "%s (sensitive: %s): RLS enabled and forced; policies: %s", qname,
                         why.buf, pols.buf);
            else
                gate_problem(g, "%s (sensitive: %s): RLS %s, %s; %s%s", qname, why.buf,
                        on ? "enabled" : "NOT enabled", forced ? "forced" : "NOT forced",
                        npol ? "policies: " : "no policy", npol ? pols.buf : "");
        }
        sb_free(&why);
        sb_free(&pols);
        free(qname);
    }
    gate_evidence(g, "%zu sensitive of %d tables", nsens, PQntuples(res));
    PQclear(res);
}

/* ------------------------------------------------------------------ no-shadowing */

/* A text[] literal of the names ({"a","b"}). */
static char *text_array(char *const *names, size_t n)
{
    strbuf sb = {0};
    sb_adds(&sb, "{");
    for (size_t i = 0; i < n; i++) {
        sb_adds(&sb, i ? ",\"" : "\"");
        for (const char *c = names[i]; *c; c++) {
            if (*c == '"' || *c == '\\')
                sb_adds(&sb, "\\");
            sb_addf(&sb, "%c", *c);
        }
        sb_adds(&sb, "\"");
    }
    sb_adds(&sb, "}");
    return sb_detach(&sb, NULL);
}

/*
 * The schemas the pinned search_path (policy/pinned.h) puts ahead of pg_catalog, as a
 * text[] literal: there a function wins over pg_catalog's even with the same
 * arguments. "$user" stands for each restricted role's own schema; pg_temp is never
 * searched for functions. "{}" when pg_catalog comes first, or is not named (then
 * PostgreSQL searches it first).
 */
static char *schemas_before_catalog(const policy *p, char *const *roles, size_t nroles)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    const char *s = policy_pinned_search_path(p);
    bool catalog = false;
    while (*s && !catalog) {
        while (*s == ' ' || *s == '\t' || *s == ',')
            s++;
        strbuf item = {0};
        if (*s == '"') {
            for (s++; *s && !(s[0] == '"' && s[1] != '"'); s++) {
                if (s[0] == '"')
                    s++;
                sb_addf(&item, "%c", *s);
            }
            if (*s)
                s++;
        } else {
            for (; *s && *s != ','; s++)
                if (*s != ' ' && *s != '\t')
                    sb_addf(&item, "%c", *s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
        }
        const char *name = item.buf ? item.buf : "";
        if (strcmp(name, "pg_catalog") == 0) {
            catalog = true;
        } else if (strcmp(name, "$user") == 0) {
            for (size_t i = 0; i < nroles; i++) {
                GROW(names, cap, n + 1);
                names[n++] = xstrdup(roles[i]);
            }
        } else if (*name && strcmp(name, "pg_temp") != 0) {
            GROW(names, cap, n + 1);
            names[n++] = xstrdup(name);
        }
        sb_free(&item);
    }
    char *arr = text_array(catalog ? names : NULL, catalog ? n : 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return arr;
}

/* Schemas outside the system's that role r may use (USAGE, through membership too). */
#define USABLE(r, n) USER_NSP(n) " AND has_schema_privilege(" r ".oid, " n ".oid, 'USAGE')"

/*
 * The static gate lets a restricted role call pg_catalog's functions by their bare
 * names and use built-in operators, trusting that the name means the built-in. A
 * function of the same name with other arguments in a schema the role can use may
 * be picked instead (a better match for the arguments given), and any operator
 * outside pg_catalog may be. A same-signature duplicate (pgcrypto's
 * public.gen_random_uuid()) loses to pg_catalog, which comes first in search_path.
 * The names compared are all of pg_catalog's functions (stricter than the gate's
 * allowlist of built-ins).
 */
void assume_no_shadowing(vctx *v, verify_gate *g, const policy_role *role)
{
    const policy *p = v->p;
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = role ? role : &p->roles[i];
        if (r->restricted && !str_list_has(names, n, r->name)) {
            GROW(names, cap, n + 1);
            names[n++] = r->name;
        }
        if (role)
            break;
    }
    if (n == 0) {
        gate_evidence(g, role ? "%s is not restricted: nothing to check"
                              : "the policy has no restricted role%s",
                      role ? role->name : "");
        free(names);
        return;
    }
    char *arr = text_array(names, n), *ahead = schemas_before_catalog(p, names, n);
    const char *params[] = {arr, ahead};
    PGresult *res = catalog_query(
        v, "cannot list the schemas the restricted roles can use",
        "SELECT r.rolname, "
        "coalesce((SELECT string_agg(n.nspname, ', ' ORDER BY n.nspname) FROM pg_namespace n "
        "          WHERE " USABLE("r", "n") "), ''), "
        "(SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        " WHERE " USABLE("r", "n") "), "
        "(SELECT count(*) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
        " WHERE " USABLE("r", "n") ") "
        "FROM pg_roles r WHERE r.rolname = ANY ($1::text[]) ORDER BY 1",
        1, params);
    for (size_t i = 0; res && i < n; i++) {
        int row = -1;
        for (int k = 0; k < PQntuples(res); k++)
            if (strcmp(PQgetvalue(res, k, 0), names[i]) == 0)
                row = k;
        if (row < 0) {
            gate_evidence(g, "%s: not in the database", names[i]);
            continue;
        }
        const char *schemas = PQgetvalue(res, row, 1);
        gate_evidence(g, "%s can use %s: %s function%s, %s operator%s there", names[i],
                      *schemas ? schemas : "no schema outside pg_catalog",
                      PQgetvalue(res, row, 2), strcmp(PQgetvalue(res, row, 2), "1") ? "s" : "",
                      PQgetvalue(res, row, 3), strcmp(PQgetvalue(res, row, 3), "1") ? "s" : "");
    }
    PQclear(res);
    res = catalog_query(
        v, "cannot list the functions that shadow pg_catalog's",
        "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
        "string_agg(r.rolname, ', ' ORDER BY r.rolname), "
        "EXISTS (SELECT 1 FROM pg_proc s WHERE s.pronamespace = 'pg_catalog'::regnamespace "
        "        AND s.proname = p.proname AND s.proargtypes = p.proargtypes) "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "JOIN pg_roles r ON r.rolname = ANY ($1::text[]) AND has_schema_privilege(r.oid, n.oid, "
        "'USAGE') "
        "WHERE " USER_NSP("n") " AND EXISTS (SELECT 1 FROM pg_proc s WHERE s.pronamespace = "
        "'pg_catalog'::regnamespace AND s.proname = p.proname) "
        "AND (n.nspname = ANY ($2::text[]) OR NOT EXISTS (SELECT 1 FROM pg_proc s "
        "     WHERE s.pronamespace = 'pg_catalog'::regnamespace AND s.proname = p.proname "
        "     AND s.proargtypes = p.proargtypes)) "
        "GROUP BY p.oid, n.nspname, p.proname ORDER BY 1, 2, 3",
        2, params);
    for (int i = 0; res && i < PQntuples(res); i++)
        gate_problem(g, "function %s.%s(%s) shadows pg_catalog.%s (%s) in a schema %s can use",
                     PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                     PQgetvalue(res, i, 1),
                     cell_bool(res, i, 4)
                         ? "same name and arguments, ahead of pg_catalog in the pinned search_path"
                         : "same name, other arguments",
                     PQgetvalue(res, i, 3));
    PQclear(res);
    res = catalog_query(
        v, "cannot list the operators outside pg_catalog",
        "SELECT n.nspname, o.oprname, CASE WHEN o.oprleft = 0 THEN 'NONE' "
        "ELSE format_type(o.oprleft, NULL) END, format_type(o.oprright, NULL), "
        "string_agg(r.rolname, ', ' ORDER BY r.rolname) "
        "FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace "
        "JOIN pg_roles r ON r.rolname = ANY ($1::text[]) AND has_schema_privilege(r.oid, n.oid, "
        "'USAGE') "
        "WHERE " USER_NSP("n") " GROUP BY o.oid, n.nspname, o.oprname, o.oprleft, o.oprright "
        "ORDER BY 1, 2, 3, 4",
        1, params);
    for (int i = 0; res && i < PQntuples(res); i++)
        gate_problem(g, "operator %s.%s(%s, %s) is outside pg_catalog, in a schema %s can use",
                     PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                     PQgetvalue(res, i, 3), PQgetvalue(res, i, 4));
    PQclear(res);
    /* the gate reads an unqualified pg_* relation as pg_catalog's (every catalog
       relation is named so); a user relation of such a name would be read instead
       where pg_catalog has none */
    res = catalog_query(
        v, "cannot list the relations named like the catalog's",
        "SELECT n.nspname, c.relname, string_agg(r.rolname, ', ' ORDER BY r.rolname) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_roles r ON r.rolname = ANY ($1::text[]) AND has_schema_privilege(r.oid, n.oid, "
        "'USAGE') "
        "WHERE " USER_NSP("n") " AND c.relname LIKE 'pg\\_%' AND c.relkind IN "
        "('r', 'v', 'm', 'p', 'f', 'S') GROUP BY n.nspname, c.relname ORDER BY 1, 2",
        1, params);
    for (int i = 0; res && i < PQntuples(res); i++)
        gate_problem(g, "relation %s.%s is named like a catalog relation, in a schema %s can use",
                     PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
    PQclear(res);
    free(ahead);
    free(arr);
    free(names);
}

/* ------------------------------------------------------------------ all of them */

#define ISOLATION_TITLE                                                                 \
    "no object of one isolated family depends on another (views, partitions and "       \
    "inheritance, triggers, rules, foreign keys, functions, column defaults), bridges "  \
    "excepted"
#define NO_SHADOWING_TITLE                                                              \
    "no function a restricted role can reach has a pg_catalog function's name with "    \
    "other arguments; no operator outside pg_catalog where it can reach"
#define CATALOG_ASSUMPTIONS_TITLE                                                       \
    "the catalog holds what the static gate assumes: isolated families apart, no "      \
    "shadowed built-in, sensitive tables under row-level security"

/*
 * Checks every assumption into parts of g and copies their lines into g, each
 * prefixed with its part's id. rls_elsewhere: another gate reports sensitive-rls (in
 * verify), so its problems stay in its part.
 */
static void assumptions_into(vctx *v, verify_gate *g, const policy_role *role, bool rls_elsewhere)
{
    assume_isolation(v, gate_part(g, "isolation", ISOLATION_TITLE));
    if (!v->err)
        assume_no_shadowing(v, gate_part(g, "no-shadowing", NO_SHADOWING_TITLE), role);
    if (!v->err) {
        verify_gate *rls = gate_part(g, "sensitive-rls", SENSITIVE_RLS_TITLE);
        assume_sensitive_rls(v, rls);
        if (rls_elsewhere)
            rls->reported_by = "sensitive-rls";
    }
    for (size_t i = 0; i < g->nparts; i++) {
        verify_gate *part = &g->parts[i];
        part->pass = part->nproblems == 0;
        if (part->reported_by) {
            gate_evidence(g, "%s: %s, reported by the gate %s", part->id,
                          part->pass ? "holds" : "does NOT hold", part->reported_by);
            continue;
        }
        for (size_t k = 0; k < part->nevidence; k++)
            gate_evidence(g, "%s: %s", part->id, part->evidence[k]);
        for (size_t k = 0; k < part->nproblems; k++)
            gate_problem(g, "%s: %s", part->id, part->problems[k]);
    }
    g->pass = g->nproblems == 0;
}

void gate_catalog_assumptions(vctx *v)
{
    verify_gate *g = gate_add(v, "catalog-assumptions", CATALOG_ASSUMPTIONS_TITLE);
    assumptions_into(v, g, NULL, true);
}

catalog_assumptions assumptions_check(PGconn *c, const policy *p, const policy_role *role)
{
    catalog_assumptions out;
    memset(&out, 0, sizeof(out));
    out.gate.id = "catalog-assumptions";
    out.gate.title = CATALOG_ASSUMPTIONS_TITLE;
    verify_report scratch;
    memset(&scratch, 0, sizeof(scratch));
    vctx v = {.c = c, .p = p, .r = &scratch};
    /* the queries name pg_catalog's functions and operators unqualified: they run with
       pg_catalog alone on the path (a pinned search_path may put a schema the role
       creates in first), set for the transaction and put back after */
    PGresult *sp = catalog_query(&v, "cannot set search_path for the catalog queries",
                                 "SELECT pg_catalog.current_setting('search_path'), "
                                 "pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', "
                                 "true)",
                                 0, NULL);
    char *saved = sp ? xstrdup(PQgetvalue(sp, 0, 0)) : NULL;
    PQclear(sp);
    if (!v.err)
        vctx_read_schemas(&v);
    if (!v.err)
        assumptions_into(&v, &out.gate, role, false);
    if (saved && !v.err) {
        const char *params[] = {saved};
        PQclear(catalog_query(&v, "cannot put search_path back",
                              "SELECT pg_catalog.set_config('search_path', $1, true)", 1,
                              params));
    }
    free(saved);
    vctx_free_schemas(&v);
    verify_report_free(&scratch);
    out.err = v.err;
    if (out.err)
        out.gate.pass = false;
    return out;
}

void assumptions_free(catalog_assumptions *a)
{
    gate_free(&a->gate);
    free(a->err);
    a->err = NULL;
}
