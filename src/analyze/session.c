/*
 * session.c: the session a script runs in, advanced unit by unit; see session.h.
 *
 * Settings follow PostgreSQL's GUC rules: each has a value that lasts (SET) and
 * may have one that ends with the transaction (SET LOCAL); a transaction or a
 * savepoint starts a frame holding a copy of every setting, which ROLLBACK (to the
 * transaction's frame) or ROLLBACK TO (to the savepoint's) restores.
 */
#include "analyze/session.h"

#include <stdlib.h>
#include <string.h>

#include "analyze/walker.h"
#include "base/util.h"

typedef struct value {
    char **elts;
    size_t n;
    bool is_default;
    bool known;
} value;

typedef struct guc {
    char *name;
    value val;          /* what lasts */
    bool has_local;
    value local;        /* SET LOCAL: until the transaction ends */
} guc;

typedef struct gucs {
    guc *items;
    size_t n, cap;
} gucs;

typedef struct frame {
    char *savepoint;    /* NULL: the transaction's own frame */
    size_t nobjects;    /* objects created before it: a rollback undoes the rest */
    gucs saved;
} frame;

typedef struct created {
    obj_kind kind;
    char *schema;       /* as written, NULL: unqualified */
    char *name;
    unsigned flags;
    char *args;         /* a routine's signature (obj_ref.args), or NULL */
    char *path;         /* the search_path it was created under (NULL: unknown): a
                           later unqualified name, or a routine's parameter types, mean
                           the same only under the same path */
    size_t nschemas;    /* schemas created before it (one created later can come
                           first on that path) */
    bool gone;          /* dropped, renamed or rolled back since */
} created;

typedef struct rel_set {
    rel_ref *items;
    size_t n, cap;
} rel_set;

struct session {
    bool marked_src;    /* the current statement's file runs outside a transaction
                           (a directive, or the runner's model) */
    const txn_directive *directive; /* ... the directive, if that is why */
    bool autocommit;    /* the runner runs no file in a transaction of its own */
    bool bundled;       /* side-file directives do not count */
    const char *directive_runner; /* only this runner's directives count (NULL: all) */
    const source *src_seen[8];
    const txn_directive *src_directive[8];
    size_t nsrc_seen;
    bool controls;      /* a transaction control statement was run */
    bool in_block;
    stmt_anchor block_start;
    unsigned long generation;
    gucs settings;
    frame *frames;
    size_t nframes, capframes;
    created *objects;
    size_t nobjects, capobjects;
    char **slotless;
    size_t nslotless, capslotless;
    rel_set gset_reads, declared_reads;
    char **portals;          /* prepared statements and cursors the script made */
    size_t nportals, capportals;
    rel_set result_reads;    /* what every statement so far read (psql's ROW_COUNT,
                                ERROR, ... and \if branches can carry it) */
    char **base_path;        /* search_path before the script sets one (NULL: the
                                server's default, "$user", public) */
    size_t nbase_path;
};

static const char *const server_default_path[] = {"$user", "public"};

/* ------------------------------------------------------------------ values */

static value value_copy(const value *v)
{
    value c = *v;
    c.elts = v->n ? xmalloc(v->n * sizeof(char *)) : NULL;
    for (size_t i = 0; i < v->n; i++)
        c.elts[i] = xstrdup(v->elts[i]);
    return c;
}

static void value_free(value *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->elts[i]);
    free(v->elts);
    memset(v, 0, sizeof(*v));
}

static void gucs_free(gucs *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->items[i].name);
        value_free(&g->items[i].val);
        value_free(&g->items[i].local);
    }
    free(g->items);
    memset(g, 0, sizeof(*g));
}

static gucs gucs_copy(const gucs *g)
{
    gucs c = {0};
    GROW(c.items, c.cap, g->n ? g->n : 1);
    for (size_t i = 0; i < g->n; i++) {
        c.items[i].name = xstrdup(g->items[i].name);
        c.items[i].val = value_copy(&g->items[i].val);
        c.items[i].has_local = g->items[i].has_local;
        c.items[i].local = value_copy(&g->items[i].local);
    }
    c.n = g->n;
    return c;
}

