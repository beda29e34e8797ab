/*
 * walk.c: the one walk over a statement's parse tree that fills its facts; see
 * facts.h. What it finds it records through record.c; what DDL means (objects,
 * locks, names, bodies) ddl.c reads off the statement's node; bodies.c walks the
 * bodies of functions and DO blocks, parsed on first use.
 *
 * A relation is any object with a "relname" (libpg_query writes typed RangeVar
 * fields without the "RangeVar" wrapper); its access comes from where the walk
 * found it: the target of INSERT, UPDATE, DELETE, MERGE, TRUNCATE and COPY FROM is
 * written, the object of DDL is defined, everything else (FROM, subqueries anywhere,
 * RETURNING, ON CONFLICT, foreign-key targets, view queries) is read. WITH names are
 * in scope for the statement that declares them, so "FROM x" of a CTE x is not a
 * table. Node kinds are looked up once per node (pg_kind) and dispatched on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"

static void walk(walker *w, const cJSON *v, unsigned acc, unsigned classes);

/* ------------------------------------------------------------------ settings */

/* ------------------------------------------------------------------ WITH */

/* Brings a WITH clause's names into scope and walks its queries. */
static void enter_with(walker *w, const cJSON *with)
{
    if (field(with, PGN_WithClause))
        with = field(with, PGN_WithClause);
    const cJSON *cte;
    cJSON_ArrayForEach(cte, field(with, PGF_ctes)) {
        const char *name = str_field(field(cte, PGN_CommonTableExpr), PGF_ctename);
        if (name) {
            GROW(w->ctes, w->capctes, w->nctes + 1);
            w->ctes[w->nctes++] = name;
        }
    }
    cJSON_ArrayForEach(cte, field(with, PGF_ctes)) {
        walk(w, field(field(cte, PGN_CommonTableExpr), PGF_ctequery), ACC_READ, CLASS_SELECT);
    }
}

/* Walks every field of a node except the ones listed (handled by the caller). */
void walk_rest(walker *w, const cJSON *fields, const char *const *skip, size_t nskip,
               unsigned acc, unsigned classes)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, fields) {
        bool skipped = false;
        for (size_t i = 0; i < nskip && !skipped; i++)
            skipped = strcmp(c->string, skip[i]) == 0;
        if (!skipped)
            walk(w, c, acc, classes);
    }
}

void walk_node(walker *w, const cJSON *v, unsigned acc, unsigned classes)
{
    walk(w, v, acc, classes);
}

/* ------------------------------------------------------------------ DML */

static void walk_dml(walker *w, pg_kind k, const cJSON *f)
{
    if (!w->no_dml && w->body < 0) {
        dml_ref *d = FACTS_PUSH(w->f->dml, w->f->ndml, w->f->capdml);
        d->kind = k == PGK_InsertStmt   ? DML_INSERT
                  : k == PGK_UpdateStmt ? DML_UPDATE
                  : k == PGK_DeleteStmt ? DML_DELETE
                                        : DML_MERGE;
        d->node = f;
        d->target = field(f, PGF_relation);
        d->unit = w->unit;
    }
    size_t scope = w->nctes;
    const cJSON *with = field(f, PGF_withClause);
    if (with)
        enter_with(w, with);
    unsigned wclass = 0;
    unsigned tacc = ACC_WRITE;
    if (k == PGK_InsertStmt) {
        wclass = CLASS_INSERT;
        const char *action =
            str_field(field(field(f, PGF_onConflictClause), PGN_OnConflictClause), PGF_action);
        if (str_is(action, "ONCONFLICT_UPDATE"))
            wclass |= CLASS_UPDATE;
    } else if (k == PGK_UpdateStmt) {
        wclass = CLASS_UPDATE;
        tacc |= ACC_READ;
    } else if (k == PGK_DeleteStmt) {
        wclass = CLASS_DELETE;
        tacc |= ACC_READ;
    } else { /* MergeStmt */
        tacc |= ACC_READ;
        const cJSON *wc;
        cJSON_ArrayForEach(wc, field(f, PGF_mergeWhenClauses)) {
            const char *ct = str_field(field(wc, PGN_MergeWhenClause), PGF_commandType);
            if (str_is(ct, "CMD_INSERT"))
                wclass |= CLASS_INSERT;
            else if (str_is(ct, "CMD_UPDATE"))
                wclass |= CLASS_UPDATE;
            else if (str_is(ct, "CMD_DELETE"))
                wclass |= CLASS_DELETE;
        }
    }
    if (!w->plan_only)
        w->f->classes |= wclass;
    walk_rangevar(w, field(f, PGF_relation), tacc,
                  wclass | (tacc & ACC_READ ? CLASS_SELECT : 0));
    static const char *const skip[] = {PGF_relation, PGF_withClause};
    walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
    w->nctes = scope;
}

