/*
 * privileges.c: the privileges gate of pgward verify: what every role of the
 * policy (and PUBLIC) holds in the database, directly, through membership or by
 * owning, against what the policy grants it: the model of policy/grants.h, the one
 * `pgward policy grants` and `pgward stage` grant from, so that what they set up is
 * what this gate accepts. Beyond the privileges themselves: memberships in
 * predefined roles and in roles with more power than a restricted role may have.
 */
#include "policy/grants.h"
#include "verify/gate.h"

/* ------------------------------------------------------------------ privileges */

/* What a role holds in one schema, for the evidence line. */
typedef struct priv_sum {
    char *schema;
    unsigned privs;          /* bits of priv_words */
    long nrels;
    char *last;              /* last relation counted */
} priv_sum;

static priv_sum *sum_for(priv_sum **sums, size_t *n, size_t *cap, const char *schema)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*sums)[i].schema, schema) == 0)
            return &(*sums)[i];
    GROW(*sums, *cap, *n + 1);
    priv_sum *s = &(*sums)[(*n)++];
    memset(s, 0, sizeof(*s));
    s->schema = xstrdup(schema);
    return s;
}

static void sum_words(strbuf *sb, unsigned privs, unsigned mask)
{
    priv_words(sb, privs & mask);
}

#define SCHEMA_PRIVS (PRIV_USAGE | PRIV_CREATE)

/* The table a sequence belongs to (serial or identity column), or NULL. */
#define SEQ_OWNER                                                                       \
    "(SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid "        \
    "WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass AND d.objid = c.oid "  \
    "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)"

static const char q_rel_privs[] =
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, a.is_grantable, " VIA ", "
    "pg_get_userbyid(a.grantor), NULL::name, " SEQ_OWNER " "
    "FROM pg_roles r CROSS JOIN pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL " REL_ACL " a "
    "WHERE r.rolname = $1 AND " REL_KINDS " AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "UNION ALL "
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, a.is_grantable, " VIA ", "
    "pg_get_userbyid(a.grantor), t.attname, NULL::name "
    "FROM pg_roles r CROSS JOIN pg_attribute t JOIN pg_class c ON c.oid = t.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(t.attacl) a "
    "WHERE r.rolname = $1 AND t.attacl IS NOT NULL AND t.attnum > 0 AND NOT t.attisdropped "
    "AND " REL_KINDS " AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "ORDER BY 1, 2, 8 NULLS FIRST, 4";

static const char q_nsp_privs[] =
    "SELECT n.nspname, a.privilege_type, a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_namespace n "
    "CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, n.nspowner, 'MEMBER') "
    "ORDER BY 1, 2";

static const char q_fn_privs[] =
    "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
    "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, "
    "a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid") " "
    "AND a.grantee <> 0 AND pg_has_role(r.oid, a.grantee, 'MEMBER') "
    "AND NOT pg_has_role(r.oid, p.proowner, 'MEMBER') ORDER BY 1, 2, 3";

static const char q_owned[] =
    "SELECT 'schema', n.nspname, NULL, pg_get_userbyid(n.nspowner) "
    "FROM pg_roles r CROSS JOIN pg_namespace n "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND pg_has_role(r.oid, n.nspowner, 'MEMBER') "
    "UNION ALL "
    "SELECT c.relkind::text, n.nspname, c.relname, pg_get_userbyid(c.relowner) "
    "FROM pg_roles r CROSS JOIN pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE r.rolname = $1 AND " REL_KINDS " AND " USER_NSP("n") " "
    "AND pg_has_role(r.oid, c.relowner, 'MEMBER') "
    "UNION ALL "
    "SELECT CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' "
    "ELSE 'function' END, n.nspname, "
    "p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
    "pg_get_userbyid(p.proowner) "
    "FROM pg_roles r CROSS JOIN pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE r.rolname = $1 AND " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid") " "
    "AND pg_has_role(r.oid, p.proowner, 'MEMBER') "
    "UNION ALL "
    "SELECT 'database', NULL, d.datname, pg_get_userbyid(d.datdba) "
    "FROM pg_roles r CROSS JOIN pg_database d "
    "WHERE r.rolname = $1 AND d.datname = current_database() "
    "AND pg_has_role(r.oid, d.datdba, 'MEMBER') "
    "ORDER BY 1, 2, 3";

