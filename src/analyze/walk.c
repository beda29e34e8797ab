/*
 * walk.c: the one walk over a statement's parse tree that fills its facts; see
 * facts.h. walk_ddl.c adds what DDL creates, alters, drops and locks.
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

#include "analyze/analyze_internal.h"
#include "base/util.h"

static void walk(walker *w, const cJSON *v, unsigned acc, unsigned classes);

/* ------------------------------------------------------------------ locations */

long walk_loc(const walker *w, long loc)
{
    if (w->body < 0)
        return loc;
    if (w->body_base >= 0 && loc >= 0)
        return w->body_base + loc;
    return w->line_start;
}

/*
 * Where to point at name, found at node location loc of the walked SQL: in a
 * PL/pgSQL body only the line is known, so the name on or after it when it is there.
 */
static long name_loc(const walker *w, long loc, const char *name)
{
    if (w->body < 0 || (w->body_base >= 0 && loc >= 0) || w->line_start < 0 || !name)
        return walk_loc(w, loc);
    const unit_info *u = &w->f->units[w->unit];
    const char *t = w->f->st->text, *end = t + u->offset + u->length;
    size_t len = strlen(name);
    for (const char *p = t + w->line_start; len && p + len <= end; p++)
        if (ascii_strncasecmp(p, name, len) == 0 &&
            (p == t || !ident_char(p[-1])) && !ident_char(p[len]))
            return p - t;
    return w->line_start;
}

long walk_unit_loc(const walker *w)
{
    return w->body < 0 ? (long)w->f->units[w->unit].offset : walk_loc(w, -1);
}

void walk_mark_dynamic(walker *w, const char *what)
{
    if (!w->f->dynamic_what)
        w->f->dynamic_what = what;
}

/* ------------------------------------------------------------------ relations */

static bool is_cte(const walker *w, const char *name)
{
    for (size_t i = 0; i < w->nctes; i++)
        if (strcmp(w->ctes[i], name) == 0)
            return true;
    return false;
}

void walk_add_rel(walker *w, const char *schema, const char *name, unsigned acc,
                  unsigned classes, long loc, bool temp)
{
    if (w->plan_only) {
        acc = ACC_READ;
        classes = CLASS_SELECT;
    }
    rel_ref *r = FACTS_PUSH(w->f->rels, w->f->nrels, w->f->caprels);
    r->schema = schema ? schema : session_default_schema(w->sess);
    r->name = name;
    r->qualified = schema != NULL;
    r->ambiguous = !schema && name && session_search_path_ambiguous(w->sess);
    r->temp = temp;
    r->access = acc;
    r->classes = classes;
    r->location = name_loc(w, loc, name);
    r->body = w->body;
    r->unit = w->unit;
    r->seq = w->f->nseq++;
}

void walk_rangevar(walker *w, const cJSON *rv, unsigned acc, unsigned classes)
{
    const char *rel = str_field(rv, PGF_relname);
    const char *schema = str_field(rv, PGF_schemaname);
    if (!rel)
        return;
    if (!schema && is_cte(w, rel))
        return; /* a WITH query, not a table */
    walk_add_rel(w, schema, rel, acc, classes, location_of(rv),
                 str_is(str_field(rv, PGF_relpersistence), "t"));
}

/* ------------------------------------------------------------------ calls */

static void add_call(walker *w, const cJSON *names, long loc, bool procedure, bool op,
                     const cJSON *node)
{
    if (w->plan_only)
        return;
    strbuf sb = {0};
    const cJSON *it;
    cJSON_ArrayForEach(it, names) {
        const char *sv = string_node(it);
        if (!sv)
            continue;
        if (sb.len)
            sb_addc(&sb, '.');
        sb_adds(&sb, sv);
    }
    if (!sb.len) {
        sb_free(&sb);
        return;
    }
    qname q = list_qname(names);
    call_ref *c = FACTS_PUSH(w->f->calls, w->f->ncalls, w->f->capcalls);
    c->schema = cJSON_GetArraySize(names) > 1 ? q.schema : NULL;
    c->name = q.name;
    c->display = facts_strndup(w->f, sb.buf, sb.len);
    c->procedure = procedure;
    c->op = op;
    c->location = name_loc(w, loc, q.name);
    c->body = w->body;
    c->unit = w->unit;
    c->seq = w->f->nseq++;
    c->node = node;
    sb_free(&sb);
}

