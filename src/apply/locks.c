/*
 * locks.c: which relation locks a statement took, from the locks its session holds
 * after it; see locks.h.
 */
#include "apply/locks.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "parse/pgnode.h"
#include "parse/sqlparse.h"

const char apply_locks_sql[] =
    "SELECT l.relation::pg_catalog.text, o.schema, o.name, l.mode, o.type "
    "FROM pg_catalog.pg_lock_status() l, "
    "pg_catalog.pg_identify_object(1259::pg_catalog.oid, l.relation, 0) o "
    "WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted "
    "AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() "
    "AND l.relation OPERATOR(pg_catalog.>=) 16384::pg_catalog.oid "
    "AND NOT ((l.relation::pg_catalog.text OPERATOR(pg_catalog.||) ':' "
    "OPERATOR(pg_catalog.||) l.mode) OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[]))";

/* What a listed lock is not about: a TOAST table's (its table's says it), an index's
   weak ones (a query takes them with its table's). */
static bool left_out(const char *type, const char *mode)
{
    if (strcmp(type, "toast table") == 0)
        return true;
    return strcmp(type, "index") == 0 &&
           (strcmp(mode, "AccessShareLock") == 0 || strcmp(mode, "RowShareLock") == 0 ||
            strcmp(mode, "RowExclusiveLock") == 0);
}

/* The index of the first held lock ordered at or after (oid, mode) (mode NULL: the
   first of oid); held is sorted by oid, then mode. */
static size_t lower_bound(const lock_tracker *t, unsigned oid, const char *mode)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const lock_held *h = &t->held[mid];
        int c = h->oid != oid ? (h->oid < oid ? -1 : 1) : mode ? strcmp(h->mode, mode) : 0;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The held lock (oid, mode), or with mode NULL any held lock on oid; or NULL. */
static lock_held *find(lock_tracker *t, unsigned oid, const char *mode)
{
    size_t i = lower_bound(t, oid, mode);
    if (i < t->n && t->held[i].oid == oid && (!mode || strcmp(t->held[i].mode, mode) == 0))
        return &t->held[i];
    return NULL;
}

static bool lock_created_relation(const char *text, char **schema, char **name)
{
    parsed_sql p = sql_parse(text);
    const cJSON *rel = NULL;
    const char *index = NULL;
    if (p.nstmts == 1) {
        const char *kind = sql_node_kind(p.stmts[0]);
        const cJSON *f = sql_node_fields(p.stmts[0]);
        if (str_is(kind, "CreateStmt"))
            rel = field(f, "relation");
        else if (str_is(kind, "CreateTableAsStmt"))
            rel = field(field(f, "into"), "rel");
        else if (str_is(kind, "ViewStmt"))
            rel = field(f, "view");
        else if (str_is(kind, "CreateSeqStmt"))
            rel = field(f, "sequence");
        else if (str_is(kind, "IndexStmt") && (index = str_field(f, "idxname")) != NULL)
            rel = field(f, "relation"); /* an index lives in its table's schema */
    }
    const char *relname = index ? index : str_field(rel, "relname");
    bool found = relname != NULL;
    if (found) {
        const char *s = str_field(rel, "schemaname");
        *schema = s ? xstrdup(s) : NULL;
        *name = xstrdup(relname);
    }
    parsed_sql_free(&p);
    return found;
}

void lock_tracker_sent(lock_tracker *t, int seq, const char *kind, const char *text)
{
    static const char *const creates[] = {"CreateStmt", "CreateTableAsStmt", "ViewStmt",
                                          "CreateSeqStmt", "IndexStmt"};
    for (size_t i = 0; i < ARRAY_SIZE(creates); i++) {
        char *schema = NULL, *name = NULL;
        if (kind && strcmp(kind, creates[i]) == 0 && lock_created_relation(text, &schema, &name)) {
            GROW(t->creates, t->capcreates, t->ncreates + 1);
            t->creates[t->ncreates++] = (lock_created){seq, schema, name};
            return;
        }
    }
}