/* ------------------------------------------------------------------ DDL */

/* Whether f is the unit's own statement (its objects and locks are the script's). */
static bool own_unit(const walker *w, const cJSON *f)
{
    return w->body < 0 && f == w->f->units[w->unit].node && !w->plan_only;
}

/* A function's options: its SET clauses are the function's, located at their SET. */
static void walk_function_options(walker *w, const cJSON *opts)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, opts) {
        const cJSON *d = field(o, PGN_DefElem);
        const cJSON *vs = field(field(d, PGF_arg), PGN_VariableSetStmt);
        if (vs && str_is(str_field(d, PGF_defname), "set"))
            walk_variable_set(w, vs, SCOPE_FUNCTION, walk_loc(w, location_of(d)));
        else
            walk(w, o, ACC_READ, CLASS_SELECT);
    }
}

/* CREATE FUNCTION: its name defined, its body recorded (a BEGIN ATOMIC or RETURN
   body, in this very tree, walked now as that body), its options. */
static void walk_create_function(walker *w, pg_kind k, const cJSON *f)
{
    qname fn = list_qname(field(f, PGF_funcname));
    if (fn.name)
        walk_add_rel(w, cJSON_GetArraySize(field(f, PGF_funcname)) >= 2 ? fn.schema : NULL,
                     fn.name, ACC_DEFINE, CLASS_DDL, -1, false);
    int b = ddl_body(w, k, f);
    const cJSON *sql_body = field(f, PGF_sql_body);
    if (sql_body) {
        walker bw = *w;
        bw.body = b;
        bw.path = w->f->bodies[b].entry_path;
        bw.body_base = w->body < 0 ? 0 : w->body_base;
        bw.ctes = NULL;
        bw.nctes = bw.capctes = 0;
        bw.no_dml++;
        walk(&bw, sql_body, ACC_READ, CLASS_SELECT);
        free(bw.ctes);
    }
    walk_function_options(w, field(f, PGF_options));
    static const char *const skip[] = {PGF_options, PGF_sql_body};
    walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
}

/* A type, domain or other object named by a name list: defined in its schema. */
static void define_named(walker *w, const cJSON *names, bool has_member)
{
    int n = cJSON_GetArraySize(names);
    /* [schema, object] or, with a member (a column, a trigger), [schema, table, member] */
    int obj = n - 1 - (has_member ? 1 : 0);
    if (obj < 0)
        return;
    const char *name = list_str(names, obj);
    const char *schema = obj >= 1 ? list_str(names, obj - 1) : NULL;
    if (name)
        walk_add_rel(w, schema, name, ACC_DEFINE, CLASS_DDL, -1, false);
}