static const char q_db_privs[] =
    "SELECT a.privilege_type, a.is_grantable, " VIA ", pg_get_userbyid(a.grantor) "
    "FROM pg_roles r CROSS JOIN pg_database d "
    "CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
    "WHERE r.rolname = $1 AND d.datname = current_database() AND a.grantee <> 0 "
    "AND pg_has_role(r.oid, a.grantee, 'MEMBER') AND NOT pg_has_role(r.oid, d.datdba, 'MEMBER')";

/* Roles it belongs to that give what no grant can: predefined ones, and roles with
   attributes a restricted role may not have (SET ROLE reaches them). */
static const char q_predefined[] =
    "SELECT g.rolname, g.rolname ~ '^pg_', concat_ws(', ', "
    "CASE WHEN g.rolsuper THEN 'SUPERUSER' END, CASE WHEN g.rolcreaterole THEN 'CREATEROLE' END, "
    "CASE WHEN g.rolcreatedb THEN 'CREATEDB' END, CASE WHEN g.rolbypassrls THEN 'BYPASSRLS' END, "
    "CASE WHEN g.rolreplication THEN 'REPLICATION' END) "
    "FROM pg_roles r CROSS JOIN pg_roles g "
    "WHERE r.rolname = $1 AND g.oid <> r.oid AND pg_has_role(r.oid, g.oid, 'MEMBER') "
    "AND ((g.rolname ~ '^pg_' AND g.rolname <> 'pg_database_owner') OR g.rolsuper "
    "OR g.rolcreaterole OR g.rolcreatedb OR g.rolbypassrls OR g.rolreplication) ORDER BY 1";

static const char q_default_privs[] =
    "SELECT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, a.privilege_type, "
    "a.is_grantable, " VIA " "
    "FROM pg_roles r CROSS JOIN pg_default_acl d "
    "LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
    "CROSS JOIN LATERAL aclexplode(d.defaclacl) a "
    "WHERE r.rolname = $1 AND a.grantee <> 0 AND pg_has_role(r.oid, a.grantee, 'MEMBER') "
    "AND NOT pg_has_role(r.oid, d.defaclrole, 'MEMBER') ORDER BY 1, 2, 3, 4";

