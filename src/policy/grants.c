/*
 * grants.c: the PostgreSQL privileges a policy gives, and the GRANT and REVOKE
 * statements that make the database hold exactly those; see grants.h.
 *
 * The script, for psql -1 as a superuser (every part idempotent):
 *   1. a check that the policy's roles and named schemas exist;
 *   2. memberships of the restricted roles revoked (a membership gives more than
 *      the policy can say: pg_read_server_files, another role's privileges, ...);
 *   3. the database: CONNECT for the roles, CREATE with ddl on a family, nothing
 *      for PUBLIC;
 *   4. everything revoked in the policy's schemas (named and matching a family's
 *      pattern): on the schemas, their relations and routines, from every role but
 *      each object's owner (owning is ddl's, and verify counts it as such) and from
 *      PUBLIC beyond policy_public_privs(); default privileges for them too;
 *   5. per role, what policy_role_privs(), policy_table_privs() and the allow
 *      function list give: GRANT ... ON SCHEMA, ON ALL TABLES / SEQUENCES IN SCHEMA
 *      and ALTER DEFAULT PRIVILEGES for each role that may create there (the admin,
 *      roles with ddl), so later objects get them too.
 * Schemas that only a family's pattern names are found when the script runs (a DO
 * block per family): it must run again after such a schema is created.
 */
#include "policy/grants.h"

#include <stdlib.h>
#include <string.h>

#include "policy/query.h"

/* ------------------------------------------------------------------ the model */

static const char *const priv_names[] = {"SELECT",  "INSERT",     "UPDATE",  "DELETE",
                                         "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE",
                                         "CREATE",  "EXECUTE",    "CONNECT", "TEMPORARY"};

unsigned priv_bit(const char *word)
{
    for (size_t i = 0; i < ARRAY_SIZE(priv_names); i++)
        if (strcmp(priv_names[i], word) == 0)
            return 1u << i;
    return 0;
}

void priv_words(strbuf *sb, unsigned privs)
{
    bool first = true;
    for (size_t i = 0; i < ARRAY_SIZE(priv_names); i++)
        if (privs & (1u << i)) {
            sb_addf(sb, "%s%s", first ? "" : ", ", priv_names[i]);
            first = false;
        }
}

/* Table privileges of a set of statement classes. */
static unsigned table_privs_of(unsigned classes)
{
    unsigned privs = 0;
    privs |= classes & CLASS_SELECT ? PRIV_SELECT : 0;
    privs |= classes & CLASS_INSERT ? PRIV_INSERT : 0;
    privs |= classes & CLASS_UPDATE ? PRIV_UPDATE : 0;
    privs |= classes & CLASS_DELETE ? PRIV_DELETE : 0;
    privs |= classes & CLASS_TRUNCATE ? PRIV_TRUNCATE : 0;
    privs |= classes & CLASS_DDL ? PRIV_REFERENCES | PRIV_TRIGGER : 0;
    return privs;
}

static unsigned sequence_privs_of(unsigned classes)
{
    return (classes & CLASS_INSERT ? PRIV_USAGE : 0) |
           (classes & CLASS_DDL ? PRIV_SEQUENCE_ALL : 0);
}

/* The privileges of schema-wide classes; any_use: some grant or allowed function
   in the schema (USAGE). */
static policy_privs privs_of(unsigned classes, bool any_use)
{
    policy_privs pv = {0};
    pv.schema = (any_use || classes ? PRIV_USAGE : 0) | (classes & CLASS_DDL ? PRIV_CREATE : 0);
    pv.tables = table_privs_of(classes);
    pv.sequences = sequence_privs_of(classes);
    return pv;
}

policy_privs policy_role_privs(const policy *p, const policy_role *r, const char *schema)
{
    bool any = policy_table_classes(p, r, schema, NULL) ||
               policy_function_allowed_in(r, schema, NULL);
    policy_privs pv = privs_of(policy_schema_classes(p, r, schema), any);
    if (r == policy_owner_role(p) && policy_is_protected(p, schema)) {
        pv.schema |= PRIV_USAGE; /* the admin reads the audit trail (pgward verify) */
        pv.tables |= PRIV_SELECT;
    }
    return pv;
}