/* COMMENT ON: the object it describes is defined (changed) in its schema. */
static void define_commented(walker *w, const cJSON *f)
{
    const char *type = str_field(f, PGF_objtype);
    const cJSON *obj = field(f, PGF_object);
    const cJSON *list = field(field(obj, PGN_List), PGF_items);
    if (str_is(type, "OBJECT_SCHEMA")) {
        const char *schema = string_node(obj);
        if (schema)
            walk_add_rel(w, schema, NULL, ACC_DEFINE, CLASS_DDL, -1, false);
    } else if (str_is(type, "OBJECT_TYPE") || str_is(type, "OBJECT_DOMAIN")) {
        define_named(w, field(field(obj, PGN_TypeName), PGF_names), false);
    } else if (str_is(type, "OBJECT_FUNCTION") || str_is(type, "OBJECT_PROCEDURE")) {
        define_named(w, field(field(obj, PGN_ObjectWithArgs), PGF_objname), false);
    } else if (str_is(type, "OBJECT_COLUMN") || str_is(type, "OBJECT_TRIGGER") ||
               str_is(type, "OBJECT_POLICY") || str_is(type, "OBJECT_TABCONSTRAINT")) {
        define_named(w, list, true);
    } else if (str_is(type, "OBJECT_TABLE") || str_is(type, "OBJECT_VIEW") ||
               str_is(type, "OBJECT_MATVIEW") || str_is(type, "OBJECT_SEQUENCE") ||
               str_is(type, "OBJECT_INDEX") || str_is(type, "OBJECT_FOREIGN_TABLE")) {
        define_named(w, list, false);
    }
    /* anything else names nothing here: the ddl it needs is not covered by a grant */
}

/* Whether defname is one of keys (case-insensitive). */
static bool key_in(const char *defname, const char *const *keys, size_t n)
{
    for (size_t i = 0; defname && i < n; i++)
        if (ascii_strcasecmp(defname, keys[i]) == 0)
            return true;
    return false;
}

/* The options of CREATE OPERATOR and CREATE AGGREGATE that name functions, and
   those that name types (PARALLEL = SAFE and the like name neither). */
static const char *const function_keys[] = {
    "function", "procedure", "restrict", "join", "sfunc", "finalfunc", "combinefunc",
    "serialfunc", "deserialfunc", "msfunc", "minvfunc", "mfinalfunc",
    /* CREATE TYPE's support functions */
    "input", "output", "receive", "send", "typmod_in", "typmod_out", "analyze", "subscript"};
static const char *const type_keys[] = {"leftarg", "rightarg", "basetype", "stype", "mstype",
                                        "element", "like"};

/*
 * CREATE OPERATOR, CREATE AGGREGATE and CREATE TYPE (a base type) look up the
 * functions, types and operators they name through search_path once, when they
 * run, and bind the new object to what they found.
 */
static void define_lookups(walker *w, const cJSON *f)
{
    const char *kind = str_field(f, PGF_kind);
    const char *what = str_is(kind, "OBJECT_AGGREGATE")  ? "CREATE AGGREGATE"
                       : str_is(kind, "OBJECT_OPERATOR") ? "CREATE OPERATOR"
                       : str_is(kind, "OBJECT_TYPE")     ? "CREATE TYPE"
                                                         : NULL;
    if (!what)
        return;
    const cJSON *o;
    cJSON_ArrayForEach(o, field(f, PGF_definition)) {
        const cJSON *d = field(o, PGN_DefElem);
        const char *key = str_field(d, PGF_defname);
        const cJSON *arg = field(d, PGF_arg);
        const cJSON *tn = field(arg, PGN_TypeName);
        const cJSON *op = field(field(arg, PGN_List), PGF_items);
        bool fn = key_in(key, function_keys, ARRAY_SIZE(function_keys));
        if (tn && cJSON_GetArraySize(field(tn, PGF_names)) == 1 &&
            (fn || key_in(key, type_keys, ARRAY_SIZE(type_keys))))
            record_path_ref(w, fn ? LOOKUP_FUNCTION : LOOKUP_TYPE,
                            list_str(field(tn, PGF_names), 0), what, location_of(d));
        else if (op && cJSON_GetArraySize(op) == 1) /* COMMUTATOR, NEGATOR, SORTOP */
            record_path_ref(w, LOOKUP_OPERATOR, list_str(op, 0), what, location_of(d));
    }
    /* CREATE AGGREGATE name (argument types): the types */
    const cJSON *a, *p;
    cJSON_ArrayForEach(a, field(f, PGF_args)) {
        cJSON_ArrayForEach(p, field(field(a, PGN_List), PGF_items)) {
            const cJSON *fp = field(p, PGN_FunctionParameter);
            if (fp)
                record_type_name(w, field(fp, PGF_argType), what, location_of(fp));
        }
    }
}

