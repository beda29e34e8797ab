/*
 * isolation.c: the catalog assumption `isolation` (assumptions.h): no view, partition
 * or inheritance link, foreign key, trigger, rule, function or column default couples
 * two isolated families, unless a bridge may read them.
 */
#include <ctype.h>

#include "verify/gate.h"

/* ------------------------------------------------------------------ isolation */

bool verify_body_mentions_schema(const char *body, const char *schema)
{
    size_t n = strlen(schema);
    if (!body || n == 0)
        return false;
#define IDENT(ch)                                                                       \
    (isalnum((unsigned char)(ch)) || (ch) == '_' || (ch) == '$' || (unsigned char)(ch) >= 0x80)
    for (const char *s = body; *s; s++) {
        const char *after = NULL;
        bool boundary = s == body || !(IDENT(s[-1]) || s[-1] == '.' || s[-1] == '"');
        if (!boundary && !(s[0] == '"' && (s == body || s[-1] != '.')))
            continue;
        if (s[0] == '"') {
            if (strncmp(s + 1, schema, n) == 0 && s[1 + n] == '"')
                after = s + n + 2;
        } else if (ascii_strncasecmp(s, schema, n) == 0 && !IDENT(s[n])) {
            after = s + n;
        }
        if (!after)
            continue;
        while (*after == ' ' || *after == '\t' || *after == '\n' || *after == '\r')
            after++;
        if (*after == '.')
            return true;
    }
#undef IDENT
    return false;
}

typedef struct iso_fn {
    char *oid;
    char *name;              /* schema.name(args) */
    int self;                /* its schema's isolated family, or -1 */
    bool bridge;             /* its schema is a bridge */
    const char *schema;
    uint64_t refs;           /* isolated families it refers to */
    strbuf why;              /* "vh.tasks (vh), ..." */
} iso_fn;

static const char *family_name(const policy *p, int iso)
{
    return iso >= 0 ? p->isolated[iso] : "none";
}

/* Whether schema is a bridge that reads every family in mask. */
static bool bridge_reads(const policy *p, const char *schema, uint64_t mask)
{
    if (!policy_is_bridge(p, schema))
        return false;
    for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++)
        if ((mask & (uint64_t)1 << j) && !policy_bridge_reads(p, schema, p->isolated[j]))
            return false;
    return true;
}

static int popcount64(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* "eng and vh" for the families in mask. */
static char *families_text(const policy *p, uint64_t mask)
{
    strbuf sb = {0};
    int total = popcount64(mask), seen = 0;
    for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++)
        if (mask & ((uint64_t)1 << j)) {
            seen++;
            sb_addf(&sb, "%s%s", seen == 1 ? "" : seen == total ? " and " : ", ", p->isolated[j]);
        }
    return sb_detach(&sb, NULL);
}

/* Dependencies of objects on relations, functions and types in user schemas. */
#define DEP_TARGETS                                                                     \
    "LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid " \
    "LEFT JOIN pg_proc rp ON d.refclassid = 'pg_proc'::regclass AND rp.oid = d.refobjid "  \
    "LEFT JOIN pg_type rt ON d.refclassid = 'pg_type'::regclass AND rt.oid = d.refobjid "  \
    "JOIN pg_namespace rn ON rn.oid = coalesce(rc.relnamespace, rp.pronamespace, "       \
    "rt.typnamespace) "

static const iso_fn *find_fn(const iso_fn *fns, size_t nfns, const char *oid)
{
    for (size_t k = 0; oid && k < nfns; k++)
        if (strcmp(fns[k].oid, oid) == 0)
            return &fns[k];
    return NULL;
}

/*
 * Objects that depend on relations, functions and types: sql's rows are (the schema
 * of the object's table, "view eng.v" naming the object, a target's schema, its
 * name, its function oid or NULL), ordered by the first two. An object whose targets
 * (and what its target functions refer to) span two isolated families, outside a
 * bridge that reads them all, is a problem: "<object> (family f) <verb> <targets>".
 * Returns the number of objects seen.
 */