policy_privs policy_public_privs(const policy *p, const char *schema)
{
    policy_privs pv = {0};
    if (policy_is_protected(p, schema))
        /* pgward's own machinery: sql/audit.sql, sql/bootstrap.sql */
        return (policy_privs){PRIV_USAGE, PRIV_SELECT, 0, PRIV_EXECUTE};
    if (policy_names_schema(p, schema))
        return pv;
    /* a schema the policy does not name (public): PostgreSQL's defaults, no CREATE */
    return (policy_privs){PRIV_USAGE, 0, 0, PRIV_EXECUTE};
}

unsigned policy_table_privs(const policy *p, const policy_role *r, const char *schema,
                            const char *table)
{
    return policy_role_privs(p, r, schema).tables |
           table_privs_of(policy_table_classes(p, r, schema, table));
}

unsigned policy_sequence_privs(const policy *p, const policy_role *r, const char *schema,
                               const char *owner_table)
{
    unsigned privs = policy_role_privs(p, r, schema).sequences;
    if (owner_table && (policy_table_classes(p, r, schema, owner_table) & CLASS_INSERT))
        privs |= PRIV_USAGE;
    return privs;
}

unsigned policy_database_privs(const policy *p, const policy_role *r)
{
    (void)p;
    if (!r)
        return 0;
    return PRIV_CONNECT | (policy_ddl_on_some_family(r) ? PRIV_CREATE : 0);
}

static bool has(const char **items, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(items[i], s) == 0)
            return true;
    return false;
}

static void add_name(const char ***list, size_t *n, size_t *cap, const char *s)
{
    if (has(*list, *n, s))
        return;
    GROW(*list, *cap, *n + 1);
    (*list)[(*n)++] = s;
}

const char **policy_named_schemas(const policy *p, size_t *n)
{
    size_t cap = 0;
    const char **out = NULL;
    *n = 0;
    for (size_t i = 0; i < p->nfamilies; i++)
        for (size_t k = 0; k < p->families[i].nschemas; k++)
            add_name(&out, n, &cap, p->families[i].schemas[k]);
    for (size_t i = 0; i < p->nbridges; i++)
        add_name(&out, n, &cap, p->bridges[i].schema);
    for (size_t i = 0; i < p->nprotected; i++)
        add_name(&out, n, &cap, p->protected_schemas[i]);
    return out;
}

/* ------------------------------------------------------------------ SQL text */

static void quoted(strbuf *sb, const char *text, char q)
{
    sb_addc(sb, q);
    for (const char *s = text; *s; s++) {
        if (*s == q)
            sb_addc(sb, q);
        sb_addc(sb, *s);
    }
    sb_addc(sb, q);
}

void sql_ident(strbuf *sb, const char *name)
{
    quoted(sb, name, '"');
}

void sql_literal(strbuf *sb, const char *text)
{
    quoted(sb, text, '\'');
}

/* ARRAY['a', 'b']::TYPE[] */
static void sql_array(strbuf *sb, const char *const *items, size_t n, const char *type)
{
    sb_adds(sb, "ARRAY[");
    for (size_t i = 0; i < n; i++) {
        sb_adds(sb, i ? ", " : "");
        sql_literal(sb, items[i]);
    }
    sb_addf(sb, "]::%s[]", type);
}

/*
 * Where statements go: written out (static), or, inside a DO block's loop over
 * schemas, as EXECUTE format('...', s) with the schema as %1$I.
 */
typedef struct out {
    strbuf *sb;
    bool dynamic;
} out;

static void o_begin(out *o)
{
    if (o->dynamic)
        sb_adds(o->sb, "        EXECUTE format('");
}

static void o_text(out *o, const char *text)
{
    for (const char *s = text; o->dynamic && *s; s++) {
        if (*s == '\'' || *s == '%')
            sb_addc(o->sb, *s);
        sb_addc(o->sb, *s);
    }
    if (!o->dynamic)
        sb_adds(o->sb, text);
}

static void o_ident(out *o, const char *name)
{
    strbuf q = {0};
    sql_ident(&q, name);
    o_text(o, q.buf);
    sb_free(&q);
}