/* CREATE, ALTER, COMMENT, DROP, ...: what it means (ddl.c), then what it names. */
static void walk_ddl(walker *w, pg_kind k, const cJSON *f)
{
    bool own = own_unit(w, f);
    ddl_describe(w, k, f, own);
    if (k == PGK_DefineStmt)
        define_lookups(w, f);
    if (!w->plan_only) {
        /* objects named by a name list rather than a relation */
        switch (k) {
        case PGK_CreateEnumStmt: case PGK_AlterEnumStmt: case PGK_CreateRangeStmt:
        case PGK_AlterDomainStmt:
            define_named(w, field(f, PGF_typeName), false);
            break;
        case PGK_CreateDomainStmt:
            define_named(w, field(f, PGF_domainname), false);
            break;
        case PGK_CompositeTypeStmt:
            walk_rangevar(w, field(f, PGF_typevar), ACC_DEFINE, CLASS_DDL);
            break;
        case PGK_CommentStmt:
            define_commented(w, f);
            break;
        default:
            break;
        }
    }
    switch (k) {
    case PGK_CreateTableAsStmt:
        /* CREATE TABLE AS / CREATE MATERIALIZED VIEW: defines a table, runs a query */
        walk_rangevar(w, field(field(f, PGF_into), PGF_rel), ACC_DEFINE, CLASS_DDL);
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
        return;
    case PGK_CreateSchemaStmt:
        ddl_create_schema(w, f, own);
        walk(w, field(f, PGF_schemaElts), ACC_DEFINE, CLASS_DDL);
        return;
    case PGK_DropStmt:
        ddl_drop(w, f, own);
        return;
    case PGK_AlterDatabaseSetStmt:
        walk_variable_set(w, field(f, PGF_setstmt), SCOPE_ROLE_DB, walk_unit_loc(w));
        return;
    case PGK_CreateFunctionStmt:
        walk_create_function(w, k, f);
        return;
    case PGK_AlterFunctionStmt: {
        walk_function_options(w, field(f, PGF_actions));
        static const char *const skip[] = {PGF_actions};
        walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
        return;
    }
    default:
        break;
    }
    /* Its own relation is defined; relations it mentions (foreign keys, view
       queries, trigger tables) are read. */
    static const char *const targets[] = {PGF_relation, PGF_view, PGF_table, PGF_sequence};
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        const cJSON *t = field(f, targets[i]);
        if (t && field(t, PGF_relname))
            walk_rangevar(w, t, ACC_DEFINE, CLASS_DDL);
    }
    if (k == PGK_CreateForeignTableStmt)
        walk_rangevar(w, field(field(f, PGF_base), PGF_relation), ACC_DEFINE, CLASS_DDL);
    if (k == PGK_CreateTrigStmt) {
        /* the trigger's function: a reference into its schema, or without one looked
           up on search_path when the trigger is created, and bound to what is found */
        const cJSON *fn = field(f, PGF_funcname);
        if (cJSON_GetArraySize(fn) >= 2) {
            const char *sv = list_str(fn, -2);
            if (sv)
                walk_add_rel(w, sv, NULL, ACC_READ, CLASS_SELECT, -1, false);
        } else if (cJSON_GetArraySize(fn) == 1) {
            record_path_ref(w, LOOKUP_FUNCTION, list_str(fn, 0), "CREATE TRIGGER", -1);
        }
    }
    /* (only CREATE FOREIGN TABLE has a base: its CREATE TABLE, walked below) */
    static const char *const skip[] = {PGF_relation, PGF_view, PGF_table, PGF_sequence, PGF_base};
    w->no_dml += k == PGK_RuleStmt;
    walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
    w->no_dml -= k == PGK_RuleStmt;
    if (k == PGK_CreateForeignTableStmt) {
        static const char *const base_skip[] = {PGF_relation};
        walk_rest(w, field(f, PGF_base), base_skip, 1, ACC_READ, CLASS_SELECT);
    }
}

