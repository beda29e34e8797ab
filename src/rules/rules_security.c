/*
 * rules_security.c: the security rules pgspot checks, adapted to migration
 * scripts (rules/<id>.md defines each). They need no policy and apply to
 * every role; security-definer-search-path, rls-required and grant-to-public are
 * the gate's (gate_security.c). One pass over the statements' facts: the
 * settings they make (top level, function clauses, bodies), the bodies of SECURITY
 * DEFINER functions, what they create; the session (analyze/session.h) knows the
 * schemas the script made and the search_path in force. What depends on the whole
 * script (a policy created later, an ALTER FUNCTION pinning search_path later) is
 * found when the statement is read and kept or dropped at the end.
 *
 *   function-search-path             CREATE FUNCTION/PROCEDURE (not LANGUAGE c or
 *                                    internal) without SET search_path, here or in a
 *                                    later ALTER FUNCTION of the same name; or
 *                                    created inside a body (DO, a function's)
 *   create-or-replace-foreign        CREATE OR REPLACE (function, procedure, view,
 *                                    trigger, rule, aggregate) or CREATE ... IF NOT
 *                                    EXISTS (table, foreign table, index, sequence,
 *                                    table as, statistics, collation, schema,
 *                                    extension) in a schema no earlier plain CREATE
 *                                    SCHEMA made, where another role may have
 *                                    created it first: in an extension script
 *                                    (name--version.sql), in public (or unqualified)
 *                                    before PostgreSQL 15 unless the script revoked
 *                                    CREATE there from PUBLIC, in a schema the
 *                                    script granted CREATE on to PUBLIC; unless the
 *                                    script created that very object plainly before.
 *                                    Also CREATE OR REPLACE FUNCTION in a DO block;
 *                                    in extension scripts CREATE OR REPLACE
 *                                    TRANSFORM and CREATE SERVER IF NOT EXISTS
 *   unqualified-in-security-definer  unqualified relation or function (not one of
 *                                    pg_catalog's) in a SECURITY DEFINER body: SQL
 *                                    string, BEGIN ATOMIC / RETURN, or PL/pgSQL;
 *                                    at most 3 per function
 *   unsafe-search-path               a search_path value (SET, set_config(), ALTER
 *                                    ROLE/DATABASE ... SET, a function's SET clause or
 *                                    FROM CURRENT, SET inside bodies) with public,
 *                                    "$user", an empty element or pg_temp not last;
 *                                    for functions pg_temp must be listed, last
 *   extension-in-public              CREATE EXTENSION without WITH SCHEMA or WITH
 *                                    SCHEMA public
 *   policy-always-true               CREATE/ALTER POLICY, permissive, USING (true) or
 *                                    WITH CHECK (true), for PUBLIC (no TO, or TO
 *                                    PUBLIC among the roles)
 *   rls-without-policy               ENABLE ROW LEVEL SECURITY on a table no CREATE
 *                                    POLICY of the script is on
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "pg_catalog_functions.h"
#include "policy/query.h"
#include "rules/checks.h"

/* Findings of unqualified-in-security-definer per function. */
#define MAX_UNQUALIFIED_REPORTS 3

/* A name kept after its statement is gone (the parse tree is freed). */
typedef struct kept_name {
    char *schema;           /* NULL: unqualified */
    char *name;
} kept_name;

typedef struct kept_names {
    kept_name *items;
    size_t n, cap;
} kept_names;

/* A function and a relation name (a transition table it may see, or one it uses). */
typedef struct function_relation {
    kept_name function;
    char *relation;
} function_relation;

/* A policy the script created, and whether it applies to PUBLIC. */
typedef struct created_policy {
    kept_name table;
    char *name;
    bool for_public;
} created_policy;

typedef struct sec_state {
    created_policy *policies;   /* CREATE POLICY so far */
    size_t npolicies, cappolicies;
    kept_names policy_tables;   /* every table a CREATE POLICY is on */
    kept_names pinned;          /* functions an ALTER FUNCTION pins search_path of */
    finding_list no_policy;     /* rls-without-policy, decided at the end ... */
    kept_names no_policy_tables;/* ... by the table it is about */
    finding_list unpinned;      /* function-search-path, decided at the end ... */
    kept_names unpinned_functions; /* ... by the function it is about */
    /* where roles other than the script's may create objects (create-or-replace-foreign) */
    bool public_open;           /* PUBLIC may create in schema public (before 15) */
    int public_line;            /* ... the GRANT or REVOKE that decided it, or 0 */
    kept_names open_schemas;    /* schemas a GRANT CREATE ... TO PUBLIC opened */
    /* unqualified-in-security-definer on a relation of a trigger function: a later
       CREATE TRIGGER ... REFERENCING may name it as a transition table */
    finding_list trigger_unqualified;
    function_relation *trigger_uses;    /* ... the function and relation of each */
    function_relation *transitions;     /* CREATE TRIGGER: function, transition table */
    size_t ntransitions, captransitions, captrigger_uses;
} sec_state;

/* ------------------------------------------------------------------ helpers */

/* A name list (["s", "f"]) joined with dots, malloc'd. */
static char *joined_name(const cJSON *items)
{
    char *name = dotted_name(items);
    return name ? name : xstrdup("?");
}



static void keep_name(kept_names *list, qname q)
{
    GROW(list->items, list->cap, list->n + 1);
    list->items[list->n++] =
        (kept_name){q.schema ? xstrdup(q.schema) : NULL, xstrdup(q.name ? q.name : "")};
}

static bool kept_has(const kept_names *list, qname q)
{
    for (size_t i = 0; i < list->n; i++)
        if (qname_match((qname){list->items[i].schema, list->items[i].name}, q))
            return true;
    return false;
}

static void kept_free(kept_names *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].schema);
        free(list->items[i].name);
    }
    free(list->items);
}

