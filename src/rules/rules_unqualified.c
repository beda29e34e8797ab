/*
 * rules_unqualified.c: names an extension script leaves to a search_path it does
 * not pin (rules/<id>.md defines each; pgspot's PS001, PS009, PS016, PS017, and
 * the names DDL binds, which pgspot does not check):
 *
 *   unqualified-function   a function or procedure called without a schema
 *   unqualified-operator   an operator without a schema, the = of a simple CASE,
 *                          of IN (subquery), of JOIN USING and NATURAL JOIN
 *   unqualified-reference  a relation or a cast's type without a schema, an object
 *                          CREATE OPERATOR, AGGREGATE, TYPE, ... creates without one
 *   unqualified-in-definition  a function, operator or type CREATE OPERATOR,
 *                          AGGREGATE, TYPE or TRIGGER names without a schema (bound
 *                          to what the lookup finds; beyond pgspot)
 *
 * where the search_path the name is looked up with (analyze/facts.h: the session's
 * at top level and at the start of a DO block, a function's SET clause or its
 * caller's, and each SET in a body from there on) is not pinned to trusted schemas
 * for that kind of name (analyze/session.h: session_path_untrusted). Only in an
 * extension script (check.h: SCRIPT_EXTENSION), as pgspot: in ordinary migrations
 * unqualified-in-security-definer (rules_security.c) covers the bodies that run
 * with another role's privileges. One finding per rule and body (or statement),
 * naming what it found, at the first of them.
 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "rules/checks.h"

/* Names listed in one finding; the rest are counted. */
#define MAX_LISTED 4

/* The schema @extschema@ stands for in an extension script: trusted like one the
   script created (unsafe-search-path trusts it the same way). */
static const char *ext_schema(const lint_ctx *c)
{
    return c->s ? c->s->extschema : NULL;
}

/* What one finding collects: the names of one rule in one body (or statement). */
typedef struct group {
    rule_id rule;
    int body;               /* -1: the statement's own tree */
    char **names;           /* distinct, as shown ("format()", "relation foo") */
    size_t n, cap;
    long location;          /* of the first */
    char *why;              /* why the first one's search_path is not pinned */
    bool simple_case;       /* an = of a simple CASE among them */
    const char *statement;  /* unqualified-in-definition: "CREATE OPERATOR", ... */
} group;

typedef struct groups {
    group *items;
    size_t n, cap;
} groups;

static group *group_for(groups *gs, rule_id rule, int body)
{
    for (size_t i = 0; i < gs->n; i++)
        if (gs->items[i].rule == rule && gs->items[i].body == body)
            return &gs->items[i];
    GROW(gs->items, gs->cap, gs->n + 1);
    group *g = &gs->items[gs->n++];
    memset(g, 0, sizeof(*g));
    g->rule = rule;
    g->body = body;
    g->location = -1;
    return g;
}

/* Why the search_path name is looked up with (path: a ref's) is not pinned for kind,
   or NULL when it is (malloc'd). */
static char *unpinned(const lint_ctx *c, int path, lookup_kind kind)
{
    size_t n;
    const char *why;
    const char *const *elts = session_lookup_path(c->sess, c->f, path, &n, &why);
    if (!elts)
        return xstrdup(why ? why : "search_path is not known");
    char *untrusted = session_path_untrusted(c->sess, elts, n, kind, true, ext_schema(c));
    /* the session's own, never set: CREATE EXTENSION's, whose first schema is the one
       the extension is installed in, often public */
    if (untrusted && path < 0 && session_setting(c->sess, "search_path").is_default) {
        free(untrusted);
        return xstrdup("the script does not set it: CREATE EXTENSION puts the install "
                       "schema first, often public");
    }
    return untrusted;
}

/* Adds name (shown as text) to its group when its search_path is not pinned;
   whether it did. */