static guc *find_guc(const gucs *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->items[i].name, name) == 0)
            return &g->items[i];
    return NULL;
}

static guc *get_guc(gucs *g, const char *name)
{
    guc *x = find_guc(g, name);
    if (x)
        return x;
    GROW(g->items, g->cap, g->n + 1);
    x = &g->items[g->n++];
    memset(x, 0, sizeof(*x));
    x->name = xstrdup(name);
    x->val.is_default = x->val.known = true;
    return x;
}

/* ------------------------------------------------------------------ transactions */

static bool in_transaction(const session *s)
{
    return s->in_block || (!s->marked_src && !s->controls);
}

static void push_frame(session *s, const char *savepoint)
{
    GROW(s->frames, s->capframes, s->nframes + 1);
    frame *fr = &s->frames[s->nframes++];
    fr->savepoint = savepoint ? xstrdup(savepoint) : NULL;
    fr->saved = gucs_copy(&s->settings);
    fr->nobjects = s->nobjects;
}

/* A rollback to frame fr: what was created since does not exist (and another role
   may create it now). */
static void undo_created(session *s, const frame *fr)
{
    for (size_t i = fr->nobjects; i < s->nobjects; i++)
        s->objects[i].gone = true;
}

static void pop_frames(session *s, size_t keep)
{
    while (s->nframes > keep) {
        frame *fr = &s->frames[--s->nframes];
        free(fr->savepoint);
        gucs_free(&fr->saved);
    }
}

/* The transaction ends: SET LOCAL values go; ROLLBACK restores what was before it. */
static void end_transaction(session *s, bool commit)
{
    if (!commit && s->nframes > 0) {
        gucs_free(&s->settings);
        s->settings = gucs_copy(&s->frames[0].saved);
        undo_created(s, &s->frames[0]);
    }
    for (size_t i = 0; i < s->settings.n; i++) {
        guc *g = &s->settings.items[i];
        value_free(&g->local);
        g->has_local = false;
    }
    pop_frames(s, 0);
    s->generation++;
}

/* Whether the current statement runs in the transaction apply wraps its file in. */
static bool implicit(const session *s)
{
    return !s->in_block && !s->marked_src && !s->controls;
}

/* A transaction has a frame to roll back to (the wrapper's starts with its first use). */
static void ensure_frame(session *s)
{
    if (in_transaction(s) && s->nframes == 0)
        push_frame(s, NULL);
}

static void begin_block(session *s, const stmt_facts *f)
{
    push_frame(s, NULL);
    s->in_block = true;
    s->block_start = (stmt_anchor){f->st->src, f->st->offset, f->st->line};
    s->generation++;
}