static char *rangevar_name(const cJSON *rv)
{
    return qname_text(rangevar_qname(rv));
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

/* Whether the script made schema with a plain CREATE SCHEMA, or the policy names it
   (who may create objects there is the policy's business, and pgward verify's). */
static bool schema_created(const lint_ctx *c, const char *schema)
{
    return session_schema_created(c->sess, schema) || policy_names_schema(c->cfg->policy, schema);
}

/* A node location in the statement text, or the unit's start. */
static long at(const lint_ctx *c, long loc)
{
    return loc < 0 ? (long)c->f->units[c->unit].offset : loc;
}

/* ------------------------------------------------------------------ search_path values */

/*
 * What is unsafe about a search_path (elements in order), or NULL: public,
 * "$user", an empty element beside others ('' alone is the safest path), pg_temp
 * before the end, an element with a comma (a quoted list: one schema of that name,
 * pgspot PS018; a SET's value only, set_config() splits its string); for a function
 * (its SET clause, or a SET in its body), also pg_temp not listed at all, since
 * then it is searched first. In an extension script (pgspot's trust model) every
 * schema must also be trusted: pg_catalog, the extension's own (@extschema@), or
 * one the script made with a plain CREATE SCHEMA. *bad_index is the element to
 * point at (-1: none); buf holds a message that names it.
 */
static const char *path_problem(const lint_ctx *c, const char *const *elts, size_t n,
                                bool function, bool split, size_t *bad_index, char *buf,
                                size_t size)
{
    bool has_temp = false;
    bool ext = lint_script_kind(c->s) == SCRIPT_EXTENSION;
    *bad_index = (size_t)-1;
    /* '' alone: nothing but pg_catalog (and, for relations only, the caller's temporary
       schema, which the unqualified-name checks cover): every other name must be
       qualified, the safest value there is */
    if (n == 1 && elts[0][0] == '\0')
        return NULL;
    for (size_t i = 0; i < n; i++) {
        *bad_index = i;
        if (!split && strchr(elts[i], ',')) {
            snprintf(buf, size,
                     "names one schema \"%.63s\": a quoted list is a single name; write the "
                     "schemas unquoted, separated by commas",
                     elts[i]);
            return buf;
        }
        if (strcmp(elts[i], "public") == 0)
            return "contains public, where other roles may be able to create objects";
        if (strcmp(elts[i], "$user") == 0)
            return "contains \"$user\", a schema the calling role may own";
        if (elts[i][0] == '\0')
            return "contains an empty element";
        if (strcmp(elts[i], "pg_temp") == 0) {
            if (i + 1 != n)
                return "lists pg_temp before other schemas (list it last)";
            has_temp = true;
            continue;
        }
        if (ext && strcmp(elts[i], "pg_catalog") != 0 &&
            !(c->s->extschema && strcmp(elts[i], c->s->extschema) == 0) &&
            !session_schema_created(c->sess, elts[i])) {
            snprintf(buf, size,
                     "names schema %.63s, which this extension script did not create: whoever "
                     "owns it or may create objects in it can shadow the extension's names "
                     "(trusted: pg_catalog, @extschema@, schemas the script creates with "
                     "CREATE SCHEMA, pg_temp last)",
                     elts[i]);
            return buf;
        }
    }
    *bad_index = (size_t)-1;
    if (function && !has_temp)
        return "does not list pg_temp, so the caller's temporary schema is searched first "
               "(list pg_temp last)";
    return NULL;
}

/* elt as a search_path element is written: quoted unless a plain lowercase name */
static void add_element(strbuf *sb, const char *elt)
{
    bool plain = *elt && !(*elt >= '0' && *elt <= '9');
    for (const char *p = elt; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (plain) {
        sb_adds(sb, elt);
        return;
    }
    sb_addc(sb, '"');
    for (const char *p = elt; *p; p++) {
        if (*p == '"')
            sb_addc(sb, '"');
        sb_addc(sb, *p);
    }
    sb_addc(sb, '"');
}

static char *path_text(const char *const *elts, size_t n)
{
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < n; i++) {
        sb_adds(&sb, i ? ", " : "");
        if (elts[i][0])
            add_element(&sb, elts[i]);
        else
            sb_adds(&sb, "''");
    }
    return sb_detach(&sb, NULL);
}

/*
 * One search_path setting of the statement (top level, a function's clause, ALTER
 * ROLE/DATABASE ... SET, or inside a body): its value, or for FROM CURRENT the
 * script's search_path. A pinned but unsafe search_path on a SECURITY DEFINER
 * function is the gate's security-definer-search-path error, not a warning.
 */
static void check_setting(lint_ctx *c, const setting_ref *s, bool function, bool definer,
                          const char *what)
{
    if (!s->name || strcmp(s->name, "search_path") != 0)
        return;
    if (s->how == SETTING_VALUE) {
        if (s->nvalues == 0 || (!s->known && !s->via_function))
            return; /* a value pgward cannot see */
        size_t bad;
        char buf[512];
        const char *why = path_problem(c, s->values, s->nvalues, function, s->via_function,
                                       &bad, buf, sizeof(buf));
        if (!why)
            return;
        char *txt = path_text(s->values, s->nvalues);
        long where = bad != (size_t)-1 && s->value_locs[bad] >= 0 ? s->value_locs[bad]
                                                                   : s->location;
        lint_report(c, definer ? RULE_SECURITY_DEFINER_SEARCH_PATH : RULE_UNSAFE_SEARCH_PATH,
                    where, "unsafe search_path %s in %s: it %s", txt,
                    s->via_function ? "set_config()" : what, why);
        free(txt);
    } else if (s->how == SETTING_CURRENT && function) {
        size_t n;
        const char *const *path = session_search_path(c->sess, &n);
        size_t bad;
        char buf[512];
        const char *why =
            path ? path_problem(c, path, n, true, true, &bad, buf, sizeof(buf)) : NULL;
        if (why) {
            char *txt = path_text(path, n);
            lint_report(c, RULE_UNSAFE_SEARCH_PATH, s->location,
                        "unsafe search_path %s in %s (SET search_path FROM CURRENT takes the "
                        "script's search_path here): it %s",
                        txt, what, why);
            free(txt);
        }
    }
}

/* ------------------------------------------------------------------ bodies */

/* An unqualified name found in a body. */
typedef struct unqualified {
    const char *name;
    bool function;
    bool temp_only;         /* a relation on a pinned search_path that no listed schema
                               is known to hold: found in pg_temp, the caller's */
    long loc;
} unqualified;

/* Whether the script created relation name in one of the schemas path lists (other
   than pg_catalog and pg_temp): there it is found before pg_temp is searched. */
static bool created_on_path(const lint_ctx *c, const char *name, const char *const *path,
                            size_t n)
{
    unsigned rels = 1u << OBJ_TABLE | 1u << OBJ_FOREIGN_TABLE | 1u << OBJ_VIEW |
                    1u << OBJ_MATVIEW | 1u << OBJ_SEQUENCE;
    for (size_t i = 0; i < n; i++)
        if (strcmp(path[i], "pg_catalog") != 0 && strcmp(path[i], "pg_temp") != 0 &&
            session_created(c->sess, rels, (qname){path[i], name}))
            return true;
    return false;
}

/*
 * Whether an unqualified name of a SECURITY DEFINER body (its search_path: path)
 * is worth reporting here, and for a relation whether only pg_temp can hold it. A
 * search_path pinned to trusted schemas (analyze/session.h) leaves no function or
 * operator to other roles; a relation is still looked up in pg_temp, the caller's
 * temporary schema, when none of the listed schemas has it: reported unless the
 * script created it in one of them. In an extension script what is not pinned is
 * unqualified-function's and unqualified-reference's (rules_unqualified.c).
 */
static bool definer_reports(const lint_ctx *c, int path, bool function, const char *name,
                            bool *temp_only)
{
    bool extension = lint_script_kind(c->s) == SCRIPT_EXTENSION;
    size_t n;
    const char *why;
    const char *const *elts = session_lookup_path(c->sess, c->f, path, &n, &why);
    char *untrusted = elts ? session_path_untrusted(c->sess, elts, n,
                                                    function ? LOOKUP_FUNCTION : LOOKUP_RELATION,
                                                    extension, c->s->extschema)
                           : NULL;
    bool pinned = elts && !untrusted;
    free(untrusted);
    *temp_only = false;
    if (!pinned)
        return !extension;
    if (function)
        return false;
    *temp_only = !created_on_path(c, name, elts, n);
    return *temp_only;
}

/* The unqualified names of body b in the order the walk found them. */
static size_t unqualified_names(const lint_ctx *c, int b, unqualified **out)
{
    const stmt_facts *f = c->f;
    size_t n = 0, cap = 0, ri = 0, ci = 0;
    unqualified *found = NULL;
    while (ri < f->nrels || ci < f->ncalls) {
        bool take_rel = ci >= f->ncalls || (ri < f->nrels && f->rels[ri].seq < f->calls[ci].seq);
        unqualified u = {0};
        if (take_rel) {
            const rel_ref *r = &f->rels[ri++];
            /* a system catalog (pg_catalog is searched first) or a temporary table */
            if (r->body != b || r->qualified || !r->name || strncmp(r->name, "pg_", 3) == 0 ||
                r->temp || !definer_reports(c, r->path, false, r->name, &u.temp_only))
                continue;
            u.name = r->name;
            u.loc = r->location;
        } else {
            const call_ref *k = &f->calls[ci++];
            if (k->body != b || k->schema || k->op || strchr(k->display, '.') ||
                catalog_function(k->name) ||
                !definer_reports(c, k->path, true, k->name, &u.temp_only))
                continue;
            u = (unqualified){k->name, true, false, k->location};
        }
        bool seen = false;
        for (size_t i = 0; i < n && !seen; i++)
            seen = found[i].function == u.function && strcmp(found[i].name, u.name) == 0;
        if (!seen) {
            GROW(found, cap, n + 1);
            found[n++] = u;
        }
    }
    *out = found;
    return n;
}

/* CREATE TRIGGER ... REFERENCING {OLD|NEW} TABLE AS name: what its function sees. */
static void remember_transitions(sec_state *ss, const cJSON *trig)
{
    qname fq = list_qname(field(trig, PGF_funcname));
    const cJSON *t;
    cJSON_ArrayForEach(t, field(trig, PGF_transitionRels)) {
        const char *name = str_field(field(t, PGN_TriggerTransition), PGF_name);
        if (!name || !fq.name)
            continue;
        GROW(ss->transitions, ss->captransitions, ss->ntransitions + 1);
        ss->transitions[ss->ntransitions++] = (function_relation){
            {fq.schema ? xstrdup(fq.schema) : NULL, xstrdup(fq.name)}, xstrdup(name)};
    }
}

/* Whether a trigger of the script gives function fn a transition table named rel. */
static bool is_transition_of(const sec_state *ss, const function_relation *use)
{
    for (size_t i = 0; i < ss->ntransitions; i++) {
        const function_relation *t = &ss->transitions[i];
        if (strcmp(t->relation, use->relation) == 0 &&
            qname_match((qname){t->function.schema, t->function.name},
                        (qname){use->function.schema, use->function.name}))
            return true;
    }
    return false;
}

static void free_function_relations(function_relation *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].function.schema);
        free(list[i].function.name);
        free(list[i].relation);
    }
    free(list);
}