/* The value of an A_Const as text (integers and floats spelled out), or NULL. */
static const char *const_text(walker *w, const cJSON *n)
{
    const cJSON *c = field(n, PGN_A_Const);
    if (!c)
        return NULL;
    const char *s = str_field(field(c, PGF_sval), PGF_sval);
    if (s)
        return s;
    const cJSON *iv = field(c, PGF_ival);
    if (iv) {
        const cJSON *v = field(iv, PGF_ival); /* libpg_query omits 0 */
        char buf[32];
        snprintf(buf, sizeof(buf), "%ld", cJSON_IsNumber(v) ? (long)v->valuedouble : 0L);
        return facts_strdup(w->f, buf);
    }
    const char *fv = str_field(field(c, PGF_fval), PGF_fval);
    if (fv)
        return fv;
    const cJSON *bv = field(c, PGF_boolval);
    if (bv)
        return bool_field(bv, PGF_boolval) ? "on" : "off";
    return NULL;
}

/* set_config(name, value, is_local): a setting of the session (or of the body). */
static void set_config_call(walker *w, const cJSON *call, long loc)
{
    const cJSON *args = field(call, PGF_args);
    const char *name = const_string(cJSON_GetArrayItem(args, 0));
    const cJSON *val = cJSON_GetArrayItem(args, 1);
    const char *value = const_string(val);
    const cJSON *local = field(cJSON_GetArrayItem(args, 2), PGN_A_Const);
    setting_ref *s = FACTS_PUSH(w->f->settings, w->f->nsettings, w->f->capsettings);
    s->name = name ? facts_lower(w->f, name) : NULL;
    s->how = SETTING_VALUE;
    s->scope = w->body < 0 ? SCOPE_SESSION : SCOPE_BODY;
    s->local = bool_field(field(local, PGF_boolval), PGF_boolval);
    s->via_function = true;
    s->known = name && value && local;
    s->location = walk_loc(w, loc);
    s->body = w->body;
    s->unit = w->unit;
    s->node = call;
    if (value) {
        long vloc = walk_loc(w, location_of(field(val, PGN_A_Const)));
        if (s->name && strcmp(s->name, "search_path") == 0) {
            s->nvalues = facts_split_path(w->f, value, &s->values);
        } else {
            const char **one = facts_alloc(w->f, sizeof(char *));
            one[0] = value;
            s->values = one;
            s->nvalues = 1;
        }
        s->value_locs = facts_alloc(w->f, (s->nvalues ? s->nvalues : 1) * sizeof(long));
        for (size_t i = 0; i < s->nvalues; i++)
            s->value_locs[i] = vloc;
    }
}

/*
 * Calls with effects on relations or settings: nextval() and setval() change the
 * sequence their first argument names (a write of it; a name known only at run time
 * cannot be proven), set_config() changes a setting.
 */
static void special_call(walker *w, const cJSON *call, long loc)
{
    const cJSON *names = field(call, PGF_funcname);
    qname fn = list_qname(names);
    bool catalog = !fn.schema || cJSON_GetArraySize(names) < 2 ||
                   strcmp(fn.schema, "pg_catalog") == 0;
    if (!fn.name || !catalog)
        return;
    if (strcmp(fn.name, "set_config") == 0) {
        set_config_call(w, call, loc);
        return;
    }
    if (strcmp(fn.name, "nextval") != 0 && strcmp(fn.name, "setval") != 0)
        return;
    const cJSON *arg = cJSON_GetArrayItem(field(call, PGF_args), 0);
    for (int guard = 0; guard < 8 && field(arg, PGN_TypeCast); guard++) /* 'vh.s'::regclass */
        arg = field(field(arg, PGN_TypeCast), PGF_arg);
    const char *seq = const_string(arg);
    if (!seq) {
        walk_mark_dynamic(w, "nextval() or setval() of a sequence named at run time");
        return;
    }
    const char *dot = strchr(seq, '.');
    walk_add_rel(w, dot ? facts_strndup(w->f, seq, (size_t)(dot - seq)) : NULL,
                 dot ? dot + 1 : seq, ACC_WRITE, CLASS_UPDATE, loc, false);
}

/* ------------------------------------------------------------------ settings */