static void transaction(session *s, const stmt_facts *f, const unit_info *u)
{
    switch (u->txn) {
    case TXN_BEGIN:
        if (s->in_block)
            break; /* inside one, PostgreSQL only warns */
        /* the file controls its transactions: from here on it is read as psql runs
           it, and what ran before counts as committed */
        if (implicit(s))
            end_transaction(s, true);
        s->controls = true;
        begin_block(s, f);
        break;
    case TXN_COMMIT:
    case TXN_PREPARE:
    case TXN_ROLLBACK:
        if (s->in_block) {
            end_transaction(s, u->txn != TXN_ROLLBACK);
            s->in_block = false;
            if (u->chain && u->txn != TXN_PREPARE) {
                stmt_anchor start = s->block_start;
                begin_block(s, f);
                s->block_start = start; /* the same block goes on */
            }
        } else if (implicit(s)) {
            /* it ends the transaction apply runs the file in; the rest runs in another */
            end_transaction(s, u->txn != TXN_ROLLBACK);
        }
        break; /* outside any transaction, PostgreSQL only warns */
    case TXN_SAVEPOINT:
        if (in_transaction(s))
            push_frame(s, u->savepoint ? u->savepoint : "");
        break;
    case TXN_RELEASE:
    case TXN_ROLLBACK_TO:
        for (size_t i = s->nframes; in_transaction(s) && i-- > 1;) {
            if (!s->frames[i].savepoint || !u->savepoint ||
                strcmp(s->frames[i].savepoint, u->savepoint) != 0)
                continue;
            if (u->txn == TXN_RELEASE) {
                pop_frames(s, i);
            } else {
                gucs_free(&s->settings);
                s->settings = gucs_copy(&s->frames[i].saved);
                undo_created(s, &s->frames[i]);
                pop_frames(s, i + 1);
            }
            break;
        }
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ settings */

static value make_value(const setting_ref *r)
{
    value v = {.known = r->known};
    if (r->how == SETTING_DEFAULT) {
        v.is_default = true;
        return v;
    }
    v.n = r->nvalues;
    v.elts = v.n ? xmalloc(v.n * sizeof(char *)) : NULL;
    for (size_t i = 0; i < v.n; i++)
        v.elts[i] = xstrdup(r->values[i]);
    return v;
}

static void reset_all(session *s)
{
    for (size_t i = 0; i < s->settings.n; i++) {
        guc *g = &s->settings.items[i];
        value_free(&g->val);
        value_free(&g->local);
        g->has_local = false;
        g->val.is_default = g->val.known = true;
    }
}

static void apply_setting(session *s, const setting_ref *r)
{
    if (r->scope != SCOPE_SESSION || r->how == SETTING_CURRENT)
        return;
    if (r->how == SETTING_RESET_ALL) {
        reset_all(s);
        return;
    }
    const char *name = r->name ? r->name : "search_path"; /* set_config of a name known
                                                             only at run time */
    bool local = r->local;
    if (local && !in_transaction(s))
        return; /* SET LOCAL outside a transaction changes nothing */
    guc *g = get_guc(&s->settings, name);
    value v = make_value(r);
    if (!r->name || (r->via_function && !r->certain))
        v.known = false; /* set_config(): not replayed (it may run in any branch), but
                            where it is all the statement does */
    if (local) {
        value_free(&g->local);
        g->local = v;
        g->has_local = true;
    } else {
        value_free(&g->val);
        g->val = v;
        value_free(&g->local);
        g->has_local = false;
    }
}

/* Whether body b runs while its statement does: a DO block, in DO blocks only. */
static bool runs_now(const stmt_facts *f, int b)
{
    for (int guard = 0; b >= 0 && (size_t)b < f->nbodies && guard < 64; guard++) {
        if (!f->bodies[b].is_do)
            return false;
        b = f->bodies[b].parent;
    }
    return b < 0;
}

/*
 * search_path as a DO block changes it (SET, RESET, set_config() in its body): it lasts
 * after the block as a SET at the top level would, but the body's branches and
 * loops are not followed, so what it leaves is unknown (only analysed bodies'
 * settings are seen: the rules parse DO blocks, the gate every body).
 */
static void body_setting(session *s, const setting_ref *r)
{
    if (r->scope != SCOPE_BODY || (r->name && strcmp(r->name, "search_path") != 0))
        return; /* (search_path only: what the unqualified-name rules and the gate need) */
    guc *g = get_guc(&s->settings, "search_path");
    value v = {.known = false};
    if (r->local && in_transaction(s)) {
        value_free(&g->local);
        g->local = v;
        g->has_local = true;
    } else if (!r->local) {
        value_free(&g->val);
        g->val = v;
        value_free(&g->local);
        g->has_local = false;
    }
}

setting_value session_setting(const session *s, const char *name)
{
    const guc *g = find_guc(&s->settings, name);
    if (!g)
        return (setting_value){.is_default = true, .known = true};
    const value *v = g->has_local ? &g->local : &g->val;
    return (setting_value){(const char *const *)v->elts, v->n, v->is_default, v->known};
}

static const char *const *base_path(const session *s, size_t *n)
{
    if (s->base_path) {
        *n = s->nbase_path;
        return (const char *const *)s->base_path;
    }
    *n = ARRAY_SIZE(server_default_path);
    return server_default_path;
}

const char *const *session_search_path(const session *s, size_t *n)
{
    setting_value v = session_setting(s, "search_path");
    if (!v.known) {
        *n = 0;
        return NULL;
    }
    if (v.is_default)
        return base_path(s, n);
    *n = v.nelts;
    return v.elts;
}

const char *session_default_schema(const session *s)
{
    setting_value v = session_setting(s, "search_path");
    size_t n = v.nelts;
    const char *const *elts = v.is_default ? base_path(s, &n) : v.elts;
    for (size_t i = 0; i < n; i++)
        if (strcmp(elts[i], "$user") != 0 && strcmp(elts[i], "pg_catalog") != 0 &&
            strcmp(elts[i], "pg_temp") != 0)
            return elts[i];
    return "public";
}

bool session_catalog_searched_first(const session *s)
{
    size_t n;
    const char *const *elts = session_search_path(s, &n);
    if (!elts)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(elts[i], "pg_catalog") == 0)
            return true;
        if (strcmp(elts[i], "pg_temp") != 0 && strcmp(elts[i], "information_schema") != 0)
            break;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(elts[i], "pg_catalog") == 0)
            return false; /* listed after another schema */
    return true;
}