static size_t coupled_objects(vctx *v, verify_gate *g, const iso_fn *fns, size_t nfns,
                              const char *sql, const char *verb)
{
    const policy *p = v->p;
    PGresult *res = catalog_query(v, "cannot read the catalog's dependencies", sql, 0, NULL);
    size_t nobjects = 0;
    for (int i = 0; res && i < PQntuples(res);) {
        const char *schema = PQgetvalue(res, i, 0), *name = PQgetvalue(res, i, 1);
        int self = schema_iso(v, schema);
        uint64_t all = self >= 0 ? (uint64_t)1 << self : 0;
        strbuf why = {0};
        int j = i;
        for (; j < PQntuples(res) && strcmp(PQgetvalue(res, j, 0), schema) == 0 &&
               strcmp(PQgetvalue(res, j, 1), name) == 0;
             j++) {
            int fam = schema_iso(v, PQgetvalue(res, j, 2));
            const iso_fn *f = find_fn(fns, nfns, cell_text(res, j, 4));
            uint64_t refs = f ? f->refs & ~(self >= 0 ? (uint64_t)1 << self : 0) : 0;
            if ((fam < 0 || fam == self) && !refs)
                continue;
            all |= refs | (fam >= 0 ? (uint64_t)1 << fam : 0);
            sb_addf(&why, "%s%s.%s (family %s)", why.len ? ", " : "", PQgetvalue(res, j, 2),
                    PQgetvalue(res, j, 3), family_name(p, fam));
            if (refs)
                sb_addf(&why, ", which refers to %s", f->why.buf);
        }
        nobjects++;
        if (popcount64(all) >= 2 && !bridge_reads(p, schema, all)) {
            char *fams = families_text(p, all);
            gate_problem(g, "%s%s%s%s %s %s: couples %s%s", name, self >= 0 ? " (family " : "",
                         self >= 0 ? family_name(p, self) : "", self >= 0 ? ")" : "", verb,
                         why.buf, fams,
                         policy_is_bridge(p, schema) ? " (the bridge does not read all of them)"
                                                     : " outside a bridge");
            free(fams);
        }
        sb_free(&why);
        i = j;
    }
    PQclear(res);
    return nobjects;
}