static bool add(const lint_ctx *c, groups *gs, rule_id rule, int body, int path,
                lookup_kind kind, const char *text, long loc)
{
    char *why = unpinned(c, path, kind);
    if (!why)
        return false;
    group *g = group_for(gs, rule, body);
    if (kind == LOOKUP_OPERATOR && strstr(text, "(simple CASE)"))
        g->simple_case = true;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->names[i], text) == 0) {
            free(why);
            return true;
        }
    GROW(g->names, g->cap, g->n + 1);
    g->names[g->n++] = xstrdup(text);
    if (!g->why) {
        g->why = why;
        g->location = loc;
    } else {
        free(why);
    }
    return true;
}

/* "a(), b() and 3 more" */
static char *name_list(const group *g)
{
    strbuf sb = {0};
    sb_adds(&sb, "");
    size_t shown = g->n > MAX_LISTED ? MAX_LISTED - 1 : g->n;
    for (size_t i = 0; i < shown; i++)
        sb_addf(&sb, "%s%s", i == 0 ? "" : i + 1 == g->n ? " and " : ", ", g->names[i]);
    if (shown < g->n)
        sb_addf(&sb, " and %zu more", g->n - shown);
    return sb_detach(&sb, NULL);
}

/* " in function s.f's body", " in a DO block", or "" (the statement itself). */
static char *where(const lint_ctx *c, int body)
{
    if (body < 0)
        return xstrdup("");
    const body_info *b = &c->f->bodies[body];
    if (b->is_do)
        return xstrdup(" in a DO block");
    char *name = dotted_name(field(b->node, PGF_funcname));
    char *w = xasprintf(" in %s %s's body",
                        bool_field(b->node, PGF_is_procedure) ? "procedure" : "function",
                        name ? name : "?");
    free(name);
    return w;
}

static void report(lint_ctx *c, group *g)
{
    char *names = name_list(g);
    char *in = where(c, g->body);
    bool many = g->n > 1;
    switch (g->rule) {
    case RULE_UNQUALIFIED_FUNCTION:
        lint_report(c, g->rule, g->location,
                    "%s %s %s without a schema%s while search_path is not pinned (%s): a "
                    "better-fitting function of that name in a schema others can create in "
                    "would run instead; qualify %s or pin search_path",
                    many ? "functions" : "function", names, many ? "are used" : "is used",
                    in, g->why, many ? "them" : "it");
        break;
    case RULE_UNQUALIFIED_OPERATOR:
        lint_report(c, g->rule, g->location,
                    "%s %s %s without a schema%s while search_path is not pinned (%s): a "
                    "better-fitting operator of that name in a schema others can create in "
                    "would run instead; write OPERATOR(pg_catalog.op)%s or pin search_path",
                    many ? "operators" : "operator", names, many ? "are used" : "is used", in,
                    g->why, g->simple_case ? ", CASE WHEN x = v instead of CASE x WHEN v," : "");
        break;
    case RULE_UNQUALIFIED_IN_DEFINITION:
        lint_report(c, g->rule, g->location,
                    "%s names %s without a schema%s while search_path is not pinned (%s): the "
                    "new object is bound to whatever the lookup finds, which may be another "
                    "role's; qualify %s or pin search_path",
                    g->statement ? g->statement : "the statement", names, in, g->why,
                    many ? "them" : "it");
        break;
    default:
        lint_report(c, g->rule, g->location,
                    "%s %s without a schema%s while search_path is not pinned (%s): an object "
                    "of that name in pg_temp or in a schema others can create in would be used "
                    "instead; qualify %s or pin search_path with pg_temp last",
                    names, many ? "are named" : "is named", in, g->why, many ? "them" : "it");
        break;
    }
    free(in);
    free(names);
}

static void groups_free(groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        for (size_t k = 0; k < gs->items[i].n; k++)
            free(gs->items[i].names[k]);
        free(gs->items[i].names);
        free(gs->items[i].why);
    }
    free(gs->items);
}