bool session_search_path_ambiguous(const session *s)
{
    size_t n;
    const char *const *elts = session_search_path(s, &n);
    if (!elts)
        return true;
    size_t schemas = 0;
    for (size_t i = 0; i < n; i++)
        schemas += strcmp(elts[i], "pg_catalog") != 0 && strcmp(elts[i], "pg_temp") != 0;
    return schemas > 1;
}

const char *const *session_lookup_path(const session *s, const stmt_facts *f, int path,
                                       size_t *n, const char **why)
{
    *n = 0;
    *why = NULL;
    if (path < 0 || (size_t)path >= f->npaths) {
        const char *const *elts = session_search_path(s, n);
        if (!elts)
            *why = "search_path is set to a value pgward cannot see";
        return elts;
    }
    const search_path_state *p = &f->paths[path];
    if (!p->known) {
        *why = p->unknown_why;
        return NULL;
    }
    *n = p->nelts;
    return p->elts;
}

char *session_path_untrusted(const session *s, const char *const *elts, size_t n,
                             lookup_kind kind, bool extension, const char *extschema)
{
    bool temp_searched = kind == LOOKUP_RELATION || kind == LOOKUP_TYPE;
    bool temp_listed = false;
    for (size_t i = 0; i < n; i++) {
        const char *e = elts[i];
        if (temp_searched && temp_listed)
            return xasprintf("it lists pg_temp before %s%s%s", e[0] ? "\"" : "''", e,
                             e[0] ? "\"" : "");
        if (strcmp(e, "pg_temp") == 0) {
            temp_listed = true;
            continue;
        }
        if (strcmp(e, "pg_catalog") == 0 || e[0] == '\0') /* '' names no schema */
            continue;
        if (strcmp(e, "$user") == 0)
            return xstrdup("it contains \"$user\", a schema the role running it may own");
        if (strcmp(e, "public") == 0 && !(extension && session_schema_created(s, e)))
            return xstrdup("it contains public, where other roles may be able to create "
                           "objects");
        if (extension && !session_schema_created(s, e) &&
            !(extschema && strcmp(e, extschema) == 0))
            return xasprintf("schema %s on it was not created by this extension script", e);
    }
    if (temp_searched && !temp_listed)
        return xstrdup("it does not list pg_temp, so the temporary schema is searched first");
    return NULL;
}

bool session_setting_nonzero(const session *s, const char *name)
{
    setting_value v = session_setting(s, name);
    if (v.is_default)
        return false;
    if (v.nelts == 0)
        return !v.known;
    return strcmp(v.elts[0], "0") != 0;
}

/* ------------------------------------------------------------------ objects */

/* search_path in force as one string (NULL: unknown), malloc'd. */
static char *path_key(const session *s)
{
    size_t n;
    const char *const *elts = session_search_path(s, &n);
    if (!elts)
        return NULL;
    strbuf sb = {0};
    sb_adds(&sb, "");
    for (size_t i = 0; i < n; i++)
        sb_addf(&sb, "%s\"%s\"", i ? "," : "", elts[i]);
    return sb_detach(&sb, NULL);
}