static void o_schema(out *o, const char *schema)
{
    if (o->dynamic)
        sb_adds(o->sb, "%1$I");
    else
        o_ident(o, schema);
}

static void o_privs(out *o, unsigned privs)
{
    strbuf w = {0};
    priv_words(&w, privs);
    o_text(o, w.buf);
    sb_free(&w);
}

static void o_end(out *o)
{
    sb_adds(o->sb, o->dynamic ? "', s);\n" : ";\n");
}

/* ------------------------------------------------------------------ the script */

/* Which roles of the policy the script is for. */
typedef struct scope {
    const policy *p;
    const policy_role *only; /* NULL: every role, and PUBLIC */
    const char **named;      /* policy_named_schemas() */
    size_t nnamed;
} scope;

static bool in_scope(const scope *sc, const policy_role *r)
{
    return !sc->only || sc->only == r;
}

/* The classes r has on a schema only a pattern of fam names. */
static unsigned family_classes(const policy_role *r, const policy_family *fam)
{
    unsigned bits = 0;
    for (size_t i = 0; i < r->ngrants; i++)
        if (r->grants[i].target_kind == TARGET_FAMILY && strcmp(r->grants[i].target, fam->name) == 0)
            bits |= r->grants[i].classes;
    return bits;
}

/* Whether r may create objects in schema (fam: a schema only fam's pattern names):
   the admin owns the families and bridges, roles with ddl create there. */
static bool creates_in(const policy *p, const policy_role *r, const char *schema,
                       const policy_family *fam)
{
    if (r == policy_owner_role(p))
        return !schema || !policy_is_protected(p, schema);
    unsigned classes = schema ? policy_schema_classes(p, r, schema) : family_classes(r, fam);
    return classes & CLASS_DDL;
}

static void header(strbuf *sb, const scope *sc)
{
    const policy *p = sc->p;
    sb_addf(sb, "-- pgward policy grants: %s (sha256 %s)%s%s\n", p->name, p->digest,
            sc->only ? ", role " : "", sc->only ? sc->only->name : "");
    sb_adds(sb, "-- For psql -1 as a superuser, in the database to set up; idempotent. Every "
                "privilege\n-- in the policy's schemas is revoked first (but from an object's "
                "owner), then granted\n-- as the policy says (grants made by another grantor "
                "than an object's owner stay:\n-- pgward verify reports them).\n");
    bool patterns = false;
    for (size_t i = 0; i < p->nfamilies; i++)
        patterns |= p->families[i].npatterns > 0;
    if (patterns)
        sb_adds(sb, "-- Schemas named only by a family's pattern are found when this runs: run "
                    "it again\n-- after creating one.\n");
}

/* The names of the roles in scope (only the restricted ones when asked), in policy
   order; *n gets how many. The array is malloc'd, the names borrowed. */
static const char **scope_roles(const scope *sc, bool restricted_only, size_t *n)
{
    const policy *p = sc->p;
    const char **roles = xcalloc(p->nroles + 1, sizeof(char *));
    *n = 0;
    for (size_t i = 0; i < p->nroles; i++)
        if (in_scope(sc, &p->roles[i]) && (!restricted_only || p->roles[i].restricted))
            roles[(*n)++] = p->roles[i].name;
    return roles;
}

static void preflight(strbuf *sb, const scope *sc)
{
    size_t nroles;
    const char **roles = scope_roles(sc, false, &nroles);
    sb_adds(sb, "\n-- what must exist\nDO $check$\nDECLARE\n    missing text;\nBEGIN\n"
                "    SELECT string_agg(r, ', ') INTO missing FROM unnest(");
    sql_array(sb, roles, nroles, "text");
    sb_adds(sb, ") r\n        WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);\n"
                "    IF missing IS NOT NULL THEN\n        RAISE EXCEPTION 'roles of the policy "
                "missing: %: create them first (pgward stage sql)', missing;\n    END IF;\n"
                "    SELECT string_agg(s, ', ') INTO missing FROM unnest(");
    sql_array(sb, sc->named, sc->nnamed, "text");
    sb_adds(sb, ") s\n        WHERE to_regnamespace(quote_ident(s)) IS NULL;\n"
                "    IF missing IS NOT NULL THEN\n        RAISE EXCEPTION 'schemas of the policy "
                "missing: %: create them first (pgward stage sql)', missing;\n    END IF;\n"
                "END\n$check$;\n");
    free(roles);
}