/* Whether a CREATE FUNCTION (its fields) returns trigger. */
static bool returns_trigger(const cJSON *fn)
{
    const cJSON *names = field(field(fn, PGF_returnType), PGF_names);
    const char *t = string_node(cJSON_GetArrayItem(names, cJSON_GetArraySize(names) - 1));
    return t && strcmp(t, "trigger") == 0;
}

/* Whether a PL/pgSQL body may hold a CREATE FUNCTION or PROCEDURE (then it is read). */
static bool may_create_function(const body_info *b)
{
    return ascii_contains_ci(b->text, "function") || ascii_contains_ci(b->text, "procedure");
}

/*
 * The bodies of the unit: parsed when there is something to find (SQL bodies
 * always; PL/pgSQL only for SECURITY DEFINER functions or when it mentions
 * search_path), their settings checked, and for a SECURITY DEFINER function its
 * unqualified names reported (word and name: for the message).
 */
static void check_bodies(lint_ctx *c, sec_state *ss, const char *word, const char *name)
{
    stmt_facts *f = c->f;
    for (size_t i = 0; i < f->nbodies; i++) {
        body_info *b = &f->bodies[i];
        if (b->unit != c->unit || b->depth != 0)
            continue;
        bool definer = b->security_definer && !b->is_do;
        if (b->lang == BODY_SQL || (b->lang == BODY_PLPGSQL &&
                                    (definer || ascii_contains_ci(b->text, "search_path") ||
                                     may_create_function(b))))
            facts_body(f, i);
        if (!f->bodies[i].parsed)
            continue;
        for (size_t k = 0; k < f->nsettings; k++)
            if (f->settings[k].body == (int)i)
                check_setting(c, &f->settings[k], !f->bodies[i].is_do, false,
                              f->bodies[i].is_do ? "SET" : "a SET in a function body");
        if (!definer)
            continue;
        unqualified *found;
        size_t nfound = unqualified_names(c, (int)i, &found);
        for (size_t k = 0; k < nfound && k < MAX_UNQUALIFIED_REPORTS; k++) {
            const unqualified *u = &found[k];
            char *more = k + 1 == MAX_UNQUALIFIED_REPORTS && nfound > MAX_UNQUALIFIED_REPORTS
                             ? xasprintf(" (and %zu more unqualified names)",
                                         nfound - MAX_UNQUALIFIED_REPORTS)
                             : xstrdup("");
            /* a relation of a trigger function may be a transition table a later
               CREATE TRIGGER ... REFERENCING names: decided at the end */
            bool pending = !u->function && returns_trigger(b->node);
            size_t before = ss->trigger_unqualified.count;
            finding_list *to = pending ? &ss->trigger_unqualified : &c->s->findings;
#define UNQUALIFIED_FMT                                                                   \
    "SECURITY DEFINER %s %s uses %s %s%s without a schema: an object of that name earlier " \
    "on the search_path runs or is read with the owner's privileges; qualify it%s"
#define TEMP_ONLY_FMT                                                                     \
    "SECURITY DEFINER %s %s uses relation %s without a schema, and no schema its "         \
    "search_path lists is known to hold it: PostgreSQL then looks in pg_temp, the "          \
    "caller's temporary schema, where a table of that name (and its triggers) is used "     \
    "with the owner's privileges; qualify it%s"
            if (u->temp_only)
                lint_report_to(c, to, RULE_UNQUALIFIED_IN_SECURITY_DEFINER, at(c, u->loc),
                               TEMP_ONLY_FMT, word, name, u->name, more);
            else if (pending)
                lint_report_to(c, to, RULE_UNQUALIFIED_IN_SECURITY_DEFINER, at(c, u->loc),
                               UNQUALIFIED_FMT, word, name, "relation", u->name, "", more);
            else
                lint_report(c, RULE_UNQUALIFIED_IN_SECURITY_DEFINER, at(c, u->loc),
                            UNQUALIFIED_FMT, word, name, u->function ? "function" : "relation",
                            u->name, u->function ? "()" : "", more);
#undef UNQUALIFIED_FMT
#undef TEMP_ONLY_FMT
            if (ss->trigger_unqualified.count > before) {
                GROW(ss->trigger_uses, ss->captrigger_uses, ss->trigger_unqualified.count);
                qname fq = list_qname(field(b->node, PGF_funcname));
                ss->trigger_uses[before] = (function_relation){
                    {fq.schema ? xstrdup(fq.schema) : NULL, xstrdup(fq.name ? fq.name : "")},
                    xstrdup(u->name)};
            }
            free(more);
        }
        free(found);
    }
}