/* A SET, RESET or a function's SET clause (vs: a VariableSetStmt's fields). */
void walk_variable_set(walker *w, const cJSON *vs, setting_scope scope, long fallback)
{
    const char *name = str_field(vs, PGF_name), *kind = str_field(vs, PGF_kind);
    if (name && scope != SCOPE_ROLE_DB) {
        if (ascii_strcasecmp(name, "role") == 0)
            w->f->identity_change = "SET ROLE";
        else if (ascii_strcasecmp(name, "session_authorization") == 0)
            w->f->identity_change = "SET SESSION AUTHORIZATION";
        else if (ascii_strcasecmp(name, "row_security") == 0)
            w->f->identity_change = "SET row_security";
    }
    if (w->plan_only)
        return;
    setting_ref *s = FACTS_PUSH(w->f->settings, w->f->nsettings, w->f->capsettings);
    s->name = name ? facts_lower(w->f, name) : NULL;
    s->scope = w->body >= 0 && scope == SCOPE_SESSION ? SCOPE_BODY : scope;
    s->local = bool_field(vs, PGF_is_local);
    s->location = fallback;
    s->body = w->body;
    s->unit = w->unit;
    s->node = vs;
    s->known = true;
    if (str_is(kind, "VAR_RESET_ALL")) {
        s->how = SETTING_RESET_ALL;
        s->name = NULL;
    } else if (str_is(kind, "VAR_SET_DEFAULT") || str_is(kind, "VAR_RESET")) {
        s->how = SETTING_DEFAULT;
    } else if (str_is(kind, "VAR_SET_CURRENT")) {
        s->how = SETTING_CURRENT;
    } else {
        s->how = SETTING_VALUE;
        const cJSON *args = field(vs, PGF_args);
        size_t n = (size_t)cJSON_GetArraySize(args);
        s->values = facts_alloc(w->f, (n ? n : 1) * sizeof(char *));
        s->value_locs = facts_alloc(w->f, (n ? n : 1) * sizeof(long));
        const cJSON *a;
        cJSON_ArrayForEach(a, args) {
            const char *v = const_text(w, a);
            if (!v) {
                s->known = false;
                continue;
            }
            s->value_locs[s->nvalues] = walk_loc(w, location_of(field(a, PGN_A_Const)));
            s->values[s->nvalues++] = v;
        }
        if (!str_is(kind, "VAR_SET_VALUE"))
            s->known = false; /* SET TRANSACTION ..., SET TIME ZONE LOCAL: not values */
    }
}

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
        walk_ddl_select_into(w, f, into);
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
    walk_ddl_dcl(w, k, f);
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
    case PGK_TruncateStmt:
        facts->classes |= CLASS_TRUNCATE;
        walk(w, field(f, PGF_relations), ACC_WRITE, CLASS_TRUNCATE);
        walk_ddl_statement(w, k, f);
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
        bodies_record(w, k, f);
        return;
    case PGK_CallStmt: {
        if (w->plan_only)
            return;
        facts->classes |= CLASS_CALL;
        const cJSON *call = field(f, PGF_funccall); /* a typed FuncCall: no wrapper */
        add_call(w, field(call, PGF_funcname), location_of(call), true, false, call);
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
    case PGK_TransactionStmt: case PGK_ClosePortalStmt: case PGK_ConstraintsSetStmt:
    case PGK_DeallocateStmt: case PGK_ExecuteStmt: case PGK_FetchStmt:
    case PGK_ListenStmt: case PGK_NotifyStmt: case PGK_UnlistenStmt:
    case PGK_VariableShowStmt:
        return; /* transaction control and session commands: no class */
    case PGK_CheckPointStmt: case PGK_ClusterStmt: case PGK_ReindexStmt: case PGK_VacuumStmt:
        if (w->plan_only)
            return;
        facts->classes |= CLASS_MAINTENANCE;
        walk_ddl_statement(w, k, f);
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
    walk_ddl_statement(w, k, f);
}

/* ------------------------------------------------------------------ the walk */

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
            case PGK_A_Expr: {
                /* OPERATOR(schema.op) runs that schema's function: a call like any other */
                const cJSON *name = field(only, PGF_name);
                if (cJSON_GetArraySize(name) >= 2)
                    add_call(w, name, location_of(only), false, true, only);
                walk(w, only, acc, classes);
                break;
            }
            case PGK_FuncCall:
                add_call(w, field(only, PGF_funcname), location_of(only), false, false, only);
                if (!w->plan_only)
                    special_call(w, only, location_of(only));
                walk(w, only, acc, classes);
                break;
            case PGK_ColumnDef:
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
