/*
 * record.c: what the walk records in a statement's facts, one node at a time and
 * without walking further: relations (qualified through the session's
 * search_path), calls, settings, defined names, objects, locks, and where in the
 * statement text each is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"

/* Names at least this long may be truncated ones (identifier-too-long). */
#define DEFINED_NAME_MIN 60

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

bool walk_is_cte(const walker *w, const char *name)
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
    /* every relation of pg_catalog is named pg_*, and an existing relation is looked
       up there before the schemas search_path lists after it (not where a new one
       is created) */
    if (!schema && name && strncmp(name, "pg_", 3) == 0 && !(acc & ACC_DEFINE) &&
        session_catalog_searched_first(w->sess)) {
        r->schema = "pg_catalog";
        r->ambiguous = false;
    }
    r->temp = temp;
    r->access = acc;
    r->classes = classes;
    r->location = name_loc(w, loc, name);
    r->body = w->body;
    r->unit = w->unit;
    r->seq = w->f->nseq++;
    r->path = w->path;
}


void walk_rangevar(walker *w, const cJSON *rv, unsigned acc, unsigned classes)
{
    const char *rel = str_field(rv, PGF_relname);
    const char *schema = str_field(rv, PGF_schemaname);
    if (!rel)
        return;
    if (!schema && walk_is_cte(w, rel))
        return; /* a WITH query, not a table */
    walk_add_rel(w, schema, rel, acc, classes, location_of(rv),
                 str_is(str_field(rv, PGF_relpersistence), "t"));
}


/* ------------------------------------------------------------------ calls */

void record_call(walker *w, const cJSON *names, long loc, bool procedure, bool op,
                     const cJSON *node)
{
    /* (also under plain EXPLAIN: the planner runs immutable functions to fold them) */
    char *display = dotted_name(names);
    if (!display)
        return;
    qname q = list_qname(names);
    call_ref *c = FACTS_PUSH(w->f->calls, w->f->ncalls, w->f->capcalls);
    c->schema = cJSON_GetArraySize(names) > 1 ? q.schema : NULL;
    c->name = q.name;
    c->display = facts_strndup(w->f, display, strlen(display));
    c->procedure = procedure;
    c->op = op;
    c->location = name_loc(w, loc, q.name);
    c->body = w->body;
    c->unit = w->unit;
    c->seq = w->f->nseq++;
    c->path = w->path;
    c->node = node;
    free(display);
}


void record_path_ref(walker *w, lookup_kind kind, const char *name, const char *context,
                     long loc)
{
    if (!name)
        return;
    path_ref *p = FACTS_PUSH(w->f->path_refs, w->f->npath_refs, w->f->cappath_refs);
    p->kind = kind;
    p->what = kind == LOOKUP_OPERATOR ? "operator" : kind == LOOKUP_FUNCTION ? "function" : "type";
    p->name = name;
    p->context = context;
    p->location = name_loc(w, loc, kind == LOOKUP_OPERATOR ? NULL : name);
    p->body = w->body;
    p->unit = w->unit;
    p->path = w->path;
}

void record_type_name(walker *w, const cJSON *type_name, const char *context, long loc)
{
    const cJSON *names = field(type_name, PGF_names);
    int n = cJSON_GetArraySize(names);
    if (n == 1) {
        record_path_ref(w, LOOKUP_TYPE, list_str(names, 0), context, loc);
    } else if (n >= 2) {
        /* a type of another schema: what uses it depends on that schema */
        const char *schema = list_str(names, n - 2);
        if (schema && strcmp(schema, "pg_catalog") != 0)
            walk_add_rel(w, schema, NULL, ACC_READ, CLASS_SELECT, loc, false);
    }
}