static void foreign_report(lint_ctx *c, long loc, bool replace, const char *what,
                           const char *name, const char *schema, bool own);

/*
 * Functions and procedures created inside the unit's bodies (a DO block's, or a
 * function's, when it runs) without SET search_path: like any other, they resolve
 * names through the search_path of whoever calls them; nothing later in the script
 * can pin them (they do not exist until the body runs). A SECURITY DEFINER one is
 * security-definer-search-path's error, as at the top level.
 */
static void check_nested_functions(lint_ctx *c)
{
    stmt_facts *f = c->f;
    for (size_t i = 0; i < f->nbodies; i++) { /* grows as nested bodies are parsed */
        const body_info *b = &f->bodies[i];
        if (b->unit != c->unit || b->depth == 0)
            continue;
        if (b->lang == BODY_SQL || (b->lang == BODY_PLPGSQL && may_create_function(b)))
            facts_body(f, i); /* functions nested deeper */
        b = &f->bodies[i];
        if (b->is_do)
            continue;
        const cJSON *fn = b->node;
        const cJSON *funcname = field(fn, PGF_funcname);
        char *name = joined_name(funcname);
        const body_info *outer = &f->bodies[b->parent];
        char *on = outer->is_do ? NULL : joined_name(field(outer->node, PGF_funcname));
        char *in = outer->is_do ? xstrdup("a DO block")
                                : xasprintf("%s %s",
                                            bool_field(outer->node, PGF_is_procedure)
                                                ? "procedure"
                                                : "function",
                                            on);
        free(on);
        bool procedure = bool_field(fn, PGF_is_procedure);
        const char *word = procedure ? "procedure" : "function";
        const char *lang = b->language ? b->language : "sql";
        bool native = ascii_strcasecmp(lang, "c") == 0 || ascii_strcasecmp(lang, "internal") == 0;
        if (b->pins_search_path || native)
            ; /* pinned, or resolves no names */
        else if (b->security_definer)
            lint_report(c, RULE_SECURITY_DEFINER_SEARCH_PATH, at(c, b->offset),
                        "SECURITY DEFINER %s %s, created when %s runs, has no SET search_path: "
                        "callers can shadow the objects it uses",
                        word, name, in);
        else
            lint_report(c, RULE_FUNCTION_SEARCH_PATH, at(c, b->offset),
                        "%s %s, created when %s runs, has no SET search_path: the names in its "
                        "body resolve through the search_path of each caller",
                        word, name, in);
        /* a DO block runs now, in the script's session (what a function's body creates
           when it is called lands where the caller's search_path says); whether the
           script created it earlier is not asked for what a body creates */
        if (outer->is_do && outer->depth == 0 && bool_field(fn, PGF_replace)) {
            char *what = xasprintf("CREATE OR REPLACE %s", procedure ? "PROCEDURE" : "FUNCTION");
            char *when = xasprintf("%s (in a DO block)", name);
            foreign_report(c, at(c, b->offset), true, what, when,
                           cJSON_GetArraySize(funcname) >= 2 ? list_str(funcname, -2) : NULL,
                           false);
            free(when);
            free(what);
        }
        free(in);
        free(name);
    }
}

/* ------------------------------------------------------------------ statements */