static void memberships(strbuf *sb, const scope *sc)
{
    size_t n;
    const char **roles = scope_roles(sc, true, &n);
    if (n) {
        sb_adds(sb, "\n-- restricted roles belong to no role: a membership gives what the "
                    "policy cannot say\n-- (pg_read_server_files, pg_signal_backend, another "
                    "role's privileges, SET ROLE)\nDO $members$\nDECLARE\n    m record;\nBEGIN\n"
                    "    FOR m IN SELECT g.rolname AS grp, u.rolname AS member\n"
                    "             FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid\n"
                    "             JOIN pg_roles u ON u.oid = a.member\n"
                    "             WHERE u.rolname = ANY (");
        sql_array(sb, roles, n, "name");
        sb_adds(sb, ") LOOP\n        EXECUTE format('REVOKE %I FROM %I', m.grp, m.member);\n"
                    "    END LOOP;\nEND\n$members$;\n");
    }
    free(roles);
}

static void database(strbuf *sb, const scope *sc)
{
    const policy *p = sc->p;
    sb_adds(sb, "\n-- the database: CONNECT for the roles, CREATE (new schemas) with ddl on a "
                "family\nDO $db$\nBEGIN\n");
    if (!sc->only)
        sb_adds(sb, "    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', "
                    "current_database());\n");
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = &p->roles[i];
        if (!in_scope(sc, r))
            continue;
        strbuf privs = {0};
        priv_words(&privs, policy_database_privs(p, r));
        sb_adds(sb, "    EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), ");
        sql_literal(sb, r->name);
        sb_addf(sb, ");\n    EXECUTE format('GRANT %s ON DATABASE %%I TO %%I', current_database(), ",
                privs.buf);
        sql_literal(sb, r->name);
        sb_adds(sb, ");\n");
        sb_free(&privs);
    }
    sb_adds(sb, "END\n$db$;\n");
}

/* The WHERE of the schemas a group covers: names, and (patterns) those only a
   pattern names (fam's, or with fam NULL every family's). */
static void schema_filter(strbuf *sb, const scope *sc, const char **names, size_t n,
                          const policy_family *fam, bool patterns)
{
    const policy *p = sc->p;
    size_t npats = 0, cap = 0;
    const char **pats = NULL;
    for (size_t i = 0; i < p->nfamilies; i++)
        for (size_t k = 0; patterns && (!fam || fam == &p->families[i]) &&
                           k < p->families[i].npatterns;
             k++)
            add_name(&pats, &npats, &cap, p->families[i].patterns[k].source);
    if (n) {
        sb_adds(sb, "nspname = ANY (");
        sql_array(sb, names, n, "name");
        sb_adds(sb, ")");
    }
    if (npats) {
        sb_adds(sb, n ? "\n          OR (" : "(");
        sb_adds(sb, "nspname ~ ANY (");
        sql_array(sb, pats, npats, "text");
        sb_adds(sb, ") AND nspname <> ALL (");
        sql_array(sb, sc->named, sc->nnamed, "name");
        sb_adds(sb, "))");
    }
    if (!n && !npats)
        sb_adds(sb, "false");
    free(pats);
}

/* The words of what to revoke from PUBLIC: all but what it may hold. */
static char *public_revoke(unsigned all, unsigned keep)
{
    strbuf sb = {0};
    if (!(all & ~keep))
        return NULL;
    if (!keep)
        sb_adds(&sb, "ALL");
    else
        priv_words(&sb, all & ~keep);
    return sb_detach(&sb, NULL);
}

/*
 * Everything revoked in the schemas of one group (names, and with patterns those
 * only a family's pattern names) from the roles in scope but each object's owner, and
 * from PUBLIC beyond pub; default privileges for them too.
 */