/* ------------------------------------------------------------------ statements */

static void walk_select(walker *w, const cJSON *f)
{
    size_t scope = w->nctes;
    const cJSON *with = field(f, PGF_withClause);
    if (with)
        enter_with(w, with);
    if (!w->plan_only)
        w->f->classes |= CLASS_SELECT;
    const cJSON *into = field(f, PGF_intoClause);
    if (into) {
        if (!w->plan_only)
            w->f->classes |= CLASS_DDL;
        walk_rangevar(w, field(into, PGF_rel), ACC_DEFINE, CLASS_DDL);
        ddl_select_into(w, f, into);
    }
    static const char *const skip[] = {PGF_withClause, PGF_intoClause, PGF_lockingClause};
    size_t first = w->f->nrels;
    walk_rest(w, f, skip, ARRAY_SIZE(skip), ACC_READ, CLASS_SELECT);
    /* FOR UPDATE/SHARE names aliases, not tables; locking rows needs UPDATE */
    if (field(f, PGF_lockingClause) && !w->plan_only) {
        for (size_t i = first; i < w->f->nrels; i++)
            if (w->f->rels[i].access & ACC_READ)
                w->f->rels[i].classes |= CLASS_UPDATE;
    }
    w->nctes = scope;
}

static void walk_copy(walker *w, const cJSON *f)
{
    bool from = bool_field(f, PGF_is_from);
    if (field(f, PGF_filename) || bool_field(f, PGF_is_program))
        w->f->server_access = bool_field(f, PGF_is_program) ? "COPY with a server program"
                                                            : "COPY with a server file";
    w->f->classes |= from ? CLASS_INSERT : CLASS_SELECT;
    walk_rangevar(w, field(f, PGF_relation), from ? ACC_WRITE : ACC_READ,
                  from ? CLASS_INSERT : CLASS_SELECT);
    walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
}

static void walk_explain(walker *w, const cJSON *f)
{
    bool analyze = false;
    const cJSON *o;
    cJSON_ArrayForEach(o, field(f, PGF_options)) {
        analyze |= str_is(str_field(field(o, PGN_DefElem), PGF_defname), "analyze");
    }
    /* EXPLAIN ANALYZE runs its statement; plain EXPLAIN only plans it (reads) */
    bool saved = w->plan_only;
    w->plan_only = w->plan_only || !analyze;
    walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
    w->plan_only = saved;
}

/* Statements that change who may do what. */
static const char *dcl_change(pg_kind k, const cJSON *f)
{
    switch (k) {
    case PGK_GrantStmt:
        return bool_field(f, PGF_is_grant) ? "GRANT" : "REVOKE";
    case PGK_GrantRoleStmt:
        return "GRANT or REVOKE of a role";
    case PGK_AlterDefaultPrivilegesStmt:
        return "ALTER DEFAULT PRIVILEGES";
    case PGK_AlterRoleSetStmt: case PGK_AlterRoleStmt: case PGK_CreateRoleStmt:
    case PGK_DropOwnedStmt: case PGK_DropRoleStmt: case PGK_ReassignOwnedStmt:
        return "a role change";
    default:
        return NULL;
    }
}