static const char *object_kind_word(const char *objtype)
{
    static const struct {
        const char *objtype, *word;
    } words[] = {{"OBJECT_AGGREGATE", "AGGREGATE"}, {"OBJECT_COLLATION", "COLLATION"},
                 {"OBJECT_OPERATOR", "OPERATOR"},   {"OBJECT_TYPE", "TYPE"},
                 {"OBJECT_TSPARSER", "TEXT SEARCH PARSER"},
                 {"OBJECT_TSDICTIONARY", "TEXT SEARCH DICTIONARY"},
                 {"OBJECT_TSTEMPLATE", "TEXT SEARCH TEMPLATE"},
                 {"OBJECT_TSCONFIGURATION", "TEXT SEARCH CONFIGURATION"}};
    for (size_t i = 0; objtype && i < ARRAY_SIZE(words); i++)
        if (strcmp(words[i].objtype, objtype) == 0)
            return words[i].word;
    return "object";
}

static bool roles_include_public(const cJSON *roles)
{
    if (!roles)
        return true; /* no TO: PUBLIC */
    const cJSON *r;
    cJSON_ArrayForEach(r, roles) {
        const char *rt = str_field(field(r, PGN_RoleSpec), PGF_roletype);
        if (rt && strcmp(rt, "ROLESPEC_PUBLIC") == 0)
            return true;
    }
    return false;
}

/*
 * Why a role other than the script's may have created an object in schema (NULL:
 * unqualified, which resolves to public) before the script ran, as a phrase for
 * the message; NULL when nothing says another role can create objects there. The
 * default search_path puts unqualified names in public.
 */
static char *foreign_exposure(const lint_ctx *c, const sec_state *ss, const char *schema)
{
    if (lint_script_kind(c->s) == SCRIPT_EXTENSION)
        return schema ? xasprintf("schema %s was not created by this extension script, and "
                                  "other roles may create objects in it",
                                  schema)
                      : xstrdup("unqualified, so it lands in the schema the extension is "
                                "installed in, where other roles may create objects");
    bool public = !schema || strcmp(schema, "public") == 0;
    if (public && ss->public_open)
        return ss->public_line ? xasprintf("%severy role may create objects in public "
                                           "(granted at line %d)",
                                           schema ? "" : "unqualified, so it goes to public; ",
                                           ss->public_line)
                               : xasprintf("%severy role may create objects in public before "
                                           "PostgreSQL 15 (--pg-version %d)",
                                           schema ? "" : "unqualified, so it goes to public; ",
                                           c->cfg && c->cfg->pg_version ? c->cfg->pg_version
                                                                        : 15);
    for (size_t i = 0; schema && i < ss->open_schemas.n; i++)
        if (strcmp(ss->open_schemas.items[i].name, schema) == 0)
            return xasprintf("the script granted CREATE on schema %s to PUBLIC", schema);
    return NULL;
}

/*
 * Whether the object the unit creates is one the script already created with a plain
 * CREATE (the session knows): a CREATE OR REPLACE or IF NOT EXISTS then meets the
 * script's own object, whoever could create objects in the schema. Objects of kinds
 * that share a namespace count together (relations; functions, procedures and
 * aggregates, with their signature); kinds the analysis does not tell apart
 * (OBJ_OTHER), triggers and rules (named per table) never do.
 */
static bool recreates_own(const lint_ctx *c)
{
    static const unsigned relations = 1u << OBJ_TABLE | 1u << OBJ_FOREIGN_TABLE |
                                      1u << OBJ_VIEW | 1u << OBJ_MATVIEW | 1u << OBJ_INDEX |
                                      1u << OBJ_SEQUENCE;
    static const unsigned routines = 1u << OBJ_FUNCTION | 1u << OBJ_PROCEDURE |
                                     1u << OBJ_AGGREGATE;
    for (size_t i = 0; i < c->f->nobjects; i++) {
        const obj_ref *o = &c->f->objects[i];
        if (o->unit != c->unit || o->action != OBJ_CREATE)
            continue;
        unsigned kind = 1u << o->kind;
        unsigned mask = kind & relations ? relations
                        : kind & routines ? routines
                        : kind & (1u << OBJ_COLLATION | 1u << OBJ_STATISTICS |
                                  1u << OBJ_EXTENSION)
                            ? kind
                            : 0;
        return mask && session_created_plainly(c->sess, mask, o->name, o->args);
    }
    return false;
}

/*
 * create-or-replace-foreign for one object: what (e.g. "CREATE OR REPLACE
 * FUNCTION"), its name as written, its schema (NULL: unqualified); own: the object
 * is the unit's own (recreates_own() may clear it), not one a body creates.
 */
static void foreign_report(lint_ctx *c, long loc, bool replace, const char *what,
                           const char *name, const char *schema, bool own)
{
    if (schema && (schema_created(c, schema) || strcmp(schema, "pg_temp") == 0))
        return;
    if (own && recreates_own(c))
        return;
    char *why = foreign_exposure(c, c->state[LINT_SECURITY], schema);
    if (!why)
        return;
    const char *consequence =
        replace ? "one someone else created there first is replaced but keeps its owner, "
                  "who can change it later"
                : "one someone else created there first is silently kept";
    lint_report(c, RULE_CREATE_OR_REPLACE_FOREIGN, loc, "%s %s: %s; %s", what, name, why,
                consequence);
    free(why);
}

/* The same for the unit's own object (which the script may have created before). */
static void foreign_object(lint_ctx *c, long loc, bool replace, const char *what,
                           const char *name, const char *schema)
{
    foreign_report(c, loc, replace, what, name, schema, true);
}

/*
 * GRANT or REVOKE of CREATE (or ALL) on schemas to or from PUBLIC: where others may
 * create objects from here on.
 */
static void track_schema_grant(lint_ctx *c, sec_state *ss, const cJSON *f)
{
    if (!str_is(str_field(f, PGF_objtype), "OBJECT_SCHEMA") ||
        !roles_include_public(field(f, PGF_grantees)))
        return;
    const cJSON *privs = field(f, PGF_privileges), *p, *o;
    bool create = !privs; /* ALL */
    cJSON_ArrayForEach(p, privs) {
        const char *name = str_field(field(p, PGN_AccessPriv), PGF_priv_name);
        create |= !name || ascii_strcasecmp(name, "create") == 0;
    }
    if (!create)
        return;
    bool grant = bool_field(f, PGF_is_grant);
    cJSON_ArrayForEach(o, field(f, PGF_objects)) {
        const char *schema = string_node(o);
        if (!schema)
            continue;
        if (strcmp(schema, "public") == 0) {
            ss->public_open = grant;
            ss->public_line = c->st->line;
        }
        size_t i = 0;
        while (i < ss->open_schemas.n && strcmp(ss->open_schemas.items[i].name, schema) != 0)
            i++;
        if (grant && i == ss->open_schemas.n)
            keep_name(&ss->open_schemas, (qname){NULL, schema});
        else if (!grant && i < ss->open_schemas.n) {
            free(ss->open_schemas.items[i].name);
            ss->open_schemas.items[i] = ss->open_schemas.items[--ss->open_schemas.n];
        }
    }
}