static void revoke_group(strbuf *sb, const scope *sc, const char *what, const char **names,
                         size_t n, bool patterns, policy_privs pub)
{
    size_t nroles;
    const char **roles = scope_roles(sc, false, &nroles);
    sb_addf(sb, "\n-- revoke everything in %s\nDO $revoke$\nDECLARE\n    s name;\n    r name;\n"
                "    o record;\n    roles name[] := ",
            what);
    sql_array(sb, roles, nroles, "name");
    sb_adds(sb, ";\nBEGIN\n    FOR s IN SELECT nspname FROM pg_namespace\n        WHERE ");
    schema_filter(sb, sc, names, n, NULL, patterns);
    sb_adds(sb, "\n        ORDER BY 1 LOOP\n"
                "        FOREACH r IN ARRAY roles LOOP\n"
                "            IF (SELECT nspowner FROM pg_namespace WHERE nspname = s) <> "
                "r::regrole THEN\n"
                "                EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', s, r);\n"
                "            END IF;\n        END LOOP;\n");
    char *nsp = sc->only ? NULL : public_revoke(PRIV_USAGE | PRIV_CREATE, pub.schema);
    char *tab = sc->only ? NULL : public_revoke(PRIV_TABLE_ALL, pub.tables);
    char *seq = sc->only ? NULL : public_revoke(PRIV_SEQUENCE_ALL, pub.sequences);
    char *fn = sc->only ? NULL : public_revoke(PRIV_EXECUTE, pub.routines);
    char *seq_q = seq ? xasprintf("'%s'", seq) : xstrdup("NULL");
    char *tab_q = tab ? xasprintf("'%s'", tab) : xstrdup("NULL");
    char *fn_q = fn ? xasprintf("'%s'", fn) : xstrdup("NULL");
    if (nsp)
        sb_addf(sb, "        EXECUTE format('REVOKE %s ON SCHEMA %%I FROM PUBLIC', s);\n", nsp);
    sb_addf(sb, "        -- its relations and routines (not an extension's)\n"
                "        FOR o IN SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE ' ELSE 'TABLE ' "
                "END\n"
                "                        || c.oid::regclass::text AS obj, c.relowner AS owner,\n"
                "                        CASE WHEN c.relkind = 'S' THEN %s ELSE %s END AS pub\n"
                "                 FROM pg_class c\n"
                "                 WHERE c.relnamespace = to_regnamespace(quote_ident(s))\n"
                "                   AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')\n"
                "                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                "'pg_class'::regclass\n"
                "                                   AND d.objid = c.oid AND d.deptype = 'e')\n"
                "                 UNION ALL\n"
                "                 SELECT 'ROUTINE ' || p.oid::regprocedure::text, p.proowner, %s\n"
                "                 FROM pg_proc p\n"
                "                 WHERE p.pronamespace = to_regnamespace(quote_ident(s))\n"
                "                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = "
                "'pg_proc'::regclass\n"
                "                                   AND d.objid = p.oid AND d.deptype = 'e')\n"
                "        LOOP\n"
                "            FOREACH r IN ARRAY roles LOOP\n"
                "                IF o.owner <> r::regrole THEN\n"
                "                    EXECUTE format('REVOKE ALL ON %%s FROM %%I', o.obj, r);\n"
                "                END IF;\n            END LOOP;\n",
            seq_q, tab_q, fn_q);
    if (!sc->only)
        sb_adds(sb, "            IF o.pub IS NOT NULL THEN\n"
                    "                EXECUTE format('REVOKE %s ON %s FROM PUBLIC', o.pub, o.obj);\n"
                    "            END IF;\n");
    sb_adds(sb, "        END LOOP;\n");
    sb_adds(sb, sc->only ? "        -- default privileges in it, for the role\n"
                         : "        -- default privileges in it, for the roles and PUBLIC\n");
    sb_adds(sb, ""
                "        FOR o IN SELECT pg_get_userbyid(d.defaclrole) AS creator,\n"
                "                        CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' "
                "THEN 'SEQUENCES'\n"
                "                             WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' "
                "ELSE 'SCHEMAS' END AS kind,\n"
                "                        CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE "
                "quote_ident(pg_get_userbyid(a.grantee)) END AS grantee\n"
                "                 FROM pg_default_acl d CROSS JOIN LATERAL "
                "aclexplode(d.defaclacl) a\n"
                "                 WHERE d.defaclnamespace = to_regnamespace(quote_ident(s))\n"
                "                   AND a.grantee <> d.defaclrole AND (");
    sb_adds(sb, sc->only ? "" : "a.grantee = 0 OR ");
    sb_adds(sb, "pg_get_userbyid(a.grantee) = ANY (roles))\n"
                "        LOOP\n"
                "            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA %I "
                "REVOKE ALL ON %s FROM %s',\n"
                "                           o.creator, s, o.kind, o.grantee);\n"
                "        END LOOP;\n    END LOOP;\nEND\n$revoke$;\n");
    free(seq_q);
    free(tab_q);
    free(fn_q);
    free(nsp);
    free(tab);
    free(seq);
    free(fn);
    free(roles);
}