static void walk_dcl(walker *w, pg_kind k, const cJSON *f, const char *change)
{
    if (w->plan_only)
        return;
    w->f->classes |= CLASS_DCL;
    w->f->identity_change = change;
    const char *targtype = str_field(f, PGF_targtype), *objtype = str_field(f, PGF_objtype);
    if (k == PGK_GrantStmt &&
        (str_is(targtype, "ACL_TARGET_ALL_IN_SCHEMA") || str_is(objtype, "OBJECT_SCHEMA"))) {
        const cJSON *o;
        cJSON_ArrayForEach(o, field(f, PGF_objects)) {
            const char *sv = string_node(o);
            if (sv)
                walk_add_rel(w, sv, NULL, ACC_DEFINE, CLASS_DCL, -1, false);
        }
    }
    ddl_dcl(w, k, f);
    record_public_grant(w, k == PGK_AlterDefaultPrivilegesStmt
                               ? field(field(f, PGF_action), PGN_GrantStmt)
                           : k == PGK_GrantStmt ? f
                                                : NULL);
    walk_rest(w, f, NULL, 0, ACC_DEFINE, CLASS_DCL);
}

void walk_statement(walker *w, pg_kind k, const cJSON *f)
{
    stmt_facts *facts = w->f;
    switch (k) {
    case PGK_InsertStmt: case PGK_UpdateStmt: case PGK_DeleteStmt: case PGK_MergeStmt:
        walk_dml(w, k, f);
        return;
    case PGK_SelectStmt:
        walk_select(w, f);
        return;
    case PGK_CopyStmt:
        if (!w->plan_only)
            walk_copy(w, f);
        return;
    case PGK_LockStmt: {
        /* what PostgreSQL asks of LOCK: SELECT for ACCESS SHARE, a write for ROW SHARE
           and ROW EXCLUSIVE; stronger modes block other sessions' writes, which only
           a role with ddl there may do */
        const cJSON *mode = field(f, PGF_mode);
        int m = cJSON_IsNumber(mode) ? (int)mode->valuedouble : 8;
        unsigned cls = m <= 1 ? CLASS_SELECT : m <= 3 ? CLASS_UPDATE : CLASS_DDL;
        if (w->plan_only)
            return;
        facts->classes |= cls;
        walk(w, field(f, PGF_relations), cls == CLASS_DDL ? ACC_DEFINE : ACC_READ, cls);
        ddl_describe(w, k, f, own_unit(w, f));
        return;
    }
    case PGK_TruncateStmt:
        facts->classes |= CLASS_TRUNCATE;
        walk(w, field(f, PGF_relations), ACC_WRITE, CLASS_TRUNCATE);
        ddl_describe(w, k, f, own_unit(w, f));
        return;
    case PGK_ExplainStmt:
        walk_explain(w, f);
        return;
    case PGK_DeclareCursorStmt: /* FETCH runs it */
    case PGK_PrepareStmt:       /* as if EXECUTE ran it */
        w->no_dml += k == PGK_PrepareStmt;
        walk(w, field(f, PGF_query), ACC_READ, CLASS_SELECT);
        w->no_dml -= k == PGK_PrepareStmt;
        return;
    case PGK_VariableSetStmt:
        walk_variable_set(w, f, SCOPE_SESSION, walk_unit_loc(w));
        return;
    case PGK_DoStmt:
        if (w->plan_only)
            return;
        facts->classes |= CLASS_CALL;
        ddl_body(w, k, f);
        return;
    case PGK_CallStmt: {
        if (w->plan_only)
            return;
        facts->classes |= CLASS_CALL;
        const cJSON *call = field(f, PGF_funccall); /* a typed FuncCall: no wrapper */
        record_call(w, field(call, PGF_funcname), location_of(call), true, false, call);
        walk(w, field(call, PGF_args), ACC_READ, CLASS_SELECT);
        return;
    }
    case PGK_LoadStmt:
        if (!w->plan_only)
            facts->server_access = "LOAD of a server library";
        return;
    case PGK_AlterSystemStmt:
        if (w->plan_only)
            return;
        facts->classes |= CLASS_DCL;
        facts->identity_change = "ALTER SYSTEM";
        walk_variable_set(w, field(f, PGF_setstmt), SCOPE_ROLE_DB, walk_unit_loc(w));
        return;
    case PGK_DiscardStmt:
        if (!w->plan_only && str_is(str_field(f, PGF_target), "DISCARD_ALL")) {
            /* includes SET SESSION AUTHORIZATION DEFAULT and RESET ALL */
            facts->identity_change = "DISCARD ALL";
            setting_ref *s = FACTS_PUSH(facts->settings, facts->nsettings, facts->capsettings);
            s->how = SETTING_RESET_ALL;
            s->scope = w->body < 0 ? SCOPE_SESSION : SCOPE_BODY;
            s->known = true;
            s->location = walk_unit_loc(w);
            s->body = w->body;
            s->unit = w->unit;
            s->node = f;
        }
        return;
    case PGK_ExecuteStmt: /* its arguments are expressions like any other */
        walk(w, field(f, PGF_params), ACC_READ, CLASS_SELECT);
        return;
    case PGK_TransactionStmt: case PGK_ClosePortalStmt: case PGK_ConstraintsSetStmt:
    case PGK_DeallocateStmt: case PGK_FetchStmt:
    case PGK_ListenStmt: case PGK_NotifyStmt: case PGK_UnlistenStmt:
    case PGK_VariableShowStmt:
        return; /* transaction control and session commands: no class */
    case PGK_CheckPointStmt: case PGK_ClusterStmt: case PGK_ReindexStmt: case PGK_VacuumStmt:
        if (w->plan_only)
            return;
        facts->classes |= CLASS_MAINTENANCE;
        ddl_describe(w, k, f, own_unit(w, f));
        walk_rest(w, f, NULL, 0, ACC_DEFINE, CLASS_MAINTENANCE);
        return;
    default:
        break;
    }
    const char *change = dcl_change(k, f);
    if (change) {
        walk_dcl(w, k, f, change);
        return;
    }
    /* CREATE, ALTER, COMMENT, DROP, ...: everything else defines something */
    if (!w->plan_only)
        facts->classes |= CLASS_DDL;
    walk_ddl(w, k, f);
}