/* An IF NOT EXISTS or OR REPLACE on a relation (RangeVar), temporary ones aside. */
static void foreign_relation(lint_ctx *c, bool replace, const char *what, const cJSON *rv,
                             const char *name)
{
    if (!rv || str_is(str_field(rv, PGF_relpersistence), "t"))
        return;
    char *full = name ? xstrdup(name) : rangevar_name(rv);
    foreign_object(c, at(c, location_of(rv)), replace, what, full, str_field(rv, PGF_schemaname));
    free(full);
}

static void foreign_list(lint_ctx *c, bool replace, const char *what, const cJSON *names)
{
    char *full = joined_name(names);
    int n = cJSON_GetArraySize(names);
    foreign_object(c, at(c, -1), replace, what, full, n >= 2 ? list_str(names, -2) : NULL);
    free(full);
}

static void check_function(lint_ctx *c, sec_state *ss, const cJSON *f)
{
    const cJSON *opts = field(f, PGF_options);
    const cJSON *funcname = field(f, PGF_funcname);
    bool procedure = bool_field(f, PGF_is_procedure);
    const char *word = procedure ? "procedure" : "function";
    char *name = joined_name(funcname);
    const cJSON *lang_d = find_option(opts, "language");
    const char *lang = lang_d ? string_node(field(lang_d, PGF_arg)) : "sql";
    bool native = lang && (ascii_strcasecmp(lang, "c") == 0 ||
                           ascii_strcasecmp(lang, "internal") == 0);
    const body_info *b = NULL;
    for (size_t i = 0; i < c->f->nbodies && !b; i++)
        if (c->f->bodies[i].unit == c->unit && c->f->bodies[i].depth == 0)
            b = &c->f->bodies[i];
    bool definer = b && b->security_definer;

    /* a SECURITY DEFINER function without one is the error security-definer-search-path
       already: one finding, not two; one pinned by a later ALTER FUNCTION is fine */
    if (!native && !(b && b->pins_search_path) && !definer) {
        size_t before = ss->unpinned.count;
        lint_report_to(c, &ss->unpinned, RULE_FUNCTION_SEARCH_PATH, at(c, -1),
                       "%s %s has no SET search_path: the names in its body resolve through "
                       "the search_path of each caller",
                       word, name);
        if (ss->unpinned.count > before)
            keep_name(&ss->unpinned_functions, list_qname(funcname));
    }
    if (bool_field(f, PGF_replace)) {
        char *what = xasprintf("CREATE OR REPLACE %s", procedure ? "PROCEDURE" : "FUNCTION");
        foreign_object(c, at(c, -1), true, what, name,
                       cJSON_GetArraySize(funcname) >= 2 ? list_str(funcname, -2) : NULL);
        free(what);
    }
    /* its SET clause (the function's own search_path), then its body */
    char *what = xasprintf("%s %s", word, name);
    for (size_t i = 0; i < c->f->nsettings; i++) {
        const setting_ref *s = &c->f->settings[i];
        if (s->unit == c->unit && s->scope == SCOPE_FUNCTION && s->body < 0) {
            check_setting(c, s, true, definer, what);
            break; /* the clause that takes effect */
        }
    }
    free(what);
    check_bodies(c, ss, word, name);
    check_nested_functions(c);
    free(name);
}

static void check_policy(lint_ctx *c, sec_state *ss, const cJSON *f, bool create)
{
    /* RESTRICTIVE (permissive absent: false): a true one restricts nothing, and
       grants nothing either */
    if (create && !bool_field(f, PGF_permissive))
        return;
    const cJSON *roles = field(f, PGF_roles);
    qname t = rangevar_qname(field(f, PGF_table));
    const char *pname = str_field(f, PGF_policy_name);
    bool for_public = true;
    if (create || roles) {
        for_public = roles_include_public(roles);
    } else { /* ALTER POLICY without TO: the roles it was created with, if known */
        for (size_t i = 0; pname && i < ss->npolicies; i++)
            if (strcmp(ss->policies[i].name, pname) == 0 &&
                qname_match((qname){ss->policies[i].table.schema, ss->policies[i].table.name}, t))
                for_public = ss->policies[i].for_public;
    }
    if (!for_public)
        return;
    char *tn = rangevar_name(field(f, PGF_table));
    const cJSON *q = true_const(field(f, PGF_qual)), *w = true_const(field(f, PGF_with_check));
    if (q || w)
        lint_report(c, RULE_POLICY_ALWAYS_TRUE, at(c, location_of(q ? q : w)),
                    "policy %s on %s is %s (true) for PUBLIC: every role sees%s every row",
                    pname ? pname : "?", tn, q ? "USING" : "WITH CHECK",
                    q && w ? " and writes" : q ? "" : " (writes)");
    free(tn);
}

static void remember_policy(sec_state *ss, const cJSON *f)
{
    qname t = rangevar_qname(field(f, PGF_table));
    keep_name(&ss->policy_tables, t);
    const char *name = str_field(f, PGF_policy_name);
    if (!name)
        return;
    GROW(ss->policies, ss->cappolicies, ss->npolicies + 1);
    created_policy *p = &ss->policies[ss->npolicies++];
    p->table = (kept_name){t.schema ? xstrdup(t.schema) : NULL, xstrdup(t.name ? t.name : "")};
    p->name = xstrdup(name);
    p->for_public = roles_include_public(field(f, PGF_roles));
}

static void check_alter_table(lint_ctx *c, sec_state *ss, const cJSON *f)
{
    const char *objtype = str_field(f, PGF_objtype);
    if (objtype && strcmp(objtype, "OBJECT_TABLE") != 0)
        return;
    const cJSON *rv = field(f, PGF_relation);
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, field(f, PGF_cmds)) {
        const char *sub = str_field(field(cmd, PGN_AlterTableCmd), PGF_subtype);
        if (!str_is(sub, "AT_EnableRowSecurity"))
            continue;
        /* whether the script creates a policy on it, anywhere: known at the end */
        char *tn = rangevar_name(rv);
        size_t before = ss->no_policy.count;
        lint_report_to(c, &ss->no_policy, RULE_RLS_WITHOUT_POLICY, at(c, location_of(rv)),
                       "row-level security is enabled on %s but this script creates no policy "
                       "on it: roles other than its owner see no rows",
                       tn);
        if (ss->no_policy.count > before)
            keep_name(&ss->no_policy_tables, rangevar_qname(rv));
        free(tn);
    }
}