/* Forgets what statements up to seq create (all: INT_MAX); the later ones, sent in
   the pipeline before this listing's answer came, wait for their own listing. */
static void forget_creates(lock_tracker *t, int seq)
{
    size_t kept = 0;
    for (size_t i = 0; i < t->ncreates; i++) {
        if (t->creates[i].seq <= seq) {
            free(t->creates[i].schema);
            free(t->creates[i].name);
        } else {
            t->creates[kept++] = t->creates[i];
        }
    }
    t->ncreates = kept;
}

/* Whether a relation first locked now (schema.name) is one a statement sent since the
   last listing creates. */
static bool just_created(const lock_tracker *t, int seq, const char *schema, const char *name)
{
    for (size_t i = 0; i < t->ncreates; i++)
        if (t->creates[i].seq <= seq && strcmp(t->creates[i].name, name) == 0 &&
            (!t->creates[i].schema || strcmp(t->creates[i].schema, schema) == 0))
            return true;
    return false;
}

cJSON *lock_tracker_take(lock_tracker *t, const PGresult *res, int seq)
{
    cJSON *taken = cJSON_CreateArray();
    for (int i = 0; i < PQntuples(res); i++) {
        unsigned oid = (unsigned)strtoul(PQgetvalue(res, i, 0), NULL, 10);
        const char *mode = PQgetvalue(res, i, 3);
        if (left_out(PQgetvalue(res, i, 4), mode) || find(t, oid, mode))
            continue;
        /* a temporary relation's schema is the session's own pg_temp_N */
        const char *schema = strncmp(PQgetvalue(res, i, 1), "pg_temp_", 8) == 0
                                 ? "pg_temp"
                                 : PQgetvalue(res, i, 1);
        /* a relation dropped by now: the name it had when the transaction first
           locked it, else its oid */
        const lock_held *known = find(t, oid, NULL);
        char *relation = !PQgetisnull(res, i, 2)
                             ? xasprintf("%s.%s", schema, PQgetvalue(res, i, 2))
                         : known ? xstrdup(known->relation)
                                 : xasprintf("dropped relation (oid %u)", oid);
        bool created = known ? known->created
                             : !PQgetisnull(res, i, 2) &&
                                   just_created(t, seq, schema, PQgetvalue(res, i, 2));
        GROW(t->held, t->cap, t->n + 1);
        size_t at = lower_bound(t, oid, mode);
        memmove(&t->held[at + 1], &t->held[at], (t->n - at) * sizeof(lock_held));
        t->held[at] = (lock_held){
            .oid = oid, .mode = xstrdup(mode), .relation = relation, .created = created};
        t->n++;
        sb_addf(&t->keys, "%s%u:%s", t->keys.len ? "," : "", oid, mode);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "relation", relation);
        cJSON_AddStringToObject(o, "mode", mode);
        if (created)
            cJSON_AddBoolToObject(o, "created", true);
        cJSON_AddItemToArray(taken, o);
    }
    forget_creates(t, seq);
    return taken;
}

const char *lock_tracker_known(lock_tracker *t)
{
    sb_truncate(&t->param, 0);
    sb_addc(&t->param, '{');
    sb_add(&t->param, t->keys.buf ? t->keys.buf : "", t->keys.len);
    sb_addc(&t->param, '}');
    return t->param.buf;
}

void lock_tracker_reset(lock_tracker *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->held[i].mode);
        free(t->held[i].relation);
    }
    t->n = 0;
    sb_truncate(&t->keys, 0);
    forget_creates(t, INT_MAX);
}

void lock_tracker_free(lock_tracker *t)
{
    lock_tracker_reset(t);
    free(t->held);
    free(t->creates);
    sb_free(&t->keys);
    sb_free(&t->param);
    memset(t, 0, sizeof(*t));
}