/* ------------------------------------------------------------------ the walk */

/*
 * An operator expression: OPERATOR(schema.op) runs that schema's function, a call
 * like any other; an operator without a schema is looked up on search_path (BETWEEN
 * is >= and <=, NOT BETWEEN < and >; IN, NULLIF and IS DISTINCT FROM are named by
 * their operator already).
 */
static void record_operator(walker *w, const cJSON *e)
{
    const cJSON *name = field(e, PGF_name);
    long loc = location_of(e);
    const char *kind = str_field(e, PGF_kind);
    if (cJSON_GetArraySize(name) >= 2) {
        record_call(w, name, loc, false, true, e);
    } else if (str_is(kind, "AEXPR_BETWEEN") || str_is(kind, "AEXPR_BETWEEN_SYM")) {
        record_path_ref(w, LOOKUP_OPERATOR, ">=", "BETWEEN", loc);
        record_path_ref(w, LOOKUP_OPERATOR, "<=", "BETWEEN", loc);
    } else if (str_is(kind, "AEXPR_NOT_BETWEEN") || str_is(kind, "AEXPR_NOT_BETWEEN_SYM")) {
        record_path_ref(w, LOOKUP_OPERATOR, "<", "NOT BETWEEN", loc);
        record_path_ref(w, LOOKUP_OPERATOR, ">", "NOT BETWEEN", loc);
    } else if (cJSON_GetArraySize(name) == 1) {
        record_path_ref(w, LOOKUP_OPERATOR, list_str(name, 0), NULL, loc);
    }
}