static void check_extension(lint_ctx *c, const cJSON *f)
{
    const char *ext = str_field(f, PGF_extname);
    const cJSON *d = find_option(field(f, PGF_options), "schema");
    const char *schema = d ? string_node(field(d, PGF_arg)) : NULL;
    if (!schema)
        lint_report(c, RULE_EXTENSION_IN_PUBLIC, at(c, -1),
                    "extension %s is created without WITH SCHEMA: it lands in the first schema "
                    "of search_path, usually public",
                    ext ? ext : "?");
    else if (strcmp(schema, "public") == 0)
        lint_report(c, RULE_EXTENSION_IN_PUBLIC, at(c, location_of(d)),
                    "extension %s is created in schema public: every role can call its "
                    "functions, and whoever can create objects there can shadow them",
                    ext ? ext : "?");
    if (bool_field(f, PGF_if_not_exists))
        foreign_object(c, at(c, -1), false, "CREATE EXTENSION IF NOT EXISTS", ext ? ext : "?",
                       schema);
}

static void check_schema(lint_ctx *c, const cJSON *f)
{
    const char *name = str_field(f, PGF_schemaname);
    if (!name)
        name = str_field(field(f, PGF_authrole), PGF_rolename);
    /* schemas are made by roles with CREATE on the database, which PUBLIC lacks:
       only an extension script's CREATE SCHEMA IF NOT EXISTS is exposed */
    if (name && bool_field(f, PGF_if_not_exists) && !schema_created(c, name) &&
        lint_script_kind(c->s) == SCRIPT_EXTENSION)
        lint_report(c, RULE_CREATE_OR_REPLACE_FOREIGN, at(c, -1),
                    "CREATE SCHEMA IF NOT EXISTS %s in an extension script: a schema someone "
                    "else created first is silently kept, with its owner and privileges",
                    name);
}

/*
 * CREATE OR REPLACE TRANSFORM and CREATE SERVER IF NOT EXISTS: objects in no schema,
 * which only roles with rights on the type and language (a transform) or USAGE on
 * the foreign-data wrapper (a server) can create; reported in extension scripts only,
 * which run wherever their user installs them (in a migration they would be noise).
 */
static void check_unschemaed(lint_ctx *c, pg_kind k, const cJSON *f)
{
    if (lint_script_kind(c->s) != SCRIPT_EXTENSION)
        return;
    if (k == PGK_CreateTransformStmt && bool_field(f, PGF_replace)) {
        char *type = joined_name(field(field(f, PGF_type_name), PGF_names));
        const char *lang = str_field(f, PGF_lang);
        lint_report(c, RULE_CREATE_OR_REPLACE_FOREIGN, at(c, -1),
                    "CREATE OR REPLACE TRANSFORM FOR %s LANGUAGE %s in an extension script: a "
                    "transform that exists is replaced without a word; CREATE TRANSFORM fails "
                    "instead",
                    type, lang ? lang : "?");
        free(type);
    } else if (k == PGK_CreateForeignServerStmt && bool_field(f, PGF_if_not_exists)) {
        const char *name = str_field(f, PGF_servername);
        lint_report(c, RULE_CREATE_OR_REPLACE_FOREIGN, at(c, -1),
                    "CREATE SERVER IF NOT EXISTS %s in an extension script: a server someone "
                    "else created first (any role with USAGE on the foreign-data wrapper can) "
                    "is silently kept, with its owner, options and user mappings",
                    name ? name : "?");
    }
}

/* The statement's settings outside bodies and function clauses. */
static void check_settings(lint_ctx *c)
{
    for (size_t i = 0; i < c->f->nsettings; i++) {
        const setting_ref *s = &c->f->settings[i];
        if (s->unit != c->unit || s->body >= 0)
            continue;
        if (s->scope == SCOPE_SESSION)
            check_setting(c, s, false, false, "SET");
        else if (s->scope == SCOPE_ROLE_DB)
            check_setting(c, s, false, false, "ALTER ROLE or DATABASE ... SET");
    }
}

static void check_alter_function(lint_ctx *c, sec_state *ss, const cJSON *f)
{
    const cJSON *func = field(f, PGF_func);
    char *fname = joined_name(field(func, PGF_objname));
    char *what = xasprintf("ALTER FUNCTION %s", fname);
    bool pins = false;
    for (size_t i = 0; i < c->f->nsettings; i++) {
        const setting_ref *s = &c->f->settings[i];
        if (s->unit != c->unit || s->scope != SCOPE_FUNCTION || s->body >= 0)
            continue;
        check_setting(c, s, true, false, what);
        pins |= s->name && strcmp(s->name, "search_path") == 0 &&
                (s->how == SETTING_VALUE || s->how == SETTING_CURRENT);
    }
    if (pins)
        keep_name(&ss->pinned, list_qname(field(func, PGF_objname)));
    free(what);
    free(fname);
}