static size_t count_schemas(const session *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->nobjects; i++)
        n += s->objects[i].kind == OBJ_SCHEMA;
    return n;
}

static void remember(session *s, obj_kind kind, const char *schema, const char *name,
                     unsigned flags, const char *args)
{
    if (!name)
        return;
    GROW(s->objects, s->capobjects, s->nobjects + 1);
    s->objects[s->nobjects] = (created){kind,
                                        schema ? xstrdup(schema) : NULL,
                                        xstrdup(name),
                                        flags,
                                        args ? xstrdup(args) : NULL,
                                        path_key(s),
                                        count_schemas(s),
                                        false};
    s->nobjects++;
}

bool session_created(const session *s, unsigned mask, qname name)
{
    for (size_t i = 0; i < s->nobjects; i++) {
        const created *c = &s->objects[i];
        if ((mask & (1u << c->kind)) && qname_match((qname){c->schema, c->name}, name))
            return true;
    }
    return false;
}

bool session_created_plainly(const session *s, unsigned mask, qname name, const char *args)
{
    if (!name.name)
        return false;
    /* types in a signature are names too (int4 is pg_catalog's through the path) */
    bool same_path = !name.schema || (args && strcmp(args, "()") != 0);
    char *path = same_path ? path_key(s) : NULL;
    size_t nschemas = count_schemas(s);
    bool found = false;
    for (size_t i = 0; i < s->nobjects && !found; i++) {
        const created *c = &s->objects[i];
        if (!(mask & (1u << c->kind)) || c->gone ||
            (c->flags & (OBJF_IF_NOT_EXISTS | OBJF_OR_REPLACE | OBJF_TEMP)) ||
            strcmp(c->name, name.name) != 0 || !c->schema != !name.schema ||
            (name.schema && strcmp(c->schema, name.schema) != 0) || !c->args != !args ||
            (args && strcmp(c->args, args) != 0))
            continue;
        /* unqualified both times: the same schema only under the same search_path,
           with no schema created since that could now come first on it */
        found = !same_path || (path && c->path && strcmp(path, c->path) == 0 &&
                               c->nschemas == nschemas);
    }
    free(path);
    return found;
}

bool session_schema_created(const session *s, const char *schema)
{
    for (size_t i = 0; schema && i < s->nobjects; i++) {
        const created *c = &s->objects[i];
        if (c->kind == OBJ_SCHEMA && !(c->flags & OBJF_IF_NOT_EXISTS) &&
            strcmp(c->name, schema) == 0)
            return true;
    }
    return false;
}

bool session_subscription_slotless(const session *s, const char *name)
{
    return str_list_has(s->slotless, s->nslotless, name);
}

/*
 * CREATE SUBSCRIPTION and ALTER SUBSCRIPTION ... SET (slot_name = ...): a
 * subscription created or set with slot_name = NONE has no slot; created without
 * it, or set to a name, it has one.
 */
static void track_slot(session *s, const obj_ref *o)
{
    const char *name = o->name.name;
    const cJSON *d = find_option(field(o->node, PGF_options), "slot_name");
    if (!name || (!d && o->action != OBJ_CREATE))
        return;
    const char *slot = d ? string_node(field(d, PGF_arg)) : NULL;
    bool none = slot && strcmp(slot, "none") == 0;
    str_set_put(&s->slotless, &s->nslotless, &s->capslotless, name, none);
}