static bool is_statement_kind(pg_kind k)
{
    const char *name = pg_kind_name(k);
    return k != PGK_RawStmt && strstr(name, "Stmt") != NULL;
}

static void walk(walker *w, const cJSON *v, unsigned acc, unsigned classes)
{
    if (!v)
        return;
    if (++w->depth > MAX_WALK_DEPTH) {
        walk_mark_dynamic(w, "a statement nested too deeply to analyse");
        w->depth--;
        return;
    }
    if (cJSON_IsArray(v)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, v) walk(w, c, acc, classes);
    } else if (cJSON_IsObject(v)) {
        const cJSON *only;
        pg_kind k;
        if (cJSON_IsString(field(v, PGF_relname))) {
            walk_rangevar(w, v, acc, classes);
        } else if ((k = node_kind(v, &only)) == PGK_NONE) {
            const cJSON *c;
            cJSON_ArrayForEach(c, v) walk(w, c, acc, classes);
        } else {
            switch (k) {
            case PGK_RangeVar:
                walk_rangevar(w, only, acc, classes);
                break;
            case PGK_A_Expr:
                record_operator(w, only);
                walk(w, only, acc, classes);
                break;
            case PGK_CaseExpr:
                /* CASE x WHEN v ...: each WHEN compares with an = found on search_path */
                if (field(only, PGF_arg))
                    record_path_ref(w, LOOKUP_OPERATOR, "=", "simple CASE", location_of(only));
                walk(w, only, acc, classes);
                break;
            case PGK_SubLink: {
                /* x IN (SELECT ...) compares with =; x op ANY/ALL (SELECT ...) with op */
                const char *type = str_field(only, PGF_subLinkType);
                const cJSON *op = field(only, PGF_operName);
                if (cJSON_GetArraySize(op) == 1)
                    record_path_ref(w, LOOKUP_OPERATOR, list_str(op, 0), NULL, location_of(only));
                else if (!op && str_is(type, "ANY_SUBLINK"))
                    record_path_ref(w, LOOKUP_OPERATOR, "=", "IN (subquery)", location_of(only));
                else if (cJSON_GetArraySize(op) >= 2)
                    record_call(w, op, location_of(only), false, true, only);
                walk(w, only, acc, classes);
                break;
            }
            case PGK_JoinExpr:
                /* JOIN ... USING (c) and NATURAL JOIN compare the columns with = */
                if (field(only, PGF_usingClause) || bool_field(only, PGF_isNatural))
                    record_path_ref(w, LOOKUP_OPERATOR, "=",
                                    bool_field(only, PGF_isNatural) ? "NATURAL JOIN"
                                                                    : "JOIN USING",
                                    -1);
                walk(w, only, acc, classes);
                break;
            case PGK_FuncCall:
                record_call(w, field(only, PGF_funcname), location_of(only), false, false, only);
                if (!w->plan_only)
                    record_special_call(w, only, location_of(only));
                walk(w, only, acc, classes);
                break;
            case PGK_TypeCast:
                record_type_name(w, field(only, PGF_typeName), NULL, location_of(only));
                walk(w, only, acc, classes);
                break;
            case PGK_ColumnDef:
                record_type_name(w, field(only, PGF_typeName), "column definition",
                                 location_of(only));
                walk_defined(w, str_field(only, PGF_colname));
                walk(w, only, acc, classes);
                break;
            case PGK_Constraint:
                walk_defined(w, str_field(only, PGF_conname));
                walk(w, only, acc, classes);
                break;
            case PGK_FunctionParameter:
                walk_defined(w, str_field(only, PGF_name));
                walk(w, only, acc, classes);
                break;
            default:
                if (is_statement_kind(k))
                    walk_statement(w, k, only); /* nested: CTE, rule action, ... */
                else
                    walk(w, only, acc, classes);
            }
        }
    }
    w->depth--;
}