/* Outside the policy's schemas: public, default privileges that name no schema. */
static void elsewhere(strbuf *sb, const scope *sc)
{
    const policy *p = sc->p;
    size_t nroles;
    const char **roles = scope_roles(sc, false, &nroles);
    sb_adds(sb, "\n-- nobody creates in public but whom the policy gives ddl there\n");
    if (!sc->only)
        sb_adds(sb, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n");
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *r = &p->roles[i];
        if (!in_scope(sc, r) || (policy_schema_classes(p, r, "public") & CLASS_DDL))
            continue;
        sb_adds(sb, "REVOKE CREATE ON SCHEMA public FROM ");
        sql_ident(sb, r->name);
        sb_adds(sb, ";\n");
    }
    sb_adds(sb, "-- default privileges of every schema given to the roles\nDO $defaults$\n"
                "DECLARE\n    o record;\nBEGIN\n"
                "    FOR o IN SELECT pg_get_userbyid(d.defaclrole) AS creator,\n"
                "                    CASE d.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN "
                "'SEQUENCES'\n"
                "                         WHEN 'f' THEN 'FUNCTIONS' WHEN 'T' THEN 'TYPES' ELSE "
                "'SCHEMAS' END AS kind,\n"
                "                    pg_get_userbyid(a.grantee) AS grantee\n"
                "             FROM pg_default_acl d CROSS JOIN LATERAL aclexplode(d.defaclacl) a\n"
                "             WHERE d.defaclnamespace = 0 AND a.grantee <> d.defaclrole\n"
                "               AND pg_get_userbyid(a.grantee) = ANY (");
    sql_array(sb, roles, nroles, "name");
    sb_adds(sb, ")\n    LOOP\n        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I "
                "REVOKE ALL ON %s FROM %I',\n"
                "                       o.creator, o.kind, o.grantee);\n    END LOOP;\nEND\n"
                "$defaults$;\n");
    if (!sc->only) {
        bool first = true;
        for (size_t i = 0; i < p->nroles; i++) {
            const policy_role *r = &p->roles[i];
            bool creates = r == policy_owner_role(p) || policy_ddl_on_some_family(r);
            for (size_t k = 0; !creates && k < sc->nnamed; k++)
                creates = creates_in(p, r, sc->named[k], NULL);
            if (!creates)
                continue;
            if (first)
                sb_adds(sb, "-- routines the roles that create in the policy's schemas create "
                            "later: no EXECUTE\n-- for PUBLIC (PostgreSQL's default; it cannot "
                            "be revoked per schema)\n");
            first = false;
            sb_adds(sb, "ALTER DEFAULT PRIVILEGES FOR ROLE ");
            sql_ident(sb, r->name);
            sb_adds(sb, " REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;\n");
        }
    }
    free(roles);
}

/* One GRANT of privs on kind ("SCHEMA", "ALL TABLES IN SCHEMA") schema to r. */
static void grant_on(out *o, unsigned privs, const char *kind, const char *schema,
                     const policy_role *r)
{
    if (!privs)
        return;
    o_begin(o);
    o_text(o, "GRANT ");
    o_privs(o, privs);
    o_text(o, " ON ");
    o_text(o, kind);
    o_text(o, " ");
    o_schema(o, schema);
    o_text(o, " TO ");
    o_ident(o, r->name);
    o_end(o);
}