static void track_object(session *s, const obj_ref *o)
{
    if (o->kind == OBJ_SUBSCRIPTION && o->action != OBJ_DROP)
        track_slot(s, o);
    /* whatever the script made under that name may be gone: another role could create
       it again (a DROP FUNCTION's argument types are not compared; a renamed column or
       constraint, OBJ_OTHER, leaves its table where it was) */
    if (o->action == OBJ_DROP || (o->action == OBJ_RENAME && o->kind != OBJ_OTHER)) {
        for (size_t i = 0; i < s->nobjects; i++)
            if (s->objects[i].kind != OBJ_SCHEMA &&
                qname_match((qname){s->objects[i].schema, s->objects[i].name}, o->name))
                s->objects[i].gone = true;
    }
    if (o->action == OBJ_CREATE) {
        remember(s, o->kind, o->name.schema, o->name.name, o->flags, o->args);
    } else if (o->action == OBJ_RENAME && o->new_name) {
        static const unsigned relations = 1u << OBJ_TABLE | 1u << OBJ_INDEX | 1u << OBJ_VIEW |
                                          1u << OBJ_MATVIEW;
        if ((relations & (1u << o->kind)) && session_created(s, relations, o->name))
            remember(s, o->kind, o->name.schema, o->new_name, 0, NULL);
    }
}

/* ------------------------------------------------------------------ variables */

static void rel_set_add(rel_set *set, const char *schema, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].schema, schema) == 0 &&
            ((!name && !set->items[i].name) ||
             (name && set->items[i].name && strcmp(set->items[i].name, name) == 0)))
            return;
    GROW(set->items, set->cap, set->n + 1);
    set->items[set->n++] = (rel_ref){.schema = xstrdup(schema),
                                     .name = name ? xstrdup(name) : NULL,
                                     .access = ACC_READ,
                                     .classes = CLASS_SELECT,
                                     .location = -1,
                                     .body = -1};
}

static void rel_set_free(rel_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free((char *)set->items[i].schema);
        free((char *)set->items[i].name);
    }
    free(set->items);
}

const rel_ref *session_result_reads(const session *s, size_t *n)
{
    *n = s->result_reads.n;
    return s->result_reads.items;
}

const rel_ref *session_gset_reads(const session *s, size_t *n)
{
    *n = s->gset_reads.n;
    return s->gset_reads.items;
}

/* What \gset variables carry: the data their statement read. */
static void track_variables(session *s, const stmt_facts *f, size_t u)
{
    pg_kind k = (pg_kind)f->units[u].kind;
    bool gset = f->st->end == END_GSET;
    bool declares = k == PGK_DeclareCursorStmt || k == PGK_PrepareStmt;
    for (size_t i = 0; i < f->nrels; i++) {
        const rel_ref *r = &f->rels[i];
        if (r->unit != u || !(r->access & ACC_READ))
            continue;
        rel_set_add(&s->result_reads, r->schema, NULL); /* the schema is what isolation asks */
        if (gset)
            rel_set_add(&s->gset_reads, r->schema, r->name);
        if (declares)
            rel_set_add(&s->declared_reads, r->schema, r->name);
    }
    /* a FETCH or EXECUTE \gset reads what any cursor or prepared statement so far reads */
    if (gset && (k == PGK_FetchStmt || k == PGK_ExecuteStmt))
        for (size_t i = 0; i < s->declared_reads.n; i++)
            rel_set_add(&s->gset_reads, s->declared_reads.items[i].schema,
                        s->declared_reads.items[i].name);
}

/* ------------------------------------------------------------------ API */

session *session_new(void)
{
    return xcalloc(1, sizeof(session));
}

void session_pin_search_path(session *s, const char *path)
{
    statement none = {0};
    stmt_facts *tmp = facts_new(&none);
    const char **elts;
    size_t n = facts_split_path(tmp, path, &elts);
    s->base_path = xmalloc((n ? n : 1) * sizeof(char *));
    for (size_t i = 0; i < n; i++)
        s->base_path[i] = xstrdup(elts[i]);
    s->nbase_path = n;
    facts_free(tmp);
}

void session_free(session *s)
{
    if (!s)
        return;
    gucs_free(&s->settings);
    for (size_t i = 0; i < s->nbase_path; i++)
        free(s->base_path[i]);
    free(s->base_path);
    pop_frames(s, 0);
    free(s->frames);
    for (size_t i = 0; i < s->nobjects; i++) {
        free(s->objects[i].schema);
        free(s->objects[i].name);
        free(s->objects[i].args);
        free(s->objects[i].path);
    }
    free(s->objects);
    for (size_t i = 0; i < s->nslotless; i++)
        free(s->slotless[i]);
    free(s->slotless);
    rel_set_free(&s->gset_reads);
    rel_set_free(&s->result_reads);
    for (size_t i = 0; i < s->nportals; i++)
        free(s->portals[i]);
    free(s->portals);
    rel_set_free(&s->declared_reads);
    free(s);
}