/* Checks one restricted role's privileges; adds its evidence line and problems. */
static void check_restricted_role(vctx *v, verify_gate *g, const policy_role *rl)
{
    const policy *p = v->p;
    const char *params[] = {rl->name};
    priv_sum *sums = NULL;
    size_t nsums = 0, capsums = 0, extra = 0, nexec = 0;
    strbuf owned = {0};

    PGresult *res = catalog_query(v, "cannot read the role's table privileges", q_rel_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        const char *kind = PQgetvalue(res, i, 2), *priv = PQgetvalue(res, i, 3);
        const char *col = cell_text(res, i, 7);
        bool grantable = cell_bool(res, i, 4);
        /* what the model gives it there (policy/grants.h), and the classes behind it */
        unsigned privs = kind[0] == 'S'
                             ? policy_sequence_privs(p, rl, schema, cell_text(res, i, 8))
                             : policy_table_privs(p, rl, schema, rel);
        unsigned have = policy_table_classes(p, rl, schema, rel);
        priv_sum *s = sum_for(&sums, &nsums, &capsums, schema);
        s->privs |= priv_bit(priv);
        if (!s->last || strcmp(s->last, rel) != 0) {
            free(s->last);
            s->last = xstrdup(rel);
            s->nrels++;
        }
        bool held = privs & priv_bit(priv);
        bool ok = held && (!grantable || (have & CLASS_DCL));
        if (ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 5), cell_text(res, i, 6));
        char *classes = class_list(have);
        char *target = col ? xasprintf("%s (%s) on %s %s.%s", priv, col, relkind_word(kind),
                                       schema, rel)
                           : xasprintf("%s on %s %s.%s", priv, relkind_word(kind), schema, rel);
        if (held)
            gate_problem(g, "%s holds %s WITH GRANT OPTION (%s): its grants there lack dcl (%s)",
                    rl->name, target, how, classes);
        else
            gate_problem(g, "%s holds %s (%s): beyond its grants there (%s)", rl->name, target, how,
                    classes);
        free(target);
        free(classes);
        free(how);
    }
    PQclear(res);

    res = catalog_query(v, "cannot read the role's schema privileges", q_nsp_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *priv = PQgetvalue(res, i, 1);
        bool grantable = cell_bool(res, i, 2);
        unsigned have = policy_schema_classes(p, rl, schema);
        bool ok = policy_role_privs(p, rl, schema).schema & priv_bit(priv);
        const char *why = strcmp(priv, "CREATE") == 0
                              ? "CREATE needs ddl on the schema"
                              : "USAGE needs a grant or an allowed function there";
        if (ok && grantable && !(have & CLASS_DCL)) {
            ok = false;
            why = "WITH GRANT OPTION needs dcl on the schema";
        }
        sum_for(&sums, &nsums, &capsums, schema)->privs |= priv_bit(priv);
        if (ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 3), cell_text(res, i, 4));
        char *classes = class_list(have);
        gate_problem(g, "%s holds %s on schema %s (%s): %s (its grants there: %s)", rl->name, priv,
                schema, how, why, classes);
        free(classes);
        free(how);
    }
    PQclear(res);

    res = catalog_query(v, "cannot read the role's function privileges", q_fn_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        nexec++;
        bool allowed = policy_function_allowed_in(rl, schema, name);
        bool grant_ok = !cell_bool(res, i, 4) || (policy_schema_classes(p, rl, schema) & CLASS_DCL);
        if (allowed && grant_ok)
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 5), cell_text(res, i, 6));
        gate_problem(g, "%s holds EXECUTE%s on %s %s.%s(%s) (%s): %s", rl->name,
                grant_ok ? "" : " WITH GRANT OPTION", PQgetvalue(res, i, 3), schema, name,
                PQgetvalue(res, i, 2), how,
                allowed ? "its grants there lack dcl" : "not on its allow function list");
        free(how);
    }
    PQclear(res);

    res = catalog_query(v, "cannot read what the role owns", q_owned, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 0), *schema = cell_text(res, i, 1);
        const char *name = cell_text(res, i, 2), *owner = PQgetvalue(res, i, 3);
        const char *word = strlen(kind) == 1 ? relkind_word(kind) : kind;
        char *what = strcmp(kind, "schema") == 0 ? xasprintf("schema %s", schema)
                     : schema                    ? xasprintf("%s %s.%s", word, schema, name)
                                                 : xasprintf("%s %s", word, name);
        char *as = strcmp(owner, rl->name) == 0 ? xstrdup("")
                                                 : xasprintf(" (through membership in %s)", owner);
        sb_addf(&owned, "%s%s", owned.len ? ", " : "", what);
        if (!schema) {
            extra++;
            gate_problem(g, "%s owns %s%s: a restricted role may not own the database", rl->name,
                    what, as);
        } else if (!(policy_schema_classes(p, rl, schema) & CLASS_DDL)) {
            extra++;
            char *classes = class_list(policy_schema_classes(p, rl, schema));
            gate_problem(g, "%s owns %s%s: owning needs ddl on %s (its grants there: %s)", rl->name,
                    what, as, schema, classes);
            free(classes);
        }
        free(as);
        free(what);
    }
    PQclear(res);

    res = catalog_query(v, "cannot read the role's database privileges", q_db_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *priv = PQgetvalue(res, i, 0);
        if (policy_database_privs(p, rl) & priv_bit(priv))
            continue;
        extra++;
        char *how = how_held(PQgetvalue(res, i, 2), cell_text(res, i, 3));
        gate_problem(g, "%s holds %s on database %s (%s): %s", rl->name, priv, v->r->database,
                how, strcmp(priv, "CREATE") == 0 ? "creating schemas needs ddl on a family"
                                                 : "the policy gives the roles only CONNECT");
        free(how);
    }
    PQclear(res);

    res = catalog_query(v, "cannot read the role's memberships", q_predefined, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        extra++;
        if (cell_bool(res, i, 1))
            gate_problem(g, "%s is a member of the predefined role %s", rl->name,
                    PQgetvalue(res, i, 0));
        else
            gate_problem(g, "%s is a member of %s, which has %s: a restricted role may not reach "
                    "it (SET ROLE)", rl->name, PQgetvalue(res, i, 0), PQgetvalue(res, i, 2));
    }
    PQclear(res);

    res = catalog_query(v, "cannot read the default privileges", q_default_privs, 1, params);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *creator = PQgetvalue(res, i, 0), *schema = cell_text(res, i, 1);
        char type = PQgetvalue(res, i, 2)[0];
        const char *priv = PQgetvalue(res, i, 3);
        bool grantable = cell_bool(res, i, 4);
        unsigned have = schema ? policy_schema_classes(p, rl, schema) : 0;
        policy_privs model = schema ? policy_role_privs(p, rl, schema) : (policy_privs){0};
        unsigned privs;
        const char *objects;
        switch (type) {
        case 'r':
            privs = model.tables;
            objects = "tables";
            break;
        case 'S':
            privs = model.sequences;
            objects = "sequences";
            break;
        case 'f':
            privs = 0; /* never covered: future functions are on no allowlist */
            objects = "functions";
            break;
        case 'n':
            privs = PRIV_USAGE | (policy_ddl_on_some_family(rl) ? PRIV_CREATE : 0);
            have = policy_ddl_on_some_family(rl) ? CLASS_DDL : 0;
            objects = "schemas";
            break;
        default:
            privs = PRIV_USAGE; /* types: USAGE, as PostgreSQL gives PUBLIC */
            objects = "types";
            break;
        }
        if ((privs & priv_bit(priv)) && (!grantable || (have & CLASS_DCL)))
            continue;
        extra++;
        char *via = PQgetvalue(res, i, 5)[0]
                        ? xasprintf(", through membership in %s", PQgetvalue(res, i, 5))
                        : xstrdup("");
        char *list = class_list(have);
        char *reason = type == 'f'
                           ? xstrdup("future functions are on no allow function list")
                           : xasprintf("beyond its grants there (%s)", list);
        gate_problem(g, "%s gets %s%s on the %s %s creates %s%s (default privileges%s): %s", rl->name,
                priv, grantable ? " WITH GRANT OPTION" : "", objects, creator,
                schema ? "in schema " : "in every schema", schema ? schema : "", via, reason);
        free(reason);
        free(list);
        free(via);
    }
    PQclear(res);

    /* the evidence line */
    strbuf sb = {0};
    sb_addf(&sb, "%s (restricted): ", rl->name);
    size_t before = sb.len;
    for (size_t i = 0; i < nsums; i++) {
        priv_sum *s = &sums[i];
        sb_addf(&sb, "%s%s: ", sb.len > before ? "; " : "", s->schema);
        if (s->privs & SCHEMA_PRIVS) {
            sum_words(&sb, s->privs, SCHEMA_PRIVS);
            sb_adds(&sb, " on the schema");
        }
        if (s->nrels) {
            sb_adds(&sb, (s->privs & SCHEMA_PRIVS) ? ", " : "");
            sum_words(&sb, s->privs, ~SCHEMA_PRIVS);
            sb_addf(&sb, " on %ld relation%s", s->nrels, s->nrels == 1 ? "" : "s");
        }
        free(s->schema);
        free(s->last);
    }
    free(sums);
    if (sb.len == before)
        sb_adds(&sb, "no privileges of its own");
    if (nexec)
        sb_addf(&sb, "; EXECUTE granted on %zu function%s", nexec, nexec == 1 ? "" : "s");
    else
        sb_adds(&sb, "; no EXECUTE granted to it");
    sb_addf(&sb, "; owns %s; %s", owned.len ? owned.buf : "nothing",
            extra ? "BEYOND its grants" : "within its grants");
    gate_evidence(g, "%s", sb.buf);
    sb_free(&sb);
    sb_free(&owned);
}