/* Default privileges: privs on what creator creates later (kind: "TABLES"). */
static void grant_later(out *o, unsigned privs, const char *kind, const char *schema,
                        const policy_role *creator, const policy_role *r)
{
    if (!privs)
        return;
    o_begin(o);
    o_text(o, "ALTER DEFAULT PRIVILEGES FOR ROLE ");
    o_ident(o, creator->name);
    o_text(o, " IN SCHEMA ");
    o_schema(o, schema);
    o_text(o, " GRANT ");
    o_privs(o, privs);
    o_text(o, " ON ");
    o_text(o, kind);
    o_text(o, " TO ");
    o_ident(o, r->name);
    o_end(o);
}

/* r's privileges pv in schema (dynamic: the loop's s; fam: a pattern-only schema of
   fam), now and on what the roles that create there create later. */
static void schema_grants(out *o, const scope *sc, const policy_role *r, const char *schema,
                          const policy_family *fam, policy_privs pv)
{
    const policy *p = sc->p;
    grant_on(o, pv.schema, "SCHEMA", schema, r);
    grant_on(o, pv.tables, "ALL TABLES IN SCHEMA", schema, r);
    grant_on(o, pv.sequences, "ALL SEQUENCES IN SCHEMA", schema, r);
    for (size_t i = 0; i < p->nroles; i++) {
        const policy_role *c = &p->roles[i];
        if (c == r || !creates_in(p, c, schema, fam))
            continue;
        grant_later(o, pv.tables, "TABLES", schema, c, r);
        grant_later(o, pv.sequences, "SEQUENCES", schema, c, r);
    }
}

/* A grant on one table, when the table exists; insert: its own sequences too. */
static void table_grant(strbuf *sb, const policy *p, const policy_role *r, const policy_grant *g)
{
    const char *dot = strchr(g->target, '.');
    if (!dot)
        return;
    char *schema = xstrndup(g->target, (size_t)(dot - g->target));
    unsigned privs = policy_table_privs(p, r, schema, dot + 1);
    strbuf table = {0}, words = {0};
    sql_ident(&table, schema);
    sb_addc(&table, '.');
    sql_ident(&table, dot + 1);
    priv_words(&words, privs);
    sb_adds(sb, "DO $table$\nDECLARE\n    q record;\nBEGIN\n    IF to_regclass(");
    sql_literal(sb, table.buf);
    sb_addf(sb, ") IS NOT NULL THEN\n        GRANT %s ON TABLE %s TO ", words.buf, table.buf);
    sql_ident(sb, r->name);
    sb_adds(sb, ";\n");
    if (policy_sequence_privs(p, r, schema, dot + 1)) {
        sb_adds(sb, "        FOR q IN SELECT d.objid::regclass AS seq FROM pg_depend d\n"
                    "                 WHERE d.refobjid = ");
        sql_literal(sb, table.buf);
        sb_adds(sb, "::regclass AND d.classid = 'pg_class'::regclass\n"
                    "                   AND d.deptype IN ('a', 'i')\n"
                    "                   AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = "
                    "'S' LOOP\n"
                    "            EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', q.seq, ");
        sql_literal(sb, r->name);
        sb_adds(sb, ");\n        END LOOP;\n");
    }
    sb_adds(sb, "    END IF;\nEND\n$table$;\n");
    sb_free(&words);
    sb_free(&table);
    free(schema);
}

/* EXECUTE on every routine the allow function list names (all overloads). */
static void function_grants(strbuf *sb, const policy_role *r)
{
    if (!r->nfunctions)
        return;
    sb_adds(sb, "DO $functions$\nDECLARE\n    f regprocedure;\nBEGIN\n"
                "    FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = "
                "p.pronamespace\n"
                "             WHERE n.nspname || '.' || p.proname = ANY (");
    sql_array(sb, (const char *const *)r->functions, r->nfunctions, "text");
    sb_adds(sb, ") ORDER BY 1 LOOP\n"
                "        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO %I', f, ");
    sql_literal(sb, r->name);
    sb_adds(sb, ");\n    END LOOP;\nEND\n$functions$;\n");
}