void assume_isolation(vctx *v, verify_gate *g)
{
    const policy *p = v->p;
    if (p->nisolated < 2) {
        gate_evidence(g, "the policy isolates no families");
        return;
    }
    if (p->nisolated > MAX_ISOLATED)
        gate_problem(g, "only the first %d isolated families are checked", MAX_ISOLATED);
    {
        strbuf sb = {0};
        for (size_t j = 0; j < p->nisolated && j < MAX_ISOLATED; j++) {
            sb_addf(&sb, "%s%s (schemas:", j ? "; " : "", p->isolated[j]);
            size_t n = 0;
            for (size_t i = 0; i < v->nschemas; i++)
                if (v->iso[i] == (int)j)
                    sb_addf(&sb, "%s %s", n++ ? "," : "", v->schemas[i]);
            sb_adds(&sb, n ? ")" : " none)");
        }
        for (size_t i = 0; i < p->nbridges; i++) {
            sb_addf(&sb, "; bridge %s reads ", p->bridges[i].schema);
            for (size_t k = 0; k < p->bridges[i].nfamilies; k++)
                sb_addf(&sb, "%s%s", k ? ", " : "", p->bridges[i].families[k]);
        }
        gate_evidence(g, "isolated: %s", sb.buf);
        sb_free(&sb);
    }

    /* foreign keys */
    PGresult *res = catalog_query(v, "cannot list the foreign keys",
                      "SELECT con.conname, n1.nspname, c1.relname, n2.nspname, c2.relname "
                      "FROM pg_constraint con "
                      "JOIN pg_class c1 ON c1.oid = con.conrelid "
                      "JOIN pg_namespace n1 ON n1.oid = c1.relnamespace "
                      "JOIN pg_class c2 ON c2.oid = con.confrelid "
                      "JOIN pg_namespace n2 ON n2.oid = c2.relnamespace "
                      "WHERE con.contype = 'f' AND " USER_NSP("n1") " ORDER BY 2, 3, 1",
                      0, NULL);
    if (!res)
        return;
    int nfk = PQntuples(res);
    for (int i = 0; i < nfk; i++) {
        int a = schema_iso(v, PQgetvalue(res, i, 1)), b = schema_iso(v, PQgetvalue(res, i, 3));
        if (a >= 0 && b >= 0 && a != b)
            gate_problem(g, "foreign key %s: %s.%s (family %s) references %s.%s (family %s)",
                    PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                    family_name(p, a), PQgetvalue(res, i, 3), PQgetvalue(res, i, 4),
                    family_name(p, b));
    }
    PQclear(res);

    /* functions: what they depend on, and what their bodies name */
    iso_fn *fns = NULL;
    size_t nfns = 0, capfns = 0;
    PGresult *fl = catalog_query(v, "cannot list the functions",
                     "SELECT p.oid::text, n.nspname, p.proname, "
                     "pg_get_function_identity_arguments(p.oid), "
                     "CASE WHEN l.lanname IN ('c', 'internal') THEN NULL ELSE p.prosrc END "
                     "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                     "JOIN pg_language l ON l.oid = p.prolang "
                     "WHERE " USER_NSP("n") " AND " NOT_EXT_MEMBER("pg_proc", "p.oid")
                     " ORDER BY 2, 3, 4",
                     0, NULL);
    if (!fl)
        return;
    for (int i = 0; i < PQntuples(fl); i++) {
        GROW(fns, capfns, nfns + 1);
        iso_fn *f = &fns[nfns++];
        memset(f, 0, sizeof(*f));
        f->oid = xstrdup(PQgetvalue(fl, i, 0));
        f->schema = PQgetvalue(fl, i, 1);
        f->name = xasprintf("%s.%s(%s)", f->schema, PQgetvalue(fl, i, 2), PQgetvalue(fl, i, 3));
        f->self = schema_iso(v, f->schema);
        f->bridge = policy_is_bridge(p, f->schema);
        const char *body = cell_text(fl, i, 4);
        for (size_t s = 0; body && s < v->nschemas; s++) {
            int fam = v->iso[s];
            if (fam < 0 || fam == f->self || !verify_body_mentions_schema(body, v->schemas[s]))
                continue;
            f->refs |= (uint64_t)1 << fam;
            sb_addf(&f->why, "%sschema %s (family %s) named in its body", f->why.len ? ", " : "",
                    v->schemas[s], family_name(p, fam));
        }
    }
    res = catalog_query(v, "cannot read the functions' dependencies",
            "SELECT DISTINCT d.objid::text, rn.nspname, "
            "coalesce(rc.relname, rp.proname, rt.typname) "
            "FROM pg_depend d " DEP_TARGETS
            "WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'n' AND " USER_NSP("rn")
            " ORDER BY 1, 2, 3",
            0, NULL);
    for (int i = 0; res && i < PQntuples(res); i++) {
        int fam = schema_iso(v, PQgetvalue(res, i, 1));
        if (fam < 0)
            continue;
        for (size_t k = 0; k < nfns; k++) {
            iso_fn *f = &fns[k];
            if (strcmp(f->oid, PQgetvalue(res, i, 0)) != 0 || fam == f->self)
                continue;
            f->refs |= (uint64_t)1 << fam;
            sb_addf(&f->why, "%s%s.%s (family %s)", f->why.len ? ", " : "", PQgetvalue(res, i, 1),
                    PQgetvalue(res, i, 2), family_name(p, fam));
        }
    }
    PQclear(res);
    for (size_t k = 0; k < nfns && !v->err; k++) {
        iso_fn *f = &fns[k];
        uint64_t all = f->refs | (f->self >= 0 ? (uint64_t)1 << f->self : 0);
        if (popcount64(all) < 2 || (f->bridge && bridge_reads(p, f->schema, all)))
            continue;
        char *fams = families_text(p, all);
        gate_problem(g, "function %s%s%s%s refers to %s: couples %s", f->name,
                f->self >= 0 ? " (family " : "", f->self >= 0 ? family_name(p, f->self) : "",
                f->self >= 0 ? ")" : "", f->why.len ? f->why.buf : "?", fams);
        free(fams);
    }

    /* triggers: a family's table runs a function of its family or of the system */
    res = catalog_query(v, "cannot list the triggers",
            "SELECT t.tgname, n.nspname, c.relname, t.tgfoid::text, fn.nspname, p.proname, "
            "pg_get_function_identity_arguments(p.oid), NOT " USER_NSP("fn") " "
            "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = p.pronamespace "
            "WHERE NOT t.tgisinternal AND " USER_NSP("n") " ORDER BY 2, 3, 1",
            0, NULL);
    int ntrig = res ? PQntuples(res) : 0;
    for (int i = 0; i < ntrig; i++) {
        const char *schema = PQgetvalue(res, i, 1), *fschema = PQgetvalue(res, i, 4);
        int self = schema_iso(v, schema);
        bool fsys = cell_bool(res, i, 7);
        int ffam = fsys ? -1 : schema_iso(v, fschema);
        if (self >= 0 && !fsys && ffam != self) {
            if (ffam >= 0)
                gate_problem(g, "trigger %s on %s.%s (family %s) runs %s.%s(%s) of family %s: "
                             "couples %s and %s",
                             PQgetvalue(res, i, 0), schema, PQgetvalue(res, i, 2),
                             family_name(p, self), fschema, PQgetvalue(res, i, 5),
                             PQgetvalue(res, i, 6), family_name(p, ffam), family_name(p, self),
                             family_name(p, ffam));
            else
                gate_problem(g, "trigger %s on %s.%s (family %s) runs %s.%s(%s), a function "
                             "outside its family and the system: what it reaches cannot be "
                             "proven",
                             PQgetvalue(res, i, 0), schema, PQgetvalue(res, i, 2),
                             family_name(p, self), fschema, PQgetvalue(res, i, 5),
                             PQgetvalue(res, i, 6));
            continue;
        }
        const iso_fn *f = find_fn(fns, nfns, PQgetvalue(res, i, 3));
        if (!f)
            continue; /* a function of the system or of an extension */
        uint64_t all = f->refs | (f->self >= 0 ? (uint64_t)1 << f->self : 0);
        all |= self >= 0 ? (uint64_t)1 << self : 0;
        if (popcount64(all) < 2 || bridge_reads(p, schema, all))
            continue;
        char *fams = families_text(p, all);
        gate_problem(g, "trigger %s on %s.%s%s%s%s runs %s%s%s: couples %s", PQgetvalue(res, i, 0),
                schema, PQgetvalue(res, i, 2), self >= 0 ? " (family " : "",
                self >= 0 ? family_name(p, self) : "", self >= 0 ? ")" : "", f->name,
                f->why.len ? ", which refers to " : "", f->why.len ? f->why.buf : "", fams);
        free(fams);
    }
    PQclear(res);

    /* views and materialized views: what their query reads */
    size_t nviews = coupled_objects(
        v, g, fns, nfns,
        "SELECT DISTINCT vn.nspname, CASE v.relkind WHEN 'm' THEN 'materialized view ' "
        "ELSE 'view ' END || vn.nspname || '.' || v.relname, rn.nspname, "
        "coalesce(rc.relname, rp.proname, rt.typname), rp.oid::text "
        "FROM pg_class v JOIN pg_namespace vn ON vn.oid = v.relnamespace "
        "JOIN pg_rewrite rw ON rw.ev_class = v.oid AND rw.rulename = '_RETURN' "
        "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid "
        DEP_TARGETS
        "WHERE v.relkind IN ('v', 'm') AND " USER_NSP("vn") " AND " USER_NSP("rn")
        " AND d.refobjid <> v.oid ORDER BY 1, 2, 3, 4",
        "reads");
    /* rules: what their actions and conditions touch */
    size_t nrules = coupled_objects(
        v, g, fns, nfns,
        "SELECT DISTINCT tn.nspname, 'rule ' || rw.rulename || ' on ' || tn.nspname || '.' "
        "|| t.relname, rn.nspname, coalesce(rc.relname, rp.proname, rt.typname), rp.oid::text "
        "FROM pg_rewrite rw JOIN pg_class t ON t.oid = rw.ev_class "
        "JOIN pg_namespace tn ON tn.oid = t.relnamespace "
        "JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = rw.oid "
        DEP_TARGETS
        "WHERE rw.rulename <> '_RETURN' AND " USER_NSP("tn") " AND " USER_NSP("rn")
        " AND d.refobjid <> t.oid ORDER BY 1, 2, 3, 4",
        "touches");
    /* column defaults and generated columns: the functions, sequences and types they use */
    size_t ndefaults = coupled_objects(
        v, g, fns, nfns,
        "SELECT DISTINCT n.nspname, CASE WHEN a.attgenerated = 's' THEN 'generated column ' "
        "ELSE 'default of column ' END || n.nspname || '.' || c.relname || '.' || a.attname, "
        "rn.nspname, coalesce(rc.relname, rp.proname, rt.typname), rp.oid::text "
        "FROM pg_attrdef ad JOIN pg_class c ON c.oid = ad.adrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum "
        "JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid "
        DEP_TARGETS
        "WHERE " USER_NSP("n") " AND " USER_NSP("rn") " AND d.refobjid <> c.oid "
        "ORDER BY 1, 2, 3, 4",
        "uses");

    /* partitions and inheritance, at any depth */
    res = catalog_query(v, "cannot read the inheritance links",
            "WITH RECURSIVE up(child, parent, depth) AS ("
            " SELECT i.inhrelid, i.inhparent, 1 FROM pg_inherits i "
            " UNION ALL SELECT u.child, i.inhparent, u.depth + 1 FROM up u "
            " JOIN pg_inherits i ON i.inhrelid = u.parent WHERE u.depth < 100) "
            "SELECT cn.nspname, c.relname, c.relispartition, pn.nspname, pc.relname, "
            "min(u.depth) "
            "FROM up u JOIN pg_class c ON c.oid = u.child "
            "JOIN pg_namespace cn ON cn.oid = c.relnamespace "
            "JOIN pg_class pc ON pc.oid = u.parent "
            "JOIN pg_namespace pn ON pn.oid = pc.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'f') AND " USER_NSP("cn") " AND " USER_NSP("pn")
            " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 4, 5",
            0, NULL);
    int ninh = res ? PQntuples(res) : 0;
    for (int i = 0; i < ninh; i++) {
        int a = schema_iso(v, PQgetvalue(res, i, 0)), b = schema_iso(v, PQgetvalue(res, i, 3));
        if (a < 0 || b < 0 || a == b)
            continue;
        long depth = cell_long(res, i, 5);
        gate_problem(g, "%s %s.%s (family %s) %s %s.%s (family %s)%s: couples %s and %s",
                     cell_bool(res, i, 2) ? "partition" : "table", PQgetvalue(res, i, 0),
                     PQgetvalue(res, i, 1), family_name(p, a),
                     cell_bool(res, i, 2) ? "is attached to" : "inherits from",
                     PQgetvalue(res, i, 3), PQgetvalue(res, i, 4), family_name(p, b),
                     depth > 1 ? " through intermediate tables" : "", family_name(p, a),
                     family_name(p, b));
    }
    PQclear(res);

    gate_evidence(g,
                  "checked %d foreign key%s, %d inheritance link%s, %zu view%s, %zu rule%s, "
                  "%d trigger%s, %zu column default%s, %zu function%s",
                  nfk, nfk == 1 ? "" : "s", ninh, ninh == 1 ? "" : "s", nviews,
                  nviews == 1 ? "" : "s", nrules, nrules == 1 ? "" : "s", ntrig,
                  ntrig == 1 ? "" : "s", ndefaults, ndefaults == 1 ? "" : "s", nfns,
                  nfns == 1 ? "" : "s");
    for (size_t k = 0; k < nfns; k++) {
        free(fns[k].oid);
        free(fns[k].name);
        sb_free(&fns[k].why);
    }
    free(fns);
    PQclear(fl);
}