static const char q_public_rel[] =
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, pg_get_userbyid(a.grantor), "
    "NULL::name "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL " REL_ACL
    " a WHERE " REL_KINDS " AND " USER_NSP("n") " AND a.grantee = 0 AND "
    NOT_EXT_MEMBER("pg_class", "c.oid") " "
    "UNION ALL "
    "SELECT n.nspname, c.relname, c.relkind, a.privilege_type, pg_get_userbyid(a.grantor), "
    "t.attname "
    "FROM pg_attribute t JOIN pg_class c ON c.oid = t.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN LATERAL aclexplode(t.attacl) a "
    "WHERE t.attacl IS NOT NULL AND t.attnum > 0 AND NOT t.attisdropped AND " REL_KINDS
    " AND " USER_NSP("n") " AND a.grantee = 0 AND " NOT_EXT_MEMBER("pg_class", "c.oid") " "
    "ORDER BY 1, 2, 6 NULLS FIRST, 4";

static const char q_public_other[] =
    "SELECT 'schema', n.nspname, a.privilege_type, pg_get_userbyid(a.grantor) "
    "FROM pg_namespace n "
    "CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
    "WHERE " USER_NSP("n") " AND a.grantee = 0 "
    "UNION ALL "
    "SELECT 'database', d.datname, a.privilege_type, pg_get_userbyid(a.grantor) "
    "FROM pg_database d "
    "CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
    "WHERE d.datname = current_database() AND a.grantee = 0 "
    "UNION ALL "
    "SELECT 'default ' || d.defaclobjtype::text, coalesce(n.nspname, ''), a.privilege_type, "
    "pg_get_userbyid(d.defaclrole) "
    "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
    "CROSS JOIN LATERAL aclexplode(d.defaclacl) a WHERE a.grantee = 0 "
    "ORDER BY 1, 2, 3";