/* The value of an A_Const as text (integers and floats spelled out), or NULL. */
static const char *const_text(walker *w, const cJSON *n)
{
    const cJSON *c = field(n, PGN_A_Const);
    if (!c)
        return NULL;
    if (field(c, PGF_sval))
        return const_string(n); /* NULL for a run-time value's placeholder */
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


/* ------------------------------------------------------------------ search_path */

int walk_current_path(walker *w)
{
    if (w->path >= 0)
        return w->path;
    size_t n;
    const char *const *elts = session_search_path(w->sess, &n);
    return facts_add_path(w->f, elts != NULL, elts, n,
                          "search_path is set to a value pgward cannot see");
}

/* A body's SET, RESET or set_config() of search_path (s): what its code runs with
   from here on. RESET goes back to the session's default, which a function cannot
   know (its caller's database and role decide it). */
static void body_path_change(walker *w, const setting_ref *s)
{
    if (w->body < 0 || s->scope != SCOPE_BODY ||
        (s->name && strcmp(s->name, "search_path") != 0))
        return;
    if (s->how == SETTING_VALUE && s->known && s->nvalues)
        w->path = facts_add_path(w->f, true, s->values, s->nvalues, NULL);
    else
        w->path = facts_add_path(w->f, false, NULL, 0,
                                 s->how == SETTING_VALUE
                                     ? "search_path is set to a value pgward cannot see"
                                     : "search_path is reset to the session's default");
}

/*
 * Whether call is the whole of the unit: SELECT set_config(...) and nothing else
 * (no FROM, WHERE, GROUP BY, HAVING, LIMIT, WITH, set operation, INTO), so it
 * runs exactly once whenever the statement does.
 */
static bool whole_unit(const walker *w, const cJSON *call)
{
    if (w->body >= 0 || w->plan_only)
        return false;
    const unit_info *u = &w->f->units[w->unit];
    if ((pg_kind)u->kind != PGK_SelectStmt)
        return false;
    const cJSON *sel = u->node;
    static const char *const clauses[] = {
        PGF_fromClause, PGF_whereClause, PGF_groupClause, PGF_havingClause,
        PGF_limitCount, PGF_limitOffset, PGF_withClause, PGF_intoClause,
        PGF_valuesLists, PGF_larg, PGF_windowClause, PGF_distinctClause};
    for (size_t i = 0; i < ARRAY_SIZE(clauses); i++)
        if (field(sel, clauses[i]))
            return false;
    const cJSON *targets = field(sel, PGF_targetList);
    const cJSON *val = field(field(cJSON_GetArrayItem(targets, 0), PGN_ResTarget), PGF_val);
    return cJSON_GetArraySize(targets) == 1 && field(val, PGN_FuncCall) == call;
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
    s->certain = whole_unit(w, call);
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
    /* (in a body, a set_config() of a constant is read as it is written; one that may
       not run, in a CASE or a WHERE, then pins what it does not: the rules read it so,
       the gate does not model bodies' settings) */
    body_path_change(w, s);
}


/*
 * Calls with effects on relations or settings: nextval() and setval() change the
 * sequence their first argument names (a write of it; a name known only at run time
 * cannot be proven), set_config() changes a setting.
 */
void record_special_call(walker *w, const cJSON *call, long loc)
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
    body_path_change(w, s);
}


void walk_defined(walker *w, const char *name)
{
    if (name && strlen(name) >= DEFINED_NAME_MIN) {
        stmt_facts *f = w->f;
        GROW(f->defined, f->capdefined, f->ndefined + 1);
        f->defined[f->ndefined++] = name;
    }
}


obj_ref *walk_object(walker *w, obj_action action, obj_kind kind, qname name, unsigned flags,
                     long loc, const cJSON *node)
{
    obj_ref *o = FACTS_PUSH(w->f->objects, w->f->nobjects, w->f->capobjects);
    o->action = action;
    o->kind = kind;
    o->name = name;
    o->flags = flags;
    o->location = loc;
    o->unit = w->unit;
    o->node = node;
    return o;
}


void record_public_grant(walker *w, const cJSON *grant)
{
    if (!grant || !bool_field(grant, PGF_is_grant))
        return;
    const cJSON *r;
    cJSON_ArrayForEach(r, field(grant, PGF_grantees)) {
        const cJSON *spec = field(r, PGN_RoleSpec);
        if (!str_is(str_field(spec, PGF_roletype), "ROLESPEC_PUBLIC"))
            continue;
        public_grant_ref *g =
            FACTS_PUSH(w->f->public_grants, w->f->npublic_grants, w->f->cappublic_grants);
        g->location = name_loc(w, location_of(spec), "public");
        g->body = w->body;
        g->unit = w->unit;
    }
}

void record_lock(walker *w, qname rel, long loc, bool aex)
{
    if (!rel.name)
        return;
    lock_ref *l = FACTS_PUSH(w->f->locks, w->f->nlocks, w->f->caplocks);
    l->rel = rel;
    l->location = loc;
    l->access_exclusive = aex;
    l->unit = w->unit;
}