static void role_grants(strbuf *sb, const scope *sc, const policy_role *r)
{
    const policy *p = sc->p;
    sb_addf(sb, "\n-- %s (%s)\n", r->name, r->restricted ? "restricted" : "unrestricted");
    /* the schemas it may use: the policy's, and those its grants and functions name */
    size_t n = 0, cap = 0, nowned = 0, capowned = 0;
    const char **schemas = NULL;
    char **owned = NULL;
    for (size_t i = 0; i < sc->nnamed; i++)
        add_name(&schemas, &n, &cap, sc->named[i]);
    for (size_t i = 0; i < r->ngrants + r->nfunctions; i++) {
        const char *t = i < r->ngrants ? r->grants[i].target : r->functions[i - r->ngrants];
        bool whole = i < r->ngrants && r->grants[i].target_kind == TARGET_SCHEMA;
        const char *dot = strchr(t, '.');
        if (i < r->ngrants && r->grants[i].target_kind == TARGET_FAMILY)
            continue;
        if (!whole && !dot)
            continue;
        GROW(owned, capowned, nowned + 1);
        owned[nowned] = whole ? xstrdup(t) : xstrndup(t, (size_t)(dot - t));
        add_name(&schemas, &n, &cap, owned[nowned++]);
    }
    out o = {sb, false};
    for (size_t i = 0; i < n; i++)
        schema_grants(&o, sc, r, schemas[i], NULL, policy_role_privs(p, r, schemas[i]));
    for (size_t i = 0; i < p->nfamilies; i++) {
        const policy_family *fam = &p->families[i];
        unsigned classes = family_classes(r, fam);
        if (!fam->npatterns || !classes)
            continue;
        sb_addf(sb, "-- the schemas of family %s its patterns name (run again after creating "
                    "one)\nDO $family$\nDECLARE\n    s name;\nBEGIN\n"
                    "    FOR s IN SELECT nspname FROM pg_namespace WHERE ",
                fam->name);
        schema_filter(sb, sc, NULL, 0, fam, true);
        sb_adds(sb, "\n        ORDER BY 1 LOOP\n");
        out d = {sb, true};
        schema_grants(&d, sc, r, NULL, fam, privs_of(classes, true));
        sb_adds(sb, "    END LOOP;\nEND\n$family$;\n");
    }
    for (size_t i = 0; i < r->ngrants; i++)
        if (r->grants[i].target_kind == TARGET_TABLE)
            table_grant(sb, p, r, &r->grants[i]);
    function_grants(sb, r);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    free(owned);
    free(schemas);
}

char *policy_grants_sql(const policy *p, const policy_role *only)
{
    scope sc = {.p = p, .only = only};
    sc.named = policy_named_schemas(p, &sc.nnamed);
    strbuf sb = {0};
    header(&sb, &sc);
    preflight(&sb, &sc);
    memberships(&sb, &sc);
    database(&sb, &sc);

    /* revoke: the families' and bridges' schemas, then the protected ones */
    size_t nopen = 0, nprot = 0;
    const char **open = xcalloc(sc.nnamed + 1, sizeof(char *));
    const char **prot = xcalloc(sc.nnamed + 1, sizeof(char *));
    for (size_t i = 0; i < sc.nnamed; i++) {
        if (policy_is_protected(p, sc.named[i]))
            prot[nprot++] = sc.named[i];
        else
            open[nopen++] = sc.named[i];
    }
    revoke_group(&sb, &sc,
                 only ? "the schemas of the families (named, or matching a pattern) and bridges"
                      : "the schemas of the families (named, or matching a pattern) and bridges\n"
                        "-- (PUBLIC: nothing)",
                 open, nopen, true, (policy_privs){0});
    if (nprot)
        revoke_group(&sb, &sc,
                     only ? "the protected schemas"
                          : "the protected schemas (PUBLIC keeps what pgward's audit trail gives "
                            "it: USAGE,\n-- SELECT on the tables, EXECUTE on the functions)",
                     prot, nprot, false, policy_public_privs(p, prot[0]));
    elsewhere(&sb, &sc);

    sb_adds(&sb, "\n-- ------------------------------------------------------------------ "
                 "what the policy grants\n");
    for (size_t i = 0; i < p->nroles; i++)
        if (in_scope(&sc, &p->roles[i]))
            role_grants(&sb, &sc, &p->roles[i]);
    free(open);
    free(prot);
    free(sc.named);
    return sb_detach(&sb, NULL);
}