void session_enter(session *s, const statement *st)
{
    for (size_t i = 0; i < s->nsrc_seen; i++) {
        if (s->src_seen[i] == st->src) {
            s->directive = s->src_directive[i];
            s->marked_src = s->directive || s->autocommit;
            return;
        }
    }
    s->directive = source_txn_directive(st->src);
    if (s->directive && s->directive->side_file && s->bundled)
        s->directive = NULL;
    if (s->directive && s->directive_runner &&
        strcmp(s->directive->runner, s->directive_runner) != 0)
        s->directive = NULL; /* the runner does not read another's directive */
    s->marked_src = s->directive || s->autocommit;
    if (s->nsrc_seen < ARRAY_SIZE(s->src_seen)) {
        s->src_seen[s->nsrc_seen] = st->src;
        s->src_directive[s->nsrc_seen++] = s->directive;
    }
}

/* Prepared statements and cursors by name ("p:" and "c:" keep the two apart). */
static void track_portals(session *s, const unit_info *ui)
{
    pg_kind k = (pg_kind)ui->kind;
    const char *name = k == PGK_PrepareStmt         ? str_field(ui->node, PGF_name)
                       : k == PGK_DeclareCursorStmt ? str_field(ui->node, PGF_portalname)
                                                    : NULL;
    if (!name)
        return;
    char *key = xasprintf("%c:%s", k == PGK_PrepareStmt ? 'p' : 'c', name);
    str_set_put(&s->portals, &s->nportals, &s->capportals, key, true);
    free(key);
}

bool session_has_portal(const session *s, bool prepared, const char *name)
{
    for (size_t i = 0; name && i < s->nportals; i++)
        if (s->portals[i][0] == (prepared ? 'p' : 'c') && strcmp(s->portals[i] + 2, name) == 0)
            return true;
    return false;
}

void session_advance(session *s, const stmt_facts *f, size_t u)
{
    if (u >= f->nunits)
        return;
    const unit_info *ui = &f->units[u];
    ensure_frame(s);
    if (ui->txn != TXN_NONE)
        transaction(s, f, ui);
    for (size_t i = 0; i < f->nsettings; i++)
        if (f->settings[i].unit == u && f->settings[i].body < 0)
            apply_setting(s, &f->settings[i]);
        else if (f->settings[i].unit == u && runs_now(f, f->settings[i].body))
            body_setting(s, &f->settings[i]);
    for (size_t i = 0; i < f->nobjects; i++)
        if (f->objects[i].unit == u)
            track_object(s, &f->objects[i]);
    track_variables(s, f, u);
    track_portals(s, ui);
    /* outside a transaction every statement is one of its own */
    if (!in_transaction(s))
        s->generation++;
}

bool session_file_no_transaction(const session *s)
{
    return s->marked_src;
}

const txn_directive *session_file_directive(const session *s)
{
    return s->directive;
}

void session_set_autocommit(session *s, bool autocommit)
{
    s->autocommit = autocommit;
}

void session_set_directive_runner(session *s, const char *runner)
{
    s->directive_runner = runner;
}

void session_set_bundled(session *s, bool bundled)
{
    s->bundled = bundled;
}

bool session_in_block(const session *s)
{
    return s->in_block;
}

stmt_anchor session_block_start(const session *s)
{
    return s->block_start;
}

bool session_in_transaction(const session *s)
{
    return in_transaction(s);
}

bool session_txn_assumed(const session *s)
{
    return !s->in_block && in_transaction(s);
}

bool session_controls_transactions(const session *s)
{
    return s->controls;
}

unsigned long session_txn_generation(const session *s)
{
    return s->generation;
}