static const char q_public_fn[] =
    "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), "
    "CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END, "
    "pg_get_userbyid(a.grantor) "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a "
    "WHERE " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid") " AND a.grantee = 0 "
    "ORDER BY 1, 2, 3";

/* PUBLIC: every role holds what it holds; it may hold what policy_public_privs()
   says (policy/grants.h). */
static void check_public(vctx *v, verify_gate *g)
{
    const policy *p = v->p;
    strbuf usage = {0}, reads = {0};
    size_t nexec = 0;
    PGresult *res = catalog_query(v, "cannot read the privileges of PUBLIC", q_public_rel, 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0), *rel = PQgetvalue(res, i, 1);
        const char *priv = PQgetvalue(res, i, 3), *col = cell_text(res, i, 5);
        policy_privs pub = policy_public_privs(p, schema);
        unsigned may = PQgetvalue(res, i, 2)[0] == 'S' ? pub.sequences : pub.tables;
        if (may & priv_bit(priv)) {
            sb_addf(&reads, "%s%s %s.%s%s%s%s", reads.len ? ", " : "", priv, schema, rel,
                    col ? " (" : "", col ? col : "", col ? ")" : "");
            continue;
        }
        gate_problem(g, "PUBLIC holds %s%s%s%s on %s %s.%s (granted by %s): every role gets it",
                priv, col ? " (" : "", col ? col : "", col ? ")" : "",
                relkind_word(PQgetvalue(res, i, 2)), schema, rel, PQgetvalue(res, i, 4));
    }
    PQclear(res);
    res = catalog_query(v, "cannot read the privileges of PUBLIC", q_public_fn, 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *schema = PQgetvalue(res, i, 0);
        if (policy_public_privs(p, schema).routines & PRIV_EXECUTE) {
            nexec++;
            continue;
        }
        gate_problem(g, "PUBLIC holds EXECUTE on %s %s.%s(%s) (granted by %s): every role may "
                   "call it, and it is on no allow function list",
                PQgetvalue(res, i, 3), schema, PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                PQgetvalue(res, i, 4));
    }
    PQclear(res);
    res = catalog_query(v, "cannot read the privileges of PUBLIC", q_public_other, 0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        const char *priv = PQgetvalue(res, i, 2), *by = PQgetvalue(res, i, 3);
        if (strcmp(kind, "schema") == 0) {
            const policy_family *fam = policy_family_of(p, name);
            if (policy_public_privs(p, name).schema & priv_bit(priv))
                sb_addf(&usage, "%s%s", usage.len ? ", " : "", name);
            else if (strcmp(priv, "USAGE") == 0)
                gate_problem(g, "PUBLIC holds USAGE on schema %s%s%s (granted by %s): every "
                           "role reaches its objects",
                        name, fam ? " of family " : "", fam ? fam->name : "", by);
            else
                gate_problem(g, "PUBLIC holds %s on schema %s (granted by %s): every role gets it",
                        priv, name, by);
        } else if (strcmp(kind, "database") == 0) {
            if (!(policy_database_privs(p, NULL) & priv_bit(priv)))
                gate_problem(g, "PUBLIC holds %s on database %s: every role %s", priv, name,
                        strcmp(priv, "CREATE") == 0    ? "may create schemas"
                        : strcmp(priv, "CONNECT") == 0 ? "may connect, not only the policy's"
                                                       : "may create temporary objects");
        } else {
            char type = kind[8];
            policy_privs pub = *name ? policy_public_privs(p, name)
                                     : (policy_privs){0, 0, 0, PRIV_EXECUTE};
            unsigned may = type == 'r'   ? pub.tables
                           : type == 'S' ? pub.sequences
                           : type == 'f' ? pub.routines
                                         : PRIV_USAGE; /* types, schemas: USAGE */
            if (!(may & priv_bit(priv)))
                gate_problem(g, "PUBLIC gets %s on every new %s %s creates%s%s (default privileges)",
                        priv,
                        type == 'r'   ? "table"
                        : type == 'S' ? "sequence"
                        : type == 'f' ? "function"
                                      : "schema",
                        by, *name ? " in schema " : "", name);
        }
    }
    PQclear(res);
    gate_evidence(g, "PUBLIC: USAGE on schemas %s; %s (protected: readable); EXECUTE on %zu "
                "function%s outside the families and bridges",
             usage.len ? usage.buf : "none", reads.len ? reads.buf : "nothing", nexec,
             nexec == 1 ? "" : "s");
    sb_free(&usage);
    sb_free(&reads);
}

void gate_privileges(vctx *v)
{
    const policy *p = v->p;
    verify_gate *g = gate_add(v, "privileges",
                              "each role's privileges are within its grants in the policy");
    for (size_t k = 0; k < p->nroles && !v->err; k++) {
        const policy_role *rl = &p->roles[k];
        const char *params[] = {rl->name};
        PGresult *res = catalog_query(v, "cannot read the role",
                          "SELECT rolsuper FROM pg_roles WHERE rolname = $1", 1, params);
        if (!res)
            return;
        bool exists = PQntuples(res) == 1, super = exists && cell_bool(res, 0, 0);
        PQclear(res);
        if (!exists)
            gate_evidence(g, "%s: not in the database (see roles)", rl->name);
        else if (super)
            gate_evidence(g, "%s: SUPERUSER, holds every privilege (see roles)", rl->name);
        else if (!rl->restricted)
            gate_evidence(g, "%s (unrestricted): privileges not limited by the policy", rl->name);
        else
            check_restricted_role(v, g, rl);
    }
    if (!v->err)
        check_public(v, g);
}