static void check_unit(lint_ctx *c, sec_state *ss, pg_kind k, const cJSON *f)
{
    switch (k) {
    case PGK_CreateFunctionStmt:
        check_function(c, ss, f);
        return;
    case PGK_AlterFunctionStmt:
        check_alter_function(c, ss, f);
        return;
    case PGK_DoStmt:
        check_bodies(c, ss, "DO block", "");
        check_nested_functions(c);
        return;
    default:
        check_settings(c);
        break;
    }
    bool replace = bool_field(f, PGF_replace), ine = bool_field(f, PGF_if_not_exists);
    switch (k) {
    case PGK_ViewStmt:
        if (replace)
            foreign_relation(c, true, "CREATE OR REPLACE VIEW", field(f, PGF_view), NULL);
        break;
    case PGK_CreateTrigStmt:
    case PGK_RuleStmt:
        if (k == PGK_CreateTrigStmt)
            remember_transitions(ss, f);
        if (replace) {
            bool trig = k == PGK_CreateTrigStmt;
            const char *on = str_field(f, trig ? PGF_trigname : PGF_rulename);
            char *tn = rangevar_name(field(f, PGF_relation));
            char *name = xasprintf("%s ON %s", on ? on : "?", tn);
            foreign_relation(c, true, trig ? "CREATE OR REPLACE TRIGGER" : "CREATE OR REPLACE RULE",
                             field(f, PGF_relation), name);
            free(name);
            free(tn);
        }
        break;
    case PGK_DefineStmt:
        if (replace || ine) {
            char *what = xasprintf(replace ? "CREATE OR REPLACE %s" : "CREATE %s IF NOT EXISTS",
                                   object_kind_word(str_field(f, PGF_kind)));
            foreign_list(c, replace, what, field(f, PGF_defnames));
            free(what);
        }
        break;
    case PGK_CreateStmt:
        if (ine)
            foreign_relation(c, false, "CREATE TABLE IF NOT EXISTS", field(f, PGF_relation), NULL);
        break;
    case PGK_CreateForeignTableStmt:
        if (bool_field(field(f, PGF_base), PGF_if_not_exists))
            foreign_relation(c, false, "CREATE FOREIGN TABLE IF NOT EXISTS",
                             field(field(f, PGF_base), PGF_relation), NULL);
        break;
    case PGK_IndexStmt:
        if (ine) { /* an index lives in its table's schema */
            const char *idx = str_field(f, PGF_idxname);
            char *tn = rangevar_name(field(f, PGF_relation));
            char *name = xasprintf("%s ON %s", idx ? idx : "?", tn);
            foreign_relation(c, false, "CREATE INDEX IF NOT EXISTS", field(f, PGF_relation), name);
            free(name);
            free(tn);
        }
        break;
    case PGK_CreateSeqStmt:
        if (ine)
            foreign_relation(c, false, "CREATE SEQUENCE IF NOT EXISTS", field(f, PGF_sequence),
                             NULL);
        break;
    case PGK_CreateTableAsStmt:
        if (ine)
            foreign_relation(c, false,
                             str_is(str_field(f, PGF_objtype), "OBJECT_MATVIEW")
                                 ? "CREATE MATERIALIZED VIEW IF NOT EXISTS"
                                 : "CREATE TABLE IF NOT EXISTS",
                             field(field(f, PGF_into), PGF_rel), NULL);
        break;
    case PGK_CreateStatsStmt:
        if (ine) {
            const cJSON *names = field(f, PGF_defnames);
            /* statistics named without a schema go to their table's schema */
            if (cJSON_GetArraySize(names) >= 2) {
                foreign_list(c, false, "CREATE STATISTICS IF NOT EXISTS", names);
            } else {
                const cJSON *rv =
                    field(cJSON_GetArrayItem(field(f, PGF_relations), 0), PGN_RangeVar);
                char *sn = joined_name(names);
                foreign_relation(c, false, "CREATE STATISTICS IF NOT EXISTS", rv, sn);
                free(sn);
            }
        }
        break;
    case PGK_CreateSchemaStmt:
        check_schema(c, f);
        break;
    case PGK_CreateTransformStmt:
    case PGK_CreateForeignServerStmt:
        check_unschemaed(c, k, f);
        break;
    case PGK_GrantStmt:
        track_schema_grant(c, ss, f);
        break;
    case PGK_CreateExtensionStmt:
        check_extension(c, f);
        break;
    case PGK_CreatePolicyStmt:
        check_policy(c, ss, f, true);
        remember_policy(ss, f);
        break;
    case PGK_AlterPolicyStmt:
        check_policy(c, ss, f, false);
        break;
    case PGK_AlterTableStmt:
        check_alter_table(c, ss, f);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ the module */

static void *security_begin(lint_ctx *c)
{
    sec_state *ss = xcalloc(1, sizeof(sec_state));
    /* PostgreSQL 15 took CREATE on public from PUBLIC */
    ss->public_open = c->cfg && c->cfg->pg_version > 0 && c->cfg->pg_version < 15;
    return ss;
}

static void security_unit(lint_ctx *c, void *state)
{
    const unit_info *u = &c->f->units[c->unit];
    check_unit(c, state, (pg_kind)u->kind, u->node);
}

/* Keeps the findings of from whose name is not in drop (names: one per finding). */
static void keep_unless(lint_ctx *c, finding_list *from, const kept_names *names,
                        const kept_names *drop)
{
    finding_list keep = {0};
    for (size_t i = 0; i < from->count; i++) {
        const kept_name *k = &names->items[i];
        if (kept_has(drop, (qname){k->schema, k->name}))
            continue;
        GROW(keep.items, keep.cap, keep.count + 1);
        keep.items[keep.count++] = from->items[i];
        memset(&from->items[i], 0, sizeof(finding));
    }
    lint_keep(c, &keep);
}

static void security_end(lint_ctx *c, void *state)
{
    sec_state *ss = state;
    keep_unless(c, &ss->no_policy, &ss->no_policy_tables, &ss->policy_tables);
    keep_unless(c, &ss->unpinned, &ss->unpinned_functions, &ss->pinned);
    finding_list keep = {0};
    for (size_t i = 0; i < ss->trigger_unqualified.count; i++) {
        if (is_transition_of(ss, &ss->trigger_uses[i]))
            continue;
        GROW(keep.items, keep.cap, keep.count + 1);
        keep.items[keep.count++] = ss->trigger_unqualified.items[i];
        memset(&ss->trigger_unqualified.items[i], 0, sizeof(finding));
    }
    lint_keep(c, &keep);
}

static void security_free(void *state)
{
    sec_state *ss = state;
    for (size_t i = 0; i < ss->npolicies; i++) {
        free(ss->policies[i].table.schema);
        free(ss->policies[i].table.name);
        free(ss->policies[i].name);
    }
    free(ss->policies);
    kept_free(&ss->policy_tables);
    kept_free(&ss->pinned);
    kept_free(&ss->no_policy_tables);
    kept_free(&ss->unpinned_functions);
    kept_free(&ss->open_schemas);
    finding_list_free(&ss->no_policy);
    finding_list_free(&ss->unpinned);
    free_function_relations(ss->trigger_uses, ss->trigger_unqualified.count);
    free_function_relations(ss->transitions, ss->ntransitions);
    finding_list_free(&ss->trigger_unqualified);
    free(ss);
}

const lint_checker security_checker = {.begin = security_begin,
                                       .unit = security_unit,
                                       .end = security_end,
                                       .free = security_free};