/* The object CREATE OPERATOR, AGGREGATE, TYPE, COLLATION, TEXT SEARCH ... creates:
   without a schema it lands in the first schema of search_path. */
static void defined_name(const lint_ctx *c, groups *gs, const unit_info *u)
{
    if ((pg_kind)u->kind != PGK_DefineStmt)
        return;
    const cJSON *names = field(u->node, PGF_defnames);
    if (cJSON_GetArraySize(names) != 1)
        return;
    const char *name = list_str(names, 0);
    char *text = xasprintf("%s (created)", name ? name : "?");
    add(c, gs, RULE_UNQUALIFIED_REFERENCE, -1, -1, LOOKUP_RELATION, text, (long)u->offset);
    free(text);
}

static void unqualified_unit(lint_ctx *c, void *state)
{
    (void)state;
    stmt_facts *f = c->f;
    if (lint_script_kind(c->s) != SCRIPT_EXTENSION || f->unparsed)
        return;
    for (size_t i = 0; i < f->nbodies; i++) /* parsing may add nested bodies */
        if (f->bodies[i].unit == c->unit)
            facts_body(f, i);
    groups gs = {0};
    defined_name(c, &gs, &f->units[c->unit]);
    /* relations and calls in the order the walk found them, then the other lookups */
    size_t ri = 0, ci = 0;
    while (ri < f->nrels || ci < f->ncalls) {
        bool take_rel = ci >= f->ncalls || (ri < f->nrels && f->rels[ri].seq < f->calls[ci].seq);
        if (take_rel) {
            const rel_ref *r = &f->rels[ri++];
            /* (names the walk records without a place are not written as relations
               here: a function's or type's own name, what psql variables carry) */
            if (r->unit != c->unit || r->qualified || !r->name || r->temp || r->location < 0)
                continue;
            char *text = xasprintf("relation %s", r->name);
            add(c, &gs, RULE_UNQUALIFIED_REFERENCE, r->body, r->path, LOOKUP_RELATION, text,
                r->location);
            free(text);
        } else {
            const call_ref *k = &f->calls[ci++];
            if (k->unit != c->unit || k->schema || k->op || strchr(k->display, '.'))
                continue;
            char *text = xasprintf("%s()", k->name);
            add(c, &gs, RULE_UNQUALIFIED_FUNCTION, k->body, k->path, LOOKUP_FUNCTION, text,
                k->location);
            free(text);
        }
    }
    for (size_t i = 0; i < f->npath_refs; i++) {
        const path_ref *p = &f->path_refs[i];
        if (p->unit != c->unit || (p->context && strcmp(p->context, "column definition") == 0))
            continue;
        /* what DDL binds is looked up once, when the statement runs */
        bool binding = p->context && strncmp(p->context, "CREATE ", 7) == 0;
        rule_id rule = binding                      ? RULE_UNQUALIFIED_IN_DEFINITION
                       : p->kind == LOOKUP_FUNCTION ? RULE_UNQUALIFIED_FUNCTION
                       : p->kind == LOOKUP_OPERATOR ? RULE_UNQUALIFIED_OPERATOR
                                                    : RULE_UNQUALIFIED_REFERENCE;
        char *text = p->kind == LOOKUP_FUNCTION ? xasprintf("%s()", p->name)
                     : p->kind == LOOKUP_TYPE   ? xasprintf("type %s", p->name)
                                                : xstrdup(p->name);
        if (p->context && !binding) {
            char *more = xasprintf("%s (%s)", text, p->context);
            free(text);
            text = more;
        }
        if (add(c, &gs, rule, p->body, p->path, p->kind, text, p->location) && binding)
            group_for(&gs, rule, p->body)->statement = p->context;
        free(text);
    }
    for (size_t i = 0; i < gs.n; i++)
        if (gs.items[i].n)
            report(c, &gs.items[i]);
    groups_free(&gs);
}

const lint_checker unqualified_checker = {.unit = unqualified_unit};
